//! Encoding a batch into a finished Parquet row group, on the worker that
//! generated it, so that the writer thread only copies bytes.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowRowGroupWriterFactory, ArrowWriterOptions, compute_leaves,
};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// A row group whose columns are encoded and compressed, ready to append.
pub struct EncodedRowGroup {
    pub rows: u64,
    /// Compressed bytes of all column chunks.
    pub bytes: u64,
    pub chunks: Vec<ArrowColumnChunk>,
}

impl EncodedRowGroup {
    /// A batch that was generated but not encoded (the null sink).
    pub fn empty(rows: u64) -> Self {
        Self {
            rows,
            bytes: 0,
            chunks: Vec::new(),
        }
    }
}

/// Turns record batches into row groups for one file; shared by all workers.
#[derive(Debug, Clone)]
pub struct RowGroupEncoder {
    factory: Arc<ArrowRowGroupWriterFactory>,
    schema: SchemaRef,
}

impl RowGroupEncoder {
    pub(crate) fn new(factory: ArrowRowGroupWriterFactory, schema: SchemaRef) -> Self {
        Self {
            factory: Arc::new(factory),
            schema,
        }
    }

    /// An encoder for row groups that will be dropped, not written (benchmarks).
    pub fn discarding(
        schema: SchemaRef,
        properties: WriterProperties,
    ) -> Result<Self, ParquetError> {
        let options = ArrowWriterOptions::new().with_properties(properties);
        let (_, factory) =
            ArrowWriter::try_new_with_options(std::io::sink(), Arc::clone(&schema), options)?
                .into_serialized_writer()?;
        Ok(Self::new(factory, schema))
    }

    /// Encodes `batch` as row group number `index` of the file.
    pub fn encode(&self, index: u64, batch: &RecordBatch) -> Result<EncodedRowGroup, ParquetError> {
        let mut writers = self.factory.create_column_writers(index as usize)?;
        let mut leaf_writers = writers.iter_mut();
        for (field, column) in self.schema.fields().iter().zip(batch.columns()) {
            for leaf in compute_leaves(field, column)? {
                let writer = leaf_writers.next().ok_or_else(|| {
                    ParquetError::General("more leaves than column writers".into())
                })?;
                writer.write(&leaf)?;
            }
        }
        let chunks = writers
            .into_iter()
            .map(|writer| writer.close())
            .collect::<Result<Vec<_>, _>>()?;
        let bytes = chunks
            .iter()
            .map(|chunk| chunk.close().metadata.compressed_size() as u64)
            .sum();
        Ok(EncodedRowGroup {
            rows: batch.num_rows() as u64,
            bytes,
            chunks,
        })
    }
}
