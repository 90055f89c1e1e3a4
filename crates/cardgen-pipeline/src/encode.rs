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
use parquet::file::writer::SerializedRowGroupWriter;
use parquet::schema::types::SchemaDescPtr;

use crate::coded_chunk::{CodedChunk, CodedColumn};

/// A row group whose columns are encoded and compressed, ready to append.
pub struct EncodedRowGroup {
    pub rows: u64,
    /// Compressed bytes of all column chunks.
    pub bytes: u64,
    pub chunks: Vec<EncodedChunk>,
}

/// One finished column chunk: from parquet's Arrow writer, or written from
/// dictionary codes (see [`crate::coded_chunk`]).
pub enum EncodedChunk {
    Arrow(ArrowColumnChunk),
    Coded(CodedChunk),
}

impl EncodedChunk {
    /// Compressed size in the file.
    fn compressed_size(&self) -> u64 {
        let close = match self {
            EncodedChunk::Arrow(chunk) => chunk.close(),
            EncodedChunk::Coded(chunk) => &chunk.close,
        };
        close.metadata.compressed_size() as u64
    }

    /// Appends the chunk as the row group's next column.
    pub fn append_to_row_group<W: std::io::Write + Send>(
        self,
        group: &mut SerializedRowGroupWriter<'_, W>,
    ) -> Result<(), ParquetError> {
        match self {
            EncodedChunk::Arrow(chunk) => chunk.append_to_row_group(group),
            EncodedChunk::Coded(chunk) => group.append_column(&chunk.data, chunk.close),
        }
    }
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
    /// The Parquet schema the file writer derived, whose leaf descriptors a
    /// coded chunk must carry.
    parquet_schema: SchemaDescPtr,
    properties: Arc<WriterProperties>,
}

impl RowGroupEncoder {
    /// An encoder for row groups that will be dropped, not written (benchmarks).
    pub fn discarding(
        schema: SchemaRef,
        properties: WriterProperties,
    ) -> Result<Self, ParquetError> {
        let options = ArrowWriterOptions::new().with_properties(properties.clone());
        let (writer, factory) =
            ArrowWriter::try_new_with_options(std::io::sink(), Arc::clone(&schema), options)?
                .into_serialized_writer()?;
        Ok(Self {
            factory: Arc::new(factory),
            schema,
            parquet_schema: Arc::new(writer.schema_descr().clone()),
            properties: Arc::new(properties),
        })
    }

    /// Encodes `batch` as row group number `index` of the file.
    pub fn encode(&self, index: u64, batch: &RecordBatch) -> Result<EncodedRowGroup, ParquetError> {
        let mut writers = self
            .factory
            .create_column_writers(index as usize)?
            .into_iter();
        let mut chunks = Vec::with_capacity(self.parquet_schema.num_columns());
        let too_many = || ParquetError::General("more leaves than column writers".into());
        for (field, column) in self.schema.fields().iter().zip(batch.columns()) {
            let leaf = chunks.len();
            if leaf >= self.parquet_schema.num_columns() {
                return Err(too_many());
            }
            let descr = self.parquet_schema.column(leaf);
            if let Some(coded) = CodedColumn::applies(&descr, &self.properties, column) {
                writers.next().ok_or_else(too_many)?;
                chunks.push(EncodedChunk::Coded(coded.encode()?));
                continue;
            }
            for leaf in compute_leaves(field, column)? {
                let mut writer = writers.next().ok_or_else(too_many)?;
                writer.write(&leaf)?;
                chunks.push(EncodedChunk::Arrow(writer.close()?));
            }
        }
        let bytes = chunks.iter().map(EncodedChunk::compressed_size).sum();
        Ok(EncodedRowGroup {
            rows: batch.num_rows() as u64,
            bytes,
            chunks,
        })
    }
}
