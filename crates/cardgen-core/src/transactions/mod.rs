//! The `transactions` fact table: one row per card authorisation.
//!
//! Row `r` is a pure function of `(seed, r)`: it draws from its own random
//! stream, seeded by `(seed, transactions row, r)`. That lets a refund or a
//! cancel regenerate the purchase it reverses, wherever that purchase lies.
//!
//! A purchase takes its timestamp from the [`Timeline`] (so time never goes
//! backwards across the file), then a card valid on that day chosen by its
//! owner's activity, a category given the owner's persona and the hour, a
//! merchant (one of the customer's regulars most of the time, otherwise a
//! popular one near home or work, or online), and from those the channel,
//! amount, instalment plan and authorisation outcome. A cancel or refund
//! points to an approved purchase some minutes (cancel) or days (refund)
//! earlier and repeats its card, merchant and amount.

mod columns;
mod fraud_rows;
mod model;
mod schema;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rand::RngExt;

pub use schema::{
    HIGH_CARDINALITY_COLUMNS, SCHEMA_VERSION, SORTED_COLUMNS, TXN_TYPES, transactions_schema,
};

use self::columns::{ColumnBuilders, Row};
use self::model::TransactionModel;
use self::schema::Dictionaries;
use crate::customers::CustomerFacts;
use crate::date_range::DatasetRange;
use crate::error::CoreError;
use crate::fraud::devices::Devices;
use crate::fraud::{Claim, WorldWithFraud};
use crate::merchants::MerchantRef;
use crate::plan::BatchSpec;
use crate::profile::Channel;
use crate::row_clock::RowClock;
use crate::seed::StreamRng;
use crate::table::TableGenerator;
use crate::timeline::{LocalMicros, Timeline, TimelineCursor};
use crate::world::{ActiveCard, World};

const PURCHASE: i8 = 0;
const CANCEL: i8 = 1;
const REFUND: i8 = 2;
/// How long a cardholder keeps a device, in days.
const DEVICE_LIFE_DAYS: u64 = 240;
/// One card-not-present row in this many comes from a device used once.
const ONE_OFF_DEVICE_ONE_IN: u64 = 12;
/// Originals tried before a would-be reversal becomes a purchase.
const REVERSAL_TRIES: u64 = 8;

/// Generates the `transactions` table; cheap to share between threads.
#[derive(Debug)]
pub struct TransactionGenerator {
    world: Arc<World>,
    /// The same world's fraud; a row reaches the plan with one `OnceLock` get.
    fraud: Arc<WorldWithFraud>,
    schema: SchemaRef,
    dictionaries: Dictionaries,
    timeline: Timeline,
    model: TransactionModel,
    /// The date range generated (the dataset's last) and its rows.
    range: DatasetRange,
    /// Average rows per local day, to turn reversal delays into row offsets.
    rows_per_day: f64,
    clock: RowClock,
    devices: Devices,
}

impl TransactionGenerator {
    /// The generator of the rows of the dataset's last date range (its
    /// only one, unless appended to).
    pub fn new(fraud: Arc<WorldWithFraud>) -> Result<Self, CoreError> {
        let world = Arc::clone(fraud.world());
        let profile = &world.profile;
        let range = *fraud.last_range();
        // Derive the fraud plan now rather than in the first batch.
        fraud.plan();
        Ok(Self {
            schema: transactions_schema(profile),
            dictionaries: Dictionaries::new(profile),
            timeline: Timeline::new(profile, range.range),
            model: TransactionModel::compile(profile)?,
            rows_per_day: range.rows as f64 / f64::from(range.range.days),
            clock: RowClock::for_range(world.seed(), &range),
            range,
            devices: Devices::new(world.seed()),
            world,
            fraud,
        })
    }

    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The first draws of row `row`: its stream, its time and the draw that
    /// decides whether it is a reversal. Generating a row and regenerating it
    /// as a reversal's original both start here, so their draws line up.
    #[inline(always)]
    fn begin_row(
        &self,
        row: u64,
        cursor: Option<&mut TimelineCursor<'_>>,
    ) -> (StreamRng, LocalMicros, f64) {
        let mut rng = self.clock.rng(row);
        let local = self.clock.local_time(&self.timeline, row, &mut rng, cursor);
        let kind = rng.random::<f64>();
        (rng, local, kind)
    }

    /// Whether a row's kind draw makes it a cancel or a refund.
    fn is_reversal(&self, kind: f64) -> bool {
        let reversals = &self.world.profile.reversals;
        kind < reversals.cancel_rate + reversals.refund_rate
    }

