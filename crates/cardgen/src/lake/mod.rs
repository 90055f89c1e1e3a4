//! A dataset in parts, laid out as a lake: one directory per table,
//! deterministic file names, optional Hive partitions, and a manifest.
//!
//! ```text
//! OUT/
//!   _cardgen/dataset.json                  what the dataset is (same for every part)
//!   _cardgen/parts/part-00003.json         what part 3 wrote: files, rows, CRC-32s
//!   _SUCCESS                               every part present and checked
//!   transactions/event_date=2025-03-01/part-00003-0000.parquet
//!   customers/part-00003-0000.parquet
//!   cards/…  merchants/…  fraud_cases/…
//! ```
//!
//! **Parts.** Part `K` of `N` holds a contiguous range of every table's
//! rows: `[⌊n·K/N⌋, ⌊n·(K+1)/N⌋)` of the `n` rows (for the dimension
//! tables, of their ids), so no table is copied into every part and the
//! parts, in order, are exactly the rows of the single-machine run. Rows
//! depend only on their position, so a part can run on any machine, and a
//! part rerun after a failure writes the same bytes under the same names.
//!
//! **Files.** A part's files are rolled at a target size and, with Hive
//! partitioning, split per day or month; the `n`-th file a part starts is
//! `part-KKKKK-nnnn.parquet`. Names starting with `_` or `.` are skipped by
//! Spark, DuckDB, pyarrow and Polars, so the manifest and temporary files
//! never read as data.
//!
//! **Finishing.** A distributed run has no last process, so each part
//! writes its own manifest last, and `_SUCCESS` is written by whoever checks
//! the whole: [`finish`] (the CLI's `cardgen finish OUT`), or a command that
//! wrote every part itself.

mod append;
mod check;
mod commit;
mod manifest;
mod parts;
mod utc;
mod write;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

pub(crate) use append::dataset_there;
pub use cardgen_table::TableFormat;
pub use check::{DatasetCheck, FileProblem, Finished, check, finish};
pub use commit::{TableCommit, catalog_for, table_format};
pub use manifest::{
    AppendEntry, ColumnEntry, DatasetManifest, FileEntry, PartManifest, RangeRows, TableEntry,
    TablePart,
};
pub use write::{LakeOptions, LakeSummary, MAX_WRITERS};

use cardgen_pipeline::storage::StorageError;

/// Where the dataset's description is.
pub const DATASET_MANIFEST: &str = "_cardgen/dataset.json";
/// What an append that has not finished was adding (see `append`).
pub const PENDING_APPEND: &str = "_cardgen/append.json";
/// The marker of a complete, checked dataset.
pub const SUCCESS_MARKER: &str = "_SUCCESS";
/// The most parts a dataset can have.
pub const MAX_PARTS: u32 = 100_000;
/// The default target size of a file: engines like 128 MiB to 1 GiB.
pub const DEFAULT_TARGET_FILE_BYTES: u64 = 512 << 20;
/// The smallest and largest target size of a file.
pub const TARGET_FILE_SIZE_RANGE: (u64, u64) = (1 << 20, 64 << 30);
/// The column the fact table is partitioned by.
pub const PARTITION_COLUMN: &str = "event_date";
/// The directory key of month partitions.
pub const MONTH_KEY: &str = "event_month";
/// Where a table format keeps a table's metadata, under the table's directory.
pub const TABLE_METADATA_DIRS: [&str; 2] = ["_delta_log", "metadata"];
/// The Iceberg catalog of a local dataset, unless another is given.
pub const DEFAULT_CATALOG: &str = "_cardgen/catalog.db";
/// The manifest's key for the table format, present unless plain Parquet.
pub const TABLE_FORMAT_KEY: &str = "table_format";

/// The manifest of part `part` of date range `range` (0: the first).
pub fn part_manifest_name(range: u32, part: u32) -> String {
    format!("_cardgen/parts/{}part-{part:05}.json", range_prefix(range))
}

/// The key of the `n`-th file part `part` of date range `range` writes for
/// `table` in partition directory `dir` (empty when unpartitioned).
pub fn file_name(range: u32, table: &str, dir: &str, part: u32, n: u32) -> String {
    let file = format!("{}part-{part:05}-{n:04}.parquet", range_prefix(range));
    if dir.is_empty() {
        format!("{table}/{file}")
    } else {
        format!("{table}/{dir}/{file}")
    }
}

