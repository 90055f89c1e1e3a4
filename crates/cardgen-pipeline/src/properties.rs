//! Parquet writer properties: codec, encodings and the metadata that records
//! how a file was generated.
//!
//! Encodings follow the data: steadily rising integers (ids, timestamps) as
//! deltas, near-unique columns without a dictionary, everything else with
//! Parquet's dictionary encoding. Together with the statistics rule below this
//! made the default file 2.6x smaller and encoding about a quarter faster than
//! writer defaults (measured with `cardgen bench`, see docs/benchmarks.md).
//!
//! Near-unique integers (card and customer ids drawn at random) are
//! delta-encoded too: their deltas need as many bits as the id range, which is
//! still half of what Snappy made of eight plain bytes, and Snappy then finds
//! nothing to do quickly instead of slowly. Near-unique strings store their
//! lengths as deltas and their bytes back to back, so that Snappy does not
//! stumble on a 4-byte length before every value. Both were measured per
//! column with `benches/columns.rs` (issue 20 in docs/benchmarks.md).

use arrow_schema::DataType;
use cardgen_core::TableGenerator;
use parquet::basic::Encoding;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::codec::Codec;

/// Rows per data page, at most, for columns whose values rise through the
/// file: their pages carry min/max (the column index), so a reader looking
/// for a time or id range inside a row group skips the rest.
const SORTED_PAGE_ROW_LIMIT: usize = 20_000;

/// Rows per data page, at most, for every other column: 64 Ki, where
/// parquet's default is 20k. A page's min/max on random values would prune
/// nothing, and each page's entry in the offset index costs writer memory
/// until the footer: 13 pages per column chunk of 250k rows made that about
/// 30 MB at a billion rows in one file, 4 pages make it 9. Sorted columns
/// already confine a range query to the row groups at its two ends, so
/// coarser pages elsewhere cost a reader little. Larger pages still (one per
/// chunk) saved no more than the bigger page buffers cost each producer.
const PAGE_ROW_LIMIT: usize = 1 << 16;

/// Prefix of every key-value metadata entry cardgen writes.
pub const METADATA_PREFIX: &str = "cardgen.";

/// Properties for a file of `generator`'s table. `extra` adds run options that
/// shape the bytes (never the thread count, which must not).
pub fn writer_properties(
    generator: &dyn TableGenerator,
    codec: Codec,
    extra: &[(&str, String)],
) -> WriterProperties {
    let mut metadata = vec![KeyValue::new(
        format!("{METADATA_PREFIX}version"),
        cardgen_core::VERSION.to_string(),
    )];
    metadata.extend(
        generator
            .metadata()
            .into_iter()
            .map(|(k, v)| KeyValue::new(format!("{METADATA_PREFIX}{k}"), v)),
    );
    metadata.push(KeyValue::new(
        format!("{METADATA_PREFIX}compression"),
        codec.to_string(),
    ));
    metadata.extend(
        extra
            .iter()
            .map(|(k, v)| KeyValue::new(format!("{METADATA_PREFIX}{k}"), v.clone())),
    );
    let mut builder = WriterProperties::builder()
        .set_compression(codec.to_parquet())
        .set_key_value_metadata(Some(metadata))
        .set_data_page_row_count_limit(PAGE_ROW_LIMIT);
    let schema = generator.schema();
    for column in generator.high_cardinality_columns() {
        let path = ColumnPath::from(*column);
        builder = builder.set_column_dictionary_enabled(path.clone(), false);
        let data_type = schema
            .field_with_name(column)
            .map(|f| f.data_type().clone());
        match data_type {
            Ok(DataType::Int32 | DataType::Int64) => {
                builder = builder.set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
            }
            Ok(DataType::Utf8) => {
                builder = builder.set_column_encoding(path, Encoding::DELTA_LENGTH_BYTE_ARRAY);
            }
            _ => {}
        }
    }
    for column in generator.sorted_columns() {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(*column), false)
            .set_column_encoding(ColumnPath::from(*column), Encoding::DELTA_BINARY_PACKED)
            .set_column_data_page_row_count_limit(ColumnPath::from(*column), SORTED_PAGE_ROW_LIMIT);
    }
    // String min/max prunes nothing here (category names, random card
    // numbers) and costs a string comparison per row: about an eighth of all
    // encoding time. Numeric and temporal columns keep their statistics per
    // column chunk, which the footer, Delta and Iceberg carry; per page (the
    // column index) only where values rise, since elsewhere each page of
    // 64 Ki random values spans nearly the whole range and prunes nothing,
    // while the index costs the writer memory for every page until the
    // footer (about 16 MB per 1,200 row groups, issue 20).
    let sorted = generator.sorted_columns();
    for field in generator.schema().fields() {
        let is_string = match field.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => true,
            DataType::Dictionary(_, value) => {
                matches!(value.as_ref(), DataType::Utf8 | DataType::LargeUtf8)
            }
            _ => false,
        };
        let statistics = if is_string {
            EnabledStatistics::None
        } else if sorted.contains(&field.name().as_str()) {
            EnabledStatistics::Page
        } else {
            EnabledStatistics::Chunk
        };
        builder = builder
            .set_column_statistics_enabled(ColumnPath::from(field.name().as_str()), statistics);
    }
    builder.build()
}
