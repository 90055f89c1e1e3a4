//! The settings of a dataset and the errors that name them.
//!
//! A front end (the command line, the Python package) says a setting in its
//! own words (`--days`, `days=`); the library names it by its [`Setting`]
//! and never by a flag, so every front end can point at the right input.

use std::fmt;

/// One setting of a dataset or of a run, by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    Seed,
    Rows,
    Start,
    Days,
    Customers,
    Merchants,
    /// The scenario (profile) the dataset is generated from.
    Config,
    PanMask,
    BatchRows,
    Threads,
    MaxInFlight,
    MaxMemory,
    /// Where the output goes.
    Out,
    /// The rows asked of a table (a slice to stream).
    RowRange,
    /// The table asked for.
    Table,
    /// How many parts the dataset is split into.
    Parts,
    /// Which part to write (0 to parts − 1).
    Part,
    /// How the fact table is split into Hive partitions.
    PartitionBy,
    /// The size at which a file of a dataset in parts is closed.
    TargetFileSize,
    /// Files written at once.
    Writers,
    /// What the dataset's tables are written as: plain Parquet, Delta or Iceberg.
    TableFormat,
    /// The Iceberg catalog (a SQLite file).
    Catalog,
    /// Whether a run adds the next date range to the dataset already there.
    Append,
    /// Page compression of the Parquet files.
    Compression,
    /// Whether existing outputs may be replaced.
    Overwrite,
    /// Whether `cards.pan` holds full card numbers.
    EmitPan,
    /// Where a stream's events go (`-`, a file, `kafka://host:port/topic`).
    To,
    /// Where a stream's fraud labels go.
    LabelsTo,
    /// How a stream's events are encoded (`json`, `avro`).
    Format,
    /// Event time per wall-clock time of a live stream.
    Speed,
    /// The most events per second a stream sends.
    Rate,
    /// The share of a stream's events sent late.
    LateShare,
    /// How late a late event is sent.
    LateDelay,
    /// The first row a stream sends.
    FromRow,
    /// The checkpoint a stream resumes from and keeps up to date.
    Resume,
}

impl Setting {
    /// The settings only a stream of events takes.
    pub const STREAM: [Setting; 9] = [
        Setting::To,
        Setting::LabelsTo,
        Setting::Format,
        Setting::Speed,
        Setting::Rate,
        Setting::LateShare,
        Setting::LateDelay,
        Setting::FromRow,
        Setting::Resume,
    ];

    /// Every setting.
    pub const ALL: [Setting; 35] = [
        Setting::Seed,
        Setting::Rows,
        Setting::Start,
        Setting::Days,
        Setting::Customers,
        Setting::Merchants,
        Setting::Config,
        Setting::PanMask,
        Setting::BatchRows,
        Setting::Threads,
        Setting::MaxInFlight,
        Setting::MaxMemory,
        Setting::Out,
        Setting::RowRange,
        Setting::Table,
        Setting::Parts,
        Setting::Part,
        Setting::PartitionBy,
        Setting::TargetFileSize,
        Setting::Writers,
        Setting::TableFormat,
        Setting::Catalog,
        Setting::Append,
        Setting::Compression,
        Setting::Overwrite,
        Setting::EmitPan,
        Setting::To,
        Setting::LabelsTo,
        Setting::Format,
        Setting::Speed,
        Setting::Rate,
        Setting::LateShare,
        Setting::LateDelay,
        Setting::FromRow,
        Setting::Resume,
    ];

    /// The setting's key in snake case: `rows`, `batch_rows`, `max_memory`, …
    pub fn key(self) -> &'static str {
        match self {
            Setting::Seed => "seed",
            Setting::Rows => "rows",
            Setting::Start => "start",
            Setting::Days => "days",
            Setting::Customers => "customers",
            Setting::Merchants => "merchants",
            Setting::Config => "config",
            Setting::PanMask => "pan_mask",
            Setting::BatchRows => "batch_rows",
            Setting::Threads => "threads",
            Setting::MaxInFlight => "max_in_flight",
            Setting::MaxMemory => "max_memory",
            Setting::Out => "out",
            Setting::RowRange => "row_range",
            Setting::Table => "table",
            Setting::Parts => "parts",
            Setting::Part => "part",
            Setting::PartitionBy => "partition_by",
            Setting::TargetFileSize => "target_file_size",
            Setting::Writers => "writers",
            Setting::TableFormat => "table_format",
            Setting::Catalog => "catalog",
            Setting::Append => "append",
            Setting::Compression => "compression",
            Setting::Overwrite => "overwrite",
            Setting::EmitPan => "emit_pan",
            Setting::To => "to",
            Setting::LabelsTo => "labels_to",
            Setting::Format => "format",
            Setting::Speed => "speed",
            Setting::Rate => "rate",
            Setting::LateShare => "late_share",
            Setting::LateDelay => "late_delay",
            Setting::FromRow => "from_row",
            Setting::Resume => "resume",
        }
    }

    /// The setting whose key is `key`.
    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A specification or run option that cannot work, with the setting at fault.
