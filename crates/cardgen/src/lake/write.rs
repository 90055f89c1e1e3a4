//! Writing parts of a dataset: checks first, then every table of every
//! part, several files at once, then each part's manifest.
//!
//! Everything that can refuse a run is checked before the first byte is
//! written: the options, the storage (bucket, credentials), the manifest
//! already there and the parts already written. Then the run's jobs — one
//! per (part, table) — are shared among `writers` threads, each running
//! its share through one pipeline with its share of the threads and of the
//! memory credits, so several files are written at once and memory stays
//! bounded. Within a pipeline the jobs follow one another without a pause:
//! the producers start on a job while the writer finishes the one before.
//! A part's manifest is written as soon as its tables are done, so a run
//! killed halfway keeps the parts it finished.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cardgen_core::TableGenerator;
use cardgen_pipeline::budget::check_row_groups;
use cardgen_pipeline::files::FileNamer;
use cardgen_pipeline::partition::{DateGranularity, DatePartitioner, Partitioner};
use cardgen_pipeline::storage::{Storage, StorageError};
use cardgen_pipeline::{FileSet, Job as PipelineJob, PipelineError, RunSummary, Sink, run_jobs};

use super::check::{check_parts, success_text};
use super::commit::{TableCommit, commit_tables, forget_tables};
use super::manifest::{
    AppendEntry, ColumnEntry, DatasetManifest, FORMAT, FileEntry, PartManifest, RangeRows,
    TableEntry, TablePart, from_json, read_part, to_json,
};
use super::utc::utc_timestamps;
use super::{
    DATASET_MANIFEST, LakeError, MAX_PARTS, MONTH_KEY, PARTITION_COLUMN, PartitionBy,
    SUCCESS_MARKER, TABLE_FORMAT_KEY, TABLE_METADATA_DIRS, TARGET_FILE_SIZE_RANGE, TableFormat,
    file_name, part_manifest_name, part_rows,
};
use crate::dataset::{Dataset, WriteOptions};
use crate::metadata::specification;
use crate::progress::{Progress, TableProgress};
use crate::setting::{Error, Setting, SpecError};
use crate::table::Table;

/// The most files a run writes at once.
pub const MAX_WRITERS: usize = 1024;
/// Threads per writer by default: one writer thread keeps up with about
/// 14–15 producers (docs/benchmarks.md, "The single writer"), so 8 leaves
/// it room.
const THREADS_PER_WRITER: usize = 8;

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

/// One table of one part.
pub(super) struct Job {
    part: u32,
    table: Table,
    rows: std::ops::Range<u64>,
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