    /// Row `row`, placed with `cursor` when generating in order (rows a
    /// fraud case claimed are [`Self::case_row`]s instead).
    fn row(&self, row: u64, cursor: Option<&mut TimelineCursor<'_>>) -> Row {
        let (mut rng, local, kind) = self.begin_row(row, cursor);
        let reversals = &self.world.profile.reversals;
        if self.is_reversal(kind) {
            let cancel = kind < reversals.cancel_rate;
            let delay_days = if cancel {
                // Exponential minutes after the purchase.
                -reversals.cancel_mean_minutes * (1.0 - rng.random::<f64>()).ln() / (24.0 * 60.0)
            } else {
                1.0 + rng.random::<f64>() * f64::from(reversals.refund_max_days - 1)
            };
            let back = (delay_days * self.rows_per_day).round() as u64 + 1;
            if let Some(row) = self.reversal(row, local, back, if cancel { CANCEL } else { REFUND })
            {
                return row;
            }
        }
        self.purchase(row, local, &mut rng)
    }

    /// A reversal of the first approved, legitimate purchase at or before
    /// `row - back` in the same date range, or `None` if there is none close by.
    fn reversal(&self, row: u64, local: LocalMicros, back: u64, kind: i8) -> Option<Row> {
        let first = row
            .checked_sub(back)
            .filter(|&first| first >= self.range.first_row)?;
        let earliest = first
            .saturating_sub(REVERSAL_TRIES - 1)
            .max(self.range.first_row);
        for candidate in (earliest..=first).rev() {
            let (mut rng, original_time, draw) = self.begin_row(candidate, None);
            if self.is_reversal(draw) {
                continue; // itself a reversal (or a fallback purchase): not reversible
            }
            if self.fraud.plan().claim_at(candidate).is_some() {
                continue; // fraud, or a visit a case depends on: left alone
            }
            let original = self.purchase(candidate, original_time, &mut rng);
            let card = original.card_id as u64;
            if original.response_code != 0
                || self.fraud.plan().is_blocked(card, local)
                || self.card_ended(card, local.epoch_day())
            {
                continue;
            }
            return Some(Row {
                txn_id: row as i64,
                txn_type: kind,
                orig_txn_id: Some(candidate as i64),
                event_ts: self.timeline.to_utc_micros(local),
                event_date: local.epoch_day() as i32,
                ..original
            });
        }
        None
    }

    /// Whether card `card` can no longer be used on `day`: closed by its
    /// holder or expired; a replacement closes with the card it replaced (see
    /// `cards_history`) and otherwise lasts.
    fn card_ended(&self, card: u64, day: i64) -> bool {
        let population = self.world.sizes.cards;
        if card < population {
            return !self.world.card(card).valid_on(day);
        }
        let replaced = self.fraud.plan().blocks().replaced()[(card - population) as usize];
        day >= self.world.card(replaced).closes_day
    }

    /// A genuine purchase: a card chosen by its owner's activity (moved to
    /// its replacement once blocked), a category by persona and hour, a
    /// merchant among the owner's regulars or nearby.
    #[inline(always)]
    fn purchase(&self, row: u64, local: LocalMicros, rng: &mut StreamRng) -> Row {
        let world = &*self.world;
        let day = local.epoch_day();
        let ActiveCard {
            id: card_id,
            card,
            customer,
        } = world.active_card(day, rng);
        let card_id = self
            .fraud
            .plan()
            .blocks()
            .replacement(card_id, local)
            .unwrap_or(card_id);
        let category = world.category_for(customer.persona, local.hour(), rng);
        let merchant = self.merchant(card.customer_id, &customer, category, false, rng);
        let scale = f64::from(customer.spend);
        let mut row = self.sale(row, local, merchant, category, scale, card.is_credit, rng);
        row.card_id = card_id as i64;
        row.customer_id = card.customer_id as i64;
        row.device_id = self.own_device(card.customer_id, row.channel, row.txn_id as u64, local);
        let declines = self.model.declines(merchant.is_online());
        if rng.random::<f64>() < declines.rate {
            row.response_code = declines.reasons.sample(rng);
        }
        row
    }

