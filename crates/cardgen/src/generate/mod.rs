//! The one write path: [`generate`] carries out a [`GenerateOptions`] —
//! one file, a dataset directory, an object-store URL or a dataset in
//! parts — after every check that could refuse it, and reports progress
//! through a [`Progress`].
//!
//! Nothing is written before the options, Parquet's limits, the memory
//! budget and every destination have been checked; a refusal is a
//! [`SpecError`] naming the key to change. Each file appears under its
//! name only when complete (the pipeline's atomic uploads), so a failed or
//! cancelled run leaves nothing half-written behind.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cardgen_core::reference::ReferenceGenerator;
use cardgen_core::{BatchPlan, TableGenerator};
use cardgen_pipeline::budget::check_row_groups;
use cardgen_pipeline::files::FileNamer;
use cardgen_pipeline::output::temp_path;
use cardgen_pipeline::{FileSet, Job as PipelineJob, PipelineError, RunOptions, Sink, run_jobs};

use crate::dataset::WriteOptions;
use crate::lake::{LakeError, LakeOptions, LakeSummary};
use crate::options::{GenerateOptions, Generated};
use crate::progress::{Progress, TableProgress, WrittenFile};
use crate::setting::{Error, Setting, SpecError};
use crate::table::Table;

mod destination;

use destination::{Destination, open_storage, storage_error};

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// Every file, in the order they were completed.
    pub files: Vec<WrittenFile>,
    pub elapsed: Duration,
    /// For a dataset in parts: its parts' manifests and whether it is finished.
    pub lake: Option<LakeSummary>,
}

/// Writes what `options` ask for; see the module docs.
///
/// ```
/// use cardgen::{GenerateOptions, NoProgress, generate};
///
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("t.parquet");
/// let options = GenerateOptions::from_pairs([("rows", "2k"), ("days", "30")])?
///     .with_out(out.to_string_lossy());
/// let written = generate(&options, &NoProgress)?;
/// assert_eq!(written.files[0].rows, 2_000);
/// let again = generate(&options, &NoProgress).unwrap_err();
/// assert!(again.to_string().contains("pass `overwrite`"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate(options: &GenerateOptions, progress: &dyn Progress) -> Result<Written, Error> {
    let started = Instant::now();
    let credits = options.credits()?;
    let spec = options.spec();
    // An append's range is known once the dataset is read (see `generate_lake`).
    if options.generated() == Generated::Dataset
        && !options.append()
        && let Some(warning) = spec.scenario().profile().uncovered_years(&spec.range())
    {
        // Not an error: the data is valid, only without holiday effects there.
        progress.warning(&warning);
    }
    let write = write_options(options, credits);
    if let Some(lake) = options.lake() {
        return generate_lake(options, &lake, &write, progress, started);
    }
    // The fact table is the largest: its row-group limit is checked before
    // the world is derived, every table's again once it is.
    check_row_groups(spec.rows(), options.batch_rows()).map_err(SpecError::from)?;
    let destination = Destination::check(options)?;
    let jobs = jobs(options, &write, &destination)?;
    // Only now, with nothing left to refuse, does anything appear on disk.
    destination.create_directories()?;
    progress.planned(jobs.iter().map(|job| job.plan.total_rows()).sum());
    let files = write_all(&jobs, &destination, &write.run, progress)?;
    Ok(Written {
        files,
        elapsed: started.elapsed(),
        lake: None,
    })
}

