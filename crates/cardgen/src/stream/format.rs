//! How one event becomes bytes: a JSON object (one line) or an Avro datum.
//!
//! An event's fields are the `transactions` columns, named and typed as in
//! the Parquet files; a label's are `txn_id`, `case_id`, `fraud_type`,
//! `label_source` and `label_ts`. A sink with no record timestamp of its
//! own (a file, stdout) also gets `emit_ts`, the time the event was sent.
//! JSON goes through arrow-json's encoders and Avro through arrow-avro's
//! row encoder, one payload per row, on the worker that generated it.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use cardgen_core::CoreError;

use super::payloads::Payloads;

/// How events are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventFormat {
    /// One JSON object per event (newline-delimited in a file or stdout).
    #[default]
    Json,
    /// One Avro binary datum per event, with no framing of its own: the
    /// schema comes from [`avro_schema`] (`cardgen stream --print-schema`).
    Avro,
}

impl EventFormat {
    pub const NAMES: [&'static str; 2] = ["json", "avro"];

    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(EventFormat::Json),
            "avro" => Ok(EventFormat::Avro),
            _ => Err(format!("accepted: {}", Self::NAMES.join(", "))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EventFormat::Json => "json",
            EventFormat::Avro => "avro",
        }
    }

    /// A message's payload without the frame it carries for a byte stream
    /// (see [`encode_rows`]): what a topic's message holds.
    pub(crate) fn unframed(self, payload: &[u8]) -> &[u8] {
        match self {
            EventFormat::Json => payload.strip_suffix(b"\n").unwrap_or(payload),
            EventFormat::Avro => payload.get(4..).unwrap_or_default(),
        }
    }
}

/// The row of an event or label: its first field, `txn_id`, read from the
/// payload (`{"txn_id":N,…` in JSON, a zigzag varint in Avro); `None` when
/// the payload does not start that way.
// Read back only from a topic on resume, and by this module's tests.
#[cfg_attr(not(feature = "kafka"), allow(dead_code))]
pub(crate) fn first_row(payload: &[u8], format: EventFormat) -> Option<u64> {
    match format {
        EventFormat::Json => {
            let digits = payload.strip_prefix(br#"{"txn_id":"#)?;
            let end = digits.iter().position(|b| !b.is_ascii_digit())?;
            std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
        }
        EventFormat::Avro => {
            let mut value: u64 = 0;
            for (i, byte) in payload.iter().take(10).enumerate() {
                value |= u64::from(byte & 0x7f) << (7 * i);
                if byte & 0x80 == 0 {
                    let signed = (value >> 1) as i64 ^ -((value & 1) as i64);
                    return u64::try_from(signed).ok();
                }
            }
            None
        }
    }
}

/// Appends every row of `batch` to `out`, each encoded on its own in
/// `format` and framed for a byte stream: a JSON object and its line end,
/// an Avro datum after its length as a 4-byte big-endian number (Avro has
/// no line ends). A file takes the payloads as they are, so runs of them
/// are written straight from the batch; a topic takes them unframed
/// ([`EventFormat::unframed`]).
pub(crate) fn encode_rows(
    batch: &RecordBatch,
    format: EventFormat,
    out: &mut Payloads,
) -> Result<(), CoreError> {
    match format {
        EventFormat::Json => super::json::json_rows(batch, out),
        EventFormat::Avro => {
            let rows = avro_rows(batch)?;
            let (data, offsets) = (rows.bytes(), rows.offsets());
            for datum in offsets.windows(2).map(|w| &data[w[0]..w[1]]) {
                let len = u32::try_from(datum.len()).expect("an event under 4 GiB");
                out.data.extend_from_slice(&len.to_be_bytes());
                out.data.extend_from_slice(datum);
                out.offsets.push(out.data.len());
            }
            Ok(())
        }
    }
}

fn avro_rows(batch: &RecordBatch) -> Result<arrow_avro::writer::EncodedRows, CoreError> {
    use arrow_avro::writer::WriterBuilder;
    use arrow_avro::writer::format::AvroBinaryFormat;

    let batch = plain_strings(batch)?;
    let mut encoder = WriterBuilder::new(batch.schema().as_ref().clone())
        .build_encoder::<AvroBinaryFormat>()
        .map_err(avro_error)?;
    encoder.encode(&batch).map_err(avro_error)?;
    Ok(encoder.flush())
}

/// The Avro schema (JSON text) of events or labels of Arrow schema `schema`.
pub fn avro_schema(schema: &Schema) -> Result<String, CoreError> {
    let plain = plain_schema(schema);
    let avro = arrow_avro::schema::AvroSchema::try_from(&plain).map_err(arrow_error)?;
    let value: serde_json::Value =
        serde_json::from_str(&avro.json_string).expect("arrow-avro writes JSON");
    Ok(serde_json::to_string_pretty(&value).expect("JSON encodes"))
}

/// Dictionary-encoded strings as plain strings: Avro has no dictionaries,
/// and an enum would fix the value set in every consumer's schema.
fn plain_strings(batch: &RecordBatch) -> Result<RecordBatch, CoreError> {
    let schema = Arc::new(plain_schema(&batch.schema()));
    let columns = batch
        .columns()
        .iter()
        .map(|array| match array.data_type() {
            DataType::Dictionary(_, _) => {
                arrow_cast::cast(array.as_ref(), &DataType::Utf8).map_err(arrow_error)
            }
            _ => Ok(Arc::clone(array)),
        })
        .collect::<Result<Vec<ArrayRef>, CoreError>>()?;
    RecordBatch::try_new(schema, columns).map_err(arrow_error)
}

fn plain_schema(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Dictionary(_, _) => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new(fields).with_metadata(schema.metadata().clone())
}

/// `schema` with `emit_ts` (the type of `ts_field`'s) added at the end.
pub(crate) fn with_emit_ts(schema: &SchemaRef, ts_field: &str) -> SchemaRef {
    let ts = schema
        .field_with_name(ts_field)
        .expect("the timestamp column is in the schema")
        .data_type()
        .clone();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("emit_ts", ts, false));
    Arc::new(Schema::new(fields))
}

