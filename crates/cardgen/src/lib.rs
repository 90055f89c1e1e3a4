//! cardgen: realistic synthetic card-transaction datasets, reproducible from
//! a seed, as Arrow record batches or Parquet files.
//!
//! A dataset is nine tables: the `transactions` fact table, the
//! `customers`, `cards` and `merchants` it points to, the `fraud_cases`
//! behind its fraud labels, and the customers' and cards' changes over time
//! (`customers_history` and `cards_history`, SCD Type 2, and the
//! `customers_changes` and `cards_changes` feeds).
//! Everything in it is a
//! pure function of a [`DatasetSpec`] — seed, rows, date range, population,
//! scenario — so the same specification gives the same bytes on any machine
//! and with any number of threads, and any slice of any table can be
//! generated on its own.
//!
//! The three things to do with a dataset:
//!
//! 1. describe it with a [`DatasetSpec`] and [`build`](DatasetSpec::build) it;
//! 2. stream any table's rows `[start, end)` as Arrow batches with
//!    [`Dataset::batches`], in bounded memory;
//! 3. write it — one file, a directory, an object-store URL or a dataset in
//!    parts — with [`generate()`], the one write path every front end runs,
//!    from a [`GenerateOptions`] built by typed setters or from the
//!    `(key, value)` text the command line and Python pass.
//!
//! ```
//! use cardgen::{DatasetSpec, ReadOptions, Table};
//!
//! let dataset = DatasetSpec::new(20_000).with_seed(42).build()?;
//! let mut batches = dataset.batches(Table::Cards, 0..10, &ReadOptions::default())?;
//! let cards = batches.next().unwrap()?;
//! assert_eq!(cards.num_rows(), 10);
//! assert!(cards.schema().field_with_name("pan_masked").is_ok());
//! # Ok::<(), cardgen::Error>(())
//! ```
//!
//! ```
//! use cardgen::{GenerateOptions, NoProgress, generate};
//!
//! let dir = tempfile::tempdir()?;
//! let mut options = GenerateOptions::default();
//! options.set("rows", "20k")?.set("days", "30")?;
//! let options = options.with_out(dir.path().to_string_lossy());
//! let written = generate(&options, &NoProgress)?;
//! assert_eq!(written.files.len(), 9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Bad settings come back as [`SpecError`]s that name the [`Setting`] at
//! fault by its key (`days`, `batch_rows`, …), never by a command-line flag:
//!
//! ```
//! use cardgen::{DatasetSpec, Error, Setting};
//!
//! let err = DatasetSpec::new(1_000).with_customers(Some(0)).build().unwrap_err();
//! let Error::Spec(spec) = err else { panic!("a spec error") };
//! assert_eq!(spec.setting(), Setting::Customers);
//! ```
//!
//! The layers below — `cardgen-core` (the domain, one batch into Arrow
//! arrays) and `cardgen-pipeline` (many cores, bounded memory, Parquet
//! files) — are re-exported as [`core`] and [`pipeline`] for custom tables.

mod dataset;
mod generate;
pub mod lake;
pub mod metadata;
pub mod options;
mod progress;
mod scenario;
mod setting;
mod spec;
#[cfg(feature = "stream")]
pub mod stream;
mod table;

pub use arrow_array::RecordBatch;
pub use cardgen_core as core;
pub use cardgen_core::Profile;
pub use cardgen_core::pan::PanMask;
pub use cardgen_pipeline as pipeline;
pub use cardgen_pipeline::{Codec, Observer, RunOptions, RunSummary};
pub use dataset::{DEFAULT_BATCH_ROWS, Dataset, ReadOptions, TableBatches, WriteOptions};
pub use generate::{Written, generate, setting_of_manifest_key};
pub use lake::{LakeOptions, LakeSummary, PartitionBy};
pub use options::{GenerateOptions, Generated};
pub use progress::{NoProgress, Progress, WrittenFile};
pub use scenario::{Scenario, profile_crc};
pub use setting::{Error, Setting, SpecError};
pub use spec::{
    AppendedRange, DEFAULT_DAYS, DEFAULT_ROWS, DEFAULT_SEED, DatasetSpec, MAX_DAYS, MAX_POPULATION,
    default_start,
};
pub use table::Table;

/// The generator's version, recorded in every file it writes.
pub const VERSION: &str = cardgen_core::VERSION;
