//! The `fraud_cases` table: one row per case, the ground truth behind the
//! fraudulent rows of `transactions` (`fraud_case_id` joins them).
//!
//! Times are those of the rows the case really got: `start_ts` and `end_ts`
//! are its first and last fraudulent row, `compromise_ts` the row of its
//! point of compromise; `report_ts` is when the issuer learned of it and
//! `block_ts` when that blocked the victim's card.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int8Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::WorldWithFraud;
use crate::arrays::{dictionary_column, dictionary_type, string_values};
use crate::error::CoreError;
use crate::plan::BatchSpec;
use crate::profile::{FraudType, LABEL_SOURCES};
use crate::row_clock::RowClock;
use crate::table::TableGenerator;
use crate::timeline::LocalMicros;

pub const FRAUD_CASES_SCHEMA_VERSION: u32 = 1;

pub struct FraudCasesGenerator {
    fraud: Arc<WorldWithFraud>,
    schema: SchemaRef,
    kinds: ArrayRef,
    sources: ArrayRef,
}

impl FraudCasesGenerator {
    pub fn new(fraud: Arc<WorldWithFraud>) -> Self {
        let world = fraud.world();
        let timestamp = DataType::Timestamp(
            TimeUnit::Microsecond,
            Some(world.profile.timezone.as_str().into()),
        );
        let ts = |name: &str, nullable: bool| Field::new(name, timestamp.clone(), nullable);
        let schema = Arc::new(Schema::new(vec![
            Field::new("case_id", DataType::Int64, false),
            Field::new("parent_case_id", DataType::Int64, true),
            Field::new("fraud_type", dictionary_type(), false),
            Field::new("victim_card_id", DataType::Int64, true),
            Field::new("victim_customer_id", DataType::Int64, true),
            Field::new("compromise_merchant_id", DataType::Int64, true),
            ts("compromise_ts", true),
            ts("start_ts", false),
            ts("end_ts", false),
            ts("block_ts", true),
            ts("report_ts", true),
            Field::new("label_source", dictionary_type(), true),
        ]));
        Self {
            schema,
            kinds: string_values(FraudType::NAMES),
            sources: string_values(LABEL_SOURCES),
            fraud,
        }
    }

    /// Rows: one per case.
    pub fn rows(&self) -> u64 {
        self.fraud.plan().cases()
    }
}

impl TableGenerator for FraudCasesGenerator {
    fn name(&self) -> &str {
        "fraud_cases"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let world = &**self.fraud.world();
        let plan = self.fraud.plan();
        // Every range's timeline has the profile's time zone.
        let timeline = plan.ranges()[0].timeline();
        let n = batch.rows as usize;
        let utc = |t: LocalMicros| timeline.to_utc_micros(t);
        let row_time = |row: u64| {
            let range = plan.range_of_row(row);
            let clock = RowClock::for_range(world.seed(), &range.range);
            utc(clock.time_of(range.timeline(), row))
        };
        let mut ids = Vec::with_capacity(n);
        let mut parents = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        let (mut cards, mut customers, mut merchants) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut compromised, mut starts, mut ends, mut blocks, mut reports) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut sources = Vec::with_capacity(n);
        for id in batch.first_row..batch.first_row + batch.rows {
            let case = plan.case(world, id);
            ids.push(id as i64);
            parents.push(case.parent.map(|p| p as i64));
            kinds.push(case.kind as i8);
            cards.push(case.victim.map(|v| v.id as i64));
            customers.push(case.victim.map(|v| v.card.customer_id as i64));
            merchants.push(case.merchant.map(|m| m.id() as i64));
            compromised.push(plan.compromise_row(id).map(row_time));
            let intended = case
                .events
                .iter()
                .find(|e| !e.visit)
                .map_or(0, |e| utc(e.at));
            let (start, end) = plan.span(id).map_or((intended, intended), |(first, last)| {
                (row_time(first), row_time(last))
            });
            starts.push(start);
            ends.push(end);
            blocks.push(case.block().map(|block| utc(block.at)));
            reports.push(case.report.map(utc));
            sources.push(case.label_source.map(|s| s as i8));
        }
        let tz: Option<Arc<str>> = Some(world.profile.timezone.as_str().into());
        let ts = |values: Vec<Option<i64>>| -> ArrayRef {
            Arc::new(TimestampMicrosecondArray::from(values).with_timezone_opt(tz.clone()))
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(Int64Array::from(parents)),
            dictionary_column(kinds, &self.kinds)?,
            Arc::new(Int64Array::from(cards)),
            Arc::new(Int64Array::from(customers)),
            Arc::new(Int64Array::from(merchants)),
            ts(compromised),
            ts(starts.into_iter().map(Some).collect()),
            ts(ends.into_iter().map(Some).collect()),
            ts(blocks),
            ts(reports),
            dictionary_column(Int8Array::from(sources), &self.sources)?,
        ];
        Ok(RecordBatch::try_new(self.schema(), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        vec![
            ("table".into(), self.name().into()),
            (
                "schema_version".into(),
                FRAUD_CASES_SCHEMA_VERSION.to_string(),
            ),
            ("rows".into(), self.rows().to_string()),
        ]
    }
}
