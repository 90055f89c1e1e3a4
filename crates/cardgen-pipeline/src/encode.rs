//! Encoding a batch into a finished Parquet row group, on the worker that
//! generated it, so that the writer thread only copies bytes.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int8Array, RecordBatch};
use arrow_buffer::NullBufferBuilder;
use arrow_schema::{Field, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, ArrowWriterOptions,
    compute_leaves,
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

/// Row groups are encoded in slices of this many of parquet's write batches
/// when the table allows it (see [`RowGroupEncoder::slice_rows`]).
const WRITE_BATCHES_PER_SLICE: usize = 64;

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

    /// Rows per slice when a row group is generated and encoded piece by
    /// piece: a whole number of parquet's write batches (64 Ki rows by
    /// default), so that a slice holds a few megabytes of Arrow arrays where
    /// a whole 250k-row batch held about 28 MB.
    pub fn slice_rows(&self) -> u64 {
        (WRITE_BATCHES_PER_SLICE * self.properties.write_batch_size()) as u64
    }

    /// Encodes `batch` as row group number `index` of the file.
    pub fn encode(&self, index: u64, batch: &RecordBatch) -> Result<EncodedRowGroup, ParquetError> {
        let mut group = self.start(index)?;
        group.write(batch)?;
        group.finish()
    }

    /// Starts row group number `index` of the file, to be given its rows in
    /// one or more slices.
    pub fn start(&self, index: u64) -> Result<RowGroupInProgress<'_>, ParquetError> {
        let mut columns: Vec<ColumnInProgress> = (0..self.schema.fields().len())
            .map(|_| ColumnInProgress {
                first_leaf: usize::MAX,
                writers: Vec::new(),
                route: Route::Undecided,
            })
            .collect();
        let writers = self.factory.create_column_writers(index as usize)?;
        for (leaf, writer) in writers.into_iter().enumerate() {
            let column = columns
                .get_mut(self.parquet_schema.get_column_root_idx(leaf))
                .ok_or_else(|| ParquetError::General("a leaf outside the schema".into()))?;
            column.first_leaf = column.first_leaf.min(leaf);
            column.writers.push(writer);
        }
        Ok(RowGroupInProgress {
            encoder: self,
            columns,
            rows: 0,
        })
    }
}

/// A row group given its rows slice by slice. Arrow-written columns encode
/// each slice as it comes; a column written from its codes keeps the slices'
/// keys (a byte per row) and is encoded whole at [`Self::finish`], since its
/// dictionary page comes first.
pub struct RowGroupInProgress<'e> {
    encoder: &'e RowGroupEncoder,
    /// Per top-level field, in schema order.
    columns: Vec<ColumnInProgress>,
    rows: u64,
}

struct ColumnInProgress {
    first_leaf: usize,
    /// The Arrow writers of the field's leaves, in leaf order.
    writers: Vec<ArrowColumnWriter>,
    route: Route,
}

/// How a column is being written; the first slice decides.
enum Route {
    Undecided,
    /// From its codes: the slices so far, all with the same dictionary.
    Coded(Vec<ArrayRef>),
    Arrow,
}

impl RowGroupInProgress<'_> {
    /// Adds the next `batch.num_rows()` rows of the row group.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), ParquetError> {
        let encoder = self.encoder;
        let fields = encoder.schema.fields();
        if batch.num_columns() != fields.len() {
            return Err(ParquetError::General(format!(
                "a batch of {} columns for a schema of {}",
                batch.num_columns(),
                fields.len()
            )));
        }
        for ((field, column), state) in fields.iter().zip(batch.columns()).zip(&mut self.columns) {
            let descr = encoder.parquet_schema.column(state.first_leaf);
            let coded = CodedColumn::applies(&descr, &encoder.properties, column).is_some();
            match &mut state.route {
                Route::Undecided if coded => state.route = Route::Coded(vec![Arc::clone(column)]),
                Route::Coded(slices) if coded && same_dictionary(&slices[0], column) => {
                    slices.push(Arc::clone(column));
                }
                Route::Coded(slices) => {
                    // A slice the codes cannot carry on from: the column goes
                    // through the Arrow writer, earlier slices first.
                    let earlier = std::mem::take(slices);
                    state.route = Route::Arrow;
                    for slice in &earlier {
                        write_leaves(field, slice, &mut state.writers)?;
                    }
                    write_leaves(field, column, &mut state.writers)?;
                }
                Route::Undecided | Route::Arrow => {
                    state.route = Route::Arrow;
                    write_leaves(field, column, &mut state.writers)?;
                }
            }
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Closes every column chunk.
    pub fn finish(self) -> Result<EncodedRowGroup, ParquetError> {
        let encoder = self.encoder;
        let mut chunks = Vec::with_capacity(encoder.parquet_schema.num_columns());
        for state in self.columns {
            match state.route {
                Route::Coded(slices) => {
                    let column = joined_codes(&slices)?;
                    let descr = encoder.parquet_schema.column(state.first_leaf);
                    let coded = CodedColumn::applies(&descr, &encoder.properties, &column)
                        .ok_or_else(|| {
                            ParquetError::General("joined codes no longer apply".into())
                        })?;
                    chunks.push(EncodedChunk::Coded(coded.encode()?));
                }
                Route::Undecided | Route::Arrow => {
                    for writer in state.writers {
                        chunks.push(EncodedChunk::Arrow(writer.close()?));
                    }
                }
            }
        }
        let bytes = chunks.iter().map(EncodedChunk::compressed_size).sum();
        Ok(EncodedRowGroup {
            rows: self.rows,
            bytes,
            chunks,
        })
    }
}

/// Writes one slice of a field through the Arrow writers of its leaves.
fn write_leaves(
    field: &Field,
    column: &ArrayRef,
    writers: &mut [ArrowColumnWriter],
) -> Result<(), ParquetError> {
    let leaves = compute_leaves(field, column)?;
    if leaves.len() != writers.len() {
        return Err(ParquetError::General(format!(
            "{} leaves for {} column writers",
            leaves.len(),
            writers.len()
        )));
    }
    for (leaf, writer) in leaves.iter().zip(writers) {
        writer.write(leaf)?;
    }
    Ok(())
}

/// Whether two `Dictionary(Int8, _)` slices share their dictionary, so that
/// their keys mean the same values.
fn same_dictionary(a: &ArrayRef, b: &ArrayRef) -> bool {
    let (a, b) = (a.as_dictionary::<Int8Type>(), b.as_dictionary::<Int8Type>());
    a.values().to_data() == b.values().to_data()
}

/// One dictionary array of the slices' keys, in order, over their shared dictionary.
fn joined_codes(slices: &[ArrayRef]) -> Result<ArrayRef, ParquetError> {
    let [first, ..] = slices else {
        return Err(ParquetError::General("a coded column without rows".into()));
    };
    if slices.len() == 1 {
        return Ok(Arc::clone(first));
    }
    let rows = slices.iter().map(|slice| slice.len()).sum();
    let mut codes = Vec::with_capacity(rows);
    let mut nulls = NullBufferBuilder::new(rows);
    for slice in slices {
        let keys = slice.as_dictionary::<Int8Type>().keys();
        codes.extend_from_slice(keys.values());
        match keys.nulls() {
            Some(slice_nulls) => nulls.append_buffer(slice_nulls),
            None => nulls.append_n_non_nulls(keys.len()),
        }
    }
    let keys = Int8Array::new(codes.into(), nulls.finish());
    let values = Arc::clone(first.as_dictionary::<Int8Type>().values());
    Ok(Arc::new(DictionaryArray::<Int8Type>::try_new(
        keys, values,
    )?))
}
