//! The schema of the `transactions` table (version [`SCHEMA_VERSION`]) and the value sets of its
//! dictionary-encoded columns.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::arrays::{dictionary_type, string_values};
use crate::profile::{Channel, EntryMode, FraudType, Profile};

/// Bumped whenever a column is added, removed, renamed or changes meaning.
pub const SCHEMA_VERSION: u32 = 3;

/// The Arrow schema; the time zone comes from the profile.
pub fn transactions_schema(profile: &Profile) -> SchemaRef {
    let timestamp = DataType::Timestamp(
        TimeUnit::Microsecond,
        Some(profile.timezone.as_str().into()),
    );
    Arc::new(Schema::new(vec![
        Field::new("txn_id", DataType::Int64, false),
        Field::new("txn_type", dictionary_type(), false),
        Field::new("orig_txn_id", DataType::Int64, true),
        Field::new("event_ts", timestamp.clone(), false),
        Field::new("event_date", DataType::Date32, false),
        Field::new("card_id", DataType::Int64, false),
        Field::new("customer_id", DataType::Int64, false),
        Field::new("merchant_id", DataType::Int64, false),
        Field::new("mcc", DataType::Int16, false),
        Field::new("category", dictionary_type(), false),
        Field::new("channel", dictionary_type(), false),
        Field::new("entry_mode", dictionary_type(), false),
        Field::new("amount", DataType::Int64, false),
        Field::new("currency", dictionary_type(), false),
        Field::new("installment_months", DataType::Int8, false),
        Field::new("response_code", dictionary_type(), false),
        Field::new("is_approved", DataType::Boolean, false),
        Field::new("merchant_region", dictionary_type(), true),
        Field::new("device_id", DataType::Int64, true),
        // Ground truth: never features.
        Field::new("is_fraud", DataType::Boolean, false),
        Field::new("fraud_case_id", DataType::Int64, true),
        Field::new("fraud_type", dictionary_type(), true),
        Field::new("label_ts", timestamp, true),
    ]))
}

/// Columns whose values are nearly all distinct: dictionary encoding only
/// costs time there, so writers should turn it off.
/// (`amount` repeats enough, being rounded to price units, to gain from one.)
/// `merchant_id` is one of them although a few thousand merchants serve a
/// default population: a dictionary of them is no smaller than their deltas,
/// and with millions of customers (tens of thousands of merchants per row
/// group) it was slower to build and 11% larger over the whole file.
pub const HIGH_CARDINALITY_COLUMNS: [&str; 5] = [
    "card_id",
    "customer_id",
    "merchant_id",
    "orig_txn_id",
    "device_id",
];

/// Columns that rise through the file, best stored as deltas.
pub const SORTED_COLUMNS: [&str; 2] = ["txn_id", "event_ts"];

/// The value arrays shared by every batch's dictionary columns.
#[derive(Debug, Clone)]
pub struct Dictionaries {
    pub txn_type: ArrayRef,
    pub category: ArrayRef,
    pub channel: ArrayRef,
    pub entry_mode: ArrayRef,
    pub currency: ArrayRef,
    pub response_code: ArrayRef,
    pub region: ArrayRef,
    pub fraud_type: ArrayRef,
}

/// Transaction types, in dictionary order.
pub const TXN_TYPES: [&str; 3] = ["purchase", "cancel", "refund"];

/// Response code of an approval; always key 0 of the response-code dictionary.
pub const APPROVED: &str = "00";

impl Dictionaries {
    pub fn new(profile: &Profile) -> Self {
        Self {
            txn_type: string_values(TXN_TYPES),
            category: string_values(profile.categories.iter().map(|c| c.key.as_str())),
            channel: string_values(Channel::NAMES),
            entry_mode: string_values(EntryMode::NAMES),
            currency: string_values([
                profile.home_currency.code.as_str(),
                profile.foreign_currency.code.as_str(),
            ]),
            response_code: string_values(response_codes(profile).iter().map(String::as_str)),
            region: string_values(profile.regions.iter().map(|r| r.code.as_str())),
            fraud_type: string_values(FraudType::NAMES),
        }
    }
}

/// `00` followed by every decline code of the profile, each once, in first-seen order.
pub fn response_codes(profile: &Profile) -> Vec<String> {
    let declines = &profile.declines;
    let mut codes = vec![APPROVED.to_string()];
    for code in declines
        .card_present_reasons
        .keys()
        .chain(declines.card_not_present_reasons.keys())
    {
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    codes
}
