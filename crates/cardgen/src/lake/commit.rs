//! Committing a whole dataset's tables in its table format (Delta Lake,
//! Iceberg), once every part is written and checked.
//!
//! The files are already in place, under `OUT/<table>/`; a commit adds the
//! format's metadata beside them (`_delta_log/`, `metadata/`), listing
//! every file of every part with its partition value and its statistics,
//! read from its own footer. Until that commit, a reader of the table sees
//! the previous version (or no table); after it, all of the range at once.
//! Each table commits on its own, marked with the range's number, so a
//! commit stopped between two tables is completed by running it again,
//! and a table committed before is left as it is.

use std::str::FromStr;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use cardgen_pipeline::storage::{Storage, is_url};
use cardgen_table::{
    DataFile, Partitioning, TableDefinition, TableError, TableLocation, read_file_stats,
};

use super::manifest::{DatasetManifest, PartManifest, TableEntry};
use super::{
    DEFAULT_CATALOG, LakeError, MONTH_KEY, PARTITION_COLUMN, TABLE_FORMAT_KEY, TableFormat,
};
use crate::setting::Error;

/// One table's commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCommit {
    pub table: String,
    /// The date range committed: 0 for the first, then each append's number.
    pub range: u32,
    pub format: TableFormat,
    /// The table's version that holds the range.
    pub version: u64,
    /// Whether this run committed it, or found it committed before.
    pub new: bool,
    pub files: usize,
}

/// The table format a dataset's manifest records (plain Parquet if none).
pub fn table_format(manifest: &DatasetManifest) -> Result<TableFormat, LakeError> {
    match manifest.options.get(TABLE_FORMAT_KEY) {
        None => Ok(TableFormat::Parquet),
        Some(text) => TableFormat::from_str(text).map_err(|reason| LakeError::BadManifest {
            location: TABLE_FORMAT_KEY.to_string(),
            reason,
        }),
    }
}

/// Commits date range `range` (0 for the first) of every table of the
/// dataset, from the manifests of its `parts` (all present; those of other
/// ranges are passed over); nothing for a dataset of plain Parquet files.
/// A table an appended range added no rows to gets no new version.
pub(crate) fn commit_tables(
    storage: &dyn Storage,
    manifest: &DatasetManifest,
    parts: &[PartManifest],
    range: u32,
    catalog: Option<&str>,
) -> Result<Vec<TableCommit>, Error> {
    let format = table_format(manifest)?;
    if format == TableFormat::Parquet {
        return Ok(Vec::new());
    }
    let parts: Vec<&PartManifest> = parts.iter().filter(|p| p.range == range).collect();
    let mut commits = Vec::with_capacity(manifest.tables.len());
    for entry in &manifest.tables {
        let definition = definition(entry, manifest)?;
        let files = data_files(storage, &entry.name, &parts)?;
        if files.is_empty() && range > 0 {
            continue;
        }
        let location = table_location(storage, &entry.name, catalog);
        let committed =
            cardgen_table::commit(format, &location, &definition, &files, u64::from(range))
                .map_err(LakeError::from)?;
        tracing::info!(target: "cardgen::lake", table = %entry.name, %format, version = committed.version, new = committed.new, files = files.len(), "committed");
        commits.push(TableCommit {
            table: entry.name.clone(),
            range,
            format,
            version: committed.version,
            new: committed.new,
            files: files.len(),
        });
    }
    Ok(commits)
}

/// Commits ranges 0 to `last` in order, each once (a range in already is
/// reported with `new` false): what `finish` and an append both do, so that
/// no range is committed before the ones it follows.
pub(crate) fn commit_through(
    storage: &dyn Storage,
    manifest: &DatasetManifest,
    parts: &[PartManifest],
    last: u32,
    catalog: Option<&str>,
) -> Result<Vec<TableCommit>, Error> {
    let mut commits = Vec::new();
    for range in 0..=last {
        commits.extend(commit_tables(storage, manifest, parts, range, catalog)?);
    }
    Ok(commits)
}

