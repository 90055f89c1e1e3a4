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
    // A first commit looks for the table before creating it: not an error.
    assert!(!stderr.contains("ERROR"), "{stderr}");
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

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                found.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

#[test]
fn sigkill_during_an_append_keeps_the_previous_version_and_the_rerun_commits_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let first = cardgen()
        .arg("generate")
        .args(DATASET)
        .args(["--days", "31", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(first.status.success());
    let manifest = std::fs::read(out.join("_cardgen/dataset.json")).unwrap();
    let append = ["--append", "--rows", "600k", "--days", "28"];
    let child = Command::new(assert_cmd::cargo::cargo_bin!("cardgen"))
        .arg("generate")
        .args(append)
        .arg("--out")
        .arg(&out)
        .env("CARDGEN_FAULT", "slow-batches:100")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !out.join("_cardgen/append.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(child.wait_with_output().unwrap().status.code(), None);
    // Version 0 is still the latest, and the dataset is what it was.
    for table in Table::ALL.map(Table::name) {
        assert_eq!(
            versions(&out, table),
            ["00000000000000000000.json"],
            "{table}"
        );
    }
    assert_eq!(
        std::fs::read(out.join("_cardgen/dataset.json")).unwrap(),
        manifest
    );

    // Another append is refused until this one is done.
    let other = cardgen()
        .args([
            "generate", "--append", "--rows", "500k", "--days", "28", "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_one_line_error(
        &other,
        2,
        &["unfinished append", "--rows 600000"],
        "other append",
    );

    // The same append finishes it: version 1, once.
    let rerun = cardgen()
        .arg("generate")
        .args(append)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(rerun.status.success(), "{stderr}");
    assert!(
        stderr.contains("committed transactions   delta version 1"),
        "{stderr}"
    );
    assert_eq!(versions(&out, "transactions").len(), 2);
    assert_eq!(versions(&out, "customers").len(), 1);
    assert!(!out.join("_cardgen/append.json").exists());
    assert!(out.join("_SUCCESS").exists());
    let finish = cardgen().arg("finish").arg(&out).output().unwrap();
    assert!(finish.status.success());
    let stdout = String::from_utf8_lossy(&finish.stdout);
    assert_eq!(
        stdout.matches("already committed").count(),
        // Every table's first range, and the append's five tables.
        Table::ALL.len() + 5,
        "{stdout}"
    );
    assert_eq!(versions(&out, "transactions").len(), 2);
}

#[test]
fn an_append_that_would_change_the_world_is_one_line_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let first = cardgen()
        .args([
            "generate",
            "--rows",
            "20k",
            "--seed",
            "3",
            "--table-format",
            "delta",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(first.status.success());
    let before = snapshot(&out);
    let cases: [(&[&str], &[&str]); 3] = [
        (&["--seed", "4"], &["--seed 3, not 4", "leave --seed out"]),
        (
            &["--start", "2025-06-01"],
            &["--start 2025-06-01", "2026-01-01 or later"],
        ),
        (
            &["--part", "1", "--parts", "2"],
            &["--part 1", "in one run"],
        ),
    ];
    for (args, needles) in cases {
        let output = cardgen()
            .args(["generate", "--append", "--out"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, needles, &args.join(" "));
        assert_eq!(snapshot(&out), before, "{args:?} wrote something");
    }
    let nothing = cardgen()
        .args(["generate", "--append", "--out"])
        .arg(dir.path().join("nothing"))
        .output()
        .unwrap();
    assert_one_line_error(
        &nothing,
        2,
        &["--out", "no cardgen dataset to append to"],
        "no dataset",
    );
}
