//! `cardgen generate`: flags become the library's options, the library
//! checks and writes them, and this draws the progress bar and says what
//! was written.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use cardgen::{Error, GenerateOptions, Progress, Table, Written, WrittenFile, generate};

use crate::args::GenerateArgs;
use crate::fault;
use crate::flags::usage_error;
use crate::progress::ProgressBar;
use crate::signals::Signals;
use crate::summary::{peak_rss_bytes, summary_line, thousands};
use crate::{Interrupted, UsageError};

/// The options the flags describe, checked; errors name the flag.
pub fn options(args: &GenerateArgs) -> Result<GenerateOptions, UsageError> {
    let options = GenerateOptions::from_pairs(args.pairs()).map_err(|e| match e {
        Error::Spec(spec) => usage_error(&spec),
        // clap knows every flag; a key it let through is a bug here.
        other => UsageError(other.to_string()),
    })?;
    options.validate().map_err(|e| usage_error(&e))?;
    Ok(options)
}

/// `cardgen generate`: stops cleanly on SIGINT and SIGTERM, shows a
/// progress bar on a terminal and reports each file in one line unless `quiet`.
pub fn run(args: &GenerateArgs, quiet: bool, verbose: bool) -> anyhow::Result<()> {
    let mut options = options(args)?;
    let signals = Signals::install().context("could not install signal handlers")?;
    options = options.with_cancel(Arc::clone(&signals.stop));
    if let Some(fault) = fault::from_env() {
        options = options.with_generator_wrapper(fault::wrapper(fault));
    }
    let show_bar = !quiet && !verbose && !args.no_progress && std::io::stderr().is_terminal();
    let report = Report {
        bar: show_bar.then(ProgressBar::new),
        quiet,
        // A dataset in parts is summed up per table at the end, not per file.
        per_file: options.lake().is_none(),
    };
    let result = generate(&options, &report);
    if let Some(bar) = &report.bar {
        bar.finish();
    }
    match result {
        Ok(written) => {
            if !quiet && let Some(lake) = &written.lake {
                lake_summary(&options, &written, lake);
            }
            Ok(())
        }
        Err(Error::Spec(spec)) => Err(usage_error(&spec).into()),
        Err(Error::Interrupted { cleaned }) => Err(Interrupted {
            status: signals.exit_status().unwrap_or(crate::EXIT_FAILURE),
            cleaned,
        }
        .into()),
        Err(err) => Err(err.into()),
    }
}

/// What a run shows while it writes.
struct Report {
    bar: Option<ProgressBar>,
    quiet: bool,
    per_file: bool,
}

impl Progress for Report {
    fn warning(&self, message: &str) {
        if !self.quiet {
            self.print(&format!("cardgen: warning: {message}"));
        }
    }

    fn planned(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.start(rows);
        }
    }

    fn advanced(&self, _table: &str, rows: u64, _bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.advance(rows);
        }
    }

    fn file_written(&self, file: &WrittenFile) {
        if self.quiet || !self.per_file {
            return;
        }
        let line = summary_line(
            &file.location,
            file.rows,
            file.bytes,
            file.elapsed,
            peak_rss_bytes(),
        );
        self.print(&line);
    }
}

impl Report {
    /// A line on stderr, above the bar if there is one.
    fn print(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

/// Rows, files and bytes per table of a dataset in parts, then one summary line.
fn lake_summary(options: &GenerateOptions, written: &Written, lake: &cardgen::LakeSummary) {
    for table in Table::ALL {
        let (rows, files, bytes) = lake.totals(table);
        eprintln!(
            "{table}: {} rows in {files} files, {:.1} MB",
            thousands(rows),
            bytes as f64 / 1e6
        );
    }
    let (fact_rows, _, _) = lake.totals(Table::Transactions);
    let bytes: u64 = written.files.iter().map(|f| f.bytes).sum();
    let out = options.out();
    // An append's parts are the dataset's unless given: the manifests say.
    let (range, parts) = lake.parts.first().map_or_else(
        || (0, options.lake().map_or(1, |l| l.parts)),
        |p| (p.range, p.parts),
    );
    let what = match options.part().0 {
        Some(part) => format!("part {part} of {parts}"),
        None if range > 0 => format!("range {range} appended, {parts} parts"),
        None => format!("{parts} parts"),
    };
    eprintln!(
        "{}",
        summary_line(
            &format!("{out} ({what})"),
            fact_rows,
            bytes,
            lake.elapsed,
            peak_rss_bytes()
        )
    );
    for line in crate::lake::commit_lines(&lake.tables) {
        eprintln!("{line}");
    }
    if lake.finished {
        let marker = format!(
            "{}/{}",
            out.trim_end_matches('/'),
            cardgen::lake::SUCCESS_MARKER
        );
        eprintln!("all parts present and checked; wrote {marker}");
    } else {
        eprintln!("once every part is written, run: cardgen finish {out}");
    }
}
