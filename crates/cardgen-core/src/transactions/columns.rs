//! Column buffers for one batch: plain vectors while rows are generated,
//! turned into Arrow arrays without copying when the batch is done.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Int8Array, Int16Array, Int64Array, RecordBatch,
    TimestampMicrosecondArray,
};
use arrow_buffer::{BooleanBufferBuilder, NullBuffer, ScalarBuffer};
use arrow_schema::SchemaRef;

use super::schema::Dictionaries;
use crate::arrays::dictionary_column;
use crate::error::CoreError;

/// One generated row; dictionary columns hold keys into [`Dictionaries`].
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub txn_id: i64,
    pub txn_type: i8,
    pub orig_txn_id: Option<i64>,
    pub event_ts: i64,
    pub event_date: i32,
    pub card_id: i64,
    pub customer_id: i64,
    pub merchant_id: i64,
    pub mcc: i16,
    pub category: i8,
    pub channel: i8,
    pub entry_mode: i8,
    pub amount: i64,
    pub currency: i8,
    pub installment_months: i8,
    pub response_code: i8,
    pub merchant_region: Option<i8>,
    /// The device of a card-not-present payment.
    pub device_id: Option<i64>,
    pub is_fraud: bool,
}

/// The ground truth of a fraudulent row, kept apart from [`Row`]: fraud is
/// rare, so its columns are filled from a short list, not row by row.
#[derive(Debug, Clone, Copy)]
pub struct FraudTruth {
    pub case_id: i64,
    /// Key into [`crate::profile::FraudType::NAMES`].
    pub kind: i8,
    /// When the issuer learns the row is fraud (UTC micros).
    pub label_ts: Option<i64>,
}

#[derive(Default)]
pub struct ColumnBuilders {
    txn_id: Vec<i64>,
    txn_type: Vec<i8>,
    orig_txn_id: Vec<i64>,
    orig_txn_id_valid: Vec<bool>,
    event_ts: Vec<i64>,
    event_date: Vec<i32>,
    card_id: Vec<i64>,
    customer_id: Vec<i64>,
    merchant_id: Vec<i64>,
    mcc: Vec<i16>,
    category: Vec<i8>,
    channel: Vec<i8>,
    entry_mode: Vec<i8>,
    amount: Vec<i64>,
    currency: Vec<i8>,
    installment_months: Vec<i8>,
    response_code: Vec<i8>,
    is_approved: Vec<bool>,
    merchant_region: Vec<i8>,
    merchant_region_valid: Vec<bool>,
    device_id: Vec<i64>,
    device_id_valid: Vec<bool>,
    is_fraud: Vec<bool>,
    /// Row index within the batch and truth, for fraudulent rows only.
    truths: Vec<(usize, FraudTruth)>,
}

