//! The peer-comparison reference table: a fixed 12-column card table that
//! every generator in `scripts/bench/compare_peers.sh` writes, so that cardgen is
//! timed like for like against pyarrow, DuckDB and Polars. It has no
//! behaviour model on purpose: independent columns with the distributions the
//! comparison specifies. Its dictionaries come from the profile: the
//! categories of `reference.categories`, the names of the regions and the home
//! and foreign currencies (for the built-in profile, the lists the peers use).

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rand::RngExt;
use rand_distr::{Distribution, LogNormal};

use crate::arrays::{dictionary_column, dictionary_type, string_values};
use crate::error::CoreError;
use crate::plan::BatchSpec;
use crate::profile::Profile;
use crate::seed::{Domain, stream_rng};
use crate::table::TableGenerator;

const CHANNELS: [&str; 4] = ["card_present", "ecommerce", "mobile_wallet", "recurring"];
const YEAR_MICROS: i64 = 365 * 86_400_000_000;
/// 2025-01-01T00:00:00Z.
const START_MICROS: i64 = 1_735_689_600_000_000;

/// Generates the reference table; rows depend on the seed and batch only.
#[derive(Debug)]
pub struct ReferenceGenerator {
    seed: u64,
    rows: u64,
    schema: SchemaRef,
    categories: ArrayRef,
    currencies: ArrayRef,
    channels: ArrayRef,
    regions: ArrayRef,
    /// Sizes of the category and region dictionaries (each at most 127).
    n_categories: i8,
    n_regions: i8,
    amount: LogNormal<f64>,
}

impl ReferenceGenerator {
    /// The reference table of the built-in profile, the one the peers write.
    pub fn new(seed: u64, rows: u64) -> Self {
        Self::with_profile(seed, rows, &Profile::korean_default())
    }

    /// The reference table with the dictionaries of `profile`, which must
    /// have passed [`Profile::validate`].
    pub fn with_profile(seed: u64, rows: u64, profile: &Profile) -> Self {
        let schema = Arc::new(Schema::new(vec![
            Field::new("transaction_id", DataType::Int64, false),
            Field::new(
                "ts",
                DataType::Timestamp(TimeUnit::Microsecond, None),
                false,
            ),
            Field::new("card_number", DataType::Utf8, false),
            Field::new("customer_id", DataType::Int64, false),
            Field::new("merchant_id", DataType::Int64, false),
            Field::new("mcc", dictionary_type(), false),
            Field::new("amount", DataType::Float64, false),
            Field::new("currency", dictionary_type(), false),
            Field::new("channel", dictionary_type(), false),
            Field::new("region", dictionary_type(), false),
            Field::new("installment_months", DataType::Int32, false),
            Field::new("is_fraud", DataType::Boolean, false),
        ]));
        Self {
            seed,
            rows,
            schema,
            categories: string_values(profile.reference.categories.iter().map(String::as_str)),
            currencies: string_values([
                profile.home_currency.code.as_str(),
                profile.foreign_currency.code.as_str(),
            ]),
            channels: string_values(CHANNELS),
            regions: string_values(profile.regions.iter().map(|r| r.name.as_str())),
            n_categories: dictionary_size(profile.reference.categories.len()),
            n_regions: dictionary_size(profile.regions.len()),
            amount: LogNormal::new(10.0, 1.0).expect("valid parameters"),
        }
    }
}

