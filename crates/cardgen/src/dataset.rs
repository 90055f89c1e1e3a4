//! A built dataset: its tables as generators and as streams of Arrow
//! batches, and the plans its Parquet files are written by (the files
//! themselves by [`generate()`](crate::generate())).
//!
//! Building a [`DatasetSpec`](crate::DatasetSpec) derives the world once
//! (the population and the lookup tables); every table then reads it. Any
//! row range of any table can be generated on its own, on any thread, and
//! holds the same values as the same rows of the table's Parquet file.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use cardgen_core::changes::card_history::CardHistory;
use cardgen_core::changes::card_tables::{CardChangesGenerator, CardsHistoryGenerator};
use cardgen_core::changes::tables::{CustomerChangesGenerator, CustomersHistoryGenerator};
use cardgen_core::dimensions::{CardsGenerator, CustomersGenerator, MerchantsGenerator};
use cardgen_core::fraud::table::FraudCasesGenerator;
use cardgen_core::population::PopulationSizes;
use cardgen_core::{
    BatchPlan, BatchSpec, CoreError, TableGenerator, TransactionGenerator, World, WorldOptions,
    WorldWithFraud,
};
use cardgen_pipeline::budget::{MAX_BATCH_ROWS, check_row_groups};
use cardgen_pipeline::credits::default_credits;
use cardgen_pipeline::{BatchStream, RunOptions};

use crate::metadata::table_metadata;
use crate::setting::{Error, Setting, SpecError};
use crate::spec::DatasetSpec;
use crate::table::Table;

/// Rows per batch (and per Parquet row group) when none is given.
pub const DEFAULT_BATCH_ROWS: u64 = 250_000;

/// A dataset ready to generate; see the module docs.
#[derive(Debug, Clone)]
pub struct Dataset {
    spec: DatasetSpec,
    fraud: Arc<WorldWithFraud>,
    /// The rows of the card change tables, counted on first use.
    card_history: Arc<OnceLock<Arc<CardHistory>>>,
}

/// How to stream a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Rows per record batch (1 to 4,000,000).
    pub batch_rows: u64,
    /// Threads generating ahead of the reader (1: on the reader's thread).
    pub threads: usize,
    /// Batches generated ahead of the reader, at least 1; `None` for the
    /// pipeline's default (2 per thread).
    pub max_in_flight: Option<usize>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            batch_rows: DEFAULT_BATCH_ROWS,
            threads: num_cpus::get(),
            max_in_flight: None,
        }
    }
}

/// Wraps a table's generator before it runs: the command line's fault
/// injection for its tests.
pub type GeneratorWrapper =
    Arc<dyn Fn(Arc<dyn TableGenerator>) -> Arc<dyn TableGenerator> + Send + Sync>;

/// How to write Parquet files.
#[derive(Clone)]
pub struct WriteOptions {
    /// Rows per batch, which is also rows per row group (1 to 4,000,000; a
    /// file holds at most 32,767 row groups).
    pub batch_rows: u64,
    /// Threads, credits, compression, overwriting and cancellation.
    pub run: RunOptions,
    /// Wraps each table's generator (the command line's fault injection).
    pub wrapper: Option<GeneratorWrapper>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            batch_rows: DEFAULT_BATCH_ROWS,
            run: RunOptions::new(num_cpus::get()),
            wrapper: None,
        }
    }
}

impl std::fmt::Debug for WriteOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteOptions")
            .field("batch_rows", &self.batch_rows)
            .field("run", &self.run)
            .field("wrapper", &self.wrapper.is_some())
            .finish()
    }
}

/// Rows per batch: 1 to [`MAX_BATCH_ROWS`], for streams and runs alike.
pub(crate) fn check_batch_rows(batch_rows: u64) -> Result<(), SpecError> {
    if (1..=MAX_BATCH_ROWS).contains(&batch_rows) {
        Ok(())
    } else {
        Err(SpecError::out_of_range(
            Setting::BatchRows,
            batch_rows,
            &format!("1 to {MAX_BATCH_ROWS}"),
        ))
    }
}

