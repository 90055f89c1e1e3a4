//! A batch of transactions as the messages a stream sends: each row's
//! event and each detected fraud row's label, already encoded, with when
//! to send it and the key it goes under.
//!
//! This is the workers' half of a stream: [`MessageTable`] is a
//! [`TableGenerator`] whose batches are messages, so the pipeline's
//! ordered, bounded [`BatchStream`](cardgen_pipeline::stream::BatchStream)
//! generates and encodes them on every core while the sending thread
//! only orders and sends. A message's columns:
//!
//! - `kind`: 0 for an event, 1 for a label;
//! - `row`: the transaction's row in the dataset;
//! - `emit_ts`: when to send it, UTC microseconds — the event time, plus
//!   a delay for a late event (`late_share`, `late_delay`); a label's
//!   `label_ts` (never before its event's time);
//! - `event_ts`: the event's time (a label's transaction's);
//! - `key`: the card id (so a card's messages stay in one partition);
//! - `payload`: the encoded event or label.
//!
//! Whether a row is late, and by how much, is a pure function of
//! `(seed, row)`, so a stream started anywhere sends the same messages.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BinaryArray, Date32Array, Int64Array, RecordBatch, TimestampMicrosecondArray,
    UInt8Array, UInt64Array,
};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use cardgen_core::fraud::WorldWithFraud;
use cardgen_core::profile::LABEL_SOURCES;
use cardgen_core::seed::{Domain, EntityHash};
use cardgen_core::timeline::MICROS_PER_DAY;
use cardgen_core::{BatchSpec, CoreError, TableGenerator};

use super::format::{EventFormat, encode_rows, with_emit_ts};
use super::payloads::{BufferPool, Payloads};

/// An event message.
pub const EVENT: u8 = 0;
/// A label message.
pub const LABEL: u8 = 1;

/// The columns a label carries, from its transaction.
const LABEL_COLUMNS: [&str; 3] = ["txn_id", "fraud_case_id", "fraud_type"];

/// Which rows a stream sends late, and how late: a share of rows, each
/// delayed log-uniformly between two bounds (most catch up soon, a few
/// much later, as offline terminals do).
#[derive(Debug, Clone, Copy)]
pub struct LateEvents {
    seed: u64,
    share: f64,
    min_micros: f64,
    max_micros: f64,
}

impl LateEvents {
    pub fn new(seed: u64, share: f64, min_micros: i64, max_micros: i64) -> Self {
        Self {
            seed,
            share,
            min_micros: min_micros.max(1) as f64,
            max_micros: max_micros.max(1) as f64,
        }
    }

    /// How long after its event time row `row` is sent: 0 when on time.
    pub fn delay(&self, row: u64) -> i64 {
        if self.share <= 0.0 {
            return 0;
        }
        let hash = EntityHash::new(self.seed, Domain::LateEvent, row);
        if hash.unit(0) >= self.share {
            return 0;
        }
        let (lo, hi) = (self.min_micros.ln(), self.max_micros.ln());
        (lo + hash.unit(1) * (hi - lo)).exp().round() as i64
    }
}

/// How a stream's rows become messages; see the module docs.
pub struct MessageTable {
    transactions: Arc<dyn TableGenerator>,
    fraud: Arc<WorldWithFraud>,
    format: EventFormat,
    /// Whether events' and labels' payloads carry `emit_ts` (a sink with
    /// no record timestamp of its own).
    emit_ts_field: [bool; 2],
    /// Whether labels are made at all.
    with_labels: bool,
    /// Added to every time (`start = now`), in microseconds.
    shift: i64,
    utc_offset: i64,
    late: LateEvents,
    schema: SchemaRef,
    /// Where batches' payload buffers come from and go back to.
    buffers: Arc<BufferPool>,
}

impl MessageTable {
    pub fn new(
        transactions: Arc<dyn TableGenerator>,
        fraud: Arc<WorldWithFraud>,
        format: EventFormat,
        emit_ts_field: [bool; 2],
        with_labels: bool,
        shift: i64,
        late: LateEvents,
    ) -> Self {
        let utc_offset = fraud.world().profile.utc_offset_seconds * 1_000_000;
        Self {
            transactions,
            fraud,
            format,
            emit_ts_field,
            with_labels,
            shift,
            utc_offset,
            late,
            schema: message_schema(),
            buffers: BufferPool::new(0),
        }
    }

