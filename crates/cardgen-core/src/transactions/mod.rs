//! The `transactions` fact table: one row per card authorisation.
//!
//! A batch is generated from its own random stream, seeded by
//! `(seed, transactions, batch index)`. Row `r` first gets its timestamp from
//! the [`Timeline`](crate::timeline::Timeline) (so time never goes backwards
//! across the file), then a card chosen by its owner's activity, a category by
//! its share, a merchant of that category by popularity, and from those the
//! channel, amount, instalment plan and authorisation outcome. Every entity
//! attribute comes from the stateless [`population`](crate::population) model.

mod columns;
mod model;
mod schema;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rand::RngExt;

pub use schema::{HIGH_CARDINALITY_COLUMNS, SCHEMA_VERSION, SORTED_COLUMNS, transactions_schema};

use self::columns::ColumnBuilders;
use self::model::TransactionModel;
use self::schema::Dictionaries;
use crate::error::CoreError;
use crate::plan::BatchSpec;
use crate::population::{EntityIndex, PopulationSizes, card_facts, customer_spend_tier};
use crate::profile::Profile;
use crate::seed::{Domain, EntityHash, stream_rng};
use crate::table::TableGenerator;
use crate::timeline::{DateRange, Timeline};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionsOptions {
    pub seed: u64,
    pub rows: u64,
    pub range: DateRange,
}

/// Generates the `transactions` table; cheap to share between threads.
#[derive(Debug)]
pub struct TransactionGenerator {
    options: TransactionsOptions,
    profile: Arc<Profile>,
    schema: SchemaRef,
    dictionaries: Dictionaries,
    timeline: Timeline,
    entities: EntityIndex,
    model: TransactionModel,
    attacked_cards_per_slot: u64,
}

impl TransactionGenerator {
    pub fn new(options: TransactionsOptions, profile: Arc<Profile>) -> Result<Self, CoreError> {
        profile.validate()?;
        if options.range.days == 0 {
            return Err(CoreError::InvalidOptions(
                "the date range must cover at least one day".into(),
            ));
        }
        let sizes = PopulationSizes::derive(&profile, options.rows, options.range.days);
        let entities = EntityIndex::build(options.seed, &profile, sizes)?;
        let fraud = &profile.fraud;
        let slot_share = f64::from(fraud.slot_days) / f64::from(options.range.days);
        let fraud_rows_per_slot = fraud.rate * options.rows as f64 * slot_share.min(1.0);
        let attacked_cards_per_slot = ((fraud_rows_per_slot / fraud.txns_per_attacked_card).round()
            as u64)
            .clamp(1, sizes.cards);
        Ok(Self {
            schema: transactions_schema(&profile),
            dictionaries: Dictionaries::new(&profile),
            timeline: Timeline::new(&profile, options.range),
            model: TransactionModel::compile(&profile)?,
            entities,
            attacked_cards_per_slot,
            options,
            profile,
        })
    }

    pub fn options(&self) -> &TransactionsOptions {
        &self.options
    }

    pub fn population(&self) -> &PopulationSizes {
        self.entities.sizes()
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The card under attack that fraudulent row draws `draw` in the slot of `epoch_day`.
    fn attacked_card(&self, epoch_day: i64, draw: u64) -> u64 {
        let day_in_range = (epoch_day - self.options.range.start_epoch_day()).max(0) as u64;
        let slot = day_in_range / u64::from(self.profile.fraud.slot_days.max(1));
        let victim = draw % self.attacked_cards_per_slot;
        EntityHash::new(self.options.seed, Domain::FraudSlot, slot).bits(victim)
            % self.population().cards
    }
}

impl TableGenerator for TransactionGenerator {
    fn name(&self) -> &str {
        "transactions"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let seed = self.options.seed;
        let sizes = *self.population();
        let model = &self.model;
        let profile = &*self.profile;
        let total = self.options.rows as f64;
        let mut rng = stream_rng(seed, Domain::TransactionBatch, batch.index);
        let mut cursor = self.timeline.cursor_at(batch.first_row as f64 / total);
        let mut out = ColumnBuilders::with_capacity(batch.rows as usize);

        for row in batch.first_row..batch.first_row + batch.rows {
            let local = cursor.local_at((row as f64 + rng.random::<f64>()) / total);
            let is_fraud = rng.random::<f64>() < model.fraud.rate;
            let card_id = if is_fraud {
                self.attacked_card(local.epoch_day(), rng.random::<u64>())
            } else {
                self.entities.cards_by_activity().sample(&mut rng) as u64
            };
            let card = card_facts(seed, &sizes, profile.credit_card_share, card_id);
            let category = if is_fraud {
                usize::from(model.fraud.categories.sample(&mut rng))
            } else {
                model.categories.sample(&mut rng)
            };
            let (merchant_ids, popularity) = self.entities.merchants_in(category);
            let merchant_id = u64::from(merchant_ids[popularity.sample(&mut rng)]);
            let merchant = self.entities.merchant(merchant_id);

            let channel = match &model.online_channels[category] {
                Some(online) if merchant.is_online() => online.sample(&mut rng),
                _ => model.offline_channels.sample(&mut rng),
            };
            let entry_mode = model.entry_mode(channel, &mut rng);

            let tier = customer_spend_tier(seed, profile, card.customer_id);
            let mut scale = model.spend_multipliers[tier];
            if is_fraud {
                scale *= model.fraud.amount_multiplier;
            }
            let home_amount = model.amounts[category].sample(&mut rng, scale);
            let installment = model.installment(card.is_credit, home_amount, &mut rng);
            let amount = if merchant.foreign_currency {
                model.foreign.minor_units(home_amount)
            } else {
                home_amount
            };

            let declines = if merchant.is_online() {
                &model.card_not_present_declines
            } else {
                &model.card_present_declines
            };
            let decline_rate = if is_fraud {
                model.fraud.decline_rate
            } else {
                declines.rate
            };
            let response = if rng.random::<f64>() < decline_rate {
                declines.reasons.sample(&mut rng)
            } else {
                0
            };

            out.push_row(columns::Row {
                txn_id: row as i64,
                event_ts: self.timeline.to_utc_micros(local),
                event_date: local.epoch_day() as i32,
                card_id: card_id as i64,
                customer_id: card.customer_id as i64,
                merchant_id: merchant_id as i64,
                mcc: merchant.mcc,
                category: category as i8,
                channel: channel as i8,
                entry_mode: entry_mode as i8,
                amount,
                currency: i8::from(merchant.foreign_currency),
                installment_months: installment,
                response_code: response,
                merchant_region: merchant.region.map(|r| r as i8),
                is_fraud,
            });
        }
        out.finish(&self.schema, &self.dictionaries)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        let o = &self.options;
        let p = self.population();
        let end = o.range.end_inclusive();
        vec![
            ("table".into(), self.name().into()),
            ("schema_version".into(), SCHEMA_VERSION.to_string()),
            ("seed".into(), o.seed.to_string()),
            ("rows".into(), o.rows.to_string()),
            ("start".into(), o.range.start.to_string()),
            ("days".into(), o.range.days.to_string()),
            ("end_inclusive".into(), end.to_string()),
            ("customers".into(), p.customers.to_string()),
            ("cards".into(), p.cards.to_string()),
            ("merchants".into(), p.merchants.to_string()),
            ("timezone".into(), self.profile.timezone.clone()),
        ]
    }

    fn high_cardinality_columns(&self) -> &[&str] {
        &HIGH_CARDINALITY_COLUMNS
    }

    fn sorted_columns(&self) -> &[&str] {
        &SORTED_COLUMNS
    }
}