impl DatasetSpec {
    /// Validates the specification and builds the dataset's world: the
    /// population and the lookup tables every table's generator shares.
    ///
    /// ```
    /// use cardgen::{DatasetSpec, Table};
    ///
    /// let dataset = DatasetSpec::new(10_000).with_seed(7).build()?;
    /// assert_eq!(dataset.rows(Table::Transactions), 10_000);
    /// assert!(dataset.rows(Table::Customers) >= 1);
    /// # Ok::<(), cardgen::Error>(())
    /// ```
    pub fn build(&self) -> Result<Dataset, Error> {
        self.validate()?;
        let options = WorldOptions {
            seed: self.seed(),
            rows: self.rows(),
            range: self.range(),
            customers: self.customers(),
            merchants: self.merchants(),
        };
        let world = World::build(options, Arc::clone(self.scenario().profile()))?;
        Ok(Dataset::new(self.clone(), Arc::new(world))?)
    }
}

impl Dataset {
    /// Fails if the profile's fraud does not compile.
    pub(crate) fn new(spec: DatasetSpec, world: Arc<World>) -> Result<Self, CoreError> {
        let appended: Vec<_> = spec
            .appended()
            .iter()
            .map(|a| (a.range(), a.rows))
            .collect();
        let fraud = Arc::new(WorldWithFraud::with_appended(world, &appended)?);
        Ok(Self {
            spec,
            fraud,
            card_history: Arc::default(),
        })
    }

    /// The same dataset with other card-number options, sharing the world.
    pub fn with_card_numbers(&self, emit_pan: bool, pan_mask: cardgen_core::pan::PanMask) -> Self {
        Self {
            spec: self
                .spec
                .clone()
                .with_emit_pan(emit_pan)
                .with_pan_mask(pan_mask),
            fraud: Arc::clone(&self.fraud),
            card_history: Arc::clone(&self.card_history),
        }
    }

    /// The specification the dataset was built from.
    pub fn spec(&self) -> &DatasetSpec {
        &self.spec
    }

    /// Customers, cards and merchants.
    pub fn sizes(&self) -> PopulationSizes {
        self.world().sizes
    }

    /// The shared population and lookup tables, for custom generators.
    pub fn world(&self) -> &Arc<World> {
        self.fraud.world()
    }

    /// How many `transactions` rows fall before the instant `utc_micros`
    /// (to within one row: a row's time is drawn within its share of the
    /// timeline). A live reader's offset after `t` of event time.
    ///
    /// ```
    /// use cardgen::DatasetSpec;
    ///
    /// let dataset = DatasetSpec::new(1_000).with_days(10).build()?;
    /// let (start, end) = dataset.utc_range();
    /// assert_eq!(dataset.rows_before(start), 0);
    /// assert_eq!(dataset.rows_before(end), 1_000);
    /// assert!((400..600).contains(&dataset.rows_before((start + end) / 2)));
    /// # Ok::<(), cardgen::Error>(())
    /// ```
    pub fn rows_before(&self, utc_micros: i64) -> u64 {
        let timeline = self.timeline();
        let offset = self.world().profile.utc_offset_seconds * 1_000_000;
        let quantile =
            timeline.quantile_of(cardgen_core::timeline::LocalMicros(utc_micros + offset));
        let rows = self.spec.rows();
        ((quantile * rows as f64).floor() as u64).min(rows)
    }

    /// The dataset's range as UTC microseconds: its first instant and the
    /// instant after its last day.
    pub fn utc_range(&self) -> (i64, i64) {
        self.timeline().utc_bounds()
    }

    fn timeline(&self) -> cardgen_core::timeline::Timeline {
        let world = self.world();
        cardgen_core::timeline::Timeline::new(&world.profile, world.options.range)
    }

    /// The world with its fraud plan, shared by every generator.
    #[cfg(feature = "stream")]
    pub(crate) fn fraud(&self) -> &Arc<WorldWithFraud> {
        &self.fraud
    }