    /// Reuses the payload buffers of up to `batches` batches once the
    /// sender has dropped them (as many as can be in flight at once).
    pub fn reusing_buffers(mut self, batches: usize) -> Self {
        self.buffers = BufferPool::new(batches);
        self
    }

    /// The schema of an event's payload.
    pub fn event_schema(&self) -> SchemaRef {
        let schema = with_offset_zone(&self.transactions.schema(), self.utc_offset);
        if self.emit_ts_field[0] {
            with_emit_ts(&schema, "event_ts")
        } else {
            schema
        }
    }

    /// The schema of a label's payload.
    pub fn label_schema(&self) -> SchemaRef {
        let schema = label_schema(&with_offset_zone(
            &self.transactions.schema(),
            self.utc_offset,
        ));
        if self.emit_ts_field[1] {
            with_emit_ts(&schema, "label_ts")
        } else {
            schema
        }
    }

    /// The batch with every time shifted (`start = now`) and its time zone
    /// written as the profile's fixed UTC offset (`+09:00`), which is how
    /// events show it.
    fn prepared(&self, batch: RecordBatch) -> Result<RecordBatch, CoreError> {
        let schema = with_offset_zone(&batch.schema(), self.utc_offset);
        let mut columns = batch.columns().to_vec();
        for (i, field) in schema.fields().iter().enumerate() {
            let column = &columns[i];
            columns[i] = match (field.name().as_str(), field.data_type()) {
                (_, DataType::Timestamp(_, tz)) => {
                    let ts = column.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
                    let moved: TimestampMicrosecondArray = if self.shift == 0 {
                        ts.clone()
                    } else {
                        ts.unary(|t| t + self.shift)
                    };
                    Arc::new(moved.with_timezone_opt(tz.clone()))
                }
                ("event_date", _) if self.shift == 0 => Arc::clone(column),
                ("event_date", _) => {
                    let ts = batch
                        .column_by_name("event_ts")
                        .expect("transactions have event_ts")
                        .as_primitive::<arrow_array::types::TimestampMicrosecondType>();
                    let (shift, offset) = (self.shift, self.utc_offset);
                    let dates: Date32Array = ts.unary::<_, Date32Type>(|t| {
                        ((t + shift + offset).div_euclid(MICROS_PER_DAY)) as i32
                    });
                    Arc::new(dates)
                }
                _ => Arc::clone(column),
            };
        }
        Ok(RecordBatch::try_new(schema, columns)?)
    }

    fn labels(&self, batch: &RecordBatch) -> Result<Option<RecordBatch>, CoreError> {
        let label_ts = batch
            .column_by_name("label_ts")
            .expect("transactions have label_ts");
        if label_ts.null_count() == label_ts.len() {
            return Ok(None);
        }
        let indices: arrow_array::UInt32Array = (0..label_ts.len() as u32)
            .filter(|&i| label_ts.is_valid(i as usize))
            .collect();
        let take = |name: &str| -> Result<ArrayRef, CoreError> {
            let column = batch.column_by_name(name).expect("a transactions column");
            Ok(arrow_select::take::take(column.as_ref(), &indices, None)?)
        };
        let cases = take("fraud_case_id")?;
        let cases = cases.as_primitive::<Int64Type>();
        let plan = self.fraud.plan();
        let world = self.fraud.world();
        let mut known: HashMap<i64, Option<u8>> = HashMap::new();
        let mut sources = StringBuilder::new();
        for case in cases.iter() {
            let source = case.and_then(|id| {
                *known
                    .entry(id)
                    .or_insert_with(|| plan.case(world, id as u64).label_source)
            });
            sources.append_option(source.map(|s| LABEL_SOURCES[s as usize]));
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(5);
        for name in LABEL_COLUMNS {
            columns.push(take(name)?);
        }
        columns.push(Arc::new(sources.finish()));
        columns.push(take("label_ts")?);
        let labels = RecordBatch::try_new(label_schema(&batch.schema()), columns)?;
        Ok(Some(labels))
    }
}

impl MessageTable {
    /// The place in the stream `(emit_ts, kind, row)` of row `row`'s
    /// message of `kind`, generated again.
    #[cfg_attr(
        not(feature = "kafka"),
        expect(dead_code, reason = "only a topic is read back on resume")
    )]
    pub fn place_of(&self, row: u64, kind: u8) -> Result<Option<(i64, u8, u64)>, CoreError> {
        let spec = cardgen_core::BatchPlan::range(row, row + 1, 1)?.batch(0);
        let batch = self.generate(&spec)?;
        let kinds = batch
            .column(0)
            .as_primitive::<arrow_array::types::UInt8Type>()
            .values();
        let emit = i64_column(&batch, "emit_ts");
        Ok((0..batch.num_rows())
            .find(|&i| kinds[i] == kind)
            .map(|i| (emit[i], kind, row)))
    }
}

