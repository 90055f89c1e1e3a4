//! The tables of customers' changes: `customers_history`, every version of
//! every customer (SCD Type 2), and `customers_changes`, a change feed a
//! `MERGE` applies to the customers of the start of a range to get those of
//! its end. Both carry the columns of `customers` (the full image of a
//! version), so either joins or merges into it column for column.
//!
//! A version starts at local midnight of its day: `valid_from` of the first
//! is the dataset's first day, each later one starts on a change day, and
//! `valid_to` is the next version's `valid_from` (null for the current one),
//! so a customer's intervals meet without gap or overlap.

use std::sync::Arc;

use arrow_array::builder::{Float32Builder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::CustomerVersion;
use crate::arrays::{dictionary_column, dictionary_type, string_values};
use crate::customers::CustomerFacts;
use crate::error::CoreError;
use crate::fraud::WorldWithFraud;
use crate::plan::BatchSpec;
use crate::profile::Profile;
use crate::seed::{Domain, EntityHash};
use crate::table::TableGenerator;
use crate::world::World;

/// Schema version of the customer change tables.
pub const CHANGES_SCHEMA_VERSION: u32 = 1;

/// The change feed's operations, in dictionary order. Customers are never
/// added or removed once the dataset starts, so their feed holds updates;
/// the vocabulary is the one a `MERGE` pipeline expects.
pub const OPERATIONS: [&str; 3] = ["insert", "update", "delete"];
/// Dictionary codes of [`OPERATIONS`].
pub(super) const INSERT: i8 = 0;
pub(super) const UPDATE: i8 = 1;

/// The dictionaries of a customer's columns.
#[derive(Debug, Clone)]
pub struct CustomerVocabulary {
    segments: ArrayRef,
    bands: ArrayRef,
    regions: ArrayRef,
}

impl CustomerVocabulary {
    pub fn new(profile: &Profile) -> Self {
        Self {
            segments: string_values(profile.personas.iter().map(|x| x.name.as_str())),
            bands: string_values(profile.income_bands.iter().map(|x| x.name.as_str())),
            regions: string_values(profile.regions.iter().map(|x| x.code.as_str())),
        }
    }

    /// The columns of `customers`, which the change tables begin with.
    pub fn fields() -> Vec<Field> {
        vec![
            Field::new("customer_id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("segment", dictionary_type(), false),
            Field::new("income_band", dictionary_type(), false),
            Field::new("region_code", dictionary_type(), false),
            Field::new("work_region_code", dictionary_type(), false),
            Field::new("activity_rate", DataType::Float32, false),
        ]
    }
}

/// A customer's name: a family name and two given-name syllables.
pub fn customer_name(world: &World, id: u64) -> String {
    let words = &world.profile.names;
    let h = EntityHash::new(world.seed(), Domain::Customer, id).bits(9);
    fn pick(list: &[String], bits: u64) -> &str {
        &list[(bits % list.len() as u64) as usize]
    }
    format!(
        "{}{}{}",
        pick(&words.family, h),
        pick(&words.given_syllables, h >> 8),
        pick(&words.given_syllables, h >> 16)
    )
}

/// The columns of [`CustomerVocabulary::fields`], built row by row.
pub struct CustomerColumns {
    ids: Vec<i64>,
    names: StringBuilder,
    segment: Vec<i8>,
    band: Vec<i8>,
    home: Vec<i8>,
    work: Vec<i8>,
    rate: Float32Builder,
}

impl CustomerColumns {
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            ids: Vec::with_capacity(rows),
            names: StringBuilder::with_capacity(rows, rows * 9),
            segment: Vec::with_capacity(rows),
            band: Vec::with_capacity(rows),
            home: Vec::with_capacity(rows),
            work: Vec::with_capacity(rows),
            rate: Float32Builder::with_capacity(rows),
        }
    }

    pub fn push(&mut self, id: u64, name: &str, facts: &CustomerFacts, rate: f32) {
        self.ids.push(id as i64);
        self.names.append_value(name);
        self.segment.push(facts.persona as i8);
        self.band.push(facts.income_band as i8);
        self.home.push(facts.home_region as i8);
        self.work.push(facts.work_region as i8);
        self.rate.append_value(rate);
    }

    pub fn finish(mut self, vocabulary: &CustomerVocabulary) -> Result<Vec<ArrayRef>, CoreError> {
        Ok(vec![
            Arc::new(Int64Array::from(self.ids)),
            Arc::new(self.names.finish()),
            dictionary_column(self.segment, &vocabulary.segments)?,
            dictionary_column(self.band, &vocabulary.bands)?,
            dictionary_column(self.home, &vocabulary.regions)?,
            dictionary_column(self.work, &vocabulary.regions)?,
            Arc::new(self.rate.finish()),
        ])
    }
}

/// The key-value metadata of a change table.
pub(super) fn metadata(table: &str, rows: u64) -> Vec<(String, String)> {
    vec![
        ("table".into(), table.into()),
        ("schema_version".into(), CHANGES_SCHEMA_VERSION.to_string()),
        ("rows".into(), rows.to_string()),
    ]
}

/// Local midnight of `day` as a UTC instant, in microseconds.
fn utc_midnight(world: &World, day: i64) -> i64 {
    (day * 86_400 - world.profile.utc_offset_seconds) * 1_000_000
}

fn timestamp_type(world: &World) -> DataType {
    DataType::Timestamp(
        TimeUnit::Microsecond,
        Some(world.profile.timezone.as_str().into()),
    )
}