    /// The parts of a sale every kind of row shares: channel and entry mode
    /// for the merchant, the amount (`scale` times the category's), the
    /// currency and instalments. Card, customer, device and outcome are the
    /// caller's.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn sale(
        &self,
        row: u64,
        local: LocalMicros,
        merchant: MerchantRef,
        category: usize,
        scale: f64,
        is_credit: bool,
        rng: &mut StreamRng,
    ) -> Row {
        let model = &self.model;
        let channel = match &model.online_channels[category] {
            Some(online) if merchant.is_online() => online.sample(rng),
            _ => model.offline_channels.sample(rng),
        };
        let entry_mode = model.entry_mode(channel, rng);
        let home_amount = model.amounts[category].sample(rng, scale);
        let installment_months = model.installment(is_credit, home_amount, rng);
        let amount = if merchant.foreign_currency {
            model.foreign.minor_units(home_amount)
        } else {
            home_amount
        };
        Row {
            txn_id: row as i64,
            txn_type: PURCHASE,
            orig_txn_id: None,
            event_ts: self.timeline.to_utc_micros(local),
            event_date: local.epoch_day() as i32,
            card_id: 0,
            customer_id: 0,
            merchant_id: merchant.id() as i64,
            mcc: merchant.mcc,
            category: category as i8,
            channel: channel as i8,
            entry_mode: entry_mode as i8,
            amount,
            currency: i8::from(merchant.foreign_currency),
            installment_months,
            response_code: 0,
            merchant_region: merchant.region().map(|r| r as i8),
            device_id: None,
            is_fraud: false,
        }
    }

    /// The cardholder's own device for a card-not-present row at `local`:
    /// a phone and a computer (one row in eight), each replaced every
    /// [`DEVICE_LIFE_DAYS`] on a schedule of the customer's own, and now and
    /// then a device used once (a shared computer, a cleared browser). The
    /// choice hashes the row rather than drawing, so no other value moves.
    fn own_device(
        &self,
        customer_id: u64,
        channel: i8,
        row: u64,
        local: LocalMicros,
    ) -> Option<i64> {
        if channel == Channel::CardPresent as i8 {
            return None;
        }
        // The row's key is already a mixed value; its bits pick the device.
        let hash = self.clock.key(row);
        if hash.is_multiple_of(ONE_OFF_DEVICE_ONE_IN) {
            return Some(self.devices.one_off(row));
        }
        let second = (hash >> 32) & 7 == 0;
        let phase = self.devices.owner_phase(customer_id) % DEVICE_LIFE_DAYS;
        let generation = (local.epoch_day() as u64 + phase) / DEVICE_LIFE_DAYS;
        Some(self.devices.owned(customer_id, second, generation))
    }

    /// Regulars most of the time; otherwise a popular merchant online, near
    /// home or work, or (for the rest) anywhere. Fraudsters have no regulars.
    #[inline(always)]
    fn merchant(
        &self,
        customer_id: u64,
        customer: &CustomerFacts,
        category: usize,
        is_fraud: bool,
        rng: &mut StreamRng,
    ) -> MerchantRef {
        let world = &*self.world;
        let profile = &*world.profile;
        let spec = &profile.categories[category];
        let locality = &profile.locality;
        if !is_fraud && rng.random::<f64>() < locality.repeat_share {
            let k = rng.random_range(0..spec.regular_merchants);
            return world.regular_merchant(customer_id, customer, category, k);
        }
        if rng.random::<f64>() < spec.online_merchant_share
            && let Some(id) = world.online_merchant(category, rng)
        {
            return id;
        }
        let region = if !is_fraud && rng.random::<f64>() < locality.home_or_work_share {
            if rng.random::<f64>() < locality.work_share {
                customer.work_region
            } else {
                customer.home_region
            }
        } else {
            crate::population::pick(
                rng.random(),
                profile.regions.iter().map(|r| r.merchant_weight),
            ) as u8
        };
        world.merchant_in(category, region, rng)
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
        let (first_row, total) = (self.range.first_row, self.range.rows as f64);
        let mut cursor = self
            .timeline
            .cursor_at((batch.first_row - first_row) as f64 / total);
        let mut out = ColumnBuilders::with_capacity(batch.rows as usize);
        let claims = self.fraud.plan().claims();
        let mut next_claim = claims.partition_point(|c| c.row < batch.first_row);
        for row in batch.first_row..batch.first_row + batch.rows {
            match claims.get(next_claim).filter(|c| c.row == row) {
                Some(claim) => {
                    next_claim += 1;
                    let (_, local, _) = self.begin_row(row, Some(&mut cursor));
                    let (generated, truth) = self.case_row(row, local, *claim);
                    out.push_row(generated);
                    if let Some(truth) = truth {
                        out.push_truth(truth);
                    }
                }
                None => out.push_row(self.row(row, Some(&mut cursor))),
            }
        }
        out.finish(&self.schema, &self.dictionaries)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        // The dataset's specification is recorded by the `cardgen` crate.
        vec![
            ("table".into(), self.name().into()),
            ("schema_version".into(), SCHEMA_VERSION.to_string()),
            ("rows".into(), self.range.end_row().to_string()),
        ]
    }

    fn high_cardinality_columns(&self) -> &[&str] {
        &HIGH_CARDINALITY_COLUMNS
    }

    fn sorted_columns(&self) -> &[&str] {
        &SORTED_COLUMNS
    }

    /// A row is a function of `(seed, row)`: its batch only places the
    /// timeline cursor and the first claim, both looked up by position.
    fn generates_in_slices(&self) -> bool {
        true
    }
}
