//! Writing parts of a dataset: checks first, then every table of every
//! part, several files at once, then each part's manifest.
//!
//! Everything that can refuse a run is checked before the first byte is
//! written: the options, the storage (bucket, credentials), the manifest
//! already there and the parts already written. Then every (part, table)
//! is written by `parts`, several files at once in bounded memory, each
//! part's manifest as soon as its tables are done, so a run killed halfway
//! keeps the parts it finished.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cardgen_pipeline::budget::check_row_groups;
use cardgen_pipeline::storage::{Storage, StorageError};

use super::check::{check_parts, success_text};
use super::commit::{TableCommit, commit_tables, forget_tables};
use super::manifest::{
    AppendEntry, ColumnEntry, DatasetManifest, FORMAT, PartManifest, RangeRows, TableEntry,
    from_json, read_part, to_json,
};
use super::{
    DATASET_MANIFEST, LakeError, MAX_PARTS, MONTH_KEY, PARTITION_COLUMN, PartitionBy,
    SUCCESS_MARKER, TABLE_FORMAT_KEY, TABLE_METADATA_DIRS, TARGET_FILE_SIZE_RANGE, TableFormat,
    part_manifest_name, part_rows,
};
use crate::dataset::{Dataset, WriteOptions};
use crate::metadata::specification;
use crate::progress::Progress;
use crate::setting::{Error, Setting, SpecError};
use crate::table::Table;

/// The most files a run writes at once.
pub const MAX_WRITERS: usize = 1024;

/// How to lay out a dataset in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeOptions {
    /// Parts the dataset is split into (1 to 100,000).
    pub parts: u32,
    /// The one part to write (0 to `parts − 1`), or every part when `None`.
    pub part: Option<u32>,
    pub partition_by: PartitionBy,
    /// A file is closed once it holds at least this many bytes.
    pub target_file_bytes: u64,
    /// Files written at once; `None` for one per 8 threads.
    pub writers: Option<usize>,
    /// What each table is committed as once every part is written.
    pub table_format: TableFormat,
    /// The Iceberg catalog (a SQLite file), for `TableFormat::Iceberg`.
    pub catalog: Option<String>,
    /// Whether the run adds the dataset's last date range to the dataset
    /// already there (see [`crate::lake`]'s appends) instead of writing it.
    pub append: bool,
}

impl Default for LakeOptions {
    fn default() -> Self {
        Self {
            parts: 1,
            part: None,
            partition_by: PartitionBy::None,
            target_file_bytes: super::DEFAULT_TARGET_FILE_BYTES,
            writers: None,
            table_format: TableFormat::Parquet,
            catalog: None,
            append: false,
        }
    }
}

impl LakeOptions {
    /// Checks the options on their own.
    pub fn validate(&self) -> Result<(), SpecError> {
        if !(1..=MAX_PARTS).contains(&self.parts) {
            return Err(SpecError::OutOfRange {
                setting: Setting::Parts,
                value: self.parts.to_string(),
                accepted: format!("1 to {MAX_PARTS}"),
            });
        }
        if let Some(part) = self.part.filter(|&p| p >= self.parts) {
            return Err(SpecError::OutOfRange {
                setting: Setting::Part,
                value: part.to_string(),
                accepted: format!("0 to {} (parts = {})", self.parts - 1, self.parts),
            });
        }
        let (min, max) = TARGET_FILE_SIZE_RANGE;
        if !(min..=max).contains(&self.target_file_bytes) {
            return Err(SpecError::OutOfRange {
                setting: Setting::TargetFileSize,
                value: format!("{} bytes", self.target_file_bytes),
                accepted: "1MiB to 64GiB".into(),
            });
        }
        if let Some(writers) = self.writers.filter(|w| !(1..=MAX_WRITERS).contains(w)) {
            return Err(SpecError::OutOfRange {
                setting: Setting::Writers,
                value: writers.to_string(),
                accepted: format!("1 to {MAX_WRITERS}"),
            });
        }
        if let Some(feature) = self.table_format.missing_feature() {
            return Err(SpecError::Invalid {
                setting: Setting::TableFormat,
                value: self.table_format.to_string(),
                reason: format!(
                    "this build has no {} tables; build cardgen with its feature `{feature}`",
                    self.table_format
                ),
            });
        }
        Ok(())
    }

    /// The parts this run writes.
    pub fn local_parts(&self) -> std::ops::Range<u32> {
        match self.part {
            Some(part) => part..part + 1,
            None => 0..self.parts,
        }
    }
}

/// What a run of [`Dataset::write_lake`] did.
#[derive(Debug, Clone)]
pub struct LakeSummary {
    /// The manifests of the parts this run wrote, in part order.
    pub parts: Vec<PartManifest>,
    /// Whether this run found every part present and wrote `_SUCCESS`.
    pub finished: bool,
    /// Each table's commit, when finished with a table format.
    pub tables: Vec<TableCommit>,
    pub elapsed: Duration,
}

