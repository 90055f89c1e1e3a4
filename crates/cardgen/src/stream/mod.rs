//! A dataset's transactions as a live stream of events, with the fraud
//! labels an issuer learns later.
//!
//! [`stream`] sends the `transactions` rows of the dataset its
//! [`StreamOptions`] describe — the same rows, values and ids as
//! [`generate`](crate::generate()) writes for the same options — as one
//! message per row, in event-time order, to standard output, a file or a
//! Kafka topic (`kafka` feature), keyed by card so that each card's
//! events stay in order. On the way:
//!
//! - **time**: replay sends as fast as the sink takes messages; `speed`
//!   paces them by event time, `rate` caps them per second, and
//!   `start = now` shifts every time so the range begins as the stream
//!   does;
//! - **late events**: `late_share` of the rows are sent `late_delay`
//!   after their event time, as terminals that were offline catch up;
//! - **labels**: with `labels_to`, each fraud row whose case is detected
//!   gets a label message sent at its `label_ts`;
//! - **restart**: with `resume`, a checkpoint follows what the sinks
//!   confirmed, and a stream started again from it sends every message
//!   exactly once (a file is cut back to its confirmed bytes; a topic's
//!   partitions say which messages already arrived).
//!
//! The workers generate and encode messages ([`messages`]); one thread
//! orders, paces and sends them ([`order`], [`pace`], [`run`]).

mod checkpoint;
mod format;
mod json;
#[cfg(feature = "kafka")]
mod kafka;
mod messages;
mod options;
mod order;
mod pace;
mod payloads;
mod run;
mod sink;

use std::time::Duration;

use arrow_schema::SchemaRef;

pub use format::EventFormat;
pub use options::{DEFAULT_LATE_DELAY, DEFAULT_STREAM_BATCH_ROWS, MAX_SPEED, StreamOptions};
pub use order::Position;
pub use sink::{SINKS_ACCEPTED, SinkUrl};

use crate::dataset::Dataset;
use crate::metadata::specification;
use crate::progress::Progress;
use crate::scenario::profile_crc;
use crate::setting::Error;
use crate::table::Table;
use sink::{Sink, WriteSink};

/// What a stream sent.
#[derive(Debug, Clone, Default)]
pub struct StreamSummary {
    pub events: u64,
    pub labels: u64,
    /// Payload bytes sent, framed as a file holds them (line ends, lengths).
    pub bytes: u64,
    pub elapsed: Duration,
    /// The most payload bytes held back at once (late events, labels).
    pub held_most: usize,
    /// The most messages sent and not yet confirmed at once.
    pub unconfirmed_most: usize,
    /// Where the stream stands: a `resume` goes on from here.
    pub position: Position,
}

/// Streams the dataset's transactions as `options` say; see the module
/// docs. Every option and sink is checked before the first message is
/// sent. A stop through the options' cancel flag sends what is in flight,
/// brings the checkpoint up to date and returns [`Error::Interrupted`]
/// saying where to go on.
///
/// ```
/// use cardgen::NoProgress;
/// use cardgen::stream::{StreamOptions, stream};
///
/// let dir = tempfile::tempdir()?;
/// let events = dir.path().join("events.jsonl");
/// let mut options = StreamOptions::default();
/// options.set("rows", "2k")?.set("days", "7")?.set("to", &events.to_string_lossy())?;
/// let summary = stream(&options, &NoProgress)?;
/// assert_eq!(summary.events, 2_000);
/// let first = std::fs::read_to_string(&events)?.lines().next().unwrap().to_string();
/// assert!(first.starts_with(r#"{"txn_id":0,"txn_type":"purchase""#), "{first}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stream(options: &StreamOptions, progress: &dyn Progress) -> Result<StreamSummary, Error> {
    run::run(options, progress)
}

/// The schema of the events (`labels = false`) or labels a stream with
/// `options` sends, as Arrow; `emit_ts` is there when the sink has no
/// record timestamp of its own.
pub fn payload_schema(options: &StreamOptions, labels: bool) -> Result<SchemaRef, Error> {
    let dataset = options.spec().build()?;
    let table = message_table(options, &dataset, 0)?;
    Ok(if labels {
        table.label_schema()
    } else {
        table.event_schema()
    })
}