/// A dataset in parts: the library's lake writer checks the dataset already
/// there and its parts before anything is written.
fn generate_lake(
    options: &GenerateOptions,
    lake: &LakeOptions,
    write: &WriteOptions,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Written, Error> {
    let storage = open_storage(options.out())?;
    let out = storage.location("");
    // An append takes the dataset's own settings, read from its manifest.
    let appending;
    let (options, lake, write) = if options.append() {
        let there =
            crate::lake::dataset_there(storage.as_ref()).map_err(|e| lake_error(e, &out))?;
        appending = options.for_append(&there, &out)?;
        let spec = appending.spec();
        if let Some(warning) = spec
            .scenario()
            .profile()
            .uncovered_years(&spec.last_range())
        {
            progress.warning(&warning);
        }
        let credits = appending.credits()?;
        let lake = appending
            .lake()
            .expect("an append writes a dataset in parts");
        (&appending, lake, write_options(&appending, credits))
    } else {
        (options, lake.clone(), write.clone())
    };
    let (lake, write) = (&lake, &write);
    let dataset = options.spec().build()?;
    let rows = lake
        .local_parts()
        .flat_map(|part| {
            Table::ALL.map(|t| {
                let all = dataset.last_range_rows(t);
                crate::lake::part_rows(all.end - all.start, part, lake.parts)
            })
        })
        .map(|r| r.end - r.start)
        .sum();
    progress.planned(rows);
    let summary = dataset
        .write_lake(storage.as_ref(), lake, write, progress)
        .map_err(|e| lake_error(e, &out))?;
    let files = summary
        .parts
        .iter()
        .flat_map(|part| &part.tables)
        .flat_map(|table| {
            table.files.iter().map(|file| WrittenFile {
                table: table.name.clone(),
                location: storage.location(&file.name),
                rows: file.rows,
                bytes: file.bytes,
                elapsed: summary.elapsed,
            })
        })
        .collect();
    Ok(Written {
        files,
        elapsed: started.elapsed(),
        lake: Some(summary),
    })
}

/// The pipeline's options for `options`, with the batches in flight that
/// fit the memory budget.
fn write_options(options: &GenerateOptions, credits: usize) -> WriteOptions {
    let mut run = RunOptions::new(options.threads());
    run.codec = options.compression();
    run.overwrite = options.overwrite();
    run.max_in_flight = Some(credits);
    run.cancel = Arc::clone(options.cancel());
    WriteOptions {
        batch_rows: options.batch_rows(),
        run,
        wrapper: options.wrapper().cloned(),
    }
}

/// A dataset-in-parts error in the words of the options: a dataset
/// already there with other options, or a part written already, is bad
/// input naming the option; a cancel says what was kept.
fn lake_error(err: Error, out: &str) -> Error {
    let Error::Lake(lake) = err else {
        return match err {
            Error::Pipeline(PipelineError::Cancelled) => Error::Interrupted {
                cleaned: format!(
                    "removed the partial files; the parts finished before are kept in {out}"
                ),
            },
            Error::Spec(_) => err,
            other => Error::Write {
                location: out.to_string(),
                source: Box::new(other),
            },
        };
    };
    let differs = |key: String, ours: String, theirs: String, advice: &str| {
        Error::from(SpecError::DatasetDiffers {
            setting: setting_of_manifest_key(&key),
            message: format!("{out} was written with {key} = {theirs}, not {ours}; {advice}"),
        })
    };
    match lake {
        LakeError::OptionsDiffer {
            key, ours, theirs, ..
        } => differs(
            key,
            ours,
            theirs,
            "pass the same options as its other parts, or another `out`",
        ),
        LakeError::CannotReplace {
            key, ours, theirs, ..
        } => differs(
            key,
            ours,
            theirs,
            "`overwrite` with `part` cannot change a dataset's options (write all parts in one run, or remove it first)",
        ),
        LakeError::PartExists { part, .. } => SpecError::Invalid {
            setting: Setting::Part,
            value: part.to_string(),
            reason: format!("{out} already holds part {part}; pass `overwrite` to write it again"),
        }
        .into(),
        LakeError::Storage(e) => match storage_error(e, out) {
            Error::Spec(spec) => spec.into(),
            other => Error::Write {
                location: out.to_string(),
                source: Box::new(other),
            },
        },
        other => Error::Write {
            location: out.to_string(),
            source: Box::new(other.into()),
        },
    }
}

/// The setting that decides a key of a dataset's manifest: a [`Setting`]'s
/// own key, or one of the values the manifest derives from them.
pub fn setting_of_manifest_key(key: &str) -> Setting {
    if let Some(setting) = Setting::from_key(key) {
        return setting;
    }
    match key {
        "dataset_rows" => Setting::Rows,
        "end_inclusive" => Setting::Days,
        "cards" => Setting::Customers,
        "profile" | "timezone" => Setting::Config,
        _ => Setting::Out,
    }
}

/// One table to one destination.
struct Job {
    generator: Arc<dyn TableGenerator>,
    plan: BatchPlan,
    /// Its place in the destination's list.
    index: usize,
}

/// Every table's generator and plan, so that a table that cannot be
/// written is refused before any file is started.
fn jobs(
    options: &GenerateOptions,
    write: &WriteOptions,
    destination: &Destination,
) -> Result<Vec<Job>, Error> {
    let wrap = |generator: Arc<dyn TableGenerator>| match options.wrapper() {
        Some(wrapper) => wrapper(generator),
        None => generator,
    };
    let spec = options.spec();
    if options.generated() == Generated::Reference {
        let generator = Arc::new(ReferenceGenerator::new(spec.seed(), spec.rows()));
        return Ok(vec![Job {
            generator: wrap(generator),
            plan: BatchPlan::new(spec.rows(), options.batch_rows())?,
            index: 0,
        }]);
    }
    let tables: Vec<Table> = match destination {
        Destination::Local(paths) => paths.iter().map(|(t, _)| *t).collect(),
        Destination::Object { names, .. } => names.iter().map(|(t, _)| *t).collect(),
    };
    let dataset = spec.build()?;
    tables
        .into_iter()
        .enumerate()
        .map(|(index, table)| {
            Ok(Job {
                plan: dataset.write_plan(table, write)?,
                generator: wrap(dataset.generator(table)?),
                index,
            })
        })
        .collect()
}

/// Writes every table's file, in order, through one pipeline (so that no
/// core waits while one table's last batches drain), reporting each file
/// as it is complete.
fn write_all(
    jobs: &[Job],
    destination: &Destination,
    run: &RunOptions,
    progress: &dyn Progress,
) -> Result<Vec<WrittenFile>, Error> {
    let observers: Vec<TableProgress> = jobs
        .iter()
        .map(|job| TableProgress {
            table: job.generator.name(),
            progress,
        })
        .collect();
    let fixed_names: Vec<Box<FileNamer>> = jobs
        .iter()
        .map(|job| {
            let name = match destination {
                Destination::Object { names, .. } => names[job.index].1.clone(),
                Destination::Local(_) => String::new(),
            };
            Box::new(move |_: &str, _: u32| name.clone()) as Box<FileNamer>
        })
        .collect();
    let pipeline_jobs: Vec<PipelineJob> = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| {
            let generator = job.generator.as_ref();
            tracing::debug!(target: "cardgen::generate", table = generator.name(), rows = job.plan.total_rows(), batches = job.plan.batch_count(), threads = run.threads, credits = run.credits(), "starting");
            let sink = match destination {
                Destination::Local(paths) => Sink::File(&paths[job.index].1),
                Destination::Object { storage, .. } => Sink::Files(FileSet {
                    storage: storage.as_ref(),
                    name: fixed_names[i].as_ref(),
                    target_file_bytes: u64::MAX,
                    partitioner: None,
                    empty_file_if_no_rows: true,
                }),
            };
            PipelineJob {
                generator,
                plan: job.plan,
                sink,
                observer: &observers[i],
            }
        })
        .collect();
    let files = Mutex::new(Vec::with_capacity(jobs.len()));
    let result = run_jobs(&pipeline_jobs, run, &|i, summary| {
        let job = &jobs[i];
        let file = WrittenFile {
            table: job.generator.name().to_string(),
            location: destination.location(job.index),
            rows: summary.rows,
            bytes: summary.bytes,
            elapsed: summary.elapsed,
        };
        progress.file_written(&file);
        files.lock().expect("not poisoned").push(file);
        Ok(())
    });
    let files = files.into_inner().expect("not poisoned");
    // Jobs finish in order: the one that failed is the first not finished.
    let failed = || &jobs[files.len().min(jobs.len().saturating_sub(1))];
    match result {
        Ok(()) => Ok(files),
        Err(PipelineError::Cancelled) => {
            let job = failed();
            Err(Error::Interrupted {
                cleaned: match destination {
                    Destination::Local(paths) => format!(
                        "removed the partial file {}",
                        temp_path(&paths[job.index].1).display()
                    ),
                    Destination::Object { .. } => {
                        format!("aborted the upload of {}", destination.location(job.index))
                    }
                },
            })
        }
        Err(err) => Err(Error::Write {
            location: destination.location(failed().index),
            source: Box::new(err.into()),
        }),
    }
}
