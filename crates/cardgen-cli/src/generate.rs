//! `cardgen generate`: flags → a dataset specification and write options,
//! then the library writes each table while this shows progress and reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use cardgen::{Dataset, DatasetSpec, PanMask, Scenario, SpecError, Table, WriteOptions};
use cardgen_core::reference::ReferenceGenerator;
use cardgen_core::{BatchPlan, TableGenerator};
use cardgen_pipeline::budget::{check_row_groups, credits_for};
use cardgen_pipeline::output::{check_destination, temp_path};
use cardgen_pipeline::storage::{Storage, is_url};
use cardgen_pipeline::{
    FileSet, NoObserver, Observer, PipelineError, RunOptions, Sink, write_parquet,
};

use crate::args::{GenerateArgs, PanMaskArg, TableArg};
use crate::fault::{self, Faulty};
use crate::flags::usage_error;
use crate::progress::ProgressBarObserver;
use crate::signals::Signals;
use crate::summary::{Written, WrittenFile, peak_rss_bytes, summary_line};
use crate::{Interrupted, UsageError};

fn pan_mask(arg: PanMaskArg) -> PanMask {
    match arg {
        PanMaskArg::KrReceipt => PanMask::KrReceipt,
        PanMaskArg::Pci => PanMask::Pci,
        PanMaskArg::Last4 => PanMask::Last4,
    }
}

/// The dataset the flags describe, validated; errors name the flag.
pub fn spec(args: &GenerateArgs) -> Result<DatasetSpec, UsageError> {
    let spec = dataset_spec(args).map_err(|e| usage_error(&e))?;
    spec.validate().map_err(|e| usage_error(&e))?;
    Ok(spec)
}

/// The dataset the flags describe, not yet validated, in the library's
/// words: an unreadable scenario file is a [`SpecError`] naming `config`.
pub fn dataset_spec(args: &GenerateArgs) -> Result<DatasetSpec, SpecError> {
    let scenario = match &args.config {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::built_in(),
    };
    Ok(DatasetSpec::new(args.rows)
        .with_seed(args.seed)
        .with_start(args.start)
        .with_days(args.days)
        .with_customers(args.customers)
        .with_merchants(args.merchants)
        .with_scenario(scenario)
        .with_emit_pan(args.emit_pan)
        .with_pan_mask(pan_mask(args.pan_mask)))
}

/// Where `--out` sends the data: one file (the fact table), or a dataset directory.
fn outputs(args: &GenerateArgs) -> Vec<(Table, PathBuf)> {
    if writes_one_file(args) {
        vec![(Table::Transactions, args.out.clone())]
    } else {
        Dataset::table_paths(&args.out)
    }
}

/// Whether `--out` names one file (the fact table) rather than a dataset
/// directory or prefix, locally and on object storage alike.
fn writes_one_file(args: &GenerateArgs) -> bool {
    crate::lake::names_a_file(&args.out.to_string_lossy()) || args.table == TableArg::Reference
}

/// `cardgen generate`: stops cleanly on SIGINT and SIGTERM, shows a
/// progress bar on a terminal and reports each file in one line unless `quiet`.
pub fn run(args: &GenerateArgs, quiet: bool, verbose: bool) -> anyhow::Result<()> {
    let signals = Signals::install().context("could not install signal handlers")?;
    let show_bar = !quiet && !verbose && !args.no_progress && std::io::stderr().is_terminal();
    execute(args, &signals, show_bar, quiet).map(drop)
}

