#![cfg(feature = "stream")]
//! A stream of events is the batch dataset, row for row, in event-time
//! order: late events and labels sent when their time comes, and a stream
//! stopped and resumed from its checkpoint sends every message once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cardgen::stream::{StreamOptions, stream};
use cardgen::{Error, NoProgress, Progress, ReadOptions, RecordBatch, Table};
use serde_json::{Map, Value};

const ROWS: u64 = 30_000;

fn options(dir: &Path, extra: &[(&str, &str)]) -> StreamOptions {
    let events = dir.join("events.jsonl");
    let labels = dir.join("labels.jsonl");
    let mut pairs = vec![
        ("rows", "30k".to_string()),
        ("days", "10".to_string()),
        ("seed", "7".to_string()),
        ("threads", "2".to_string()),
        ("batch_rows", "4k".to_string()),
        ("to", events.to_string_lossy().into_owned()),
        ("labels_to", labels.to_string_lossy().into_owned()),
    ];
    pairs.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    StreamOptions::from_pairs(pairs).unwrap()
}

fn lines(path: &Path) -> Vec<Map<String, Value>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .unwrap()
                .as_object()
                .unwrap()
                .clone()
        })
        .collect()
}

/// The batch dataset's rows as JSON objects, by txn_id.
fn batch_rows(options: &StreamOptions) -> HashMap<i64, Map<String, Value>> {
    let dataset = options.spec().build().unwrap();
    let mut rows = HashMap::new();
    let batches = dataset
        .batches(Table::Transactions, 0..ROWS, &ReadOptions::default())
        .unwrap();
    for batch in batches {
        let batch = offset_zone(batch.unwrap());
        let mut writer = arrow_json::LineDelimitedWriter::new(Vec::new());
        writer.write(&batch).unwrap();
        writer.finish().unwrap();
        for line in String::from_utf8(writer.into_inner()).unwrap().lines() {
            let row: Map<String, Value> = serde_json::from_str(line).unwrap();
            rows.insert(row["txn_id"].as_i64().unwrap(), row);
        }
    }
    rows
}

