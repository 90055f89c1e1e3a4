//! Parquet writer properties: codec, encodings and the metadata that records
//! how a file was generated.

use cardgen_core::TableGenerator;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::codec::Codec;

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
        .set_key_value_metadata(Some(metadata));
    for column in generator.high_cardinality_columns() {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(*column), false);
    }
    builder.build()
}
