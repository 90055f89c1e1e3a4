//! `cardgen stream`: a dataset's transactions as live events to stdout, a
//! file or Kafka. Flags become the library's stream options; the library
//! checks them, sends, and says where to go on after a stop.
//!
//! The sending half needs the build feature `stream` (or `kafka`): the
//! JSON and Avro encoders stay out of the default build. Without it the
//! flags still parse and `cardgen stream` says which feature it needs.

use clap::Args;

#[cfg(feature = "stream")]
mod send;
#[cfg(feature = "stream")]
pub use send::{options, run};

/// Flags of `cardgen stream`. Values are text: the library parses and
/// checks them (`cardgen::stream::StreamOptions::set`).
#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// Where events go: `-` (stdout), a file (one JSON object per line; Avro
    /// datums each after a 4-byte big-endian length) or kafka://HOST:PORT/TOPIC
    /// (a build with `--features kafka`; key card_id, record timestamp the
    /// emit time; a missing topic is created with 3 partitions) [default: -].
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Where fraud labels go (same forms as --to): one label per fraud row
    /// whose case is detected, sent at its label_ts; without it, no labels.
    #[arg(long, value_name = "URL")]
    pub labels_to: Option<String>,
    /// json (one object per event) or avro (binary datums; see --print-schema) [default: json].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Live mode: event time per wall-clock time (1 = real time, 3600 = an
    /// hour a second) [default: replay, as fast as the sink takes events].
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub speed: Option<String>,
    /// At most N events (and labels) a second [default: no cap].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub rate: Option<String>,
    /// Share of events sent late, after their event time plus --late-delay,
    /// as offline terminals catch up [default: 0; accepted: 0 to 1].
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    pub late_share: Option<String>,
    /// How late a late event is: MIN..MAX, drawn log-uniformly [default: 30s..2h].
    #[arg(long, value_name = "MIN..MAX")]
    pub late_delay: Option<String>,
    /// Start at this row of the dataset; earlier rows are not sent [default: 0].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub from_row: Option<String>,
    /// A checkpoint file kept up to date as the sinks confirm events; if it
    /// exists, the stream goes on after the last confirmed event, sending
    /// none twice.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<String>,
    /// Print the Avro schema of the events (or the labels) this command
    /// would send, and exit.
    #[arg(long, value_name = "WHAT", value_parser = ["events", "labels"])]
    pub print_schema: Option<String>,
    /// Number of transactions in the dataset, e.g. 10M [default: 10M].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub rows: Option<String>,
    /// Seed of the dataset: the same seed and options give the rows of
    /// `cardgen generate` [default: 42].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: Option<String>,
    /// First day, YYYY-MM-DD, or `now`: the range begins today and every time
    /// is shifted so that it begins at the stream's start [default: 2025-01-01].
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Number of days [default: 365].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub days: Option<String>,
    /// Number of customers [default: as `cardgen generate`].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub customers: Option<String>,
    /// Number of merchants [default: as `cardgen generate`].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub merchants: Option<String>,
    /// Scenario file (TOML) replacing the built-in profile.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Worker threads generating and encoding events [default: all cores].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub threads: Option<String>,
    /// Rows generated and encoded at once [default: 32768].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub batch_rows: Option<String>,
    /// Batches generated ahead of the sender [default: 2 per thread].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub max_in_flight: Option<String>,
}

impl StreamArgs {
    /// The flags given, as the library's `(key, value)` pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("to", &self.to),
            ("labels_to", &self.labels_to),
            ("format", &self.format),
            ("speed", &self.speed),
            ("rate", &self.rate),
            ("late_share", &self.late_share),
            ("late_delay", &self.late_delay),
            ("from_row", &self.from_row),
            ("resume", &self.resume),
            ("rows", &self.rows),
            ("seed", &self.seed),
            ("start", &self.start),
            ("days", &self.days),
            ("customers", &self.customers),
            ("merchants", &self.merchants),
            ("config", &self.config),
            ("threads", &self.threads),
            ("batch_rows", &self.batch_rows),
            ("max_in_flight", &self.max_in_flight),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.clone().map(|v| (key, v)))
        .collect()
    }
}

/// `cardgen stream` in a build without the feature `stream`.
#[cfg(not(feature = "stream"))]
pub fn run(_: &StreamArgs, _: bool) -> anyhow::Result<()> {
    Err(crate::UsageError(
        "stream: this build has no streams; build it with `--features stream` (or `kafka`), \
         e.g. `cargo run --release -p cardgen-cli --features stream -- stream`"
            .to_string(),
    )
    .into())
}
