//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use assert_cmd::Command;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// The `cardgen` binary built from this workspace.
pub fn cardgen() -> Command {
    assert_cmd::cargo_bin_cmd!("cardgen")
}

/// Runs `cardgen generate ARGS --out DIR/NAME -q`, asserts success, returns the path.
pub fn generate(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    cardgen()
        .arg("generate")
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    out
}

pub fn read_batches(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).expect("output exists");
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("valid parquet")
        .with_batch_size(64 * 1024)
        .build()
        .expect("reader")
        .collect::<Result<_, _>>()
        .expect("readable batches")
}

pub fn key_value(path: &Path, key: &str) -> Option<String> {
    let file = File::open(path).expect("output exists");
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("valid parquet");
    builder
        .metadata()
        .file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
}

pub fn row_count(path: &Path) -> i64 {
    let file = File::open(path).expect("output exists");
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("valid parquet")
        .metadata()
        .file_metadata()
        .num_rows()
}

/// Files in `dir`, by name, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Asserts that a finished command exited with `code` and printed exactly one
/// line on stderr containing every one of `needles`; `what` labels failures.
pub fn assert_one_line_error(
    output: &std::process::Output,
    code: i32,
    needles: &[&str],
    what: &str,
) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}: exit code; stderr: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{what}: not one line: {stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{what}: message does not contain {needle}: {stderr}"
        );
    }
}

/// Whether the tests run in CI (`CI` set, as CI services and `.ci/run` do).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// For a test whose precondition (root, a font) is missing: in CI that is a
/// failure, since CI provides it; elsewhere the test prints `SKIPPED: test:
/// reason` straight to stderr, past the harness's output capture, and the
/// caller returns. Never a silent pass.
pub fn precondition_missing(test: &str, reason: &str) {
    if in_ci() {
        panic!("{test}: {reason}; CI must provide this (see .ci/run)");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
}

/// Every file under `dir`, recursively, by its `/`-separated name relative
/// to `dir`, with its bytes.
pub fn files_under(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(dir).unwrap().to_owned();
                let name = relative.to_string_lossy().replace('\\', "/");
                found.insert(name, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    found
}
