//! The dimension tables: `customers`, `cards` and `merchants`, one row per
//! entity, each row a pure function of (seed, id) read from the same
//! [`World`] the transactions use, so every key in the fact table resolves.
//! `cards` also lists the replacements of cards blocked after fraud, so it
//! reads the world's fraud plan through [`WorldWithFraud`].

use std::sync::Arc;

use arrow_array::builder::{Float32Builder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Int16Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::arrays::{dictionary_column, dictionary_type, string_values};
use crate::card_columns::{CardColumns, CardImage, CardVocabulary, card_row};
use crate::changes::cards::CardChanges;
use crate::changes::tables::{CustomerColumns, CustomerVocabulary, customer_name};
use crate::error::CoreError;
use crate::fraud::WorldWithFraud;
use crate::pan::{Pan, PanMask};
use crate::plan::BatchSpec;
use crate::population::CardFacts;
use crate::seed::{Domain, EntityHash};
use crate::table::TableGenerator;
use crate::world::World;

/// Schema version of `customers` and `merchants`.
pub const DIMENSIONS_SCHEMA_VERSION: u32 = 1;
/// Schema version of `cards`: 2 added `status`.
pub const CARDS_SCHEMA_VERSION: u32 = 2;

/// What a dimension table says of itself in file metadata; the dataset's
/// specification is recorded by the `cardgen` crate.
fn metadata(table: &str, rows: u64) -> Vec<(String, String)> {
    let version = if table == "cards" {
        CARDS_SCHEMA_VERSION
    } else {
        DIMENSIONS_SCHEMA_VERSION
    };
    vec![
        ("table".into(), table.into()),
        ("schema_version".into(), version.to_string()),
        ("rows".into(), rows.to_string()),
    ]
}

/// The word of `list` that `bits` choose.
fn pick(list: &[String], bits: u64) -> &str {
    &list[(bits % list.len() as u64) as usize]
}

/// `customers`: one row per customer, as it is at the end of the dataset's
/// first range (its changes through then applied; see [`crate::changes`]).
pub struct CustomersGenerator {
    fraud: Arc<WorldWithFraud>,
    schema: SchemaRef,
    vocabulary: CustomerVocabulary,
}

impl CustomersGenerator {
    pub fn new(fraud: Arc<WorldWithFraud>) -> Self {
        Self {
            schema: Arc::new(Schema::new(CustomerVocabulary::fields())),
            vocabulary: CustomerVocabulary::new(&fraud.world().profile),
            fraud,
        }
    }
}

impl TableGenerator for CustomersGenerator {
    fn name(&self) -> &str {
        "customers"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let world = &**self.fraud.world();
        let range = &self.fraud.ranges()[0].range;
        let last_day = range.start_epoch_day() + i64::from(range.days) - 1;
        let mut columns = CustomerColumns::with_capacity(batch.rows as usize);
        for id in batch.first_row..batch.first_row + batch.rows {
            let (base, rate) = world.customer_row(id);
            let facts = world.changes().on(id, base, last_day);
            columns.push(id, &customer_name(world, id), &facts, rate as f32);
        }
        let columns = columns.finish(&self.vocabulary)?;
        Ok(RecordBatch::try_new(self.schema(), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        metadata(self.name(), self.fraud.world().sizes.customers)
    }
}

/// `cards`: one row per card, as it is at the end of the dataset's first
/// range (its limit and status then; see [`crate::changes::cards`]), with
/// its number in masked forms (and in full only when asked for). Never a CVV.
pub struct CardsGenerator {
    fraud: Arc<WorldWithFraud>,
    changes: CardChanges,
    schema: SchemaRef,
    vocabulary: CardVocabulary,
}

impl CardsGenerator {
    pub fn new(fraud: Arc<WorldWithFraud>, emit_pan: bool, mask: PanMask) -> Self {
        let vocabulary = CardVocabulary::new(fraud.world(), emit_pan, mask);
        Self {
            schema: Arc::new(Schema::new(vocabulary.fields())),
            changes: CardChanges::of(&fraud),
            vocabulary,
            fraud,
        }
    }

    /// The number of card `card_id` (whose facts are `card`).
    pub fn pan(&self, card_id: u64, card: &CardFacts) -> Pan {
        self.vocabulary.pan(self.fraud.world(), card_id, card)
    }
}

impl TableGenerator for CardsGenerator {
    fn name(&self) -> &str {
        "cards"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let fraud = &*self.fraud;
        let world = &**fraud.world();
        let mut columns = CardColumns::with_capacity(&self.vocabulary, batch.rows as usize);
        let mut versions = Vec::new();
        for id in batch.first_row..batch.first_row + batch.rows {
            let (mut facts, replaces) = card_row(fraud, id);
            let last = self.changes.row_version(fraud, id, &mut versions);
            facts.expires_day = last.expires_day;
            columns.push(
                world,
                &CardImage {
                    id,
                    facts,
                    replaces,
                    is_main: replaces.unwrap_or(id) < world.sizes.customers,
                    credit_limit: last.credit_limit,
                    status: last.status,
                },
            );
        }
        Ok(RecordBatch::try_new(self.schema(), columns.finish()?)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        let mut m = metadata(self.name(), self.fraud.card_rows());
        m.push(("emit_pan".into(), self.vocabulary.emit_pan().to_string()));
        m.push(("pan_mask".into(), self.vocabulary.mask().name().into()));
        m
    }
}

/// `merchants`: one row per merchant.
pub struct MerchantsGenerator {
    world: Arc<World>,
    schema: SchemaRef,
    categories: ArrayRef,
    regions: ArrayRef,
    currencies: ArrayRef,
}

impl MerchantsGenerator {
    pub fn new(world: Arc<World>) -> Self {
        let p = &world.profile;
        Self {
            schema: Arc::new(Schema::new(vec![
                Field::new("merchant_id", DataType::Int64, false),
                Field::new("name", DataType::Utf8, false),
                Field::new("mcc", DataType::Int16, false),
                Field::new("category", dictionary_type(), false),
                Field::new("is_online", DataType::Boolean, false),
                Field::new("region_code", dictionary_type(), true),
                Field::new("currency", dictionary_type(), false),
                Field::new("popularity", DataType::Float32, false),
            ])),
            categories: string_values(p.categories.iter().map(|c| c.key.as_str())),
            regions: string_values(p.regions.iter().map(|r| r.code.as_str())),
            currencies: string_values([
                p.home_currency.code.as_str(),
                p.foreign_currency.code.as_str(),
            ]),
            world,
        }
    }
}

impl TableGenerator for MerchantsGenerator {
    fn name(&self) -> &str {
        "merchants"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let n = batch.rows as usize;
        let mut names = StringBuilder::with_capacity(n, n * 24);
        let (mut mcc, mut category, mut online, mut region, mut currency) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut popularity = Float32Builder::with_capacity(n);
        let words = &self.world.profile.names.merchant_words;
        for id in batch.first_row..batch.first_row + batch.rows {
            let m = self.world.merchant(id);
            let h = EntityHash::new(self.world.seed(), Domain::Merchant, id).bits(9);
            let key = &self.world.profile.categories[usize::from(m.category)].key;
            names.append_value(format!(
                "{} {} {key} {}",
                pick(words, h),
                pick(words, h >> 8),
                id
            ));
            mcc.push(m.mcc);
            category.push(m.category as i8);
            online.push(m.is_online());
            region.push(m.region.map(|r| r as i8));
            currency.push(i8::from(m.foreign_currency));
            popularity.append_value(m.popularity);
        }
        let first = batch.first_row as i64;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(first..first + n as i64)),
            Arc::new(names.finish()),
            Arc::new(Int16Array::from(mcc)),
            dictionary_column(category, &self.categories)?,
            Arc::new(BooleanArray::from(online)),
            dictionary_column(region, &self.regions)?,
            dictionary_column(currency, &self.currencies)?,
            Arc::new(popularity.finish()),
        ];
        Ok(RecordBatch::try_new(self.schema(), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        metadata(self.name(), self.world.sizes.merchants)
    }
}
