//! What cardgen writes on stderr when it is not a terminal: plain text.

mod common;

use common::cardgen;

#[test]
fn verbose_logs_into_a_pipe_or_file_hold_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    // `output()` captures stderr through a pipe, as `2>log` or `| tee` would.
    let output = cardgen()
        .args([
            "-v",
            "generate",
            "--rows",
            "20000",
            "--batch-rows",
            "5000",
            "--out",
        ])
        .arg(dir.path().join("x.parquet"))
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("DEBUG") && stderr.contains("starting"),
        "-v logged nothing to check: {stderr}"
    );
    assert!(
        !output.stderr.contains(&0x1b),
        "escape byte in the log: {stderr:?}"
    );
}
