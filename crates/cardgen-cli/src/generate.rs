//! `cardgen generate`: flags → a dataset specification and write options,
//! then the library writes each table while this shows progress and reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use cardgen::{Dataset, DatasetSpec, PanMask, SpecError, Table, WriteOptions};
use cardgen_core::reference::ReferenceGenerator;
use cardgen_core::{BatchPlan, TableGenerator};
use cardgen_pipeline::budget::{check_row_groups, credits_for};
use cardgen_pipeline::output::{check_destination, temp_path};
use cardgen_pipeline::{NoObserver, Observer, PipelineError, RunOptions, write_parquet};

use crate::args::{GenerateArgs, PanMaskArg, TableArg};
use crate::fault::{self, Faulty};
use crate::flags::{load_scenario, usage_error};
use crate::progress::ProgressBarObserver;
use crate::signals::Signals;
use crate::summary::{peak_rss_bytes, summary_line};
use crate::{Interrupted, UsageError};

fn pan_mask(arg: PanMaskArg) -> PanMask {
    match arg {
        PanMaskArg::KrReceipt => PanMask::KrReceipt,
        PanMaskArg::Pci => PanMask::Pci,
        PanMaskArg::Last4 => PanMask::Last4,
    }
}

/// The dataset the flags describe.
pub fn spec(args: &GenerateArgs) -> Result<DatasetSpec, UsageError> {
    let spec = DatasetSpec::new(args.rows)
        .with_seed(args.seed)
        .with_start(args.start)
        .with_days(args.days)
        .with_customers(args.customers)
        .with_merchants(args.merchants)
        .with_scenario(load_scenario(args.config.as_deref())?)
        .with_emit_pan(args.emit_pan)
        .with_pan_mask(pan_mask(args.pan_mask));
    spec.validate().map_err(|e| usage_error(&e))?;
    Ok(spec)
}

/// Where `--out` sends the data: one file (the fact table), or a dataset directory.
fn outputs(args: &GenerateArgs) -> Vec<(Table, PathBuf)> {
    let is_file = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if is_file || args.table == TableArg::Reference {
        vec![(Table::Transactions, args.out.clone())]
    } else {
        Dataset::table_paths(&args.out)
    }
}

pub fn run(args: &GenerateArgs, quiet: bool, verbose: bool) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or_else(num_cpus::get);
    let outputs = outputs(args);
    let (credits, spec) = validate(args, threads, &outputs)?;
    if args.table == TableArg::Transactions
        && let Some(warning) = spec.scenario().profile().uncovered_years(&spec.range())
    {
        // Not an error: the data is valid, only without holiday effects there.
        if !quiet {
            eprintln!("cardgen: warning: {warning}");
        }
    }
    let signals = Signals::install().context("could not install signal handlers")?;
    let mut run = RunOptions::new(threads);
    run.codec = args.compression;
    run.overwrite = args.overwrite;
    run.max_in_flight = Some(credits);
    run.cancel = Arc::clone(&signals.stop);
    let options = WriteOptions {
        batch_rows: args.batch_rows,
        run,
    };

    // Every table's generator and plan first, so that a table that cannot
    // be written is refused before any file is started.
    let jobs: Vec<(Arc<dyn TableGenerator>, BatchPlan, &Path)> = match args.table {
        TableArg::Reference => vec![(
            Arc::new(ReferenceGenerator::new(args.seed, args.rows)),
            BatchPlan::new(args.rows, args.batch_rows)?,
            args.out.as_path(),
        )],
        TableArg::Transactions => {
            let dataset = spec.build().context("could not set up the generator")?;
            outputs
                .iter()
                .map(|(table, path)| {
                    let plan = dataset.write_plan(*table, &options).map_err(|e| match e {
                        cardgen::Error::Spec(spec) => usage_error(&spec).into(),
                        other => anyhow::Error::from(other),
                    })?;
                    Ok((dataset.generator(*table)?, plan, path.as_path()))
                })
                .collect::<anyhow::Result<_>>()?
        }
    };
    let show_bar = !quiet && !verbose && !args.no_progress && std::io::stderr().is_terminal();
    for (generator, plan, path) in jobs {
        write_one(
            generator.as_ref(),
            plan,
            path,
            &options,
            &signals,
            show_bar,
            quiet,
        )?;
    }
    Ok(())
}

/// Writes one table's file, with a progress bar if `show_bar`, and reports it
/// in one line unless `quiet`.
fn write_one(
    generator: &dyn TableGenerator,
    plan: BatchPlan,
    path: &Path,
    options: &WriteOptions,
    signals: &Signals,
    show_bar: bool,
    quiet: bool,
) -> anyhow::Result<()> {
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
    let result = write_parquet(generator, plan, path, &options.run, observer);
    if let Some(bar) = &bar {
        bar.finish();
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(PipelineError::Cancelled) => {
            let status = signals.exit_status().unwrap_or(crate::EXIT_FAILURE);
            return Err(Interrupted {
                status,
                removed: temp_path(path),
            }
            .into());
        }
        Err(err) => {
            return Err(err).with_context(|| format!("generating {} failed", path.display()));
        }
    };
    if !quiet {
        let line = summary_line(
            &path.display().to_string(),
            summary.rows,
            summary.bytes,
            summary.elapsed,
            peak_rss_bytes(),
        );
        eprintln!("{line}");
    }
    Ok(())
}

/// Checks that need more than one flag, or the file system, before any work.
/// Returns the number of batches allowed in flight and the specification.
fn validate(
    args: &GenerateArgs,
    threads: usize,
    outputs: &[(Table, PathBuf)],
) -> Result<(usize, DatasetSpec), UsageError> {
    let budget = |e| usage_error(&SpecError::from(e));
    check_row_groups(args.rows, args.batch_rows).map_err(budget)?;
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