    pub(super) fn write_parts(
        &self,
        storage: &dyn Storage,
        lake: &LakeOptions,
        options: &WriteOptions,
        progress: &dyn Progress,
    ) -> Result<Vec<PartManifest>, Error> {
        let wrap = |generator: Arc<dyn TableGenerator>| {
            let generator = match lake.table_format {
                TableFormat::Iceberg => utc_timestamps(generator),
                _ => generator,
            };
            match &options.wrapper {
                Some(wrapper) => wrapper(generator),
                None => generator,
            }
        };
        let generators: Vec<Arc<dyn TableGenerator>> = Table::ALL
            .into_iter()
            .map(|t| self.generator(t).map(wrap))
            .collect::<Result<_, _>>()?;
        let partitioner = match lake.partition_by {
            PartitionBy::None => None,
            by => {
                let granularity = match by {
                    PartitionBy::Month => DateGranularity::Month,
                    _ => DateGranularity::Day,
                };
                // The generator's schema: an Iceberg dataset's says UTC.
                let schema = generators[table_index(Table::Transactions)].schema();
                let partitioner =
                    DatePartitioner::new(&schema, PARTITION_COLUMN, granularity, MONTH_KEY)
                        .map_err(|e| PipelineError::InvalidOption(e.to_string()))?;
                Some(partitioner)
            }
        };
        // The last range: the only one, unless this run appends it.
        let range = self.ranges() - 1;
        let jobs: Vec<Job> = lake
            .local_parts()
            .flat_map(|part| {
                Table::ALL.into_iter().map(move |table| {
                    let all = self.range_rows(table, range);
                    let share = part_rows(all.end - all.start, part, lake.parts);
                    Job {
                        part,
                        table,
                        rows: all.start + share.start..all.start + share.end,
                    }
                })
            })
            .collect();
        let range = range as u32;
        let threads = options.run.threads.max(1);
        let writers = lake
            .writers
            .unwrap_or_else(|| threads.div_ceil(THREADS_PER_WRITER))
            .clamp(1, jobs.len().max(1));
        let mut job_run = options.run.clone();
        job_run.threads = (threads / writers).max(1);
        job_run.max_in_flight = Some((options.run.credits() / writers).max(1));

        // What each job's pipeline borrows: its file names, its plan, its progress.
        let namers: Vec<Box<FileNamer>> = jobs
            .iter()
            .map(|job| {
                let (table, part) = (job.table.name(), job.part);
                Box::new(move |dir: &str, n: u32| file_name(range, table, dir, part, n))
                    as Box<FileNamer>
            })
            .collect();
        let observers: Vec<TableProgress> = jobs
            .iter()
            .map(|job| TableProgress {
                table: job.table.name(),
                progress,
            })
            .collect();
        let pipeline_jobs = jobs
            .iter()
            .enumerate()
            .map(|(i, job)| {
                let set = FileSet {
                    storage,
                    name: namers[i].as_ref(),
                    target_file_bytes: lake.target_file_bytes,
                    partitioner: partitioner
                        .as_ref()
                        .map(|p| p as &dyn Partitioner)
                        .filter(|_| job.table == Table::Transactions),
                    // A table with no rows at all still shows its columns, once.
                    empty_file_if_no_rows: range == 0 && job.part == 0 && self.rows(job.table) == 0,
                };
                Ok(PipelineJob {
                    generator: generators[table_index(job.table)].as_ref(),
                    plan: self.plan(job.table, job.rows.clone(), options.batch_rows)?,
                    sink: Sink::Files(set),
                    observer: &observers[i],
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;

        let done: Mutex<BTreeMap<u32, Vec<TablePart>>> = Mutex::new(BTreeMap::new());
        let written: Mutex<Vec<PartManifest>> = Mutex::new(Vec::new());
        let errors: Mutex<Vec<Error>> = Mutex::new(Vec::new());
        let fail = |error: Error| {
            errors.lock().expect("not poisoned").push(error);
            // Stop the other writers: the flag every pipeline run checks.
            options.run.cancel.store(true, Ordering::Release);
        };
        // A job's files are committed: its part's manifest is written once
        // every table of the part is, so a run killed halfway keeps the
        // parts it finished.
        let finish_job = |index: usize, summary: RunSummary| -> Result<(), Error> {
            let job = &jobs[index];
            let table_part = TablePart {
                name: job.table.name().to_string(),
                first_row: job.rows.start,
                rows: summary.rows,
                files: summary
                    .files
                    .into_iter()
                    .map(|f| FileEntry {
                        name: f.name,
                        rows: f.rows,
                        bytes: f.bytes,
                        crc32: format!("{:08x}", f.crc32),
                    })
                    .collect(),
            };
            let finished_part = {
                let mut done = done.lock().expect("not poisoned");
                let tables = done.entry(job.part).or_default();
                tables.push(table_part);
                if tables.len() == Table::ALL.len() {
                    done.remove(&job.part)
                } else {
                    None
                }
            };
            if let Some(mut tables) = finished_part {
                tables.sort_by_key(|t| table_order(&t.name));
                let manifest = PartManifest {
                    format: FORMAT.to_string(),
                    range,
                    part: job.part,
                    parts: lake.parts,
                    tables,
                };
                let name = part_manifest_name(range, job.part);
                storage.put(&name, &to_json(&manifest), false)?;
                written.lock().expect("not poisoned").push(manifest);
            }
            Ok(())
        };

        // Each writer runs its share of the jobs, in order, through one
        // pipeline, so that no core waits while a job drains.
        let shares = shares(&jobs, writers);
        let work = |share: &[usize]| {
            let mine: Vec<PipelineJob> = share.iter().map(|&i| pipeline_jobs[i]).collect();
            let finished = |k: usize, summary: RunSummary| {
                finish_job(share[k], summary).map_err(|error| {
                    fail(error);
                    PipelineError::Cancelled
                })
            };
            if let Err(error) = run_jobs(&mine, &job_run, &finished) {
                fail(error.into());
            }
        };
        std::thread::scope(|scope| {
            for share in &shares {
                scope.spawn(|| work(share));
            }
        });
        let mut errors = errors.into_inner().expect("not poisoned");
        if !errors.is_empty() {
            // The cancellations that one failure causes in the other jobs
            // are not news: report the failure.
            let cancelled = |e: &Error| matches!(e, Error::Pipeline(PipelineError::Cancelled));
            let cause = errors.iter().position(|e| !cancelled(e)).unwrap_or(0);
            return Err(errors.swap_remove(cause));
        }
        let mut parts = written.into_inner().expect("not poisoned");
        parts.sort_by_key(|p| p.part);
        Ok(parts)
    }
}

/// The jobs each of `writers` runs, in job order: each job goes to the
/// writer with the fewest rows so far, so the writers finish together.
fn shares(jobs: &[Job], writers: usize) -> Vec<Vec<usize>> {
    let mut shares = vec![Vec::new(); writers];
    let mut rows = vec![0u64; writers];
    for (index, job) in jobs.iter().enumerate() {
        let writer = (0..writers)
            .min_by_key(|&w| rows[w])
            .expect("at least one writer");
        rows[writer] += job.rows.end - job.rows.start;
        shares[writer].push(index);
    }
    shares.retain(|share| !share.is_empty());
    shares
}

fn table_index(table: Table) -> usize {
    Table::ALL
        .iter()
        .position(|&t| t == table)
        .expect("a table")
}

fn table_order(name: &str) -> usize {
    Table::ALL
        .iter()
        .position(|t| t.name() == name)
        .unwrap_or(usize::MAX)
}
