//! The output file: written under a temporary name, renamed when complete.
//!
//! Rows go to `NAME.inprogress` in the destination directory. Only after the
//! footer is written and the data is on disk (`sync_all`) is the file renamed
//! to its final name, so a reader never sees a half-written file under that
//! name, and an existing file is replaced only by a complete one. If the run
//! fails or is dropped before [`ParquetFileOutput::commit`], the temporary file
//! is removed.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowRowGroupWriterFactory, ArrowWriterOptions};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::checksum::{ChecksumWriter, ROW_GROUP_CRC_KEY, format_crcs};
use crate::encode::{EncodedRowGroup, RowGroupEncoder};
use crate::error::PipelineError;

const TEMP_SUFFIX: &str = ".inprogress";
const WRITE_BUFFER_BYTES: usize = 4 << 20;

/// The temporary name a file is written under.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(TEMP_SUFFIX);
    path.with_file_name(name)
}

/// Fails if `path` cannot be a destination: it exists and `overwrite` is off,
/// it is a directory, or its directory cannot be created.
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

/// A Parquet file being written; appends finished row groups in order.
pub struct ParquetFileOutput {
    final_path: PathBuf,
    temp_path: PathBuf,
    writer: Option<SerializedFileWriter<Sink>>,
    row_group_crcs: Vec<u32>,
}

type Sink = ChecksumWriter<BufWriter<File>>;

impl ParquetFileOutput {
    /// Creates the temporary file and returns it with the encoder that workers
    /// use to build row groups for it.
    pub fn create(
        path: &Path,
        schema: SchemaRef,
        properties: WriterProperties,
        overwrite: bool,
    ) -> Result<(Self, RowGroupEncoder), PipelineError> {
        check_destination(path, overwrite)?;
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PipelineError::Io { path, source }
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let temp_path = temp_path(path);
        let file = File::create(&temp_path).map_err(io_error(&temp_path))?;
        // From here on, dropping `output` removes the temporary file.
        let mut output = Self {
            final_path: path.to_path_buf(),
            temp_path,
            writer: None,
            row_group_crcs: Vec::new(),
        };
        let sink = ChecksumWriter::new(BufWriter::with_capacity(WRITE_BUFFER_BYTES, file));
        let options = ArrowWriterOptions::new().with_properties(properties);
        let (writer, factory): (_, ArrowRowGroupWriterFactory) =
            ArrowWriter::try_new_with_options(sink, Arc::clone(&schema), options)
                .and_then(ArrowWriter::into_serialized_writer)
                .map_err(|source| output.parquet_error(source))?;
        output.writer = Some(writer);
        Ok((output, RowGroupEncoder::new(factory, schema)))
    }

    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Appends one encoded row group; the caller keeps them in batch order.
    pub fn append(&mut self, row_group: EncodedRowGroup) -> Result<(), PipelineError> {
        let writer = self.writer.as_mut().expect("open until commit");
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
        Ok(())
    }

    /// Writes the footer, flushes to disk and renames to the final name.
    /// Returns the size of the finished file in bytes.
    pub fn commit(mut self) -> Result<u64, PipelineError> {
        let mut writer = self.writer.take().expect("open until commit");
        writer.append_key_value_metadata(KeyValue::new(
            ROW_GROUP_CRC_KEY.to_string(),
            format_crcs(&self.row_group_crcs),
        ));
        // `into_inner` writes the footer before handing back the sink.
        let mut sink = writer
            .into_inner()
            .map_err(|source| self.parquet_error(source))?
            .into_inner();
        let io_error = |source| PipelineError::Io {
            path: self.temp_path.clone(),
            source,
        };
        sink.flush().map_err(io_error)?;
        let file = sink.into_inner().map_err(|e| io_error(e.into_error()))?;
        file.sync_all().map_err(io_error)?;
        let bytes = file.metadata().map_err(io_error)?.len();
        drop(file);
        fs::rename(&self.temp_path, &self.final_path).map_err(io_error)?;
        // Persist the rename itself; not every filesystem supports syncing a
        // directory, and the data is already safe, so a failure here is ignored.
        if let Some(dir) = self
            .final_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        self.temp_path.clear();
        Ok(bytes)
    }

    fn parquet_error(&self, source: parquet::errors::ParquetError) -> PipelineError {
        PipelineError::Parquet {
            path: self.final_path.clone(),
            source,
        }
    }
}

impl Drop for ParquetFileOutput {
    fn drop(&mut self) {
        if !self.temp_path.as_os_str().is_empty() {
            self.writer.take();
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}