/// The Avro schema (JSON) of the events or labels a stream with `options`
/// sends, to register with a schema registry or hand to consumers.
pub fn avro_schema(options: &StreamOptions, labels: bool) -> Result<String, Error> {
    Ok(format::avro_schema(
        payload_schema(options, labels)?.as_ref(),
    )?)
}

fn message_table(
    options: &StreamOptions,
    dataset: &Dataset,
    shift: i64,
) -> Result<messages::MessageTable, Error> {
    let spec = options.spec();
    let (min_delay, max_delay) = options.late_delay();
    let late = messages::LateEvents::new(
        spec.seed(),
        options.late_share(),
        min_delay.as_micros() as i64,
        max_delay.as_micros() as i64,
    );
    let plain = |url: Option<&SinkUrl>| url.is_some_and(|u| !u.has_record_timestamps());
    Ok(messages::MessageTable::new(
        dataset.generator(Table::Transactions)?,
        std::sync::Arc::clone(dataset.fraud()),
        options.format(),
        [plain(Some(options.to())), plain(options.labels_to())],
        options.labels_to().is_some(),
        shift,
        late,
    ))
}

/// Every option that decides the messages, as `(key, value)`: a
/// checkpoint is resumed only with the same.
fn fingerprint(options: &StreamOptions, dataset: &Dataset) -> Vec<(String, String)> {
    let mut pairs = specification(dataset.spec(), dataset.sizes());
    let (min, max) = options.late_delay();
    pairs.extend([
        (
            "config".to_string(),
            format!("{:08x}", profile_crc(dataset.spec().scenario().profile())),
        ),
        ("format".to_string(), options.format().name().to_string()),
        ("late_share".to_string(), options.late_share().to_string()),
        (
            "late_delay".to_string(),
            format!("{}us..{}us", min.as_micros(), max.as_micros()),
        ),
        ("to".to_string(), options.to().to_string()),
        (
            "labels_to".to_string(),
            options
                .labels_to()
                .map_or_else(|| "none".to_string(), ToString::to_string),
        ),
    ]);
    pairs
}

/// Opens `url` for a stream: a file is created (or, resuming, cut back to
/// `kept` bytes); a topic is reached and, resuming, asked which messages of
/// `kind` it already holds (`table` works out their places).
fn open_sink(
    url: &SinkUrl,
    options: &StreamOptions,
    kept: Option<u64>,
    table: &messages::MessageTable,
    kind: u8,
) -> Result<Box<dyn Sink>, Error> {
    match url {
        SinkUrl::Stdout => Ok(Box::new(WriteSink::stdout())),
        SinkUrl::File(path) => Ok(Box::new(WriteSink::file(path, kept)?)),
        #[cfg(feature = "kafka")]
        SinkUrl::Kafka { brokers, topic } => {
            let place_of = |row: u64| -> Result<order::Key, Error> {
                table.place_of(row, kind)?.ok_or_else(|| Error::Sink {
                    sink: url.to_string(),
                    reason: format!(
                        "its last message names row {row}, which has no such message in this dataset; resume into the topic the checkpoint belongs to"
                    ),
                })
            };
            let resuming = kept.is_some().then_some(&place_of as kafka::PlaceOfRow<'_>);
            Ok(Box::new(kafka::KafkaSink::open(
                brokers,
                topic,
                options.format(),
                resuming,
            )?))
        }
        #[cfg(not(feature = "kafka"))]
        SinkUrl::Kafka { .. } => {
            let _ = (table, kind);
            Err(crate::SpecError::Invalid {
                setting: if std::ptr::eq(url, options.to()) {
                    crate::Setting::To
                } else {
                    crate::Setting::LabelsTo
                },
                value: url.to_string(),
                reason: "this cardgen was built without Kafka; build it with the `kafka` feature"
                    .into(),
            }
            .into())
        }
    }
}