/// Writes what `args` ask for and says what was written; the run stops
/// (removing partial files) once `signals.stop` is set. This is `generate`
/// without the process around it: programs that embed the command (the
/// Python package) pass [`Signals::detached`] and `quiet`.
pub fn execute(
    args: &GenerateArgs,
    signals: &Signals,
    show_bar: bool,
    quiet: bool,
) -> anyhow::Result<Written> {
    let started = Instant::now();
    let threads = args.threads.unwrap_or_else(num_cpus::get);
    let lake = crate::lake::options(args)?;
    let out = args.out.to_string_lossy().into_owned();
    let remote = is_url(&out);
    let local_outputs = if lake.is_some() || remote {
        Vec::new()
    } else {
        outputs(args)
    };
    let (credits, spec) = validate(args, threads, &local_outputs, lake.is_none())?;
    if args.table == TableArg::Transactions
        && let Some(warning) = spec.scenario().profile().uncovered_years(&spec.range())
    {
        // Not an error: the data is valid, only without holiday effects there.
        if !quiet {
            eprintln!("cardgen: warning: {warning}");
        }
    }
    let mut run = RunOptions::new(threads);
    run.codec = args.compression;
    run.overwrite = args.overwrite;
    run.max_in_flight = Some(credits);
    run.cancel = Arc::clone(&signals.stop);
    let options = WriteOptions {
        batch_rows: args.batch_rows,
        run,
    };

    if let Some(lake) = lake {
        let storage = crate::lake::open_storage(&out)?;
        let dataset = spec.build().context("could not set up the generator")?;
        return crate::lake::generate(
            &dataset,
            storage.as_ref(),
            &lake,
            &options,
            signals,
            show_bar,
            quiet,
        );
    }

    // An object-store URL: the same files as a local run, under the prefix.
    let (remote_storage, remote_names) = if remote {
        let (root, names) = remote_outputs(args, &out);
        let storage = crate::lake::open_storage(&root)?;
        storage
            .check()
            .map_err(|e| crate::lake::classify(e.into(), &out))?;
        for (_, name) in &names {
            if !args.overwrite && storage.size(name).map_err(anyhow::Error::from)?.is_some() {
                return Err(UsageError(format!(
                    "--out: {} already exists; pass --overwrite to replace it",
                    storage.location(name)
                ))
                .into());
            }
        }
        (Some(storage), names)
    } else {
        (None, Vec::new())
    };
    let targets: Vec<(Table, Target<'_>)> = match &remote_storage {
        Some(storage) => remote_names
            .iter()
            .map(|(table, name)| (*table, Target::Object(storage.as_ref(), name.as_str())))
            .collect(),
        None => local_outputs
            .iter()
            .map(|(table, path)| (*table, Target::Path(path.as_path())))
            .collect(),
    };

    // Every table's generator and plan first, so that a table that cannot
    // be written is refused before any file is started.
    let jobs: Vec<(Arc<dyn TableGenerator>, BatchPlan, Target<'_>)> = match args.table {
        TableArg::Reference => vec![(
            Arc::new(ReferenceGenerator::new(args.seed, args.rows)),
            BatchPlan::new(args.rows, args.batch_rows)?,
            targets[0].1,
        )],
        TableArg::Transactions => {
            let dataset = spec.build().context("could not set up the generator")?;
            targets
                .iter()
                .map(|(table, target)| {
                    let plan = dataset.write_plan(*table, &options).map_err(|e| match e {
                        cardgen::Error::Spec(spec) => usage_error(&spec).into(),
                        other => anyhow::Error::from(other),
                    })?;
                    Ok((dataset.generator(*table)?, plan, *target))
                })
                .collect::<anyhow::Result<_>>()?
        }
    };
    let mut files = Vec::with_capacity(jobs.len());
    for (generator, plan, target) in jobs {
        files.push(write_one(
            generator.as_ref(),
            plan,
            target,
            &options,
            signals,
            show_bar,
            quiet,
        )?);
    }
    Ok(Written {
        files,
        elapsed: started.elapsed(),
    })
}

/// Where one table goes.
#[derive(Clone, Copy)]
enum Target<'a> {
    Path(&'a Path),
    /// A name under an object-store prefix.
    Object(&'a dyn Storage, &'a str),
}

impl Target<'_> {
    fn describe(&self) -> String {
        match self {
            Target::Path(path) => path.display().to_string(),
            Target::Object(storage, name) => storage.location(name),
        }
    }
}

