//! `cardgen generate`: validate, build the generator, run, report.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use cardgen_core::reference::ReferenceGenerator;
use cardgen_core::{
    BatchPlan, DateRange, Profile, TableGenerator, TransactionGenerator, TransactionsOptions,
};
use cardgen_pipeline::output::{check_destination, temp_path};
use cardgen_pipeline::{NoObserver, Observer, PipelineError, RunOptions, write_parquet};
use chrono::NaiveDate;

use crate::args::{BenchArgs, GenerateArgs, MAX_BATCHES, Table};
use crate::fault::{self, Faulty};
use crate::progress::ProgressBarObserver;
use crate::signals::Signals;
use crate::summary::{peak_rss_bytes, summary_line};
use crate::{Interrupted, UsageError, memory};

/// The `transactions` generator for the given options and the default profile.
pub fn transaction_generator(
    seed: u64,
    rows: u64,
    start: NaiveDate,
    days: u32,
) -> anyhow::Result<TransactionGenerator> {
    let options = TransactionsOptions {
        seed,
        rows,
        range: DateRange { start, days },
    };
    TransactionGenerator::new(options, Arc::new(Profile::korean_default()))
        .context("could not set up the generator")
}

/// The generator for `table`.
pub fn table_generator(
    table: Table,
    seed: u64,
    rows: u64,
    start: NaiveDate,
    days: u32,
) -> anyhow::Result<Box<dyn TableGenerator>> {
    Ok(match table {
        Table::Transactions => Box::new(transaction_generator(seed, rows, start, days)?),
        Table::Reference => Box::new(ReferenceGenerator::new(seed, rows)),
    })
}

pub fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date");
    let generator = table_generator(args.table, args.seed, args.rows, start, 365)?;
    crate::bench::run_bench(args, generator.as_ref())
}

pub fn run(args: &GenerateArgs, quiet: bool, verbose: bool) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or_else(num_cpus::get);
    let credits = validate(args, threads)?;
    let signals = Signals::install().context("could not install signal handlers")?;
    let plan = BatchPlan::new(args.rows, args.batch_rows)?;
    let generator = table_generator(args.table, args.seed, args.rows, args.start, args.days)?;
    let mut run_options = RunOptions::new(threads);
    run_options.codec = args.compression;
    run_options.overwrite = args.overwrite;
    run_options.max_in_flight = Some(credits);
    run_options.cancel = Arc::clone(&signals.stop);
    tracing::debug!(
        target: "cardgen::generate",
        table = generator.name(),
        rows = args.rows,
        batches = plan.batch_count(),
        threads,
        credits,
        "starting"
    );

    let faulty = fault::from_env().map(|fault| Faulty {
        inner: generator.as_ref(),
        fault,
    });
    let table: &dyn TableGenerator = match &faulty {
        Some(faulty) => faulty,
        None => generator.as_ref(),
    };
    let show_bar = !quiet && !verbose && !args.no_progress && std::io::stderr().is_terminal();
    let bar = show_bar.then(|| ProgressBarObserver::new(args.rows));
    let observer: &dyn Observer = match &bar {
        Some(bar) => bar,
        None => &NoObserver,
    };
    let result = write_parquet(table, plan, &args.out, &run_options, observer);
    if let Some(bar) = &bar {
        bar.finish();
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(PipelineError::Cancelled) => {
            let status = signals.exit_status().unwrap_or(crate::EXIT_FAILURE);
            return Err(Interrupted {
                status,
                removed: temp_path(&args.out),
            }
            .into());
        }
        Err(err) => {
            return Err(err).with_context(|| format!("generating {} failed", args.out.display()));
        }
    };
    if !quiet {
        eprintln!(
            "{}",
            summary_line(
                &args.out.display().to_string(),
                summary.rows,
                summary.bytes,
                summary.elapsed,
                peak_rss_bytes()
            )
        );
    }
    Ok(())
}

/// Checks that need more than one flag, or the file system, before any work.
/// Returns the number of batches allowed in flight.
fn validate(args: &GenerateArgs, threads: usize) -> Result<usize, UsageError> {
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
    let credits = memory::credits_for(
        threads,
        args.batch_rows,
        args.max_in_flight,
        args.max_memory,
    )?;
    check_destination(&args.out, args.overwrite).map_err(|e| match e {
        PipelineError::OutputExists { path } => UsageError(format!(
            "--out {} already exists; pass --overwrite to replace it",
            path.display()
        )),
        other => UsageError(format!("--out: {other}")),
    })?;
    ensure_parent_dir(&args.out)?;
    Ok(credits)
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
