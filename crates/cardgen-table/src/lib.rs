//! Commits files cardgen has written as one version of a lakehouse table:
//! Delta Lake (feature `delta`) or Apache Iceberg (feature `iceberg`).
//!
//! cardgen writes the Parquet files itself, on its own pipeline; a table
//! format only adds the metadata that makes a set of files one table at one
//! version: the schema, the partitioning, each file's path, size, rows and
//! column statistics, and a log of commits a reader can travel back in.
//! This crate builds that metadata from a [`TableDefinition`] and the files'
//! own footers ([`stats`]), and hands it to the format's crate to commit,
//! so the commit is exactly what delta-rs or iceberg-rust would write.
//!
//! **Once.** Every commit carries the number of the dataset's date range
//! it adds (`0` for the first, `1` for the first append, …). A table that
//! already holds that range is left alone, so a commit killed halfway, or a
//! `finish` run twice, commits each range exactly once.
//!
//! **Apart.** The format crates bring their own arrow, parquet and
//! object_store majors; none of their types appears in this crate's API,
//! which speaks in cardgen's arrow schema and plain values.

pub mod stats;

#[cfg(any(feature = "delta", feature = "iceberg"))]
mod columns;
#[cfg(feature = "delta")]
mod delta;
#[cfg(feature = "iceberg")]
mod iceberg;
#[cfg(any(feature = "delta", feature = "iceberg"))]
mod runtime;

use std::fmt;
use std::str::FromStr;

use arrow_schema::SchemaRef;
use cardgen_pipeline::storage::StorageError;

pub use stats::{Bound, ColumnStats, FileStats, read_file_stats};

/// The `txn` application id (Delta) and snapshot property prefix (Iceberg)
/// that mark a commit as cardgen's.
pub const APP_ID: &str = "cardgen";

/// What a dataset's tables are written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TableFormat {
    /// Plain Parquet files in Hive directories, as before: no table metadata.
    #[default]
    Parquet,
    /// A Delta Lake table: `_delta_log/` beside the files.
    Delta,
    /// An Apache Iceberg table: `metadata/` beside the files, registered in a catalog.
    Iceberg,
}

impl TableFormat {
    pub const ALL: [TableFormat; 3] = [Self::Parquet, Self::Delta, Self::Iceberg];

    pub fn name(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Delta => "delta",
            Self::Iceberg => "iceberg",
        }
    }

    /// The build feature that commits this format, when it is not compiled in.
    pub fn missing_feature(self) -> Option<&'static str> {
        match self {
            Self::Parquet => None,
            Self::Delta => (!cfg!(feature = "delta")).then_some("delta"),
            Self::Iceberg => (!cfg!(feature = "iceberg")).then_some("iceberg"),
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TableFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .ok_or_else(|| format!("`{text}` is not one of parquet, delta, iceberg"))
    }
}

/// How a table's files are split into partition directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partitioning {
    None,
    /// `column=YYYY-MM-DD/`: the date column is read from the directory
    /// and is not in the files.
    Day {
        column: String,
    },
    /// `key=YYYY-MM/`: the month of the date column `column`, which stays
    /// in the files.
    Month {
        column: String,
        key: String,
    },
}

/// A table as the format records it.
#[derive(Debug, Clone)]
pub struct TableDefinition {
    /// The table's name (`transactions`).
    pub name: String,
    /// Every column of the table, in order, the partition column included.
    pub schema: SchemaRef,
    pub partitioning: Partitioning,
    /// A line saying what the table holds, for the table's description.
    pub description: String,
}

/// One data file of a commit.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Relative to the table's root: `event_date=2025-03-01/part-00003-0000.parquet`.
    pub path: String,
    /// The partition directory's value (`2025-03-01`, `2025-03`), when partitioned.
    pub partition: Option<String>,
    pub stats: FileStats,
}

/// Where a table lives and how to reach it.
#[derive(Debug, Clone)]
pub struct TableLocation {
    /// The table's root: an absolute local path or a URL (`s3://bucket/out/transactions`).
    pub root: String,
    /// Object-store settings, named like their environment variables
    /// (`AWS_ENDPOINT_URL`, …).
    pub storage_options: Vec<(String, String)>,
    /// The Iceberg catalog: a SQLite file (a path, or a `sqlite:` URI).
    pub catalog: Option<String>,
}