impl LakeSummary {
    /// Rows, files and bytes of `table` over the parts this run wrote.
    pub fn totals(&self, table: Table) -> (u64, usize, u64) {
        let tables = self
            .parts
            .iter()
            .flat_map(|p| p.tables.iter().filter(|t| t.name == table.name()));
        tables.fold((0, 0, 0), |(rows, files, bytes), t| {
            (
                rows + t.rows,
                files + t.files.len(),
                bytes + t.files.iter().map(|f| f.bytes).sum::<u64>(),
            )
        })
    }
}

/// What the checks before writing decided.
pub(super) struct Plan {
    manifest: DatasetManifest,
    /// Files of the dataset being replaced, to delete once the new one is written.
    replaced_files: BTreeSet<String>,
    /// The description of the dataset being replaced.
    replaced: Option<DatasetManifest>,
    replacing: bool,
}

impl Dataset {
    /// The description of this dataset laid out with `lake` and `options`.
    pub fn lake_manifest(
        &self,
        lake: &LakeOptions,
        options: &WriteOptions,
    ) -> Result<DatasetManifest, Error> {
        let mut keyed: BTreeMap<String, String> = specification(self.spec(), self.sizes())
            .into_iter()
            .collect();
        let spec = self.spec();
        let layout = [
            ("emit_pan", spec.emit_pan().to_string()),
            ("pan_mask", spec.pan_mask().name().to_string()),
            ("partition_by", lake.partition_by.name().to_string()),
            ("target_file_size", lake.target_file_bytes.to_string()),
            ("batch_rows", options.batch_rows.to_string()),
            ("compression", options.run.codec.to_string()),
            ("version", crate::VERSION.to_string()),
        ];
        keyed.extend(layout.into_iter().map(|(k, v)| (k.to_string(), v)));
        // Only a table format is recorded, so that datasets of plain files
        // written before table formats existed keep their manifest.
        if lake.table_format != TableFormat::Parquet {
            keyed.insert(TABLE_FORMAT_KEY.into(), lake.table_format.to_string());
        }
        let tables = Table::ALL
            .into_iter()
            .map(|table| {
                let schema = self.schema(table)?;
                let partitioned = table == Table::Transactions;
                let partition_key = match lake.partition_by {
                    PartitionBy::Day if partitioned => Some(PARTITION_COLUMN.to_string()),
                    PartitionBy::Month if partitioned => Some(MONTH_KEY.to_string()),
                    _ => None,
                };
                Ok(TableEntry {
                    name: table.name().to_string(),
                    rows: self.range_rows(table, 0).end,
                    columns: schema
                        .fields()
                        .iter()
                        .map(|f| ColumnEntry {
                            name: f.name().clone(),
                            data_type: f.data_type().to_string(),
                            nullable: f.is_nullable(),
                        })
                        .collect(),
                    partition_key,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let appends = self.spec().appended().iter().enumerate();
        let appends = appends
            .map(|(i, appended)| AppendEntry {
                range: i as u32 + 1,
                start: appended.start.to_string(),
                days: appended.days,
                rows: appended.rows,
                parts: lake.parts,
                tables: Table::ALL
                    .into_iter()
                    .map(|table| {
                        let rows = self.range_rows(table, i + 1);
                        RangeRows {
                            name: table.name().to_string(),
                            first_row: rows.start,
                            rows: rows.end - rows.start,
                        }
                    })
                    .collect(),
            })
            .collect();
        Ok(DatasetManifest {
            format: FORMAT.to_string(),
            options: keyed,
            parts: lake.parts,
            tables,
            appends,
        })
    }

    /// Checks everything that could refuse writing `lake` to `storage`,
    /// writing nothing: the options, the storage, the dataset already there
    /// and its parts.
    fn lake_plan(
        &self,
        storage: &dyn Storage,
        lake: &LakeOptions,
        options: &WriteOptions,
    ) -> Result<Plan, Error> {
        lake.validate()?;
        for table in Table::ALL {
            let largest = part_rows(self.rows(table), 0, lake.parts);
            check_row_groups(largest.end - largest.start, options.batch_rows)
                .map_err(SpecError::from)?;
            self.plan(table, largest, options.batch_rows)?;
        }
        let manifest = self.lake_manifest(lake, options)?;
        storage.check()?;
        let overwrite = options.run.overwrite;
        let mut plan = Plan {
            manifest,
            replaced_files: BTreeSet::new(),
            replaced: None,
            replacing: false,
        };
        if let Some(bytes) = storage.get(DATASET_MANIFEST)? {
            let there: DatasetManifest = from_json(&bytes, storage.location(DATASET_MANIFEST))?;
            if let Some((key, ours, theirs)) = plan.manifest.first_difference(&there) {
                let location = storage.location("");
                if !overwrite {
                    return Err(LakeError::OptionsDiffer {
                        location,
                        key,
                        ours,
                        theirs,
                    }
                    .into());
                }
                if lake.part.is_some() {
                    return Err(LakeError::CannotReplace {
                        location,
                        key,
                        ours,
                        theirs,
                    }
                    .into());
                }
                plan.replacing = true;
                let ranges = std::iter::once((0, there.parts))
                    .chain(there.appends.iter().map(|a| (a.range, a.parts)));
                for (range, parts) in ranges {
                    for part in 0..parts {
                        if let Some(old) = read_part(storage, range, part)? {
                            let files = old.tables.iter().flat_map(|t| &t.files);
                            plan.replaced_files.extend(files.map(|f| f.name.clone()));
                        }
                    }
                }
                // An append stopped before it recorded its range leaves
                // files no part manifest lists.
                for table in Table::ALL {
                    let unrecorded = storage.list(&format!("{}/", table.name()))?;
                    let unrecorded = unrecorded.into_iter().filter(|name| {
                        name.ends_with(".parquet")
                            && name
                                .rsplit('/')
                                .next()
                                .is_some_and(|f| f.starts_with("range-"))
                    });
                    plan.replaced_files.extend(unrecorded);
                }
                plan.replaced = Some(there);
                return Ok(plan);
            }
        }
        if !overwrite {
            for part in lake.local_parts() {
                let name = part_manifest_name(0, part);
                if storage.size(&name)?.is_some() {
                    return Err(LakeError::PartExists {
                        part,
                        location: storage.location(&name),
                    }
                    .into());
                }
            }
        }
        Ok(plan)
    }

    /// Writes the parts `lake` names to `storage` (see the [module
    /// docs](crate::lake)); when it writes every part, it also checks the
    /// whole and writes `_SUCCESS`.
    pub fn write_lake(
        &self,
        storage: &dyn Storage,
        lake: &LakeOptions,
        options: &WriteOptions,
        progress: &dyn Progress,
    ) -> Result<LakeSummary, Error> {
        let started = Instant::now();
        if lake.append {
            return self.write_append(storage, lake, options, progress, started);
        }
        if self.ranges() > 1 {
            return Err(SpecError::Invalid {
                setting: Setting::Out,
                value: storage.location(""),
                reason: "a dataset with appended ranges is written one range at a time, by appends"
                    .into(),
            }
            .into());
        }
        let plan = self.lake_plan(storage, lake, options)?;
        if plan.replacing {
            storage.delete(SUCCESS_MARKER)?;
            storage.put(DATASET_MANIFEST, &to_json(&plan.manifest), false)?;
            storage.delete(super::PENDING_APPEND)?;
            let old_parts = storage.list("_cardgen/parts/")?;
            for name in old_parts {
                storage.delete(&name)?;
            }
            // The tables of the dataset replaced go with it, so that no
            // version of them points at files about to be deleted.
            if let Some(replaced) = &plan.replaced {
                forget_tables(storage, replaced, lake.catalog.as_deref())?;
            }
            for table in Table::ALL {
                for dir in TABLE_METADATA_DIRS {
                    for name in storage.list(&format!("{}/{dir}/", table.name()))? {
                        storage.delete(&name)?;
                    }
                }
            }
        } else {
            match storage.put(DATASET_MANIFEST, &to_json(&plan.manifest), true) {
                Ok(()) => {}
                // Written by another part meanwhile, or before: the same
                // options were checked (or are rechecked by `finish`).
                Err(StorageError::AlreadyExists { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }

        let parts = self.write_parts(storage, lake, options, progress)?;

        if plan.replacing {
            let kept: BTreeSet<&str> = parts
                .iter()
                .flat_map(|p| p.tables.iter().flat_map(|t| &t.files))
                .map(|f| f.name.as_str())
                .collect();
            for stale in plan
                .replaced_files
                .iter()
                .filter(|f| !kept.contains(f.as_str()))
            {
                storage.delete(stale)?;
            }
        }
        let finished = lake.part.is_none();
        let mut tables = Vec::new();
        if finished {
            let all = check_parts(storage, &plan.manifest, false)?;
            tables = commit_tables(
                storage,
                &plan.manifest,
                &all.parts,
                0,
                lake.catalog.as_deref(),
            )?;
            storage.put(SUCCESS_MARKER, success_text(&all).as_bytes(), false)?;
        }
        Ok(LakeSummary {
            parts,
            finished,
            tables,
            elapsed: started.elapsed(),
        })
    }
}
