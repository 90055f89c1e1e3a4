//! A coded chunk must read back, through parquet's own reader, as the
//! strings the Arrow writer would have written.

use std::sync::Arc;

use arrow_array::{Int8Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::reader::{FileReader, SerializedFileReader};

use super::*;
use crate::encode::{EncodedChunk, RowGroupEncoder};

const WORDS: [&str; 5] = ["grocery", "fuel", "", "travel", "online"];

fn column(rows: usize, null_every: Option<usize>) -> ArrayRef {
    let keys: Int8Array = (0..rows)
        .map(|i| match null_every {
            Some(n) if i % n == 0 => None,
            _ => Some(((i * 7 + i / 3) % WORDS.len()) as i8),
        })
        .collect();
    let values = Arc::new(StringArray::from_iter_values(WORDS));
    Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap())
}

fn strings(array: &dyn Array) -> Vec<Option<String>> {
    let dictionary = array.as_dictionary::<Int8Type>();
    let values = dictionary.values().as_string::<i32>();
    dictionary
        .keys()
        .iter()
        .map(|key| {
            key.map(|k| k as usize)
                .filter(|&k| values.is_valid(k))
                .map(|k| values.value(k).to_string())
        })
        .collect()
}

/// Encodes `column` as a one-column file; says whether it went the coded way.
fn write(column: ArrayRef, properties: WriterProperties) -> (Bytes, bool) {
    let field = Field::new(
        "c",
        column.data_type().clone(),
        column.logical_null_count() > 0,
    );
    let schema = Arc::new(Schema::new(vec![field]));
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap();
    let encoder = RowGroupEncoder::discarding(Arc::clone(&schema), properties.clone()).unwrap();
    let group = encoder.encode(0, &batch).unwrap();
    let coded = matches!(group.chunks[0], EncodedChunk::Coded(_));
    let options = ArrowWriterOptions::new().with_properties(properties);
    let (mut writer, _) = ArrowWriter::try_new_with_options(Vec::new(), schema, options)
        .unwrap()
        .into_serialized_writer()
        .unwrap();
    let mut row_group = writer.next_row_group().unwrap();
    for chunk in group.chunks {
        chunk.append_to_row_group(&mut row_group).unwrap();
    }
    row_group.close().unwrap();
    (Bytes::from(writer.into_inner().unwrap()), coded)
}

fn read(file: Bytes) -> Vec<Option<String>> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    reader
        .flat_map(|batch| strings(batch.unwrap().column(0).as_ref()))
        .collect()
}

fn no_string_statistics() -> parquet::file::properties::WriterPropertiesBuilder {
    WriterProperties::builder()
        .set_statistics_enabled(EnabledStatistics::None)
        .set_data_page_row_count_limit(20_000)
}

#[test]
fn nullable_codes_read_back_as_their_strings_with_every_codec() {
    let column = column(50_000, Some(7));
    let expected = strings(column.as_ref());
    for codec in [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::LZ4_RAW,
        Compression::ZSTD(ZstdLevel::try_new(3).unwrap()),
    ] {
        let properties = no_string_statistics().set_compression(codec).build();
        let (file, coded) = write(Arc::clone(&column), properties);
        assert!(coded, "{codec:?} should be written from codes");
        assert_eq!(read(file), expected, "{codec:?}");
    }
}

#[test]
fn pages_follow_the_row_limit_and_the_offset_index_lists_them() {
    let (file, coded) = write(column(50_000, None), no_string_statistics().build());
    assert!(coded);
    let reader = SerializedFileReader::new(file.clone()).unwrap();
    let chunk = reader.metadata().row_group(0).column(0);
    assert_eq!(chunk.num_values(), 50_000);
    assert!(chunk.dictionary_page_offset().is_some());
    let options = parquet::file::serialized_reader::ReadOptionsBuilder::new()
        .with_page_index()
        .build();
    let indexed = SerializedFileReader::new_with_options(file, options).unwrap();
    let page_index = indexed.metadata().page_index_for_row_group(0);
    let offsets = page_index.offset_index(0).expect("an offset index");
    let firsts: Vec<i64> = offsets
        .page_locations()
        .iter()
        .map(|page| page.first_row_index)
        .collect();
    assert_eq!(firsts, [0, 20_000, 40_000]);
}

#[test]
fn a_one_word_dictionary_needs_no_bits_per_row() {
    let keys = Int8Array::from(vec![0i8; 1_000]);
    let values = Arc::new(StringArray::from_iter_values(["only"]));
    let column: ArrayRef = Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap());
    let (file, coded) = write(Arc::clone(&column), no_string_statistics().build());
    assert!(coded);
    assert_eq!(read(file), strings(column.as_ref()));
}

#[test]
fn every_code_width_and_run_shape_reads_back() {
    // Runs of 1 to 40 equal codes, so that runs start and end anywhere in
    // a group of 8, over dictionaries needing 0 to 7 bits.
    for words in [1usize, 2, 3, 4, 5, 8, 9, 16, 17, 64, 127] {
        let values: Vec<String> = (0..words).map(|i| format!("w{i}")).collect();
        let mut keys = Vec::new();
        let mut run = 1;
        while keys.len() < 30_011 {
            let code = (keys.len() * 31 / run) % words;
            let null = run % 5 == 0;
            keys.extend((0..run).map(|_| (!null).then_some(code as i8)));
            run = run % 40 + 1;
        }
        let keys = Int8Array::from(keys);
        let values = Arc::new(StringArray::from_iter_values(values));
        let column: ArrayRef =
            Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap());
        let (file, coded) = write(Arc::clone(&column), no_string_statistics().build());
        assert!(coded);
        assert_eq!(read(file), strings(column.as_ref()), "{words} words");
    }
}

#[test]
fn columns_asking_for_statistics_go_through_the_arrow_writer() {
    let column = column(5_000, Some(3));
    let properties = WriterProperties::builder().build();
    let (file, coded) = write(Arc::clone(&column), properties);
    assert!(!coded, "statistics are the Arrow writer's job");
    assert_eq!(read(file), strings(column.as_ref()));
}

#[test]
fn a_null_buffer_without_nulls_writes_as_no_buffer() {
    // Rows 1..10_000 of a column whose rows 0 and 10_000 are null: slicing
    // keeps a null buffer that marks nothing.
    let sliced = column(10_001, Some(10_000)).slice(1, 9_999);
    assert!(sliced.nulls().is_some() && sliced.null_count() == 0);
    let (file, coded) = write(Arc::clone(&sliced), no_string_statistics().build());
    assert!(coded);
    assert_eq!(read(file), strings(sliced.as_ref()));
}

#[test]
fn null_values_and_dictionaries_too_long_for_int8_go_through_the_arrow_writer() {
    let values = Arc::new(StringArray::from(vec![Some("a"), None, Some("c")]));
    let keys = Int8Array::from(vec![0i8, 1, 2, 1]);
    let with_null_value: ArrayRef =
        Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap());
    let (file, coded) = write(Arc::clone(&with_null_value), no_string_statistics().build());
    assert!(!coded);
    assert_eq!(read(file), [Some("a".into()), None, Some("c".into()), None]);

    let values = Arc::new(StringArray::from_iter_values(
        (0..128).map(|i| format!("v{i}")),
    ));
    let keys = Int8Array::from_iter_values((0..1_000).map(|i| (i % 127) as i8));
    let long: ArrayRef = Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap());
    let (file, coded) = write(Arc::clone(&long), no_string_statistics().build());
    assert!(!coded);
    assert_eq!(read(file), strings(long.as_ref()));
}