/// The columns a history adds to its dimension's: SCD Type 2 intervals.
pub(super) fn history_fields(world: &World) -> [Field; 3] {
    [
        Field::new("valid_from", timestamp_type(world), false),
        Field::new("valid_to", timestamp_type(world), true),
        Field::new("is_current", DataType::Boolean, false),
    ]
}

/// The columns a change feed adds to its dimension's.
pub(super) fn feed_fields(world: &World) -> [Field; 2] {
    [
        Field::new("op", dictionary_type(), false),
        Field::new("change_ts", timestamp_type(world), false),
    ]
}

/// UTC instants (microseconds) as a column in the dataset's time zone.
pub(super) fn timestamps(world: &World, values: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from(values)
            .with_timezone_opt(Some(world.profile.timezone.as_str())),
    )
}

/// `customers_history`: every customer's versions through the end of the
/// dataset's first range, ordered by customer and `valid_from`.
pub struct CustomersHistoryGenerator {
    fraud: Arc<WorldWithFraud>,
    schema: SchemaRef,
    vocabulary: CustomerVocabulary,
}

impl CustomersHistoryGenerator {
    pub fn new(fraud: Arc<WorldWithFraud>) -> Self {
        let world = fraud.world();
        let mut fields = CustomerVocabulary::fields();
        fields.extend(history_fields(world));
        Self {
            schema: Arc::new(Schema::new(fields)),
            vocabulary: CustomerVocabulary::new(&world.profile),
            fraud,
        }
    }
}

impl TableGenerator for CustomersHistoryGenerator {
    fn name(&self) -> &str {
        "customers_history"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let n = batch.rows as usize;
        let world = &**self.fraud.world();
        let changes = world.changes();
        let history = self.fraud.customer_history();
        let mut columns = CustomerColumns::with_capacity(n);
        let (mut from, mut to, mut current) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let end = batch.first_row + batch.rows;
        let mut versions = Vec::new();
        if n > 0 {
            let (mut id, mut first) = history.locate_history(batch.first_row, changes);
            while first < end {
                let (base, rate) = world.customer_row(id);
                let name = customer_name(world, id);
                versions.clear();
                versions.push(CustomerVersion {
                    day: changes.first_day(),
                    facts: base,
                });
                let mut later = Vec::new();
                changes.versions(
                    id,
                    base,
                    changes.first_day(),
                    history.history_through(),
                    &mut later,
                );
                versions.extend(later);
                for (k, version) in versions.iter().enumerate() {
                    let row = first + k as u64;
                    if row < batch.first_row || row >= end {
                        continue;
                    }
                    columns.push(id, &name, &version.facts, rate as f32);
                    from.push(Some(utc_midnight(world, version.day)));
                    to.push(versions.get(k + 1).map(|v| utc_midnight(world, v.day)));
                    current.push(k + 1 == versions.len());
                }
                first += versions.len() as u64;
                id += 1;
            }
        }
        let mut arrays = columns.finish(&self.vocabulary)?;
        arrays.extend([
            timestamps(world, from),
            timestamps(world, to),
            Arc::new(BooleanArray::from(current)) as ArrayRef,
        ]);
        Ok(RecordBatch::try_new(self.schema(), arrays)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        metadata(self.name(), self.fraud.customer_history().history_rows())
    }
}

/// `customers_changes`: the change feed, range by range, then by customer
/// and day: one row per change day with the customer's new image.
pub struct CustomerChangesGenerator {
    fraud: Arc<WorldWithFraud>,
    schema: SchemaRef,
    vocabulary: CustomerVocabulary,
    operations: ArrayRef,
}

impl CustomerChangesGenerator {
    pub fn new(fraud: Arc<WorldWithFraud>) -> Self {
        let world = fraud.world();
        let mut fields = CustomerVocabulary::fields();
        fields.extend(feed_fields(world));
        Self {
            schema: Arc::new(Schema::new(fields)),
            vocabulary: CustomerVocabulary::new(&world.profile),
            operations: string_values(OPERATIONS),
            fraud,
        }
    }
}

impl TableGenerator for CustomerChangesGenerator {
    fn name(&self) -> &str {
        "customers_changes"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let n = batch.rows as usize;
        let world = &**self.fraud.world();
        let changes = world.changes();
        let history = self.fraud.customer_history();
        let mut columns = CustomerColumns::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        let end = batch.first_row + batch.rows;
        let mut versions = Vec::new();
        let mut row = batch.first_row;
        while row < end {
            // One window at a time: the rest of this one, from the customer of `row`.
            let (window, mut id, mut first) = history.locate_feed(row, changes);
            let (after, through) = (window.after, window.through);
            while first < end && id < history.customers() {
                let (base, rate) = world.customer_row(id);
                changes.versions(id, base, after, through, &mut versions);
                if !versions.is_empty() {
                    let name = customer_name(world, id);
                    for (k, version) in versions.iter().enumerate() {
                        let r = first + k as u64;
                        if r >= row && r < end {
                            columns.push(id, &name, &version.facts, rate as f32);
                            at.push(Some(utc_midnight(world, version.day)));
                        }
                    }
                }
                first += versions.len() as u64;
                id += 1;
            }
            row = first.max(row);
        }
        let mut arrays = columns.finish(&self.vocabulary)?;
        arrays.extend([
            dictionary_column(vec![UPDATE; at.len()], &self.operations)?,
            timestamps(world, at),
        ]);
        Ok(RecordBatch::try_new(self.schema(), arrays)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        metadata(self.name(), self.fraud.customer_history().feed_rows())
    }
}
