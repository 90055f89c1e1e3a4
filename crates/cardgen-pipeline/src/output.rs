//! A Parquet file being written: row groups appended in order, then the
//! footer, then the file appears under its final name.
//!
//! The bytes go to a storage [`Upload`]: locally a temporary file that is
//! synced and renamed when complete, on an object store a multipart upload
//! completed at the end. Either way a reader never sees a half-written file
//! under the final name, and an existing file is replaced only by a complete
//! one. If the run fails or the output is dropped before
//! [`ParquetFileOutput::commit`], the upload is aborted.

use std::io::Write;
use std::path::Path;

use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowRowGroupWriterFactory, ArrowWriterOptions};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::checksum::{ChecksumWriter, ROW_GROUP_CRC_KEY, format_crcs};
use crate::encode::EncodedRowGroup;
use crate::error::PipelineError;
use crate::storage::Upload;

pub use crate::storage::local::temp_path;

/// Fails if `path` cannot be a destination: it exists and `overwrite` is off,
/// or it is a directory.
pub fn check_destination(path: &Path, overwrite: bool) -> Result<(), PipelineError> {
    if path.file_name().is_none() {
        return Err(PipelineError::InvalidOption(format!(
            "{} does not name a file",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(PipelineError::InvalidOption(format!(
            "{} is a directory; name a .parquet file",
            path.display()
        )));
    }
    if path.exists() && !overwrite {
        return Err(PipelineError::OutputExists {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// What a committed file is: its size and the CRC-32 of all its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommittedFile {
    pub bytes: u64,
    pub crc32: u32,
    pub rows: u64,
}

/// A Parquet file being written; appends finished row groups in order.
pub struct ParquetFileOutput {
    location: String,
    writer: Option<SerializedFileWriter<ChecksumWriter<Box<dyn Upload>>>>,
    row_group_crcs: Vec<u32>,
    rows: u64,
}

impl ParquetFileOutput {
    /// Starts a Parquet file on `upload`; `location` names it in errors.
    /// Row groups encoded by any [`RowGroupEncoder`] with the same schema and
    /// properties can be appended.
    pub fn start(
        upload: Box<dyn Upload>,
        location: String,
        schema: SchemaRef,
        properties: WriterProperties,
    ) -> Result<Self, PipelineError> {
        let mut output = Self {
            location,
            writer: None,
            row_group_crcs: Vec::new(),
            rows: 0,
        };
        let options = ArrowWriterOptions::new().with_properties(properties);
        let (writer, _): (_, ArrowRowGroupWriterFactory) =
            ArrowWriter::try_new_with_options(ChecksumWriter::new(upload), schema, options)
                .and_then(ArrowWriter::into_serialized_writer)
                .map_err(|source| output.parquet_error(source))?;
        output.writer = Some(writer);
        Ok(output)
    }

    /// Where the file goes: a path or a URL.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Bytes written so far (the footer excluded).
    pub fn bytes_written(&self) -> u64 {
        self.writer
            .as_ref()
            .map_or(0, |writer| writer.bytes_written() as u64)
    }

    /// Appends one encoded row group; the caller keeps them in batch order.
    pub fn append(&mut self, row_group: EncodedRowGroup) -> Result<(), PipelineError> {
        let writer = self.writer.as_mut().expect("open until commit");
        let rows = row_group.rows;
        let result = (|| {
            // Everything before this row group (magic, earlier groups) is hashed already.
            writer.flush()?;
            writer.inner_mut().take();
            let mut group = writer.next_row_group()?;
            for chunk in row_group.chunks {
                chunk.append_to_row_group(&mut group)?;
            }
            group.close()?;
            writer.flush()?;
            Ok::<_, parquet::errors::ParquetError>(writer.inner_mut().take())
        })();
        let crc = result.map_err(|source| self.parquet_error(source))?;
        self.row_group_crcs.push(crc);
        self.rows += rows;
        Ok(())
    }

    /// Writes the footer and completes the upload, so the file appears under
    /// its final name.
    pub fn commit(mut self) -> Result<CommittedFile, PipelineError> {
        let mut writer = self.writer.take().expect("open until commit");
        writer.append_key_value_metadata(KeyValue::new(
            ROW_GROUP_CRC_KEY.to_string(),
            format_crcs(&self.row_group_crcs),
        ));
        // `into_inner` writes the footer before handing back the sink.
        let mut sink = writer
            .into_inner()
            .map_err(|source| self.parquet_error(source))?;
        sink.flush().map_err(|source| PipelineError::Io {
            path: self.location.clone().into(),
            source,
        })?;
        let crc32 = sink.whole();
        let bytes = sink.into_inner().commit()?;
        Ok(CommittedFile {
            bytes,
            crc32,
            rows: self.rows,
        })
    }

    fn parquet_error(&self, source: parquet::errors::ParquetError) -> PipelineError {
        PipelineError::Parquet {
            path: self.location.clone().into(),
            source,
        }
    }
}
