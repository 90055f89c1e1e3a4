//! What a run is: the one description of a `generate` run that every front
//! end fills in and the library checks and carries out.
//!
//! A [`GenerateOptions`] holds the dataset (a [`DatasetSpec`]), how to
//! write it (rows per row group, compression, threads, memory, overwrite),
//! where it goes (`out`: a `.parquet` file, a directory, an object-store
//! URL) and, for a dataset in parts, how it is split. It is built with
//! typed setters or from `(key, value)` strings through [`set`], whose keys
//! are the [`Setting`] keys: the command line's flags (`--batch-rows`) and
//! Python's keyword arguments (`batch_rows=`) are spellings of them.
//!
//! [`validate`] checks every range rule: a run's own here (rows per
//! batch, threads, memory, how parts are asked for), the dataset's in
//! [`DatasetSpec::validate`], a dataset in parts' in
//! [`LakeOptions::validate`](crate::LakeOptions::validate), and the memory
//! budget. Every error is a [`SpecError`] that names the key, so each front
//! end can point at its own spelling of it. [`generate()`](crate::generate())
//! checks the rest (the destination, Parquet's row-group limit) before
//! writing.
//!
//! [`set`]: GenerateOptions::set
//! [`validate`]: GenerateOptions::validate

mod append;
mod check;
mod count;
pub mod parse;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use cardgen_core::pan::PanMask;
use cardgen_pipeline::Codec;

use crate::dataset::DEFAULT_BATCH_ROWS;
use crate::lake::{PartitionBy, TableFormat};
use crate::scenario::Scenario;
use crate::setting::{Error, Setting, SpecError};
use crate::spec::DatasetSpec;

/// Where a run writes when `out` is not given.
pub const DEFAULT_OUT: &str = "data/card_transactions.parquet";
/// The memory budget for batches in flight when none is given: 1 GB.
pub const DEFAULT_MAX_MEMORY: u64 = 1_000_000_000;
/// The smallest and largest memory budget: a few small batches, and 1 PiB.
pub const MAX_MEMORY_RANGE: (u64, u64) = (16_000_000, 1 << 50);
/// The most threads, batches in flight or writers a run takes.
pub const MAX_THREADS: usize = 1024;

/// What a run generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Generated {
    /// The dataset: every table to a directory or URL prefix, or the
    /// `transactions` table alone to a `.parquet` file.
    #[default]
    Dataset,
    /// The 12-column table of the peer comparison, to one file.
    Reference,
}

impl Generated {
    pub fn name(self) -> &'static str {
        match self {
            Generated::Dataset => "transactions",
            Generated::Reference => "reference",
        }
    }
}

pub use crate::dataset::GeneratorWrapper;

/// A `generate` run; see the module docs.
///
/// ```
/// use cardgen::GenerateOptions;
///
/// let mut options = GenerateOptions::default();
/// options.set("rows", "2.5k")?.set("batch_rows", "1k")?.set("out", "data/")?;
/// assert_eq!(options.spec().rows(), 2_500);
/// options.set("days", "0")?;
/// let err = options.validate().unwrap_err();
/// assert!(err.to_string().starts_with("days = 0 is out of range"));
/// # Ok::<(), cardgen::Error>(())
/// ```
#[derive(Clone)]
pub struct GenerateOptions {
    spec: DatasetSpec,
    generated: Generated,
    out: String,
    batch_rows: u64,
    compression: Codec,
    threads: Option<usize>,
    max_in_flight: Option<usize>,
    max_memory: u64,
    overwrite: bool,
    parts: Option<u32>,
    part: Option<u32>,
    partition_by: Option<PartitionBy>,
    target_file_size: Option<u64>,
    writers: Option<usize>,
    table_format: Option<TableFormat>,
    catalog: Option<String>,
    append: bool,
    /// The settings given through [`set`](Self::set), in order: an append
    /// takes the others from the dataset it continues.
    given: Vec<Setting>,
    cancel: Arc<AtomicBool>,
    wrapper: Option<GeneratorWrapper>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            spec: DatasetSpec::default(),
            generated: Generated::Dataset,
            out: DEFAULT_OUT.to_string(),
            batch_rows: DEFAULT_BATCH_ROWS,
            compression: Codec::default(),
            threads: None,
            max_in_flight: None,
            max_memory: DEFAULT_MAX_MEMORY,
            overwrite: false,
            parts: None,
            part: None,
            partition_by: None,
            target_file_size: None,
            writers: None,
            table_format: None,
            catalog: None,
            append: false,
            given: Vec::new(),
            cancel: Arc::new(AtomicBool::new(false)),
            wrapper: None,
        }
    }
}

