#![cfg(feature = "stream")]
//! `cardgen stream` on the command line: bad input is one line naming the
//! flag, exit 2, nothing sent; a stream to a file is the batch dataset's
//! rows as JSON lines; pacing follows `--rate`.

mod common;

use common::{assert_one_line_error, cardgen, files_in, read_batches};

/// (arguments after `stream`, the flag the error must name)
const BAD_INPUTS: &[(&[&str], &str)] = &[
    (&["--to", "kafka://broker/events"], "--to"),
    (&["--to", "kafka://127.0.0.1:9092/"], "--to"),
    (&["--to", "http://example/events"], "--to"),
    (&["--labels-to", "ftp://x/y"], "--labels-to"),
    (&["--speed", "0"], "--speed"),
    (&["--speed", "-2"], "--speed"),
    (&["--speed", "fast"], "--speed"),
    (&["--rate", "0"], "--rate"),
    (&["--late-share", "1.5"], "--late-share"),
    (&["--late-share", "-0.1"], "--late-share"),
    (&["--late-delay", "2h..1m"], "--late-delay"),
    (&["--late-delay", "soon"], "--late-delay"),
    (&["--format", "xml"], "--format"),
    (&["--from-row", "2000"], "--from-row"),
    (&["--rows", "abc"], "--rows"),
    (&["--start", "tomorrow"], "--start"),
    (&["--compression", "zstd"], "--compression"),
];

#[test]
fn each_bad_flag_is_named_in_one_line_and_nothing_is_sent() {
    for (args, flag) in BAD_INPUTS {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events.jsonl");
        let output = cardgen()
            .args(["stream", "--rows", "1000", "--to"])
            .arg(&events)
            .args(*args)
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, &[flag], &format!("{args:?}"));
        assert!(output.stdout.is_empty(), "{args:?}: sent to stdout");
        assert!(
            files_in(dir.path()).is_empty(),
            "{args:?}: wrote {:?}",
            files_in(dir.path())
        );
    }
}

#[test]
fn a_stream_to_a_file_is_the_generated_rows_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let parquet = dir.path().join("t.parquet");
    let dataset = ["--rows", "5000", "--days", "3", "--seed", "9"];
    let output = cardgen()
        .arg("stream")
        .args(dataset)
        .arg("--to")
        .arg(&events)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sent 5,000 events"), "{stderr}");
    let output = cardgen()
        .arg("generate")
        .args(dataset)
        .arg("--out")
        .arg(&parquet)
        .output()
        .unwrap();
    assert!(output.status.success());

    let text = std::fs::read_to_string(&events).unwrap();
    let sent: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut written = Vec::new();
    for batch in read_batches(&parquet) {
        let ids = batch.column_by_name("txn_id").unwrap();
        let amounts = batch.column_by_name("amount").unwrap();
        let ids = ids
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        let amounts = amounts
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        written.extend(
            ids.iter()
                .zip(amounts.iter())
                .map(|(i, a)| (i.unwrap(), a.unwrap())),
        );
    }
    let streamed: Vec<(i64, i64)> = sent
        .iter()
        .map(|e| (e["txn_id"].as_i64().unwrap(), e["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        streamed, written,
        "the same rows, in the same order without late events"
    );
}

#[test]
fn rate_paces_the_stream() {
    let started = std::time::Instant::now();
    let output = cardgen()
        .args([
            "stream", "--rows", "1000", "--days", "1", "--rate", "2000", "--to", "-",
        ])
        .output()
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert!(output.status.success());
    assert_eq!(output.stdout.iter().filter(|&&b| b == b'\n').count(), 1000);
    // 1000 events at 2000 a second: half a second, not much less.
    assert!(elapsed >= 0.45, "{elapsed}");
}
