//! Faults end cleanly: a clear one-line error or the signal's exit status, no
//! file under the final name unless it is complete, no temporary file left,
//! and no hang. Fault hooks (`CARDGEN_FAULT`) exist in debug builds only.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_one_line_error, cardgen, files_in, precondition_missing};

const TIMEOUT: Duration = Duration::from_secs(60);

fn binary() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin!("cardgen").to_path_buf()
}

/// A long run: each batch is slowed down so signals land in the middle.
fn start_slow_run(out: &Path, extra: &[&str]) -> Child {
    Command::new(binary())
        .args([
            "generate",
            "--rows",
            "5M",
            "--batch-rows",
            "50k",
            "--threads",
            "2",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .env("CARDGEN_FAULT", "slow-batches:100")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(path: &Path) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < TIMEOUT,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn stderr_of(child: Child) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn sigint_stops_within_two_seconds_with_130_and_removes_the_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("interrupted.parquet");
    let child = start_slow_run(&out, &[]);
    wait_for(&dir.path().join(".interrupted.parquet.inprogress"));
    send(&child, "-INT");
    let (code, stderr, took) = stderr_of(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        files_in(dir.path()).is_empty(),
        "left {:?}",
        files_in(dir.path())
    );
}

#[test]
fn sigterm_stops_with_143_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kept.parquet");
    std::fs::write(&out, b"old contents").unwrap();
    let child = start_slow_run(&out, &["--overwrite"]);
    wait_for(&dir.path().join(".kept.parquet.inprogress"));
    send(&child, "-TERM");
    let (code, stderr, _) = stderr_of(child);
    assert_eq!(code, Some(143), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), b"old contents");
    assert_eq!(files_in(dir.path()), vec!["kept.parquet"]);
}

#[test]
fn kill_9_never_leaves_a_file_under_the_final_name() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.parquet");
    let mut child = start_slow_run(&fresh, &[]);
    wait_for(&dir.path().join(".fresh.parquet.inprogress"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !fresh.exists(),
        "a killed run left a file under the final name"
    );

    let old = dir.path().join("old.parquet");
    std::fs::write(&old, b"old contents").unwrap();
    let mut child = start_slow_run(&old, &["--overwrite"]);
    wait_for(&dir.path().join(".old.parquet.inprogress"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&old).unwrap(), b"old contents");
}

#[test]
fn a_producer_panic_ends_the_run_with_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("panic.parquet");
    let output = cardgen()
        .args([
            "generate",
            "--rows",
            "2M",
            "--batch-rows",
            "100k",
            "--threads",
            "2",
            "--out",
        ])
        .arg(&out)
        .env("CARDGEN_FAULT", "panic-at-batch:3")
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    assert_one_line_error(&output, 1, &["panicked on batch 3"], "producer panic");
    assert!(
        files_in(dir.path()).is_empty(),
        "left {:?}",
        files_in(dir.path())
    );
}

/// Mounts a 2 MB tmpfs, or says why it cannot.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "cardgen-full-disk"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if output.status.success() {
            Ok(Self { dir })
        } else {
            let said = String::from_utf8_lossy(&output.stderr);
            Err(format!(
                "mounting a 2 MB tmpfs needs root (CI runs as root); mount said: {}",
                said.lines().next().unwrap_or("nothing").trim()
            ))
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_gives_a_clear_error_and_leaves_nothing() {
    let disk = match SmallDisk::mount() {
        Ok(disk) => disk,
        Err(reason) => {
            return precondition_missing(
                "a_full_disk_gives_a_clear_error_and_leaves_nothing",
                &reason,
            );
        }
    };
    let out = disk.dir.path().join("full.parquet");
    let output = cardgen()
        .args(["generate", "--rows", "1M", "--batch-rows", "100k", "--out"])
        .arg(&out)
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    assert_one_line_error(
        &output,
        1,
        &["full.parquet", "No space left on device"],
        "full disk",
    );
    assert!(
        files_in(disk.dir.path()).is_empty(),
        "left {:?}",
        files_in(disk.dir.path())
    );
}

#[test]
fn sigint_in_a_dataset_in_parts_keeps_finished_parts_and_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lake");
    let child = start_slow_run(&out, &["--parts", "4", "--target-file-size", "1MiB"]);
    // Part 0 is finished once its manifest appears; part 1 is then under way.
    wait_for(&out.join("_cardgen/parts/part-00000.json"));
    send(&child, "-INT");
    let (code, stderr, took) = stderr_of(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        stderr.contains("parts finished before are kept"),
        "{stderr}"
    );
    let mut pending = vec![out.clone()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".inprogress"), "left {name}");
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            }
        }
    }
    assert!(!out.join("_SUCCESS").exists());
    // The finished part is whole; the interrupted ones are missing, by name.
    let verified = cardgen().arg("verify").arg(&out).output().unwrap();
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("parts missing"), "{stdout}");
    assert!(!stdout.contains("FAIL file"), "{stdout}");
}
