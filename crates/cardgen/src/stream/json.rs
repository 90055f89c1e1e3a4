//! Events as JSON: one object per row, the fields named as the columns,
//! nulls left out, the values written as arrow-json writes them.
//!
//! Plain strings and the rarer types go through arrow-json's own encoders.
//! The columns a stream has most of are written here: integers digit by
//! digit straight into the row (arrow-json formats each into a buffer of
//! its own and copies it over with a call to `memcpy`: 13% of a stream's
//! time in perf), booleans as two ready-made snippets, and times and
//! dictionary values from caches, because rows of a batch share few days
//! and few dictionary values: a day's
//! `"name":"YYYY-MM-DDT` is formatted once and reused with the time of day
//! written digit by digit (RFC 3339, as arrow-json does it through
//! chrono), and each dictionary value is escaped once per batch, together
//! with its field name. Each field's bytes start with `,"name":`; the first
//! comma of a row becomes its `{`.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{AnyDictionaryArray, Array, BooleanArray, PrimitiveArray, RecordBatch};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_json::writer::{EncoderOptions, NullableEncoder, make_encoder};
use arrow_schema::{DataType, FieldRef, TimeUnit};
use cardgen_core::CoreError;

use super::payloads::Payloads;
use chrono::{DateTime, FixedOffset};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Appends every row of `batch` to `out`, each as one JSON object and its
/// line end.
pub(crate) fn json_rows(batch: &RecordBatch, out: &mut Payloads) -> Result<(), CoreError> {
    let options = EncoderOptions::default();
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(batch.num_columns());
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        fields.push(field_encoder(field, array.as_ref(), &options)?);
    }
    let Payloads { data, offsets } = out;
    for row in 0..batch.num_rows() {
        let start = data.len();
        for field in &mut fields {
            if !field.is_null(row) {
                field.encode(row, data);
            }
        }
        if data.len() == start {
            data.push(b'{');
        } else {
            data[start] = b'{';
        }
        data.extend_from_slice(b"}\n");
        offsets.push(data.len());
    }
    Ok(())
}

/// `,"name":`, before each value of a field.
fn prefix(field: &FieldRef) -> Vec<u8> {
    let mut prefix = vec![b','];
    prefix.extend(serde_json::to_vec(field.name()).expect("a string encodes"));
    prefix.push(b':');
    prefix
}

/// A short run of bytes copied into nearly every row: names, dictionary
/// values, days. Copying it 16 bytes at a time, with no call to `memcpy`
/// per field, made JSON encoding about a fifth faster (perf: `memmove` was
/// 13% of the stream's time, for copies of 8 to 40 bytes).
#[derive(Default)]
struct Snippet {
    /// The bytes, then [`Snippet::PADDING`] more so whole chunks can be read.
    bytes: Vec<u8>,
    len: usize,
}

impl Snippet {
    const CHUNK: usize = 16;
    const PADDING: usize = 16;

    fn new(bytes: &[u8]) -> Self {
        let mut padded = Vec::with_capacity(bytes.len() + Self::PADDING);
        padded.extend_from_slice(bytes);
        padded.resize(bytes.len() + Self::PADDING, 0);
        Self {
            bytes: padded,
            len: bytes.len(),
        }
    }

    #[inline]
    fn put(&self, out: &mut Vec<u8>) {
        let chunks = self.len.div_ceil(Self::CHUNK);
        out.reserve(chunks * Self::CHUNK);
        // SAFETY: `bytes` holds `len + PADDING` initialised bytes, so reading
        // `chunks` whole chunks (at most `len + CHUNK - 1` bytes) stays inside
        // it; `out` has room for `chunks * CHUNK` more bytes (reserved above),
        // and only the first `len` written are taken into its length.
        unsafe {
            let src = self.bytes.as_ptr();
            let dst = out.as_mut_ptr().add(out.len());
            for chunk in 0..chunks {
                let at = chunk * Self::CHUNK;
                let block = std::ptr::read_unaligned(src.add(at).cast::<[u8; 16]>());
                std::ptr::write_unaligned(dst.add(at).cast::<[u8; 16]>(), block);
            }
            out.set_len(out.len() + self.len);
        }
    }
}