/// The prefix and the object names of a run to an object-store URL: one
/// `.parquet` object, or a dataset's four under a prefix.
fn remote_outputs(args: &GenerateArgs, out: &str) -> (String, Vec<(Table, String)>) {
    if writes_one_file(args) {
        let (root, name) = out.rsplit_once('/').unwrap_or((out, ""));
        (
            root.to_string(),
            vec![(Table::Transactions, name.to_string())],
        )
    } else {
        let names = Table::ALL.map(|t| (t, t.file_name())).to_vec();
        (out.to_string(), names)
    }
}

/// Writes one table's file, with a progress bar if `show_bar`, and reports it
/// in one line unless `quiet`.
fn write_one(
    generator: &dyn TableGenerator,
    plan: BatchPlan,
    target: Target<'_>,
    options: &WriteOptions,
    signals: &Signals,
    show_bar: bool,
    quiet: bool,
) -> anyhow::Result<WrittenFile> {
    let rows = plan.total_rows();
    tracing::debug!(target: "cardgen::generate", table = generator.name(), rows, batches = plan.batch_count(), threads = options.run.threads, credits = options.run.credits(), "starting");
    let faulty = fault::from_env().map(|fault| Faulty {
        inner: generator,
        fault,
    });
    let generator: &dyn TableGenerator = match &faulty {
        Some(faulty) => faulty,
        None => generator,
    };
    let bar = show_bar.then(|| ProgressBarObserver::new(rows));
    let observer: &dyn Observer = match &bar {
        Some(bar) => bar,
        None => &NoObserver,
    };
    let result = match target {
        Target::Path(path) => write_parquet(generator, plan, path, &options.run, observer),
        Target::Object(storage, name) => {
            let fixed = |_: &str, _: u32| name.to_string();
            let set = FileSet {
                storage,
                name: &fixed,
                target_file_bytes: u64::MAX,
                partitioner: None,
                empty_file_if_no_rows: true,
            };
            cardgen_pipeline::run(generator, plan, Sink::Files(set), &options.run, observer)
        }
    };
    if let Some(bar) = &bar {
        bar.finish();
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(PipelineError::Cancelled) => {
            let status = signals.exit_status().unwrap_or(crate::EXIT_FAILURE);
            let cleaned = match target {
                Target::Path(path) => {
                    format!("removed the partial file {}", temp_path(path).display())
                }
                Target::Object(..) => format!("aborted the upload of {}", target.describe()),
            };
            return Err(Interrupted { status, cleaned }.into());
        }
        Err(err) => {
            return Err(err).with_context(|| format!("generating {} failed", target.describe()));
        }
    };
    if !quiet {
        let line = summary_line(
            &target.describe(),
            summary.rows,
            summary.bytes,
            summary.elapsed,
            peak_rss_bytes(),
        );
        eprintln!("{line}");
    }
    Ok(WrittenFile {
        table: generator.name().to_string(),
        location: target.describe(),
        rows: summary.rows,
        bytes: summary.bytes,
    })
}

/// Checks that need more than one flag, or the file system, before any work.
/// Returns the number of batches allowed in flight and the specification.
fn validate(
    args: &GenerateArgs,
    threads: usize,
    outputs: &[(Table, PathBuf)],
    one_file_per_table: bool,
) -> Result<(usize, DatasetSpec), UsageError> {
    let budget = |e| usage_error(&SpecError::from(e));
    if one_file_per_table {
        check_row_groups(args.rows, args.batch_rows).map_err(budget)?;
    }
    let spec = spec(args)?;
    let credits = credits_for(
        threads,
        args.batch_rows,
        args.max_in_flight,
        args.max_memory,
    )
    .map_err(budget)?;
    for (_, path) in outputs {
        check_destination(path, args.overwrite).map_err(|e| match e {
            PipelineError::OutputExists { path } => UsageError(format!(
                "--out: {} already exists; pass --overwrite to replace it",
                path.display()
            )),
            other => UsageError(format!("--out {other}")),
        })?;
        ensure_parent_dir(path)?;
    }
    Ok((credits, spec))
}

fn ensure_parent_dir(out: &Path) -> Result<(), UsageError> {
    match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| {
            UsageError(format!(
                "--out {}: cannot create directory {}: {e}",
                out.display(),
                dir.display()
            ))
        }),
        None => Ok(()),
    }
}