impl TableGenerator for MessageTable {
    fn name(&self) -> &str {
        "messages"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    fn generate(&self, spec: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let rows = spec.rows as usize;
        let mut messages = Messages {
            kind: Vec::with_capacity(rows),
            row: Vec::with_capacity(rows),
            emit: Vec::with_capacity(rows),
            time: Vec::with_capacity(rows),
            key: Vec::with_capacity(rows),
            // About 450 bytes a JSON event: room for all, no copy on growth.
            payloads: Payloads::new(rows, self.buffers.take(rows * 512)),
        };
        let mut first_row = spec.first_row;
        let end = spec.first_row + spec.rows;
        while first_row < end {
            let chunk = BatchSpec {
                index: spec.index,
                first_row,
                rows: ENCODE_ROWS.min(end - first_row),
            };
            self.encode_chunk(&chunk, &mut messages)?;
            first_row += chunk.rows;
        }
        messages.into_batch(&self.schema, &self.buffers)
    }
}

/// Rows generated and then encoded together, inside a batch: few enough
/// that their columns are still in the core's cache when they are encoded
/// (a whole batch's 24 columns are not, and encoding waited on memory).
const ENCODE_ROWS: u64 = 4096;

/// A batch of messages being put together; see the module docs.
struct Messages {
    kind: Vec<u8>,
    row: Vec<u64>,
    emit: Vec<i64>,
    time: Vec<i64>,
    key: Vec<i64>,
    payloads: Payloads,
}

impl Messages {
    fn push(&mut self, kind: u8, row: u64, emit: i64, time: i64, key: i64) {
        self.kind.push(kind);
        self.row.push(row);
        self.emit.push(emit);
        self.time.push(time);
        self.key.push(key);
    }

    fn into_batch(
        self,
        schema: &SchemaRef,
        buffers: &Arc<BufferPool>,
    ) -> Result<RecordBatch, CoreError> {
        let offsets: Vec<i32> = self
            .payloads
            .offsets
            .iter()
            .map(|&o| i32::try_from(o).expect("a batch's payloads fit in 2 GiB"))
            .collect();
        let payload = BinaryArray::new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            buffers.share(self.payloads.data),
            None,
        );
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt8Array::from(self.kind)),
            Arc::new(UInt64Array::from(self.row)),
            Arc::new(Int64Array::from(self.emit)),
            Arc::new(Int64Array::from(self.time)),
            Arc::new(Int64Array::from(self.key)),
            Arc::new(payload),
        ];
        Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
    }
}

impl MessageTable {
    /// Generates the rows of `spec` and appends their events, then their
    /// labels, to `out`.
    fn encode_chunk(&self, spec: &BatchSpec, out: &mut Messages) -> Result<(), CoreError> {
        let transactions = self.prepared(self.transactions.generate(spec)?)?;
        let rows = transactions.num_rows();
        let first = spec.first_row;
        let event_ts = i64_column(&transactions, "event_ts");
        let cards = i64_column(&transactions, "card_id");
        let emit: Vec<i64> = (0..rows)
            .map(|i| event_ts[i] + self.late.delay(first + i as u64))
            .collect();
        for i in 0..rows {
            out.push(EVENT, first + i as u64, emit[i], event_ts[i], cards[i]);
        }
        let events = if self.emit_ts_field[0] {
            let tz = timezone(&transactions, "event_ts");
            let emit_ts = TimestampMicrosecondArray::from(emit).with_timezone_opt(tz);
            append_column(&transactions, &self.event_schema(), Arc::new(emit_ts))?
        } else {
            transactions.clone()
        };
        encode_rows(&events, self.format, &mut out.payloads)?;

        if !self.with_labels {
            return Ok(());
        }
        let Some(labels) = self.labels(&transactions)? else {
            return Ok(());
        };
        let label_ts = i64_column(&labels, "label_ts").to_vec();
        let has_label = transactions
            .column_by_name("label_ts")
            .expect("transactions have label_ts");
        let label_rows: Vec<usize> = (0..rows).filter(|&i| has_label.is_valid(i)).collect();
        // Never before its own event.
        let sent: Vec<i64> = label_rows
            .iter()
            .zip(&label_ts)
            .map(|(&i, &ts)| ts.max(event_ts[i]))
            .collect();
        for (&i, &at) in label_rows.iter().zip(&sent) {
            out.push(LABEL, first + i as u64, at, event_ts[i], cards[i]);
        }
        let labels = if self.emit_ts_field[1] {
            let tz = timezone(&labels, "label_ts");
            let emit_ts = TimestampMicrosecondArray::from(sent).with_timezone_opt(tz);
            append_column(&labels, &self.label_schema(), Arc::new(emit_ts))?
        } else {
            labels
        };
        encode_rows(&labels, self.format, &mut out.payloads)
    }
}