/// `array` as i64 values (a timestamp or id column).
pub(crate) fn i64_values(array: &dyn Array) -> &[i64] {
    match array.data_type() {
        DataType::Int64 => array
            .as_primitive::<arrow_array::types::Int64Type>()
            .values(),
        DataType::Timestamp(_, _) => array
            .as_primitive::<arrow_array::types::TimestampMicrosecondType>()
            .values(),
        other => unreachable!("an i64 column, not {other}"),
    }
}

fn arrow_error(e: arrow_schema::ArrowError) -> CoreError {
    CoreError::Arrow(e)
}

fn avro_error(e: arrow_avro::errors::AvroError) -> CoreError {
    CoreError::Arrow(arrow_schema::ArrowError::ExternalError(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_is_read_back_from_a_payload() {
        assert_eq!(
            first_row(
                br#"{"txn_id":1234,"txn_type":"purchase"}"#,
                EventFormat::Json
            ),
            Some(1234)
        );
        assert_eq!(first_row(br#"{"case_id":1}"#, EventFormat::Json), None);
        // Avro longs are zigzag varints: 1234 -> 2468 -> 0xa4 0x13.
        assert_eq!(
            first_row(&[0xa4, 0x13, 0x00], EventFormat::Avro),
            Some(1234)
        );
        assert_eq!(first_row(&[0x01], EventFormat::Avro), None, "-1 is no row");
        assert_eq!(first_row(&[0xff; 3], EventFormat::Avro), None);
    }

    #[test]
    fn payloads_are_framed_for_files_and_unframed_for_topics() {
        use arrow_array::Int64Array;
        let schema = Arc::new(Schema::new(vec![Field::new(
            "txn_id",
            DataType::Int64,
            false,
        )]));
        let batch =
            RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![7, 1234]))]).unwrap();
        for format in [EventFormat::Json, EventFormat::Avro] {
            let mut out = Payloads::with_capacity(2, 16);
            encode_rows(&batch, format, &mut out).unwrap();
            let payloads: Vec<&[u8]> = out
                .offsets
                .windows(2)
                .map(|w| &out.data[w[0]..w[1]])
                .collect();
            let rows: Vec<Option<u64>> = payloads
                .iter()
                .map(|p| first_row(format.unframed(p), format))
                .collect();
            assert_eq!(rows, [Some(7), Some(1234)], "{format:?}");
            let framed = match format {
                EventFormat::Json => payloads.iter().all(|p| p.ends_with(b"}\n")),
                EventFormat::Avro => payloads.iter().all(|p| {
                    u32::from_be_bytes(p[..4].try_into().unwrap()) as usize == p.len() - 4
                }),
            };
            assert!(framed, "{format:?}: {payloads:?}");
        }
    }
}
