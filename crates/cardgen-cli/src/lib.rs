//! The cardgen command-line tool as a library: argument parsing, the
//! `generate` command, progress and summary output. `main.rs` only calls
//! [`run`] and turns its result into an exit code.

pub mod args;
pub mod count;
pub mod generate;
pub mod logging;
pub mod progress;
pub mod summary;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// A mistake in the command line: reported in one line, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

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
    let result = match &cli.command {
        Command::Generate(args) => generate::run(args, cli.quiet, cli.verbose),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole cause chain on one line.
            eprintln!("cardgen: error: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
    }
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
