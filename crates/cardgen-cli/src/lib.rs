//! The cardgen command-line tool as a library: argument parsing, the
//! `generate`, `finish`, `verify`, `bench` and `config` commands, progress
//! and summary output. `main.rs` only calls [`run`], which returns the exit
//! code. What a run is and how it is written belong to the `cardgen`
//! library, which the Python package uses too.

pub mod args;
pub mod bench;
pub mod chart;
pub mod config;
pub mod fault;
pub mod flags;
pub mod generate;
pub mod lake;
pub mod logging;
pub mod progress;
pub mod signals;
pub mod stream;
pub mod summary;
pub mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// A mistake in the command line: reported in one line, exit code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A run stopped by a signal; partial files have been removed (or their
/// uploads aborted). `cleaned` says what, e.g. `removed the partial file X`.
#[derive(Debug)]
pub struct Interrupted {
    pub status: u8,
    pub cleaned: String,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupted; {}", self.cleaned)
    }
}

impl std::error::Error for Interrupted {}

/// Exit code for bad input.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a failed run.
pub const EXIT_FAILURE: u8 = 1;

/// Runs the tool with `argv`, printing errors to stderr; returns the exit code.
pub fn run(argv: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => return clap_exit(err),
    };
    logging::init(cli.quiet, cli.verbose);
    // A panicking worker is reported once, as an error naming the batch; the
    // default hook's multi-line message goes to the debug log instead.
    std::panic::set_hook(Box::new(
        |info| tracing::debug!(target: "cardgen::panic", "{info}"),
    ));
    let result = match &cli.command {
        Command::Generate(args) => generate::run(args, cli.quiet, cli.verbose),
        Command::Stream(args) => stream::run(args, cli.quiet),
        Command::Bench(args) => bench::run(args),
        Command::Config(args) => config::run(args),
        Command::Finish(args) => lake::finish(args, cli.quiet),
        Command::Verify(args) => {
            return if verify::run(args, cli.quiet) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_FAILURE)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cardgen: error: {}", one_line(&err));
            if let Some(interrupted) = err.downcast_ref::<Interrupted>() {
                ExitCode::from(interrupted.status)
            } else if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
}

/// The error and its causes on one line, each said once: libraries (parquet's
/// `External` errors, for one) often repeat their source in their own message.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Help and version go to stdout in full; errors are cut to their first line,
/// which names the flag, the value and what is accepted.
fn clap_exit(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::from(EXIT_USAGE)
        }
        _ => {
            let rendered = err.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            let message = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("cardgen: error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