/// What the names of an appended range's files and manifests start with:
/// `range-0001-`; nothing for the first range.
fn range_prefix(range: u32) -> String {
    if range == 0 {
        String::new()
    } else {
        format!("range-{range:04}-")
    }
}

/// The rows (or ids) of part `part` of `parts` of a table of `total` rows.
pub fn part_rows(total: u64, part: u32, parts: u32) -> Range<u64> {
    let at = |k: u32| (u128::from(total) * u128::from(k) / u128::from(parts)) as u64;
    at(part)..at(part + 1)
}

/// How the fact table is split into Hive partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartitionBy {
    /// One directory: `transactions/part-….parquet`.
    #[default]
    None,
    /// `transactions/event_date=YYYY-MM-DD/`; `event_date` is read from the
    /// directory name, not stored in the files.
    Day,
    /// `transactions/event_month=YYYY-MM/`; `event_date` stays in the files.
    Month,
}

impl PartitionBy {
    pub const ALL: [PartitionBy; 3] = [PartitionBy::None, PartitionBy::Day, PartitionBy::Month];

    pub fn name(self) -> &'static str {
        match self {
            PartitionBy::None => "none",
            PartitionBy::Day => "day",
            PartitionBy::Month => "month",
        }
    }
}

impl fmt::Display for PartitionBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PartitionBy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        PartitionBy::ALL
            .into_iter()
            .find(|p| p.name() == text)
            .ok_or_else(|| format!("`{text}` is not one of day, month, none"))
    }
}

/// What can go wrong with a dataset in parts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LakeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The dataset already there was made with other options.
    #[error("{location} was written with {key} = {theirs}, not {ours}")]
    OptionsDiffer {
        location: String,
        key: String,
        ours: String,
        theirs: String,
    },
    /// A part is written already and overwriting is off.
    #[error("part {part} already exists ({location})")]
    PartExists { part: u32, location: String },
    /// Replacing a dataset with other options needs every part in one run.
    #[error(
        "{location} was written with {key} = {theirs}, not {ours}; replacing a dataset with other options needs all its parts in one run"
    )]
    CannotReplace {
        location: String,
        key: String,
        ours: String,
        theirs: String,
    },
    #[error("{location} is not a valid cardgen manifest: {reason}")]
    BadManifest { location: String, reason: String },
    #[error("{location} holds no cardgen dataset ({manifest} is missing)")]
    NoDataset { location: String, manifest: String },
    /// Some parts have not been written, or their files do not match.
    #[error("{location} is not complete: {summary}")]
    Incomplete { location: String, summary: String },
    /// A table could not be committed in its format.
    #[error(transparent)]
    Table(cardgen_table::TableError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_row_once_in_order() {
        for (total, parts) in [(10, 3), (0, 4), (7, 7), (3, 8), (1_000_000_007, 64)] {
            let mut next = 0;
            for part in 0..parts {
                let rows = part_rows(total, part, parts);
                assert_eq!(rows.start, next);
                next = rows.end;
            }
            assert_eq!(next, total);
        }
        assert_eq!(part_rows(10, 1, 3), 3..6);
    }

    #[test]
    fn names_are_fixed_by_table_partition_part_and_number() {
        assert_eq!(
            file_name(0, "transactions", "event_date=2025-03-01", 3, 1),
            "transactions/event_date=2025-03-01/part-00003-0001.parquet"
        );
        assert_eq!(
            file_name(0, "cards", "", 12, 0),
            "cards/part-00012-0000.parquet"
        );
        assert_eq!(part_manifest_name(0, 7), "_cardgen/parts/part-00007.json");
        assert_eq!(
            file_name(2, "cards", "", 12, 0),
            "cards/range-0002-part-00012-0000.parquet"
        );
        assert_eq!(
            part_manifest_name(1, 7),
            "_cardgen/parts/range-0001-part-00007.json"
        );
    }

    #[test]
    fn partition_names_parse_back() {
        for p in PartitionBy::ALL {
            assert_eq!(p.name().parse::<PartitionBy>(), Ok(p));
        }
        assert!(
            "week"
                .parse::<PartitionBy>()
                .unwrap_err()
                .contains("day, month, none")
        );
    }
}
