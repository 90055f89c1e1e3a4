//! The stream's JSON is arrow-json's text, value for value.

use super::*;
use arrow_array::types::{Int8Type, Int32Type};
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Int8Array, Int64Array, StringArray,
    TimestampMicrosecondArray, UInt32Array,
};
use arrow_schema::{Field, Schema};
use std::sync::Arc;

#[test]
fn the_same_text_as_arrow_jsons_writer() {
    let times = vec![
        Some(0),
        Some(1_735_683_932_443_910),
        Some(1_735_683_932_443_000),
        Some(1_735_683_932_000_000),
        Some(-1_234_567),
        None,
        Some(253_402_300_799_999_999),
    ];
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        (
            "id",
            Arc::new(Int64Array::from(vec![
                Some(1),
                None,
                Some(3),
                Some(4),
                Some(5),
                None,
                Some(7),
            ])),
        ),
        (
            "big",
            Arc::new(Int64Array::from(vec![
                i64::MIN,
                i64::MAX,
                0,
                -1,
                9,
                10,
                -1_000_000_007,
            ])),
        ),
        (
            "small",
            Arc::new(Int8Array::from(vec![
                Some(i8::MIN),
                Some(i8::MAX),
                Some(0),
                None,
                Some(-9),
                Some(99),
                Some(100),
            ])),
        ),
        (
            "unsigned",
            Arc::new(UInt32Array::from(vec![u32::MAX, 0, 1, 19, 20, 4_000, 7])),
        ),
        (
            "flag",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                Some(true),
                Some(true),
                Some(false),
                None,
            ])),
        ),
    ];
    for zone in ["+09:00", "+00:00", "-05:30"] {
        let ts = TimestampMicrosecondArray::from(times.clone()).with_timezone(zone);
        columns.push(("ts", Arc::new(ts)));
    }
    let dates = Date32Array::from(vec![
        Some(0),
        Some(20_089),
        Some(-1),
        None,
        Some(2_932_896),
        Some(1),
        Some(2),
    ]);
    columns.push(("d", Arc::new(dates)));
    let keys = arrow_array::Int32Array::from(vec![
        Some(0),
        Some(1),
        Some(2),
        None,
        Some(1),
        Some(0),
        Some(2),
    ]);
    let values = StringArray::from(vec!["card_present", "say \"hi\"\n", "한국"]);
    let dictionary = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values.clone())).unwrap();
    columns.push(("k", Arc::new(dictionary)));
    let keys = arrow_array::Int8Array::from(vec![
        Some(2),
        Some(1),
        None,
        Some(0),
        Some(1),
        Some(0),
        Some(2),
    ]);
    let dictionary = DictionaryArray::<Int8Type>::try_new(keys, Arc::new(values)).unwrap();
    columns.push(("k", Arc::new(dictionary)));
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, a))| Field::new(format!("{name}{i}"), a.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();

    let mut writer = arrow_json::LineDelimitedWriter::new(Vec::new());
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    let expected = String::from_utf8(writer.into_inner()).unwrap();
    // Appended after what a buffer already holds, as a batch's chunks are.
    let mut out = Payloads::with_capacity(0, 0);
    json_rows(&batch.slice(0, 3), &mut out).unwrap();
    json_rows(&batch.slice(3, 4), &mut out).unwrap();
    assert_eq!(out.len(), 7);
    // Each payload is one line, its line end included: together, the file
    // arrow-json writes.
    let (data, offsets) = (out.data, out.offsets);
    let got: Vec<&str> = offsets
        .windows(2)
        .map(|w| std::str::from_utf8(&data[w[0]..w[1]]).unwrap())
        .collect();
    assert_eq!(got, expected.split_inclusive('\n').collect::<Vec<_>>());
    assert_eq!(data, expected.as_bytes());
    // A row with every field null is an empty object.
    let empty = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)])),
        vec![Arc::new(Int64Array::from(vec![None::<i64>]))],
    )
    .unwrap();
    let mut out = Payloads::with_capacity(1, 2);
    json_rows(&empty, &mut out).unwrap();
    assert_eq!(out.data, b"{}\n");
}