impl TableGenerator for ReferenceGenerator {
    fn name(&self) -> &str {
        "reference"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let n = batch.rows as usize;
        let mut rng = stream_rng(self.seed, Domain::ReferenceBatch, batch.index);
        let mut ts = Vec::with_capacity(n);
        let mut card_numbers = StringBuilder::with_capacity(n, n * 16);
        let mut customers = Vec::with_capacity(n);
        let mut merchants = Vec::with_capacity(n);
        let mut mcc = Vec::with_capacity(n);
        let mut amount = Vec::with_capacity(n);
        let mut currency = Vec::with_capacity(n);
        let mut channel = Vec::with_capacity(n);
        let mut region = Vec::with_capacity(n);
        let mut installments = Vec::with_capacity(n);
        let mut fraud = Vec::with_capacity(n);
        let mut digits = [0u8; 16];
        for _ in 0..n {
            ts.push(START_MICROS + rng.random_range(0..YEAR_MICROS));
            write_digits(rng.random_range(0..10_000_000_000_000_000u64), &mut digits);
            card_numbers.append_value(std::str::from_utf8(&digits).expect("ASCII digits"));
            customers.push(rng.random_range(1..=5_000_000i64));
            merchants.push(rng.random_range(1..=500_000i64));
            mcc.push(rng.random_range(0..self.n_categories));
            amount.push((self.amount.sample(&mut rng) * 100.0).round() / 100.0);
            currency.push(i8::from(rng.random::<f64>() < 0.05));
            channel.push(rng.random_range(0..CHANNELS.len() as i8));
            region.push(rng.random_range(0..self.n_regions));
            installments.push(if rng.random::<f64>() < 0.8 {
                0
            } else {
                rng.random_range(2..=12)
            });
            fraud.push(rng.random::<f64>() < 0.002);
        }
        let first = batch.first_row as i64;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(first..first + n as i64)),
            Arc::new(TimestampMicrosecondArray::from(ts)),
            Arc::new(card_numbers.finish()),
            Arc::new(Int64Array::from(customers)),
            Arc::new(Int64Array::from(merchants)),
            dictionary_column(mcc, &self.categories)?,
            Arc::new(Float64Array::from(amount)),
            dictionary_column(currency, &self.currencies)?,
            dictionary_column(channel, &self.channels)?,
            dictionary_column(region, &self.regions)?,
            Arc::new(Int32Array::from(installments)),
            Arc::new(BooleanArray::from(fraud)),
        ];
        Ok(RecordBatch::try_new(self.schema(), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        vec![
            ("table".into(), "reference".into()),
            ("seed".into(), self.seed.to_string()),
            ("rows".into(), self.rows.to_string()),
        ]
    }

    fn high_cardinality_columns(&self) -> &[&str] {
        &["ts", "card_number", "customer_id", "merchant_id", "amount"]
    }

    fn sorted_columns(&self) -> &[&str] {
        &["transaction_id"]
    }
}

/// The size of an `Int8` dictionary; validation keeps lists within 1..=127.
fn dictionary_size(len: usize) -> i8 {
    i8::try_from(len)
        .ok()
        .filter(|&n| n > 0)
        .expect("a validated profile has 1 to 127 entries")
}

/// Writes `value` as exactly 16 decimal digits, zero-padded.
fn write_digits(mut value: u64, out: &mut [u8; 16]) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_zero_padded() {
        let mut out = [0u8; 16];
        write_digits(42, &mut out);
        assert_eq!(&out, b"0000000000000042");
        write_digits(9_999_999_999_999_999, &mut out);
        assert_eq!(&out, b"9999999999999999");
    }

    #[test]
    fn the_built_in_dictionaries_are_the_ones_the_peers_write() {
        let peers = include_str!("../../../scripts/bench/peers/reference_table.py");
        let list = |name: &str| -> Vec<String> {
            let start = peers.find(&format!("\n{name} = [")).unwrap() + name.len() + 5;
            let end = start + peers[start..].find(']').unwrap();
            peers[start..end]
                .split(',')
                .map(|s| s.trim().trim_matches('"').to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let p = Profile::korean_default();
        assert_eq!(p.reference.categories, list("CATEGORIES"));
        let regions: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        assert_eq!(regions, list("REGIONS"));
        assert_eq!(CHANNELS.to_vec(), list("CHANNELS"));
        assert_eq!(
            (
                p.home_currency.code.as_str(),
                p.foreign_currency.code.as_str()
            ),
            ("KRW", "USD"),
            "the peers write KRW and USD"
        );
    }

    #[test]
    fn a_batch_has_the_reference_columns() {
        let generator = ReferenceGenerator::new(1, 1000);
        let batch = generator
            .generate(&BatchSpec {
                index: 0,
                first_row: 0,
                rows: 1000,
            })
            .unwrap();
        assert_eq!(batch.num_columns(), 12);
        assert_eq!(batch.num_rows(), 1000);
    }
}
