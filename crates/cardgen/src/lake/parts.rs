//! Writing a run's parts: one job per (part, table), shared among the
//! writers, each running its share through one pipeline, and each part's
//! manifest written as soon as its tables are.
//!
//! The jobs of one writer follow one another in a single pipeline
//! (`cardgen_pipeline::run_jobs`): while the writer appends a table's last
//! row groups the producers are already on the next table's, so a dataset of
//! many small tables and parts keeps every core busy to its end.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use cardgen_core::TableGenerator;
use cardgen_pipeline::files::FileNamer;
use cardgen_pipeline::partition::{DateGranularity, DatePartitioner, Partitioner};
use cardgen_pipeline::storage::Storage;
use cardgen_pipeline::{FileSet, Job as PipelineJob, PipelineError, RunSummary, Sink, run_jobs};

use super::manifest::{FORMAT, FileEntry, PartManifest, TablePart, to_json};
use super::utc::utc_timestamps;
use super::write::LakeOptions;
use super::{
    MONTH_KEY, PARTITION_COLUMN, PartitionBy, TableFormat, file_name, part_manifest_name, part_rows,
};
use crate::dataset::{Dataset, WriteOptions};
use crate::progress::{Progress, TableProgress};
use crate::setting::Error;
use crate::table::Table;

/// Threads per writer by default: one writer thread keeps up with about
/// 14–15 producers (docs/benchmarks.md, "The single writer"), so 8 leaves
/// it room.
const THREADS_PER_WRITER: usize = 8;

/// One table of one part.
pub(super) struct Job {
    part: u32,
    table: Table,
    rows: std::ops::Range<u64>,
}

impl Dataset {
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
