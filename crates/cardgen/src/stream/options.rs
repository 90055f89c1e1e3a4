//! What a stream of events is: the dataset it comes from (the keys of a
//! `generate` run that shape the rows) and how its events are sent — where
//! (`to`, `labels_to`), how encoded (`format`), how fast (`speed`, `rate`),
//! how late (`late_share`, `late_delay`) and from where (`from_row`,
//! `resume`). Set from `(key, value)` text like [`GenerateOptions`], so the
//! command line's flags are spellings of the same keys.

use std::path::PathBuf;
use std::time::Duration;

use crate::options::GenerateOptions;
use crate::setting::{Error, Setting, SpecError};
use crate::spec::DatasetSpec;

use super::format::EventFormat;
use super::sink::SinkUrl;

/// Late events are sent this long after their event time at least and at
/// most, unless `late_delay` says otherwise.
pub const DEFAULT_LATE_DELAY: (Duration, Duration) =
    (Duration::from_secs(30), Duration::from_secs(2 * 3600));

/// Rows a stream generates and encodes at once unless `batch_rows` says.
pub const DEFAULT_STREAM_BATCH_ROWS: u64 = 32_768;

/// The most a stream may be sped up: ten years of event time a second.
pub const MAX_SPEED: f64 = 3.2e8;

/// A stream's options; see the module docs.
///
/// ```
/// use cardgen::stream::StreamOptions;
///
/// let mut options = StreamOptions::default();
/// options.set("rows", "10k")?.set("late_share", "0.01")?.set("late_delay", "1m..1h")?;
/// options.validate()?;
/// assert!(options.set("speed", "0").is_ok());
/// let err = options.validate().unwrap_err();
/// assert!(err.to_string().starts_with("speed = 0 is out of range"));
/// # Ok::<(), cardgen::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamOptions {
    dataset: GenerateOptions,
    to: SinkUrl,
    labels_to: Option<SinkUrl>,
    format: EventFormat,
    speed: Option<f64>,
    rate: Option<f64>,
    start_now: bool,
    late_share: f64,
    late_delay: (Duration, Duration),
    from_row: u64,
    resume: Option<PathBuf>,
    batch_rows: Option<u64>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            dataset: GenerateOptions::default(),
            to: SinkUrl::Stdout,
            labels_to: None,
            format: EventFormat::Json,
            speed: None,
            rate: None,
            start_now: false,
            late_share: 0.0,
            late_delay: DEFAULT_LATE_DELAY,
            from_row: 0,
            resume: None,
            batch_rows: None,
        }
    }
}

impl StreamOptions {
    /// The keys [`set`](Self::set) takes, in the order `cardgen stream
    /// --help` lists their flags: the stream's own, then the dataset's.
    pub const KEYS: [&'static str; 19] = [
        "to",
        "labels_to",
        "format",
        "speed",
        "rate",
        "late_share",
        "late_delay",
        "from_row",
        "resume",
        "rows",
        "seed",
        "start",
        "days",
        "customers",
        "merchants",
        "config",
        "threads",
        "batch_rows",
        "max_in_flight",
    ];