/// One field of every row: its prefix and value.
enum FieldEncoder<'a> {
    Arrow {
        prefix: Snippet,
        inner: NullableEncoder<'a>,
    },
    Integer(IntegerEncoder, Option<NullBuffer>),
    Boolean(BooleanEncoder<'a>, Option<NullBuffer>),
    Timestamp(TimestampEncoder<'a>, Option<NullBuffer>),
    Date(DateEncoder<'a>, Option<NullBuffer>),
    Dictionary(DictionaryEncoder, Option<NullBuffer>),
}

fn field_encoder<'a>(
    field: &'a FieldRef,
    array: &'a dyn Array,
    options: &'a EncoderOptions,
) -> Result<FieldEncoder<'a>, CoreError> {
    let nulls = array.logical_nulls();
    let prefix = prefix(field);
    Ok(match array.data_type() {
        DataType::Timestamp(TimeUnit::Microsecond, Some(zone))
            if let Ok(offset) = zone.parse::<FixedOffset>() =>
        {
            let timestamp = TimestampEncoder {
                values: array.as_primitive::<TimestampMicrosecondType>(),
                offset_micros: i64::from(offset.local_minus_utc()) * 1_000_000,
                zone: Snippet::new(&zone_suffix(offset)),
                day: Day::new(prefix, b'T'),
            };
            FieldEncoder::Timestamp(timestamp, nulls)
        }
        DataType::Date32 => {
            let date = DateEncoder {
                values: array.as_primitive::<Date32Type>(),
                day: Day::new(prefix, b'"'),
            };
            FieldEncoder::Date(date, nulls)
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            // Lossless: every value of these types is an i64.
            let values = arrow_cast::cast(array, &DataType::Int64)?;
            let integer = IntegerEncoder {
                prefix: Snippet::new(&prefix),
                values: values.as_primitive::<Int64Type>().values().clone(),
            };
            FieldEncoder::Integer(integer, nulls)
        }
        DataType::Boolean => {
            let choices = [false, true].map(|value| {
                let mut text = prefix.clone();
                text.extend_from_slice(if value { b"true" } else { b"false" });
                Snippet::new(&text)
            });
            let boolean = BooleanEncoder {
                values: array.as_boolean(),
                choices,
            };
            FieldEncoder::Boolean(boolean, nulls)
        }
        DataType::Dictionary(_, value) if **value == DataType::Utf8 => FieldEncoder::Dictionary(
            DictionaryEncoder::new(prefix, array.as_any_dictionary()),
            nulls,
        ),
        _ => FieldEncoder::Arrow {
            prefix: Snippet::new(&prefix),
            inner: make_encoder(field, array, options)?,
        },
    })
}

impl FieldEncoder<'_> {
    fn is_null(&self, row: usize) -> bool {
        match self {
            FieldEncoder::Arrow { inner, .. } => inner.is_null(row),
            FieldEncoder::Integer(_, nulls)
            | FieldEncoder::Boolean(_, nulls)
            | FieldEncoder::Timestamp(_, nulls)
            | FieldEncoder::Date(_, nulls)
            | FieldEncoder::Dictionary(_, nulls) => nulls.as_ref().is_some_and(|n| n.is_null(row)),
        }
    }

    fn encode(&mut self, row: usize, out: &mut Vec<u8>) {
        match self {
            FieldEncoder::Arrow { prefix, inner } => {
                prefix.put(out);
                arrow_json::writer::Encoder::encode(inner, row, out);
            }
            FieldEncoder::Integer(encoder, _) => encoder.encode(row, out),
            FieldEncoder::Boolean(encoder, _) => encoder.encode(row, out),
            FieldEncoder::Timestamp(encoder, _) => encoder.encode(row, out),
            FieldEncoder::Date(encoder, _) => encoder.encode(row, out),
            FieldEncoder::Dictionary(encoder, _) => encoder.encode(row, out),
        }
    }
}

/// `Z` for UTC, else `+HH:MM`, as RFC 3339 writes them.
fn zone_suffix(offset: FixedOffset) -> Vec<u8> {
    let seconds = offset.local_minus_utc();
    if seconds == 0 {
        return b"Z".to_vec();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.abs();
    format!("{sign}{:02}:{:02}", seconds / 3600, seconds % 3600 / 60).into_bytes()
}

/// The last day formatted with what comes before and after it:
/// `,"name":"YYYY-MM-DD` and `T` or `"`.
struct Day {
    prefix: Vec<u8>,
    after: u8,
    epoch_day: Option<i64>,
    text: Snippet,
}

impl Day {
    fn new(prefix: Vec<u8>, after: u8) -> Self {
        Self {
            prefix,
            after,
            epoch_day: None,
            text: Snippet::default(),
        }
    }

    fn text(&mut self, epoch_day: i64) -> &Snippet {
        if self.epoch_day != Some(epoch_day) {
            let date = DateTime::from_timestamp(epoch_day * 86_400, 0)
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default();
            let mut text = self.prefix.clone();
            text.push(b'"');
            text.extend_from_slice(date.as_bytes());
            text.push(self.after);
            self.text = Snippet::new(&text);
            self.epoch_day = Some(epoch_day);
        }
        &self.text
    }
}

struct IntegerEncoder {
    prefix: Snippet,
    values: ScalarBuffer<i64>,
}

impl IntegerEncoder {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        self.prefix.put(out);
        put_integer(out, self.values[idx]);
    }
}