///
/// Messages say what is wrong and what is accepted; they start with the
/// setting's key and its value (a scenario's name the line and key at
/// fault in it instead) and never name a command-line flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A value outside what the setting accepts.
    #[error("{setting} = {value} is out of range; accepted: {accepted}")]
    OutOfRange {
        setting: Setting,
        value: String,
        accepted: String,
    },
    /// A date range longer than the cards issued before it stay valid.
    #[error(
        "days = {days} is longer than cards stay valid (cards.validity_years = {validity_years}): at most {max_days} days"
    )]
    LongerThanCardValidity {
        days: u32,
        max_days: u32,
        validity_years: u32,
    },
    /// A date range that runs past the last date the calendar supports.
    #[error("start = {start} with days = {days} runs past the last supported date")]
    PastLastDate { start: chrono::NaiveDate, days: u32 },
    /// The scenario cannot be read or is not valid.
    #[error("{reason}")]
    Profile { reason: String },
    /// A value that is not understood at all.
    #[error("{setting} = {value}: {reason}")]
    Invalid {
        setting: Setting,
        value: String,
        reason: String,
    },
    /// A setting that must be given here: `` `catalog` is needed: … ``.
    #[error("`{setting}` is needed: {reason}")]
    Missing { setting: Setting, reason: String },
    /// A dataset already at the destination was made with another value
    /// of an option (a setting's own, or one the dataset derives from it):
    /// `… was written with seed = 42, not 7; …`.
    #[error("{message}")]
    DatasetDiffers { setting: Setting, message: String },
    /// A run that does not fit its memory budget or Parquet's limits.
    #[error("{source}")]
    Budget {
        setting: Setting,
        #[source]
        source: cardgen_pipeline::BudgetError,
    },
}

impl SpecError {
    /// The setting to fix.
    pub fn setting(&self) -> Setting {
        match self {
            SpecError::OutOfRange { setting, .. }
            | SpecError::Invalid { setting, .. }
            | SpecError::Missing { setting, .. }
            | SpecError::Budget { setting, .. }
            | SpecError::DatasetDiffers { setting, .. } => *setting,
            SpecError::LongerThanCardValidity { .. } => Setting::Days,
            SpecError::PastLastDate { .. } => Setting::Start,
            SpecError::Profile { .. } => Setting::Config,
        }
    }

    pub(crate) fn out_of_range(setting: Setting, value: impl ToString, accepted: &str) -> Self {
        SpecError::OutOfRange {
            setting,
            value: value.to_string(),
            accepted: accepted.to_string(),
        }
    }
}

impl From<cardgen_pipeline::BudgetError> for SpecError {
    /// A budget error, attributed to the setting a user would change.
    fn from(source: cardgen_pipeline::BudgetError) -> Self {
        use cardgen_pipeline::BudgetError as B;
        let setting = match source {
            B::InFlightOverBudget { .. } => Setting::MaxInFlight,
            _ => Setting::BatchRows,
        };
        SpecError::Budget { setting, source }
    }
}

/// Anything that can go wrong building, streaming or writing a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input: fix the named setting.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// Generating the data failed.
    #[error(transparent)]
    Core(#[from] cardgen_core::CoreError),
    /// Running the pipeline or writing a file failed (or was cancelled).
    #[error(transparent)]
    Pipeline(#[from] cardgen_pipeline::PipelineError),
    /// A dataset in parts cannot be written or is not complete.
    #[error(transparent)]
    Lake(#[from] crate::lake::LakeError),
    /// An option that does not exist; `accepted` lists those that do.
    #[error("unknown option `{key}`; accepted: {accepted}")]
    UnknownOption { key: String, accepted: String },
    /// A run was stopped through its cancel flag; `cleaned` says what was
    /// removed (`removed the partial file …`) or kept.
    #[error("interrupted; {cleaned}")]
    Interrupted { cleaned: String },
    /// A stream's sink failed or could not be reached: `sink` is the file
    /// or URL, `reason` one line on what happened.
    #[error("{sink}: {reason}")]
    Sink { sink: String, reason: String },
    /// Writing one output failed: `location` is the file, URL or dataset.
    #[error("writing {location} failed")]
    Write {
        location: String,
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// The setting to fix when the error is bad input, else `None`.
    pub fn bad_input(&self) -> Option<&SpecError> {
        match self {
            Error::Spec(spec) => Some(spec),
            _ => None,
        }
    }
}

impl From<cardgen_pipeline::storage::StorageError> for Error {
    fn from(source: cardgen_pipeline::storage::StorageError) -> Self {
        Error::Lake(source.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_setting_by_key_never_by_flag() {
        let errors = [
            SpecError::out_of_range(Setting::Days, 0, "1 to 3650"),
            SpecError::LongerThanCardValidity {
                days: 2000,
                max_days: 1794,
                validity_years: 5,
            },
            SpecError::from(cardgen_pipeline::BudgetError::BatchOverBudget {
                batch_rows: 4_000_000,
                per_batch_mb: 256,
                budget_mb: 100,
            }),
        ];
        for err in errors {
            let text = err.to_string();
            assert!(text.contains(err.setting().key()), "{text}");
            assert!(!text.contains("--"), "{text}");
        }
    }
}