/// The columns of a batch of messages; see the module docs.
pub fn message_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("kind", DataType::UInt8, false),
        Field::new("row", DataType::UInt64, false),
        Field::new("emit_ts", DataType::Int64, false),
        Field::new("event_ts", DataType::Int64, false),
        Field::new("key", DataType::Int64, false),
        Field::new("payload", DataType::Binary, false),
    ]))
}

/// A label's fields, typed as the transactions columns they come from.
fn label_schema(transactions: &Schema) -> SchemaRef {
    let field = |name: &str| {
        transactions
            .field_with_name(name)
            .expect("a transactions column")
    };
    Arc::new(Schema::new(vec![
        field("txn_id").clone(),
        field("fraud_case_id")
            .clone()
            .with_name("case_id")
            .with_nullable(false),
        field("fraud_type").clone().with_nullable(false),
        Field::new("label_source", DataType::Utf8, true),
        field("label_ts").clone().with_nullable(false),
    ]))
}

/// `schema` with every timestamp's zone given as the fixed offset
/// `offset_micros` from UTC, like `+09:00`.
pub fn with_offset_zone(schema: &Schema, offset_micros: i64) -> SchemaRef {
    let seconds = offset_micros / 1_000_000;
    let sign = if seconds < 0 { '-' } else { '+' };
    let zone: Arc<str> = format!(
        "{sign}{:02}:{:02}",
        seconds.abs() / 3600,
        seconds.abs() % 3600 / 60
    )
    .into();
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Timestamp(unit, Some(_)) => f
                .as_ref()
                .clone()
                .with_data_type(DataType::Timestamp(*unit, Some(Arc::clone(&zone)))),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

fn i64_column<'a>(batch: &'a RecordBatch, name: &str) -> &'a [i64] {
    super::format::i64_values(batch.column_by_name(name).expect("a known column").as_ref())
}

fn timezone(batch: &RecordBatch, name: &str) -> Option<Arc<str>> {
    match batch
        .schema()
        .field_with_name(name)
        .map(|f| f.data_type().clone())
    {
        Ok(DataType::Timestamp(_, tz)) => tz,
        _ => None,
    }
}

fn append_column(
    batch: &RecordBatch,
    schema: &SchemaRef,
    column: ArrayRef,
) -> Result<RecordBatch, CoreError> {
    let mut columns = batch.columns().to_vec();
    columns.push(column);
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_of_rows_is_late_within_the_bounds() {
        let late = LateEvents::new(42, 0.1, 30_000_000, 7_200_000_000);
        let delays: Vec<i64> = (0..100_000).map(|r| late.delay(r)).collect();
        let share = delays.iter().filter(|&&d| d > 0).count() as f64 / 1e5;
        assert!((share - 0.1).abs() < 0.005, "{share}");
        assert!(
            delays
                .iter()
                .all(|&d| d == 0 || (30_000_000..=7_200_000_000).contains(&d))
        );
        assert_eq!(
            late.delay(7),
            LateEvents::new(42, 0.1, 30_000_000, 7_200_000_000).delay(7)
        );
        assert!(LateEvents::new(42, 0.0, 1, 2).delay(7) == 0);
    }
}