impl fmt::Debug for GenerateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerateOptions")
            .field("spec", &self.spec)
            .field("generated", &self.generated)
            .field("out", &self.out)
            .field("batch_rows", &self.batch_rows)
            .field("compression", &self.compression)
            .field("threads", &self.threads)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_memory", &self.max_memory)
            .field("overwrite", &self.overwrite)
            .field("parts", &self.parts)
            .field("part", &self.part)
            .field("partition_by", &self.partition_by)
            .field("target_file_size", &self.target_file_size)
            .field("writers", &self.writers)
            .field("table_format", &self.table_format)
            .field("catalog", &self.catalog)
            .field("append", &self.append)
            .finish_non_exhaustive()
    }
}

impl GenerateOptions {
    /// The keys [`set`](Self::set) takes, in the order `cardgen generate
    /// --help` lists their flags.
    pub const KEYS: [&'static str; 24] = [
        "rows",
        "out",
        "parts",
        "part",
        "partition_by",
        "target_file_size",
        "writers",
        "table_format",
        "catalog",
        "append",
        "config",
        "customers",
        "merchants",
        "emit_pan",
        "pan_mask",
        "seed",
        "threads",
        "batch_rows",
        "compression",
        "start",
        "days",
        "overwrite",
        "max_in_flight",
        "max_memory",
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

    /// Sets the option `key` from its text. The form is checked here (a
    /// count, a byte size, a date…); ranges by [`validate`](Self::validate).
    /// `table` (hidden: `transactions` or `reference`) picks what is
    /// generated. An unknown key is refused with the accepted ones.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self, Error> {
        let Some(setting) = Setting::from_key(key).filter(|s| settable(*s)) else {
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
        let spec = self.spec.clone();
        match setting {
            Setting::Rows => self.spec = spec.with_rows(parse::count(value).map_err(invalid)?),
            Setting::Seed => self.spec = spec.with_seed(parse::seed(value).map_err(invalid)?),
            Setting::Start => self.spec = spec.with_start(parse::date(value).map_err(invalid)?),
            Setting::Days => {
                self.spec = spec.with_days(parse::small_count(value).map_err(invalid)?);
            }
            Setting::Customers => {
                self.spec = spec.with_customers(Some(parse::count(value).map_err(invalid)?));
            }
            Setting::Merchants => {
                self.spec = spec.with_merchants(Some(parse::count(value).map_err(invalid)?));
            }
            Setting::Config => {
                let scenario = Scenario::from_file(std::path::Path::new(value))?;
                self.spec = spec.with_scenario(scenario);
            }
            Setting::EmitPan => {
                self.spec = spec.with_emit_pan(parse::switch(value).map_err(invalid)?);
            }
            Setting::PanMask => {
                self.spec = spec.with_pan_mask(parse::pan_mask(value).map_err(invalid)?);
            }
            Setting::Out => self.out = value.to_string(),
            Setting::Table => {
                self.generated = match value.trim() {
                    "transactions" => Generated::Dataset,
                    "reference" => Generated::Reference,
                    _ => return Err(invalid("accepted: transactions, reference".into()).into()),
                };
            }
            Setting::BatchRows => self.batch_rows = parse::count(value).map_err(invalid)?,
            Setting::Compression => self.compression = parse::codec(value).map_err(invalid)?,
            Setting::Threads => self.threads = Some(parse::small_count(value).map_err(invalid)?),
            Setting::MaxInFlight => {
                self.max_in_flight = Some(parse::small_count(value).map_err(invalid)?);
            }
            Setting::MaxMemory => self.max_memory = parse::bytes(value).map_err(invalid)?,
            Setting::Overwrite => self.overwrite = parse::switch(value).map_err(invalid)?,
            Setting::Parts => self.parts = Some(parse::small_count(value).map_err(invalid)?),
            Setting::Part => self.part = Some(parse::small_count(value).map_err(invalid)?),
            Setting::PartitionBy => {
                self.partition_by = Some(parse::partition_by(value).map_err(invalid)?);
            }
            Setting::TargetFileSize => {
                self.target_file_size = Some(parse::bytes(value).map_err(invalid)?);
            }
            Setting::Writers => self.writers = Some(parse::small_count(value).map_err(invalid)?),
            Setting::TableFormat => {
                self.table_format = Some(value.trim().parse().map_err(invalid)?)
            }
            Setting::Catalog => self.catalog = Some(value.to_string()),
            Setting::Append => self.append = parse::switch(value).map_err(invalid)?,
            _ => unreachable!("settable() lets only the settings above through"),
        }
        if !self.given.contains(&setting) {
            self.given.push(setting);
        }
        Ok(self)
    }

    /// Whether `out` names one Parquet file (the fact table alone) rather
    /// than a directory or prefix, locally and on object storage alike.
    pub fn names_a_file(&self) -> bool {
        names_a_file(&self.out)
    }

    pub fn spec(&self) -> &DatasetSpec {
        &self.spec
    }

    pub fn generated(&self) -> Generated {
        self.generated
    }

    pub fn out(&self) -> &str {
        &self.out
    }

    pub fn batch_rows(&self) -> u64 {
        self.batch_rows
    }

    pub fn compression(&self) -> Codec {
        self.compression
    }

    /// Worker threads: as given, or every core.
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(num_cpus::get)
    }