    /// The default options with `key = value` pairs set in order.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, Error> {
        let mut options = Self::default();
        for (key, value) in pairs {
            options.set(key.as_ref(), value.as_ref())?;
        }
        Ok(options)
    }

    /// Sets the option `key` from its text; the form is checked here,
    /// ranges by [`validate`](Self::validate). `start` also takes `now`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self, Error> {
        let Some(setting) = Setting::from_key(key).filter(|_| Self::KEYS.contains(&key)) else {
            return Err(Error::UnknownOption {
                key: key.to_string(),
                accepted: Self::KEYS.join(", "),
            });
        };
        let invalid = |reason: String| SpecError::Invalid {
            setting,
            value: value.to_string(),
            reason,
        };
        match setting {
            Setting::To => self.to = SinkUrl::parse(value).map_err(invalid)?,
            Setting::LabelsTo => self.labels_to = Some(SinkUrl::parse(value).map_err(invalid)?),
            Setting::Format => self.format = EventFormat::parse(value).map_err(invalid)?,
            Setting::Speed => self.speed = Some(number(value).map_err(invalid)?),
            Setting::Rate => self.rate = Some(number(value).map_err(invalid)?),
            Setting::LateShare => self.late_share = number(value).map_err(invalid)?,
            Setting::LateDelay => self.late_delay = delay_range(value).map_err(invalid)?,
            Setting::FromRow => {
                self.from_row = crate::options::parse::count(value).map_err(invalid)?;
            }
            Setting::Resume => self.resume = Some(PathBuf::from(value)),
            Setting::Start if value.trim().eq_ignore_ascii_case("now") => {
                let today = chrono::Utc::now().date_naive();
                self.dataset.set(key, &today.to_string())?;
                self.start_now = true;
            }
            Setting::Start => {
                self.dataset.set(key, value)?;
                self.start_now = false;
            }
            Setting::BatchRows => {
                self.dataset.set(key, value)?;
                self.batch_rows = Some(self.dataset.batch_rows());
            }
            _ => {
                self.dataset.set(key, value)?;
            }
        }
        Ok(self)
    }

    /// Checks every option on its own and against the others; the error
    /// names the first one that cannot work.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.dataset.validate()?;
        let positive = |setting: Setting, value: Option<f64>, max: f64, accepted: &str| match value
        {
            Some(v) if !(v > 0.0 && v <= max) => Err(SpecError::out_of_range(setting, v, accepted)),
            _ => Ok(()),
        };
        positive(
            Setting::Speed,
            self.speed,
            MAX_SPEED,
            "more than 0 (1 = real time, 3600 = an hour a second) up to 3.2e8",
        )?;
        positive(
            Setting::Rate,
            self.rate,
            1e9,
            "more than 0 up to 1e9 events a second",
        )?;
        if !(0.0..=1.0).contains(&self.late_share) {
            return Err(SpecError::out_of_range(
                Setting::LateShare,
                self.late_share,
                "0 to 1 (a share of the events)",
            ));
        }
        let rows = self.dataset.spec().rows();
        if self.from_row > rows {
            return Err(SpecError::out_of_range(
                Setting::FromRow,
                self.from_row,
                &format!("0 to rows = {rows}"),
            ));
        }
        if self.from_row > 0 && self.resume.is_some() {
            return Err(SpecError::Invalid {
                setting: Setting::FromRow,
                value: self.from_row.to_string(),
                reason: "goes with `resume` only as 0: a checkpoint says where to go on".into(),
            });
        }
        if let Some(labels) = &self.labels_to
            && labels.same_place(&self.to)
        {
            return Err(SpecError::Invalid {
                setting: Setting::LabelsTo,
                value: labels.to_string(),
                reason: "is where `to` sends the events; give the labels a place of their own"
                    .into(),
            });
        }
        Ok(())
    }

    pub fn spec(&self) -> &DatasetSpec {
        self.dataset.spec()
    }

    /// The dataset's options as a `generate` run would take them: the same
    /// rows, ids and values.
    pub fn dataset(&self) -> &GenerateOptions {
        &self.dataset
    }

    pub fn to(&self) -> &SinkUrl {
        &self.to
    }

    pub fn labels_to(&self) -> Option<&SinkUrl> {
        self.labels_to.as_ref()
    }

    pub fn format(&self) -> EventFormat {
        self.format
    }

    pub fn speed(&self) -> Option<f64> {
        self.speed
    }

    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Whether `start = now`: the range begins today and every time is
    /// shifted so that the first instant of the range is the stream's start.
    pub fn start_now(&self) -> bool {
        self.start_now
    }

    pub fn late_share(&self) -> f64 {
        self.late_share
    }

    pub fn late_delay(&self) -> (Duration, Duration) {
        self.late_delay
    }

    pub fn from_row(&self) -> u64 {
        self.from_row
    }

    /// Rows generated and encoded at once: `batch_rows`, or
    /// [`DEFAULT_STREAM_BATCH_ROWS`] (smaller than a file's row groups, as
    /// encoded events take several times the room of Arrow columns).
    pub fn stream_batch_rows(&self) -> u64 {
        self.batch_rows.unwrap_or(DEFAULT_STREAM_BATCH_ROWS)
    }

    pub fn resume(&self) -> Option<&std::path::Path> {
        self.resume.as_deref()
    }

    pub fn with_dataset(mut self, dataset: GenerateOptions) -> Self {
        self.dataset = dataset;
        self
    }

    /// Stops the stream once `cancel` is set (a signal handler): what is in
    /// flight is sent and the checkpoint brought up to date.
    pub fn with_cancel(mut self, cancel: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        self.dataset = self.dataset.with_cancel(cancel);
        self
    }

    /// The flag that stops the stream.
    pub fn cancel(&self) -> &std::sync::Arc<std::sync::atomic::AtomicBool> {
        self.dataset.cancel()
    }

    pub fn with_to(mut self, to: SinkUrl) -> Self {
        self.to = to;
        self
    }

    pub fn with_labels_to(mut self, labels_to: Option<SinkUrl>) -> Self {
        self.labels_to = labels_to;
        self
    }

    pub fn with_format(mut self, format: EventFormat) -> Self {
        self.format = format;
        self
    }

    pub fn with_speed(mut self, speed: Option<f64>) -> Self {
        self.speed = speed;
        self
    }

    pub fn with_rate(mut self, rate: Option<f64>) -> Self {
        self.rate = rate;
        self
    }

    pub fn with_late(mut self, share: f64, delay: (Duration, Duration)) -> Self {
        self.late_share = share;
        self.late_delay = delay;
        self
    }

    pub fn with_from_row(mut self, row: u64) -> Self {
        self.from_row = row;
        self
    }

    pub fn with_resume(mut self, checkpoint: Option<PathBuf>) -> Self {
        self.resume = checkpoint;
        self
    }
}

