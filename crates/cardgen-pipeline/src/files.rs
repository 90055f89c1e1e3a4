//! A run's output as a set of files: rolled at a target size, one
//! directory per Hive partition, on any [`Storage`].
//!
//! The writer thread appends each encoded piece to the open file of its
//! partition; when the partition changes, or the file has reached the
//! target size, the file is committed and the next piece starts a new one.
//! File names come from the caller (`part-00003-0001.parquet`), numbered in
//! the order files are started, so that the same rows always give the same
//! names and bytes.

use std::sync::Arc;

use arrow_schema::SchemaRef;
use parquet::file::properties::WriterProperties;

use crate::encode::EncodedRowGroup;
use crate::error::PipelineError;
use crate::output::ParquetFileOutput;
use crate::partition::Partitioner;
use crate::storage::Storage;

/// Names the `n`-th file (0, 1, …) of a run, in partition directory `dir`
/// (empty when unpartitioned): a key relative to the storage root.
pub type FileNamer<'a> = dyn Fn(&str, u32) -> String + Sync + 'a;

/// Where and how a run writes its files.
#[derive(Clone, Copy)]
pub struct FileSet<'a> {
    pub storage: &'a dyn Storage,
    pub name: &'a FileNamer<'a>,
    /// A file is committed once it holds at least this many bytes.
    pub target_file_bytes: u64,
    /// Splits batches into Hive partitions; `None` for one directory.
    pub partitioner: Option<&'a dyn Partitioner>,
    /// Write one file holding only the schema if the run has no rows, so
    /// that readers of an empty table still find its columns.
    pub empty_file_if_no_rows: bool,
}

impl std::fmt::Debug for FileSet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSet")
            .field("storage", &self.storage)
            .field("target_file_bytes", &self.target_file_bytes)
            .field("partitioned", &self.partitioner.is_some())
            .finish()
    }
}

/// A committed file of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// The key relative to the storage root.
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
    /// CRC-32 of the whole file.
    pub crc32: u32,
}

/// An encoded row group bound for the partition directory `key`.
pub(crate) struct Piece {
    pub key: String,
    pub group: EncodedRowGroup,
}

/// The files being written by one writer thread.
pub(crate) struct RollingFiles<'a> {
    set: FileSet<'a>,
    schema: SchemaRef,
    properties: WriterProperties,
    open: Option<(String, String, ParquetFileOutput)>,
    started: u32,
    written: Vec<WrittenFile>,
}

impl<'a> RollingFiles<'a> {
    pub fn new(set: FileSet<'a>, schema: SchemaRef, properties: WriterProperties) -> Self {
        Self {
            set,
            schema,
            properties,
            open: None,
            started: 0,
            written: Vec::new(),
        }
    }

    pub fn append(&mut self, piece: Piece) -> Result<(), PipelineError> {
        if self
            .open
            .as_ref()
            .is_some_and(|(key, _, _)| *key != piece.key)
        {
            self.close()?;
        }
        if self.open.is_none() {
            self.start(piece.key.clone())?;
        }
        let (_, _, output) = self.open.as_mut().expect("just started");
        output.append(piece.group)?;
        if output.bytes_written() >= self.set.target_file_bytes {
            self.close()?;
        }
        Ok(())
    }

    fn start(&mut self, key: String) -> Result<(), PipelineError> {
        let name = (self.set.name)(&key, self.started);
        let upload = self.set.storage.create(&name)?;
        let output = ParquetFileOutput::start(
            upload,
            self.set.storage.location(&name),
            Arc::clone(&self.schema),
            self.properties.clone(),
        )?;
        self.started += 1;
        self.open = Some((key, name, output));
        Ok(())
    }

    fn close(&mut self) -> Result<(), PipelineError> {
        if let Some((_, name, output)) = self.open.take() {
            let committed = output.commit()?;
            self.written.push(WrittenFile {
                name,
                rows: committed.rows,
                bytes: committed.bytes,
                crc32: committed.crc32,
            });
        }
        Ok(())
    }

    /// Commits the open file and returns every file written.
    pub fn finish(mut self) -> Result<Vec<WrittenFile>, PipelineError> {
        if self.written.is_empty() && self.open.is_none() && self.set.empty_file_if_no_rows {
            self.start(String::new())?;
        }
        self.close()?;
        Ok(self.written)
    }
}