    pub fn max_in_flight(&self) -> Option<usize> {
        self.max_in_flight
    }

    pub fn max_memory(&self) -> u64 {
        self.max_memory
    }

    pub fn overwrite(&self) -> bool {
        self.overwrite
    }

    /// The part and parts asked for, as given.
    pub fn part(&self) -> (Option<u32>, Option<u32>) {
        (self.part, self.parts)
    }

    /// The flag a run checks to stop; setting it stops the run cleanly.
    pub fn cancel(&self) -> &Arc<AtomicBool> {
        &self.cancel
    }

    pub(crate) fn wrapper(&self) -> Option<&GeneratorWrapper> {
        self.wrapper.as_ref()
    }

    pub fn with_spec(mut self, spec: DatasetSpec) -> Self {
        self.spec = spec;
        self
    }

    pub fn with_generated(mut self, generated: Generated) -> Self {
        self.generated = generated;
        self
    }

    pub fn with_out(mut self, out: impl Into<String>) -> Self {
        self.out = out.into();
        self
    }

    pub fn with_batch_rows(mut self, batch_rows: u64) -> Self {
        self.batch_rows = batch_rows;
        self
    }

    pub fn with_compression(mut self, compression: Codec) -> Self {
        self.compression = compression;
        self
    }

    pub fn with_threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }

    pub fn with_max_in_flight(mut self, max_in_flight: Option<usize>) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }

    pub fn with_max_memory(mut self, bytes: u64) -> Self {
        self.max_memory = bytes;
        self
    }

    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// A dataset in `parts` parts, of which this run writes `part` (all when `None`).
    pub fn with_parts(mut self, parts: Option<u32>, part: Option<u32>) -> Self {
        self.parts = parts;
        self.part = part;
        self
    }

    pub fn with_partition_by(mut self, partition_by: Option<PartitionBy>) -> Self {
        self.partition_by = partition_by;
        self
    }

    pub fn with_target_file_size(mut self, bytes: Option<u64>) -> Self {
        self.target_file_size = bytes;
        self
    }

    pub fn with_writers(mut self, writers: Option<usize>) -> Self {
        self.writers = writers;
        self
    }

    /// What the dataset's tables are written as; anything but plain
    /// Parquet writes the lake layout and commits each table.
    pub fn with_table_format(mut self, table_format: Option<TableFormat>) -> Self {
        self.table_format = table_format;
        self
    }

    /// The Iceberg catalog: a SQLite file (by default `_cardgen/catalog.db`
    /// in a local dataset).
    pub fn with_catalog(mut self, catalog: Option<String>) -> Self {
        self.catalog = catalog;
        self
    }

    /// Adds the next date range to the dataset at `out` (see
    /// [`crate::lake`]): the dataset's world and layout, with `start`,
    /// `days` and `rows` for the new range.
    pub fn with_append(mut self, append: bool) -> Self {
        self.append = append;
        self
    }

    pub fn append(&self) -> bool {
        self.append
    }

    /// Whether `setting` was given through [`set`](Self::set).
    pub fn given(&self, setting: Setting) -> bool {
        self.given.contains(&setting)
    }

    /// Stops the run once `cancel` is set (a signal handler, Python's Ctrl-C).
    pub fn with_cancel(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// Wraps every generator of a run that writes whole files (not a
    /// dataset in parts); for fault injection in tests.
    #[doc(hidden)]
    pub fn with_generator_wrapper(mut self, wrapper: GeneratorWrapper) -> Self {
        self.wrapper = Some(wrapper);
        self
    }

    /// The dataset's card-number options, set apart from the rest.
    pub fn with_card_numbers(mut self, emit_pan: bool, pan_mask: PanMask) -> Self {
        self.spec = self.spec.with_emit_pan(emit_pan).with_pan_mask(pan_mask);
        self
    }
}

/// The settings [`GenerateOptions::set`] takes: not `row_range` (a read's)
/// nor the settings only a stream of events takes.
fn settable(setting: Setting) -> bool {
    setting != Setting::RowRange && !Setting::STREAM.contains(&setting)
}

/// Whether `out` names a single Parquet file rather than a directory.
pub fn names_a_file(out: &str) -> bool {
    out.rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("parquet"))
}

#[cfg(test)]
mod tests;
