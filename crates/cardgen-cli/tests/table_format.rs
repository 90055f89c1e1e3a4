//! `--table-format delta` on the command line: a run killed before its
//! commit leaves no table version (so none points at a missing file), a
//! rerun commits exactly once, and bad input is one line naming the flag
//! with nothing written.
#![cfg(feature = "delta")]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cardgen::Table;
use common::{assert_one_line_error, cardgen};

const DATASET: [&str; 10] = [
    "--rows",
    "1M",
    "--batch-rows",
    "20k",
    "--threads",
    "2",
    "--parts",
    "2",
    "--table-format",
    "delta",
];

/// The versions of `table`'s Delta log, by file name.
fn versions(out: &Path, table: &str) -> Vec<String> {
    let dir = out.join(table).join("_delta_log");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn sigkill_before_the_commit_leaves_no_version_and_a_rerun_commits_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let child = Command::new(assert_cmd::cargo::cargo_bin!("cardgen"))
        .arg("generate")
        .args(DATASET)
        .arg("--out")
        .arg(&out)
        .env("CARDGEN_FAULT", "slow-batches:100")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the first part's files are being written.
    let started = Instant::now();
    while !out.join("_cardgen/dataset.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), None, "killed by the signal");
    for table in Table::ALL.map(Table::name) {
        assert!(versions(&out, table).is_empty(), "{table}: no version yet");
    }

    // `finish` finds the dataset incomplete and commits nothing.
    let finish = cardgen().arg("finish").arg(&out).output().unwrap();
    assert_eq!(finish.status.code(), Some(1));
    assert!(
        Table::ALL
            .map(Table::name)
            .iter()
            .all(|t| versions(&out, t).is_empty())
    );

    // The rerun writes every part and commits each table once.
    let rerun = cardgen()
        .arg("generate")
        .args(DATASET)
        .arg("--out")
        .arg(&out)
        .arg("--overwrite")
        .output()
        .unwrap();
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    for table in Table::ALL.map(Table::name) {
        assert_eq!(
            versions(&out, table),
            ["00000000000000000000.json"],
            "{table}"
        );
        assert!(
            stderr.contains(&format!("committed {table}")),
            "{table} in:\n{stderr}"
        );
    }

    // And `finish` after it finds every table committed.
    let finish = cardgen().arg("finish").arg(&out).output().unwrap();
    assert!(finish.status.success());
    let stdout = String::from_utf8_lossy(&finish.stdout);
    assert_eq!(
        stdout.matches("already committed").count(),
        Table::ALL.len(),
        "{stdout}"
    );
    assert!(
        Table::ALL
            .map(Table::name)
            .iter()
            .all(|t| versions(&out, t).len() == 1)
    );
}

#[test]
fn bad_table_formats_are_one_line_naming_the_flag_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str, &[&str]); 2] = [
        (
            &["--table-format", "hudi", "--out"],
            "lake",
            &["--table-format hudi", "parquet, delta, iceberg"],
        ),
        (
            &["--table-format", "delta", "--out"],
            "one.parquet",
            &["--table-format delta", ".parquet file"],
        ),
    ];
    for (args, name, needles) in cases {
        let output = cardgen()
            .args(["generate", "--rows", "10k"])
            .args(args)
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, needles, name);
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}
