//! `cardgen bench` measures every mode and thread count and writes its results.

mod common;

use common::{cardgen, generate, precondition_missing, read_batches};

#[test]
fn bench_writes_a_row_per_run_a_summary_and_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let output = cardgen()
        .args([
            "bench",
            "--rows",
            "200k",
            "--batch-rows",
            "50k",
            "--threads",
            "1,2",
            "--reps",
            "2",
            "--out-dir",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for mode in ["write", "encode", "generate"] {
        assert!(stdout.contains(&format!("| {mode} | 2 |")), "{stdout}");
    }
    let csv = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 2 * 2, "{csv}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"median_rows_per_sec\""), "{summary}");
    assert!(!out.join("bench-output.parquet.tmp").exists());
    let chart = out.join("throughput.png");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if chart.exists() {
        assert_eq!(&std::fs::read(chart).unwrap()[1..4], b"PNG");
    } else if stderr.contains("no TrueType font found") {
        // The chart's text needs a system font (see src/chart.rs).
        precondition_missing(
            "bench_writes_a_row_per_run_a_summary_and_a_chart",
            "no TrueType font for the chart's text (apt-get install fonts-dejavu-core)",
        );
    } else {
        panic!("no chart drawn; stderr: {stderr}");
    }
}

#[test]
fn the_reference_table_has_the_twelve_comparison_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = generate(
        dir.path(),
        "reference.parquet",
        &["--table", "reference", "--rows", "10000"],
    );
    let batches = read_batches(&path);
    let names: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "transaction_id",
            "ts",
            "card_number",
            "customer_id",
            "merchant_id",
            "mcc",
            "amount",
            "currency",
            "channel",
            "region",
            "installment_months",
            "is_fraud"
        ]
    );
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 10_000);
}