/// Takes the tables of the dataset `replaced` out of their catalog, before
/// their metadata and files are deleted.
pub(crate) fn forget_tables(
    storage: &dyn Storage,
    replaced: &DatasetManifest,
    catalog: Option<&str>,
) -> Result<(), Error> {
    let format = table_format(replaced)?;
    for entry in &replaced.tables {
        let location = table_location(storage, &entry.name, catalog);
        cardgen_table::forget_table(format, &location, &entry.name).map_err(LakeError::from)?;
    }
    Ok(())
}

/// The Iceberg catalog of a dataset at `out`: the one given, or
/// `_cardgen/catalog.db` in a local dataset; object storage has no default.
pub fn catalog_for(out: &str, given: Option<&str>) -> Option<String> {
    match given {
        Some(catalog) => Some(catalog.to_string()),
        None if is_url(out) => None,
        None => Some(
            std::path::Path::new(out)
                .join(DEFAULT_CATALOG)
                .display()
                .to_string(),
        ),
    }
}

fn table_location(storage: &dyn Storage, table: &str, catalog: Option<&str>) -> TableLocation {
    TableLocation {
        root: storage.location(table),
        storage_options: storage_options(&storage.location("")),
        catalog: catalog.map(str::to_string),
    }
}

/// The table as its manifest entry describes it.
fn definition(entry: &TableEntry, manifest: &DatasetManifest) -> Result<TableDefinition, Error> {
    let bad = |reason: String| LakeError::BadManifest {
        location: super::DATASET_MANIFEST.to_string(),
        reason,
    };
    let fields = entry
        .columns
        .iter()
        .map(|column| {
            let data_type = DataType::from_str(&column.data_type)
                .map_err(|e| bad(format!("{}.{}: {e}", entry.name, column.name)))?;
            Ok(Field::new(&column.name, data_type, column.nullable))
        })
        .collect::<Result<Vec<_>, LakeError>>()?;
    let partitioning = match entry.partition_key.as_deref() {
        None => Partitioning::None,
        Some(PARTITION_COLUMN) => Partitioning::Day {
            column: PARTITION_COLUMN.into(),
        },
        Some(MONTH_KEY) => Partitioning::Month {
            column: PARTITION_COLUMN.into(),
            key: MONTH_KEY.into(),
        },
        Some(other) => return Err(bad(format!("unknown partition key {other}")).into()),
    };
    let seed = manifest.options.get("seed").map_or("?", String::as_str);
    Ok(TableDefinition {
        name: entry.name.clone(),
        schema: Arc::new(Schema::new(fields)),
        partitioning,
        description: format!("cardgen {}: synthetic card data, seed {seed}", entry.name),
    })
}

/// Every file of `table` in `parts`, with its partition value and footer
/// statistics, by its path under the table's root.
fn data_files(
    storage: &dyn Storage,
    table: &str,
    parts: &[&PartManifest],
) -> Result<Vec<DataFile>, Error> {
    let prefix = format!("{table}/");
    let entries = parts
        .iter()
        .flat_map(|part| part.tables.iter().filter(|t| t.name == table))
        .flat_map(|t| &t.files);
    entries
        .map(|file| {
            let path = file.name.strip_prefix(&prefix).unwrap_or(&file.name);
            let partition = path
                .rsplit_once('/')
                .and_then(|(dir, _)| dir.split_once('='))
                .map(|(_, value)| value.to_string());
            let stats = read_file_stats(storage, &file.name).map_err(LakeError::from)?;
            if stats.rows != file.rows {
                return Err(LakeError::Incomplete {
                    location: storage.location(&file.name),
                    summary: format!(
                        "its footer says {} rows, its part's manifest {}",
                        stats.rows, file.rows
                    ),
                }
                .into());
            }
            Ok(DataFile {
                path: path.to_string(),
                partition,
                stats,
            })
        })
        .collect()
}

/// The object-store settings a table format's own client needs, from the
/// environment the files' client read them from.
fn storage_options(root: &str) -> Vec<(String, String)> {
    if !is_url(root) {
        return Vec::new();
    }
    std::env::vars()
        .filter(|(key, _)| {
            ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|p| key.starts_with(p))
        })
        .collect()
}

impl From<TableError> for LakeError {
    fn from(error: TableError) -> Self {
        LakeError::Table(error)
    }
}