    /// Rows of `table`: the spec's rows for `transactions` (over every
    /// date range, when ranges were appended), the population size for the
    /// other dimensions (and for `cards` the replacements of blocked cards),
    /// the customers' versions through the first range for
    /// `customers_history`, and their changes over every range for
    /// `customers_changes`.
    pub fn rows(&self, table: Table) -> u64 {
        let sizes = &self.world().sizes;
        match table {
            Table::Transactions => self.fraud.last_range().end_row(),
            Table::Customers => sizes.customers,
            Table::Cards => self.fraud.card_rows(),
            Table::Merchants => sizes.merchants,
            Table::FraudCases => self.fraud.plan().cases(),
            Table::CustomersHistory => self.fraud.customer_history().history_rows(),
            Table::CustomersChanges => self.fraud.customer_history().feed_rows(),
            Table::CardsHistory => self.card_history().history_rows(),
            Table::CardsChanges => self.card_history().feed_rows(),
        }
    }

    /// Date ranges: 1, plus one per appended range.
    pub fn ranges(&self) -> usize {
        self.fraud.ranges().len()
    }

    /// The rows of `table` that date range `range` (0 for the first) adds:
    /// its transactions, its fraud cases, the cards that replace the cards
    /// it blocked and the customers' changes in it; the first range also
    /// holds the population and the customers' history.
    pub fn range_rows(&self, table: Table, range: usize) -> Range<u64> {
        let sizes = &self.world().sizes;
        let population = |n: u64| if range == 0 { 0..n } else { n..n };
        match table {
            Table::Transactions => {
                let r = &self.fraud.ranges()[range];
                r.first_row..r.end_row()
            }
            Table::Customers => population(sizes.customers),
            Table::Merchants => population(sizes.merchants),
            Table::Cards => {
                let replaced = self.fraud.plan().replacements_of_range(range);
                let end = sizes.cards + replaced.end;
                if range == 0 {
                    0..end
                } else {
                    sizes.cards + replaced.start..end
                }
            }
            Table::FraudCases => self.fraud.plan().ranges()[range].case_ids(),
            Table::CustomersHistory => population(self.rows(table)),
            Table::CustomersChanges => self.fraud.customer_history().feed_rows_of_range(range),
            Table::CardsHistory => population(self.rows(table)),
            Table::CardsChanges => self.card_history().feed_rows_of_range(range),
        }
    }

    /// The rows of `table` the last date range adds: all of them, unless
    /// ranges were appended.
    pub fn last_range_rows(&self, table: Table) -> Range<u64> {
        self.range_rows(table, self.ranges() - 1)
    }

    /// The versions of every card and their changes, counted on first use.
    fn card_history(&self) -> Arc<CardHistory> {
        Arc::clone(
            self.card_history
                .get_or_init(|| Arc::new(CardHistory::build(&self.fraud))),
        )
    }

    /// The Arrow schema of `table`.
    pub fn schema(&self, table: Table) -> Result<SchemaRef, Error> {
        Ok(self.generator(table)?.schema())
    }

    /// The generator of `table`, whose metadata describes this dataset.
    pub fn generator(&self, table: Table) -> Result<Arc<dyn TableGenerator>, Error> {
        let world = Arc::clone(self.world());
        let fraud = Arc::clone(&self.fraud);
        let inner: Box<dyn TableGenerator> = match table {
            Table::Transactions => Box::new(TransactionGenerator::new(fraud)?),
            Table::Customers => Box::new(CustomersGenerator::new(Arc::clone(&fraud))),
            Table::Cards => Box::new(CardsGenerator::new(
                fraud,
                self.spec.emit_pan(),
                self.spec.pan_mask(),
            )),
            Table::Merchants => Box::new(MerchantsGenerator::new(world)),
            Table::FraudCases => Box::new(FraudCasesGenerator::new(fraud)),
            Table::CustomersHistory => Box::new(CustomersHistoryGenerator::new(fraud)),
            Table::CustomersChanges => Box::new(CustomerChangesGenerator::new(fraud)),
            Table::CardsHistory => Box::new(CardsHistoryGenerator::new(
                fraud,
                self.card_history(),
                self.spec.emit_pan(),
                self.spec.pan_mask(),
            )),
            Table::CardsChanges => Box::new(CardChangesGenerator::new(
                fraud,
                self.card_history(),
                self.spec.emit_pan(),
                self.spec.pan_mask(),
            )),
        };
        Ok(Arc::new(DescribedTable {
            metadata: table_metadata(&self.spec, self.sizes(), inner.metadata()),
            inner,
        }))
    }