/// Timestamps in the profile's fixed offset (+09:00), as events show them.
fn offset_zone(batch: RecordBatch) -> RecordBatch {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampMicrosecondType;
    use arrow_schema::{DataType, Field, Schema};
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if let DataType::Timestamp(_, Some(_)) = field.data_type() {
            let ts = column.as_primitive::<TimestampMicrosecondType>().clone();
            let ts = ts.with_timezone("+09:00");
            fields.push(Field::new(
                field.name(),
                ts.data_type().clone(),
                field.is_nullable(),
            ));
            columns.push(Arc::new(ts) as arrow_array::ArrayRef);
        } else {
            fields.push(field.as_ref().clone());
            columns.push(Arc::clone(column));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

fn micros(value: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .timestamp_micros()
}

#[test]
fn the_events_are_the_batch_rows_in_event_time_order_with_late_events_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let options = options(
        dir.path(),
        &[("late_share", "0.05"), ("late_delay", "1m..3h")],
    );
    let summary = stream(&options, &NoProgress).unwrap();
    assert_eq!(summary.events, ROWS);

    let events = lines(&dir.path().join("events.jsonl"));
    let mut batch = batch_rows(&options);
    assert_eq!(events.len() as u64, ROWS);
    let mut late = 0;
    let mut last_emit = i64::MIN;
    for mut event in events {
        let emit = micros(&event.remove("emit_ts").unwrap());
        assert!(emit >= last_emit, "sent in emit-time order");
        last_emit = emit;
        let event_ts = micros(&event["event_ts"]);
        if emit > event_ts {
            late += 1;
            assert!((60_000_000..=10_800_000_000).contains(&(emit - event_ts)));
        }
        let expected = batch
            .remove(&event["txn_id"].as_i64().unwrap())
            .expect("each row once");
        assert_eq!(event, expected, "the same values as the batch");
    }
    assert!(batch.is_empty(), "every row sent");
    let share = f64::from(late) / ROWS as f64;
    assert!((0.035..0.065).contains(&share), "{share}");

    let truth: Vec<_> = batch_rows(&options)
        .into_values()
        .filter(|row| row.contains_key("label_ts"))
        .collect();
    let labels = lines(&dir.path().join("labels.jsonl"));
    assert!(!truth.is_empty(), "the dataset has detected fraud");
    assert_eq!(
        labels.len(),
        truth.len(),
        "one label per detected fraud row"
    );
    assert_eq!(summary.labels as usize, truth.len());
    for label in &labels {
        let row = truth
            .iter()
            .find(|r| r["txn_id"] == label["txn_id"])
            .unwrap();
        assert_eq!(label["case_id"], row["fraud_case_id"]);
        assert_eq!(label["fraud_type"], row["fraud_type"]);
        assert_eq!(label["label_ts"], row["label_ts"]);
        assert!(
            micros(&label["emit_ts"]) >= micros(&label["label_ts"]),
            "never before label_ts"
        );
        assert!(label["label_source"].is_string());
    }
}

#[test]
fn messages_awaiting_confirmation_stay_bounded_behind_a_quiet_labels_file() {
    // Labels are few: their file must still be flushed and its messages
    // confirmed, or the record of unconfirmed messages grows with the stream.
    let dir = tempfile::tempdir().unwrap();
    let options = options(dir.path(), &[("rows", "400k"), ("days", "60")]);
    let summary = stream(&options, &NoProgress).unwrap();
    assert!(summary.labels > 0);
    assert!(
        summary.unconfirmed_most <= 140_000,
        "{}",
        summary.unconfirmed_most
    );
}

#[test]
fn from_row_skips_the_rows_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let options = options(dir.path(), &[("from_row", "29990")]);
    stream(&options, &NoProgress).unwrap();
    let ids: Vec<i64> = lines(&dir.path().join("events.jsonl"))
        .iter()
        .map(|e| e["txn_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 10);
    let batch = batch_rows(&options);
    assert!(ids.iter().all(|id| batch[id]["txn_id"] == *id));
}

/// Stops the stream once `after` rows have been generated.
struct StopAfter {
    rows: AtomicU64,
    after: u64,
    cancel: Arc<AtomicBool>,
}

impl Progress for StopAfter {
    fn advanced(&self, _: &str, rows: u64, _: u64) {
        if self.rows.fetch_add(rows, Ordering::Relaxed) + rows >= self.after {
            self.cancel.store(true, Ordering::Relaxed);
        }
    }
}

#[test]
fn a_stream_stopped_and_resumed_sends_every_message_once() {
    let whole = tempfile::tempdir().unwrap();
    let late = [("late_share", "0.1"), ("late_delay", "10m..1d")];
    stream(&options(whole.path(), &late), &NoProgress).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("stream.checkpoint");
    let checkpoint_text = checkpoint.to_string_lossy().into_owned();
    let mut with_resume = late.to_vec();
    with_resume.push(("resume", &checkpoint_text));
    let cancel = Arc::new(AtomicBool::new(false));
    let stopped = options(dir.path(), &with_resume).with_cancel(Arc::clone(&cancel));
    let stop = StopAfter {
        rows: AtomicU64::new(0),
        after: 12_000,
        cancel,
    };
    let err = stream(&stopped, &stop).unwrap_err();
    assert!(matches!(err, Error::Interrupted { .. }), "{err}");
    assert!(err.to_string().contains("go on with `resume`"), "{err}");
    let partial = std::fs::read(dir.path().join("events.jsonl")).unwrap();
    assert!(!partial.is_empty());

    let summary = stream(&options(dir.path(), &with_resume), &NoProgress).unwrap();
    assert!(summary.events < ROWS, "the resumed run sends only the rest");
    for file in ["events.jsonl", "labels.jsonl"] {
        let resumed = std::fs::read(dir.path().join(file)).unwrap();
        let once = std::fs::read(whole.path().join(file)).unwrap();
        assert!(
            resumed == once,
            "{file}: the same bytes as a stream never stopped"
        );
    }

    // Other options than the checkpoint's are refused, naming the option.
    with_resume.push(("seed", "8"));
    let err = stream(&options(dir.path(), &with_resume), &NoProgress).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("seed = 8, but the stream checkpoint"),
        "{err}"
    );
}

#[test]
fn a_file_that_holds_events_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.jsonl"), "keep me\n").unwrap();
    let err = stream(&options(dir.path(), &[]), &NoProgress).unwrap_err();
    assert!(err.to_string().contains("already holds events"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap(),
        "keep me\n"
    );
}

#[test]
fn avro_events_carry_the_schema_that_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let options = options(dir.path(), &[("format", "avro"), ("rows", "1k")]);
    let schema = cardgen::stream::avro_schema(&options, false).unwrap();
    let schema: Value = serde_json::from_str(&schema).unwrap();
    let names: Vec<&str> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"txn_id"));
    assert_eq!(
        names.last(),
        Some(&"emit_ts"),
        "a file's events say when they were sent"
    );
    let summary = stream(&options, &NoProgress).unwrap();
    assert_eq!(summary.events, 1_000);
    let bytes = std::fs::read(dir.path().join("events.jsonl")).unwrap();
    // Length-prefixed datums, one per event.
    let (mut at, mut count) = (0, 0);
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + len;
        count += 1;
    }
    assert_eq!((at, count), (bytes.len(), 1_000));
}
