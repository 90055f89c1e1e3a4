//! Bad input: one line naming the flag, a non-zero exit, nothing written.

mod common;

use common::{assert_one_line_error, cardgen, files_in};

/// (arguments after `generate`, text the error must contain)
const BAD_INPUTS: &[(&[&str], &str)] = &[
    (&["--rows", "-5"], "--rows"),
    (&["--rows", "abc"], "--rows"),
    (&["--rows", "1.5"], "--rows"),
    (&["--rows", ""], "--rows"),
    (&["--rows", "1e400"], "--rows"),
    (&["--threads", "0"], "--threads"),
    (&["--threads", "many"], "--threads"),
    (&["--threads", "-1"], "--threads"),
    (&["--threads", "5000"], "--threads"),
    (&["--compression", "foo"], "--compression"),
    (&["--compression", "zstd:99"], "--compression"),
    (&["--compression", "zstd:abc"], "--compression"),
    (&["--compression", "snappy:3"], "--compression"),
    (&["--batch-rows", "0"], "--batch-rows"),
    (&["--batch-rows", "100M"], "--batch-rows"),
    (&["--rows", "10G", "--batch-rows", "1000"], "--batch-rows"),
    (&["--start", "2025-02-30"], "--start"),
    (&["--start", "yesterday"], "--start"),
    (&["--start", "2025-13-01"], "--start"),
    (&["--days", "0"], "--days"),
    (&["--days", "-3"], "--days"),
    (&["--days", "40000"], "--days"),
    (&["--days", "2000"], "--days"),
    (&["--seed", "-1"], "--seed"),
    (&["--seed", "x"], "--seed"),
    (&["--seed", "18446744073709551616"], "--seed"),
    (&["--max-in-flight", "0"], "--max-in-flight"),
    (
        &["--max-in-flight", "1000", "--batch-rows", "1M"],
        "--max-in-flight",
    ),
    (&["--max-memory", "1k"], "--max-memory"),
    (&["--max-memory", "lots"], "--max-memory"),
    (&["--max-memory", "3B"], "--max-memory"),
    (&["--max-memory", "1e9"], "--max-memory"),
    (&["--max-memory", "1,5G"], "--max-memory"),
    (&["--max-memory", "2PB"], "--max-memory"),
    (&["--max-memory", "2000T"], "--max-memory"),
    (
        &["--batch-rows", "4M", "--max-memory", "100M"],
        "--batch-rows",
    ),
    (&["--bogus"], "--bogus"),
];

#[test]
fn each_bad_flag_is_named_in_one_line_and_nothing_is_written() {
    for (args, flag) in BAD_INPUTS {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.parquet");
        let output = cardgen()
            .arg("generate")
            .args(*args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, &[flag], &format!("{args:?}"));
        assert!(
            files_in(dir.path()).is_empty(),
            "{args:?}: wrote {:?}",
            files_in(dir.path())
        );
    }
}

#[test]
fn verify_rejects_bad_flags_too() {
    for args in [
        &["verify"][..],
        &["verify", "x.parquet", "--sample", "0"],
        &["verify", "x.parquet", "--deep=maybe"],
    ] {
        let output = cardgen().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    }
}

#[test]
fn an_out_file_name_that_is_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.parquet");
    std::fs::create_dir(&out).unwrap();
    let output = cardgen()
        .args(["generate", "--rows", "10", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--out") && stderr.contains("directory"),
        "{stderr}"
    );
    assert!(files_in(&out).is_empty());
}

#[test]
fn an_existing_output_is_left_untouched_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keep.parquet");
    std::fs::write(&out, b"precious").unwrap();
    let output = cardgen()
        .args(["generate", "--rows", "10", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("--out") && stderr.contains("--overwrite"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert_eq!(files_in(dir.path()), vec!["keep.parquet"]);
}

#[test]
fn overwrite_replaces_an_existing_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("replace.parquet");
    std::fs::write(&out, b"old").unwrap();
    cardgen()
        .args(["generate", "--rows", "10", "--overwrite", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"PAR1");
    assert_eq!(files_in(dir.path()), vec!["replace.parquet"]);
}

#[test]
fn an_output_directory_that_cannot_be_created_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a_file");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("sub").join("out.parquet");
    let output = cardgen()
        .args(["generate", "--rows", "10", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_one_line_error(&output, 2, &["--out"], "unwritable --out");
    assert_eq!(files_in(dir.path()), vec!["a_file"]);
}

#[test]
fn a_finished_run_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    common::generate(dir.path(), "done.parquet", &["--rows", "1000"]);
    assert_eq!(files_in(dir.path()), vec!["done.parquet"]);
}

#[test]
fn max_memory_takes_byte_sizes_and_says_what_it_accepts() {
    let dir = tempfile::tempdir().unwrap();
    for size in ["512MiB", "2GB", "1.5G", "1000000000"] {
        common::generate(
            dir.path(),
            "sized.parquet",
            &["--rows", "1000", "--overwrite", "--max-memory", size],
        );
    }
    for (size, needles) in [
        ("512XB", &["--max-memory", "512MiB", "KiB/MiB/GiB/TiB"][..]),
        ("3B", &["--max-memory", "3 bytes", "out of range"][..]),
    ] {
        let output = cardgen()
            .args(["generate", "--rows", "1000", "--max-memory", size, "--out"])
            .arg(dir.path().join("refused.parquet"))
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, needles, size);
    }
    assert_eq!(files_in(dir.path()), vec!["sized.parquet"]);
}

/// A build without a table format's feature says which feature to build
/// with, before anything is written.
#[cfg(not(feature = "delta"))]
#[test]
fn a_table_format_not_built_in_names_its_feature() {
    let dir = tempfile::tempdir().unwrap();
    let output = cardgen()
        .args([
            "generate",
            "--rows",
            "10k",
            "--table-format",
            "delta",
            "--out",
        ])
        .arg(dir.path().join("lake"))
        .output()
        .unwrap();
    assert_one_line_error(
        &output,
        2,
        &["--table-format delta", "feature `delta`"],
        "delta",
    );
    assert!(files_in(dir.path()).is_empty());
}