    /// The batches of rows `rows` of `table`, `batch_rows` at a time; the
    /// first batch starts at `rows.start`.
    pub fn plan(
        &self,
        table: Table,
        rows: Range<u64>,
        batch_rows: u64,
    ) -> Result<BatchPlan, Error> {
        check_batch_rows(batch_rows)?;
        let total = self.rows(table);
        if rows.start > rows.end || rows.end > total {
            return Err(SpecError::Invalid {
                setting: Setting::RowRange,
                value: format!("{}..{}", rows.start, rows.end),
                reason: format!("{table} has rows 0..{total}"),
            }
            .into());
        }
        // Its generator knows the timeline of the last range only.
        let generated = self.last_range_rows(Table::Transactions);
        if table == Table::Transactions && rows.start < generated.start {
            return Err(SpecError::Invalid {
                setting: Setting::RowRange,
                value: format!("{}..{}", rows.start, rows.end),
                reason: format!(
                    "transactions of a dataset with appended ranges are generated for its last range: rows {}..{}",
                    generated.start, generated.end
                ),
            }
            .into());
        }
        Ok(BatchPlan::range(rows.start, rows.end, batch_rows)?)
    }

    /// Streams rows `rows` of `table` as Arrow record batches, in order and
    /// in bounded memory, generated ahead on `options.threads` threads.
    ///
    /// ```
    /// use cardgen::{DatasetSpec, ReadOptions, Table};
    ///
    /// let dataset = DatasetSpec::new(5_000).build()?;
    /// let options = ReadOptions { batch_rows: 1_000, ..ReadOptions::default() };
    /// let mut rows = 0;
    /// for batch in dataset.batches(Table::Transactions, 1_000..4_500, &options)? {
    ///     rows += batch?.num_rows();
    /// }
    /// assert_eq!(rows, 3_500);
    /// # Ok::<(), cardgen::Error>(())
    /// ```
    pub fn batches(
        &self,
        table: Table,
        rows: Range<u64>,
        options: &ReadOptions,
    ) -> Result<TableBatches, Error> {
        if options.threads == 0 {
            return Err(SpecError::out_of_range(Setting::Threads, 0, "1 or more").into());
        }
        let window = options
            .max_in_flight
            .unwrap_or_else(|| default_credits(options.threads));
        if window == 0 {
            return Err(SpecError::out_of_range(Setting::MaxInFlight, 0, "1 or more").into());
        }
        let plan = self.plan(table, rows, options.batch_rows)?;
        let generator = self.generator(table)?;
        let schema = generator.schema();
        let stream = BatchStream::new(generator, plan, options.threads, window)?;
        Ok(TableBatches { schema, stream })
    }

    /// The batch plan of a whole table written with `options`, checked
    /// against Parquet's row-group limit.
    pub fn write_plan(&self, table: Table, options: &WriteOptions) -> Result<BatchPlan, Error> {
        let rows = self.rows(table);
        check_row_groups(rows, options.batch_rows).map_err(SpecError::from)?;
        self.plan(table, 0..rows, options.batch_rows)
    }

    /// Where each table goes in a dataset directory `dir`.
    pub fn table_paths(dir: &Path) -> Vec<(Table, PathBuf)> {
        Table::ALL
            .into_iter()
            .map(|t| (t, dir.join(t.file_name())))
            .collect()
    }
}

/// A table's rows as Arrow record batches; see [`Dataset::batches`].
#[derive(Debug)]
pub struct TableBatches {
    schema: SchemaRef,
    stream: BatchStream,
}

impl TableBatches {
    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The rows the stream covers.
    pub fn plan(&self) -> BatchPlan {
        self.stream.plan()
    }
}

impl Iterator for TableBatches {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.stream.next().map(|r| r.map_err(Error::from))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

/// A table generator whose file metadata describes the dataset.
struct DescribedTable {
    inner: Box<dyn TableGenerator>,
    metadata: Vec<(String, String)>,
}

impl TableGenerator for DescribedTable {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        self.inner.generate(batch)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        self.metadata.clone()
    }

    fn high_cardinality_columns(&self) -> &[&str] {
        self.inner.high_cardinality_columns()
    }

    fn sorted_columns(&self) -> &[&str] {
        self.inner.sorted_columns()
    }

    fn generates_in_slices(&self) -> bool {
        self.inner.generates_in_slices()
    }
}