/// `value` in decimal, each digit stored straight into the row: no
/// buffer of its own to copy from (a copy of a variable length is a call
/// to `memcpy`; a fixed-size one from bytes just stored stalls the load).
fn put_integer(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    let mut rest = value.unsigned_abs();
    let digits = rest.checked_ilog10().map_or(1, |d| d as usize + 1);
    out.reserve(digits);
    // Two digits at a time from the end, from a table: half the divisions.
    let room = &mut out.spare_capacity_mut()[..digits];
    let mut end = digits;
    while end >= 2 {
        let pair = 2 * (rest % 100) as usize;
        room[end - 2].write(DIGIT_PAIRS[pair]);
        room[end - 1].write(DIGIT_PAIRS[pair + 1]);
        rest /= 100;
        end -= 2;
    }
    if end == 1 {
        room[0].write(b'0' + rest as u8);
    }
    // SAFETY: the `digits` bytes after the length were reserved and each
    // was written just above (pairs from the end, then the odd first one).
    unsafe { out.set_len(out.len() + digits) };
}

/// `00`, `01`, … `99`, end to end.
const DIGIT_PAIRS: [u8; 200] = {
    let mut pairs = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        pairs[2 * i] = b'0' + (i / 10) as u8;
        pairs[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    pairs
};

struct BooleanEncoder<'a> {
    values: &'a BooleanArray,
    /// `,"name":false` and `,"name":true`.
    choices: [Snippet; 2],
}

impl BooleanEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        self.choices[usize::from(self.values.value(idx))].put(out);
    }
}

struct TimestampEncoder<'a> {
    values: &'a PrimitiveArray<TimestampMicrosecondType>,
    offset_micros: i64,
    zone: Snippet,
    day: Day,
}

impl TimestampEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        let local = self.values.value(idx) + self.offset_micros;
        let (day, in_day) = (
            local.div_euclid(MICROS_PER_DAY),
            local.rem_euclid(MICROS_PER_DAY),
        );
        let seconds = in_day / 1_000_000;
        let micros = in_day % 1_000_000;
        self.day.text(day).put(out);
        let mut time = [b'0', b'0', b':', b'0', b'0', b':', b'0', b'0'];
        put_two(&mut time[0..2], seconds / 3600);
        put_two(&mut time[3..5], seconds % 3600 / 60);
        put_two(&mut time[6..8], seconds % 60);
        out.extend_from_slice(&time);
        // RFC 3339 with as many digits as needed: none, 3 or 6.
        if micros != 0 {
            let mut fraction = [b'.', 0, 0, 0, 0, 0, 0];
            put_two(&mut fraction[1..3], micros / 10_000);
            put_two(&mut fraction[3..5], micros / 100 % 100);
            put_two(&mut fraction[5..7], micros % 100);
            out.extend_from_slice(&fraction);
            if micros % 1000 == 0 {
                out.truncate(out.len() - 3);
            }
        }
        self.zone.put(out);
        out.push(b'"');
    }
}

struct DateEncoder<'a> {
    values: &'a PrimitiveArray<Date32Type>,
    day: Day,
}

impl DateEncoder<'_> {
    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        self.day.text(i64::from(self.values.value(idx))).put(out);
    }
}

/// Each dictionary value as `,"name":"value"` (escaped) once; rows copy it.
struct DictionaryEncoder {
    keys: Vec<usize>,
    values: Vec<Snippet>,
}

impl DictionaryEncoder {
    fn new(prefix: Vec<u8>, dictionary: &dyn AnyDictionaryArray) -> Self {
        let strings = dictionary.values().as_string::<i32>();
        let values = (0..strings.len())
            .map(|i| {
                let mut value = prefix.clone();
                value.extend(serde_json::to_vec(strings.value(i)).expect("a string encodes"));
                Snippet::new(&value)
            })
            .collect();
        Self {
            keys: dictionary.normalized_keys(),
            values,
        }
    }

    fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
        self.values[self.keys[idx]].put(out);
    }
}

/// `value` (0 to 99) as two digits.
fn put_two(out: &mut [u8], value: i64) {
    let pair = 2 * value as usize;
    out[..2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
}

#[cfg(test)]
mod tests;