impl ColumnBuilders {
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            txn_id: Vec::with_capacity(rows),
            txn_type: Vec::with_capacity(rows),
            orig_txn_id: Vec::with_capacity(rows),
            orig_txn_id_valid: Vec::with_capacity(rows),
            event_ts: Vec::with_capacity(rows),
            event_date: Vec::with_capacity(rows),
            card_id: Vec::with_capacity(rows),
            customer_id: Vec::with_capacity(rows),
            merchant_id: Vec::with_capacity(rows),
            mcc: Vec::with_capacity(rows),
            category: Vec::with_capacity(rows),
            channel: Vec::with_capacity(rows),
            entry_mode: Vec::with_capacity(rows),
            amount: Vec::with_capacity(rows),
            currency: Vec::with_capacity(rows),
            installment_months: Vec::with_capacity(rows),
            response_code: Vec::with_capacity(rows),
            is_approved: Vec::with_capacity(rows),
            merchant_region: Vec::with_capacity(rows),
            merchant_region_valid: Vec::with_capacity(rows),
            device_id: Vec::with_capacity(rows),
            device_id_valid: Vec::with_capacity(rows),
            is_fraud: Vec::with_capacity(rows),
            truths: Vec::new(),
        }
    }

    #[inline(always)]
    pub fn push_row(&mut self, row: Row) {
        self.txn_id.push(row.txn_id);
        self.txn_type.push(row.txn_type);
        self.orig_txn_id.push(row.orig_txn_id.unwrap_or(0));
        self.orig_txn_id_valid.push(row.orig_txn_id.is_some());
        self.event_ts.push(row.event_ts);
        self.event_date.push(row.event_date);
        self.card_id.push(row.card_id);
        self.customer_id.push(row.customer_id);
        self.merchant_id.push(row.merchant_id);
        self.mcc.push(row.mcc);
        self.category.push(row.category);
        self.channel.push(row.channel);
        self.entry_mode.push(row.entry_mode);
        self.amount.push(row.amount);
        self.currency.push(row.currency);
        self.installment_months.push(row.installment_months);
        self.response_code.push(row.response_code);
        self.is_approved.push(row.response_code == 0);
        self.merchant_region.push(row.merchant_region.unwrap_or(0));
        self.merchant_region_valid
            .push(row.merchant_region.is_some());
        self.device_id.push(row.device_id.unwrap_or(0));
        self.device_id_valid.push(row.device_id.is_some());
        self.is_fraud.push(row.is_fraud);
    }

    /// The truth of the row pushed last.
    pub fn push_truth(&mut self, truth: FraudTruth) {
        self.truths.push((self.txn_id.len() - 1, truth));
    }

    pub fn finish(
        self,
        schema: &SchemaRef,
        dictionaries: &Dictionaries,
    ) -> Result<RecordBatch, CoreError> {
        let timezone = match schema.field_with_name("event_ts")?.data_type() {
            arrow_schema::DataType::Timestamp(_, tz) => tz.clone(),
            other => unreachable!("event_ts is a timestamp, not {other}"),
        };
        let rows = self.txn_id.len();
        let (mut case_ids, mut kinds, mut labels) =
            (vec![0i64; rows], vec![0i8; rows], vec![0i64; rows]);
        let mut case_valid = BooleanBufferBuilder::new(rows);
        case_valid.append_n(rows, false);
        let mut label_valid = BooleanBufferBuilder::new(rows);
        label_valid.append_n(rows, false);
        for (row, truth) in &self.truths {
            case_ids[*row] = truth.case_id;
            kinds[*row] = truth.kind;
            case_valid.set_bit(*row, true);
            if let Some(label) = truth.label_ts {
                labels[*row] = label;
                label_valid.set_bit(*row, true);
            }
        }
        let case_nulls = NullBuffer::new(case_valid.finish());
        let label_nulls = NullBuffer::new(label_valid.finish());
        let region_nulls = NullBuffer::from(self.merchant_region_valid);
        let region_keys =
            Int8Array::new(ScalarBuffer::from(self.merchant_region), Some(region_nulls));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(self.txn_id)),
            dictionary_column(self.txn_type, &dictionaries.txn_type)?,
            Arc::new(Int64Array::new(
                ScalarBuffer::from(self.orig_txn_id),
                Some(NullBuffer::from(self.orig_txn_id_valid)),
            )),
            Arc::new(
                TimestampMicrosecondArray::from(self.event_ts).with_timezone_opt(timezone.clone()),
            ),
            Arc::new(Date32Array::from(self.event_date)),
            Arc::new(Int64Array::from(self.card_id)),
            Arc::new(Int64Array::from(self.customer_id)),
            Arc::new(Int64Array::from(self.merchant_id)),
            Arc::new(Int16Array::from(self.mcc)),
            dictionary_column(self.category, &dictionaries.category)?,
            dictionary_column(self.channel, &dictionaries.channel)?,
            dictionary_column(self.entry_mode, &dictionaries.entry_mode)?,
            Arc::new(Int64Array::from(self.amount)),
            dictionary_column(self.currency, &dictionaries.currency)?,
            Arc::new(Int8Array::from(self.installment_months)),
            dictionary_column(self.response_code, &dictionaries.response_code)?,
            Arc::new(BooleanArray::from(self.is_approved)),
            dictionary_column(region_keys, &dictionaries.region)?,
            Arc::new(Int64Array::new(
                ScalarBuffer::from(self.device_id),
                Some(NullBuffer::from(self.device_id_valid)),
            )),
            Arc::new(BooleanArray::from(self.is_fraud)),
            Arc::new(Int64Array::new(
                ScalarBuffer::from(case_ids),
                Some(case_nulls.clone()),
            )),
            dictionary_column(
                Int8Array::new(ScalarBuffer::from(kinds), Some(case_nulls)),
                &dictionaries.fraud_type,
            )?,
            Arc::new(
                TimestampMicrosecondArray::new(ScalarBuffer::from(labels), Some(label_nulls))
                    .with_timezone_opt(timezone),
            ),
        ];
        Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
    }
}
