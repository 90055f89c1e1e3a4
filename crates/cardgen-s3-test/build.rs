//! Looks for `weed` as the S3 tests will (src/weed.rs). Without it, and not
//! under CI, `#[s3_test]` marks tests ignored with the reason in
//! `CARDGEN_S3_TEST_IGNORE`; under CI they run and fail, since CI installs it.
//!
//! This is a test-only crate, so that looking at `PATH` costs a rebuild of
//! the tests that use `#[s3_test]` when it changes, not of the libraries.

#[path = "src/weed.rs"]
mod weed;

use std::path::PathBuf;

fn main() {
    for var in ["CARDGEN_WEED", "PATH", "CI"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = weed::workspace_root(&manifest);
    match weed::find_weed(&workspace) {
        // Looked for again if it goes away.
        Ok(weed) => println!("cargo:rerun-if-changed={}", weed.display()),
        Err(why) => {
            // Looked for again when something is installed into the venv.
            // Only a directory that exists: a missing one would make cargo
            // run this, and rebuild every test using it, on every build. A
            // venv made after this ran is noticed when CARDGEN_WEED or PATH
            // changes (.ci/run sets CARDGEN_WEED).
            let venv_bin = weed::venv_weed(&workspace).with_file_name("");
            if venv_bin.is_dir() {
                println!("cargo:rerun-if-changed={}", venv_bin.display());
            }
            if !weed::in_ci() {
                let reason = format!("needs SeaweedFS's weed ({why}): {}", weed::INSTALL);
                println!("cargo:rustc-env=CARDGEN_S3_TEST_IGNORE={reason}");
            }
        }
    }
}
