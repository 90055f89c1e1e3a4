//! The dimension tables: `customers`, `cards` and `merchants`, one row per
//! entity, each row a pure function of (seed, id) read from the same
//! [`World`] the transactions use, so every key in the fact table resolves.
//! `cards` also lists the replacements of cards blocked after fraud, so it
//! reads the world's fraud plan through [`WorldWithFraud`].

use std::sync::Arc;

use arrow_array::builder::{Float32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Date32Array, Int16Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::arrays::{dictionary_column, dictionary_type, string_values};
use crate::changes::tables::{CustomerColumns, CustomerVocabulary, customer_name};
use crate::error::CoreError;
use crate::fraud::WorldWithFraud;
use crate::pan::{BIN_DIGITS, Pan, PanMask, Permutation, synthetic_bin};
use crate::plan::BatchSpec;
use crate::population::CardFacts;
use crate::seed::{Domain, EntityHash, stream_key};
use crate::table::TableGenerator;
use crate::world::World;

/// Schema version of the dimension tables.
pub const DIMENSIONS_SCHEMA_VERSION: u32 = 1;

/// What a dimension table says of itself in file metadata; the dataset's
/// specification is recorded by the `cardgen` crate.
fn metadata(table: &str, rows: u64) -> Vec<(String, String)> {
    vec![
        ("table".into(), table.into()),
        (
            "schema_version".into(),
            DIMENSIONS_SCHEMA_VERSION.to_string(),
        ),
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

/// `cards`: one row per card, with its number in masked forms (and in full
/// only when asked for). Never a CVV.
pub struct CardsGenerator {
    world: Arc<World>,
    fraud: Arc<WorldWithFraud>,
    schema: SchemaRef,
    emit_pan: bool,
    mask: PanMask,
    issuers: ArrayRef,
    brands: ArrayRef,
    kinds: ArrayRef,
    products: ArrayRef,
    /// `[brand]`: the keyed permutation of the brand's account numbers
    /// (BINs are six digits, so the account space is fixed per brand).
    accounts: Vec<Permutation>,
}

impl CardsGenerator {
    pub fn new(fraud: Arc<WorldWithFraud>, emit_pan: bool, mask: PanMask) -> Self {
        let world = Arc::clone(fraud.world());
        let cards = &world.profile.cards;
        let mut fields = vec![
            Field::new("card_id", DataType::Int64, false),
            Field::new("customer_id", DataType::Int64, false),
            Field::new("issuer", dictionary_type(), false),
            Field::new("brand", dictionary_type(), false),
            Field::new("card_kind", dictionary_type(), false),
            Field::new("product", dictionary_type(), false),
            Field::new("bin", DataType::Utf8, false),
        ];
        if emit_pan {
            fields.push(Field::new("pan", DataType::Utf8, false));
        }
        fields.extend([
            Field::new("pan_masked", DataType::Utf8, false),
            Field::new("pan_last4", DataType::Utf8, false),
            Field::new("issued_at", DataType::Date32, false),
            Field::new("expires_at", DataType::Date32, false),
            Field::new("credit_limit", DataType::Int64, true),
            Field::new("is_main_card", DataType::Boolean, false),
            // A replacement for a card blocked after fraud names that card.
            Field::new("replaces_card_id", DataType::Int64, true),
        ]);
        Self {
            schema: Arc::new(Schema::new(fields)),
            emit_pan,
            mask,
            issuers: string_values(cards.issuers.iter().map(|x| x.name.as_str())),
            brands: string_values(cards.brands.iter().map(|x| x.name.as_str())),
            kinds: string_values(["credit", "check"]),
            products: string_values(cards.products.iter().map(|x| x.name.as_str())),
            accounts: cards
                .brands
                .iter()
                .enumerate()
                .map(|(i, brand)| {
                    let account_digits = brand.length - BIN_DIGITS - 1;
                    Permutation::new(
                        stream_key(world.seed(), Domain::CardNumber, 1 << 32 | i as u64),
                        10u64.pow(account_digits),
                    )
                })
                .collect(),
            world,
            fraud,
        }
    }

    /// The number of card `card_id` (whose facts are `card`): a BIN of its
    /// brand and issuer, then the keyed permutation of its id over the
    /// brand's account space, then Luhn.
    pub fn pan(&self, card_id: u64, card: &CardFacts) -> Pan {
        let world = &*self.world;
        let brand = &world.profile.cards.brands[usize::from(card.brand)];
        let h = EntityHash::new(world.seed(), Domain::Card, card_id);
        let prefix = &brand.prefixes[(h.bits(7) % brand.prefixes.len() as u64) as usize];
        // One BIN per (brand prefix, issuer): issuers own their ranges.
        let bin = synthetic_bin(
            prefix,
            stream_key(world.seed(), Domain::CardNumber, u64::from(card.issuer)),
        );
        debug_assert_eq!(bin.len(), BIN_DIGITS as usize);
        let accounts = &self.accounts[usize::from(card.brand)];
        Pan::new(
            &bin,
            accounts.apply(card_id % accounts.domain()),
            brand.length as usize,
        )
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
        let n = batch.rows as usize;
        let world = &*self.world;
        let mut customer = Vec::with_capacity(n);
        let (mut issuer, mut brand, mut kind, mut product) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut bins = StringBuilder::with_capacity(n, n * 6);
        let mut pans = StringBuilder::with_capacity(
            if self.emit_pan { n } else { 0 },
            if self.emit_pan { n * 16 } else { 0 },
        );
        let mut masked = StringBuilder::with_capacity(n, n * 19);
        let mut last4 = StringBuilder::with_capacity(n, n * 4);
        let (mut issued, mut expires) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut limit = Int64Builder::with_capacity(n);
        let mut main = Vec::with_capacity(n);
        let mut replaces = Vec::with_capacity(n);
        let population = world.sizes.cards;
        for id in batch.first_row..batch.first_row + batch.rows {
            // Past the population: replacements, in the order of their blocks.
            let (card, original) = if id < population {
                (world.card_details(id), None)
            } else {
                let blocks = self.fraud.plan().blocks();
                let original = blocks.replaced()[(id - population) as usize];
                let mut card = world.card_details(original);
                let blocked = blocks.get(original).expect("a replaced card is blocked");
                card.owner.issued_day = blocked.at.epoch_day();
                card.expires_day = card.owner.expires_day();
                (card, Some(original))
            };
            replaces.push(original.map(|o| o as i64));
            let pan = self.pan(id, &card);
            customer.push(card.owner.customer_id as i64);
            issuer.push(card.issuer as i8);
            brand.push(card.brand as i8);
            kind.push(i8::from(!card.owner.is_credit));
            product.push(card.product as i8);
            bins.append_value(&pan.digits[..6]);
            if self.emit_pan {
                pans.append_value(&pan.digits);
            }
            masked.append_value(self.mask.apply(&pan));
            last4.append_value(pan.last4());
            issued.push(card.owner.issued_day as i32);
            expires.push(card.expires_day as i32);
            limit.append_option(
                card.owner
                    .is_credit
                    .then(|| world.profile.cards.products[usize::from(card.product)].credit_limit),
            );
            main.push(original.unwrap_or(id) < world.sizes.customers);
        }
        let first = batch.first_row as i64;
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(first..first + n as i64)),
            Arc::new(Int64Array::from(customer)),
            dictionary_column(issuer, &self.issuers)?,
            dictionary_column(brand, &self.brands)?,
            dictionary_column(kind, &self.kinds)?,
            dictionary_column(product, &self.products)?,
            Arc::new(bins.finish()),
        ];
        if self.emit_pan {
            columns.push(Arc::new(pans.finish()));
        }
        columns.extend([
            Arc::new(masked.finish()) as ArrayRef,
            Arc::new(last4.finish()),
            Arc::new(Date32Array::from(issued)),
            Arc::new(Date32Array::from(expires)),
            Arc::new(limit.finish()),
            Arc::new(BooleanArray::from(main)),
            Arc::new(Int64Array::from(replaces)),
        ]);
        Ok(RecordBatch::try_new(self.schema(), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        let mut m = metadata(self.name(), self.fraud.card_rows());
        m.push(("emit_pan".into(), self.emit_pan.to_string()));
        m.push(("pan_mask".into(), self.mask.name().into()));
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