/// What [`commit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// The table's version holding the range.
    pub version: u64,
    /// Whether this call made the commit, or found the range committed before.
    pub new: bool,
}

/// What can go wrong committing a table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{file}: cannot read its Parquet footer: {message}")]
    Stats { file: String, message: String },
    #[error("{format} tables are not in this build; build it with `--features {feature}`")]
    NotCompiled {
        format: TableFormat,
        feature: &'static str,
    },
    #[error("{table}.{column}: a {format} table cannot hold {data_type}")]
    Unsupported {
        format: TableFormat,
        table: String,
        column: String,
        data_type: String,
    },
    /// The table already there is another table.
    #[error("{location} holds a {format} table that differs: {message}")]
    Differs {
        format: TableFormat,
        location: String,
        message: String,
    },
    /// The catalog cannot be opened or used.
    #[error("catalog {catalog}: {message}")]
    Catalog { catalog: String, message: String },
    #[error("committing {location} as a {format} table failed: {message}")]
    Commit {
        format: TableFormat,
        location: String,
        message: String,
    },
}

/// Commits `files` as range `range` of `table` at `location`, once: see the
/// crate docs.
pub fn commit(
    format: TableFormat,
    location: &TableLocation,
    table: &TableDefinition,
    files: &[DataFile],
    range: u64,
) -> Result<Committed, TableError> {
    match format {
        TableFormat::Parquet => Ok(Committed {
            version: range,
            new: false,
        }),
        #[cfg(feature = "delta")]
        TableFormat::Delta => delta::commit(location, table, files, range),
        #[cfg(feature = "iceberg")]
        TableFormat::Iceberg => {
            let catalog = location
                .catalog
                .as_deref()
                .ok_or_else(|| TableError::Catalog {
                    catalog: String::new(),
                    message: "an Iceberg table needs a catalog".into(),
                })?;
            iceberg::commit(location, catalog, table, files, range)
        }
        #[cfg(not(all(feature = "delta", feature = "iceberg")))]
        other => {
            let _ = (location, table, files, range);
            Err(TableError::NotCompiled {
                format: other,
                feature: other.missing_feature().unwrap_or("?"),
            })
        }
    }
}

/// Forgets `table` at `location` before its dataset is replaced: an
/// Iceberg table leaves its catalog (a Delta table's log is its own files,
/// which the caller deletes with the rest).
pub fn forget_table(
    format: TableFormat,
    location: &TableLocation,
    table: &str,
) -> Result<(), TableError> {
    match (format, location.catalog.as_deref()) {
        #[cfg(feature = "iceberg")]
        (TableFormat::Iceberg, Some(catalog)) => iceberg::forget(location, catalog, table),
        _ => {
            let _ = table;
            Ok(())
        }
    }
}

/// Checks, writing nothing, that the Iceberg catalog `catalog` (a SQLite
/// file) can be opened: an existing file must be a database, a new one's
/// directory must exist unless it lies under `created_with`, a directory
/// the run creates.
pub fn check_catalog(catalog: &str, created_with: Option<&str>) -> Result<(), TableError> {
    #[cfg(feature = "iceberg")]
    return iceberg::check_catalog(catalog, created_with).map_err(|message| TableError::Catalog {
        catalog: catalog.to_string(),
        message,
    });
    #[cfg(not(feature = "iceberg"))]
    {
        let _ = (catalog, created_with);
        Err(TableError::NotCompiled {
            format: TableFormat::Iceberg,
            feature: "iceberg",
        })
    }
}

/// The name and namespace under which Iceberg tables are registered in
/// their catalog: `cardgen.transactions` in the catalog `cardgen`.
pub const ICEBERG_CATALOG_NAME: &str = "cardgen";
pub const ICEBERG_NAMESPACE: &str = "cardgen";

/// The first line of a format crate's message, without its nested causes
/// repeated: errors here are one line.
#[cfg(any(feature = "delta", feature = "iceberg"))]
pub(crate) fn one_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}