fn number(text: &str) -> Result<f64, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{text}` is not a number like 1, 0.05, 3600 or 1e4"))
}

/// `MIN..MAX` in human durations (`30s..2h`), or one duration for both.
fn delay_range(text: &str) -> Result<(Duration, Duration), String> {
    let accepted = "accepted: MIN..MAX like 30s..2h or 1m..1day, or one duration like 5m \
                    (each more than 0, MIN at most MAX)";
    let one = |part: &str| {
        humantime::parse_duration(part.trim())
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("`{part}` is not a duration; {accepted}"))
    };
    let (min, max) = match text.split_once("..") {
        Some((min, max)) => (one(min)?, one(max)?),
        None => {
            let d = one(text)?;
            (d, d)
        }
    };
    if min > max {
        return Err(format!("the least delay is more than the most; {accepted}"));
    }
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(pairs: &[(&str, &str)]) -> String {
        match StreamOptions::from_pairs(pairs.iter().copied()) {
            Err(e) => e.to_string(),
            Ok(options) => options.validate().unwrap_err().to_string(),
        }
    }

    #[test]
    fn bad_values_name_their_key_and_what_is_accepted() {
        for (pairs, start) in [
            (vec![("speed", "0")], "speed = 0 is out of range"),
            (vec![("rate", "-5")], "rate = -5 is out of range"),
            (
                vec![("late_share", "1.5")],
                "late_share = 1.5 is out of range",
            ),
            (
                vec![("late_share", "half")],
                "late_share = half: `half` is not a number",
            ),
            (
                vec![("late_delay", "2h..30s")],
                "late_delay = 2h..30s: the least",
            ),
            (
                vec![("late_delay", "soon")],
                "late_delay = soon: `soon` is not a duration",
            ),
            (
                vec![("format", "xml")],
                "format = xml: accepted: json, avro",
            ),
            (vec![("to", "kafka://host")], "to = kafka://host:"),
            (
                vec![("rows", "10"), ("from_row", "11")],
                "from_row = 11 is out of range",
            ),
            (
                vec![("to", "a.jsonl"), ("labels_to", "./a.jsonl")],
                "labels_to = ./a.jsonl: is where",
            ),
        ] {
            let message = error(&pairs);
            assert!(message.starts_with(start), "{pairs:?}: {message}");
        }
    }

    #[test]
    fn keys_of_a_write_are_not_a_streams() {
        let err = StreamOptions::from_pairs([("compression", "zstd")]).unwrap_err();
        assert!(matches!(err, Error::UnknownOption { .. }), "{err}");
        assert!(err.to_string().contains("late_share"), "{err}");
    }

    #[test]
    fn start_now_begins_today() {
        let options = StreamOptions::from_pairs([("start", "now")]).unwrap();
        assert!(options.start_now());
        assert_eq!(options.spec().start(), chrono::Utc::now().date_naive());
    }

    #[test]
    fn delays_as_people_write_them() {
        assert_eq!(
            delay_range("30s..2h").unwrap(),
            (Duration::from_secs(30), Duration::from_secs(7200))
        );
        assert_eq!(
            delay_range("5m").unwrap(),
            (Duration::from_secs(300), Duration::from_secs(300))
        );
    }
}
