//! `generate --parts`: a dataset in parts from the command line, its bad
//! input, `finish` and `verify`.

mod common;

use std::path::Path;

use common::{assert_one_line_error, cardgen, files_in};

fn generate_part(out: &Path, extra: &[&str]) -> std::process::Output {
    cardgen()
        .args([
            "generate", "-q", "--rows", "200k", "--seed", "7", "--days", "30",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The names of every file under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<String> {
    common::files_under(dir).into_keys().collect()
}

#[test]
fn parts_written_one_by_one_then_finished_equal_one_run_of_all_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (all, one_by_one) = (dir.path().join("all"), dir.path().join("one_by_one"));
    let layout = ["--parts", "3", "--partition-by", "day"];
    assert!(generate_part(&all, &layout).status.success());
    for part in ["2", "0", "1"] {
        let output = generate_part(&one_by_one, &[&layout[..], &["--part", part]].concat());
        assert!(output.status.success(), "{output:?}");
    }
    assert!(!one_by_one.join("_SUCCESS").exists());
    cardgen()
        .args(["-q", "finish"])
        .arg(&one_by_one)
        .assert()
        .success();
    let names = tree(&all);
    assert_eq!(names, tree(&one_by_one));
    assert!(names.contains(&"transactions/event_date=2025-01-30/part-00002-0009.parquet".into()));
    for name in names.iter().filter(|n| *n != "_SUCCESS") {
        let same =
            std::fs::read(all.join(name)).unwrap() == std::fs::read(one_by_one.join(name)).unwrap();
        assert!(same, "{name} differs");
    }
    let verified = cardgen().arg("verify").arg(&all).output().unwrap();
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{stdout}");
    assert!(
        stdout.contains("PASS") && stdout.contains("200,000 rows"),
        "{stdout}"
    );
}

#[test]
fn finish_and_verify_name_the_missing_parts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    assert!(
        generate_part(&out, &["--parts", "4", "--part", "1"])
            .status
            .success()
    );
    let output = cardgen().arg("finish").arg(&out).output().unwrap();
    assert_one_line_error(&output, 1, &["3 of 4 parts missing (0, 2-3)"], "finish");
    assert!(!out.join("_SUCCESS").exists());
    let output = cardgen().arg("verify").arg(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("FAIL") && stdout.contains("(0, 2-3)"),
        "{stdout}"
    );
}

/// (flags, text the error must contain): one line, exit 2, nothing written.
const BAD_PARTS: &[(&[&str], &[&str])] = &[
    (&["--part", "1"], &["--part 1: needs --parts"]),
    (&["--parts", "4", "--part", "4"], &["--part 4", "0 to 3"]),
    (&["--parts", "4", "--part", "9"], &["--part 9"]),
    (&["--parts", "0"], &["--parts", "1 to 100000"]),
    (&["--parts", "-2"], &["--parts"]),
    (&["--parts", "2", "--part", "-1"], &["--part"]),
    (
        &["--parts", "2", "--partition-by", "week"],
        &["--partition-by", "day, month, none"],
    ),
    (
        &["--parts", "2", "--target-file-size", "10k"],
        &["--target-file-size", "1MiB to 64GiB"],
    ),
    (&["--parts", "2", "--writers", "0"], &["--writers"]),
];

#[test]
fn bad_part_flags_are_named_in_one_line_and_nothing_is_written() {
    for (flags, needles) in BAD_PARTS {
        let dir = tempfile::tempdir().unwrap();
        let output = generate_part(&dir.path().join("lake"), flags);
        assert_one_line_error(&output, 2, needles, &format!("{flags:?}"));
        assert!(files_in(dir.path()).is_empty(), "{flags:?}");
    }
}

#[test]
fn parts_need_a_directory_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = generate_part(&dir.path().join("x.parquet"), &["--parts", "2"]);
    assert_one_line_error(&output, 2, &["--parts", "--out", ".parquet"], "file out");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_part_with_other_options_than_the_dataset_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    assert!(
        generate_part(&out, &["--parts", "2", "--part", "0"])
            .status
            .success()
    );
    let before = tree(&out);
    let output = cardgen()
        .args([
            "generate", "-q", "--rows", "200k", "--seed", "8", "--days", "30",
        ])
        .args(["--parts", "2", "--part", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_one_line_error(
        &output,
        2,
        &["--seed:", "written with --seed 7, not 8"],
        "other seed",
    );
    let output = generate_part(&out, &["--parts", "3", "--part", "1"]);
    assert_one_line_error(
        &output,
        2,
        &["--parts:", "written with --parts 2, not 3"],
        "other parts",
    );
    let output = generate_part(&out, &["--parts", "2", "--part", "0"]);
    assert_one_line_error(&output, 2, &["--part 0", "--overwrite"], "part again");
    assert_eq!(tree(&out), before);
}

#[test]
fn an_unknown_url_scheme_is_refused_by_name() {
    for out in ["ftp://host/data/", "ftp://host/data/x.parquet"] {
        let output = cardgen()
            .args(["generate", "--rows", "10", "--out", out])
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, &["--out", "unknown URL scheme `ftp://`"], out);
    }
}
