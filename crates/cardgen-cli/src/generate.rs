//! `cardgen generate`: validate, build the generator, run, report.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use cardgen_core::{BatchPlan, DateRange, Profile, TransactionGenerator, TransactionsOptions};
use cardgen_pipeline::output::check_destination;
use cardgen_pipeline::{NoObserver, Observer, PipelineError, RunOptions, write_parquet};

use crate::UsageError;
use crate::args::{GenerateArgs, MAX_BATCHES};
use crate::progress::ProgressBarObserver;
use crate::summary::{peak_rss_bytes, summary_line};

pub fn run(args: &GenerateArgs, quiet: bool, verbose: bool) -> anyhow::Result<()> {
    validate(args)?;
    let threads = args.threads.unwrap_or_else(num_cpus::get);
    let plan = BatchPlan::new(args.rows, args.batch_rows)?;
    let options = TransactionsOptions {
        seed: args.seed,
        rows: args.rows,
        range: DateRange {
            start: args.start,
            days: args.days,
        },
    };
    let generator = TransactionGenerator::new(options, Arc::new(Profile::korean_default()))
        .context("could not set up the generator")?;
    let mut run_options = RunOptions::new(threads);
    run_options.codec = args.compression;
    run_options.overwrite = args.overwrite;
    run_options.max_in_flight = args.max_in_flight;
    tracing::debug!(
        target: "cardgen::generate",
        rows = args.rows,
        batches = plan.batch_count(),
        threads,
        credits = run_options.credits(),
        customers = generator.population().customers,
        cards = generator.population().cards,
        merchants = generator.population().merchants,
        "starting"
    );

    let show_bar = !quiet && !verbose && !args.no_progress && std::io::stderr().is_terminal();
    let bar = show_bar.then(|| ProgressBarObserver::new(args.rows));
    let observer: &dyn Observer = match &bar {
        Some(bar) => bar,
        None => &NoObserver,
    };
    let result = write_parquet(&generator, plan, &args.out, &run_options, observer);
    if let Some(bar) = &bar {
        bar.finish();
    }
    let summary = result.with_context(|| format!("generating {} failed", args.out.display()))?;
    if !quiet {
        eprintln!(
            "{}",
            summary_line(
                &summary.path.display().to_string(),
                summary.rows,
                summary.file_bytes,
                summary.elapsed,
                peak_rss_bytes()
            )
        );
    }
    Ok(())
}

/// Checks that need more than one flag, or the file system, before any work.
fn validate(args: &GenerateArgs) -> Result<(), UsageError> {
    let batches = args.rows.div_ceil(args.batch_rows);
    if batches > MAX_BATCHES {
        return Err(UsageError(format!(
            "--batch-rows {} gives {batches} row groups for --rows {}; a Parquet file holds at most {MAX_BATCHES}: raise --batch-rows to at least {}",
            args.batch_rows,
            args.rows,
            args.rows.div_ceil(MAX_BATCHES)
        )));
    }
    if args
        .start
        .checked_add_days(chrono::Days::new(u64::from(args.days)))
        .is_none()
    {
        return Err(UsageError(format!(
            "--start {} with --days {} runs past the last supported date",
            args.start, args.days
        )));
    }
    check_destination(&args.out, args.overwrite).map_err(|e| match e {
        PipelineError::OutputExists { path } => UsageError(format!(
            "--out {} already exists; pass --overwrite to replace it",
            path.display()
        )),
        other => UsageError(other.to_string()),
    })?;
    ensure_parent_dir(&args.out)
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
