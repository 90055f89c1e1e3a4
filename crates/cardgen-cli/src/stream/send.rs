//! The sending half of `cardgen stream`: flags to the library's stream
//! options, the stream itself, its summary line and how it ends.

use std::sync::Arc;

use anyhow::Context;
use cardgen::stream::{StreamOptions, StreamSummary, avro_schema, stream};
use cardgen::{Error, Progress};

use super::StreamArgs;
use crate::flags::usage_error;
use crate::signals::Signals;
use crate::summary::thousands;
use crate::{Interrupted, UsageError};

/// The options the flags describe, checked; errors name the flag.
pub fn options(args: &StreamArgs) -> Result<StreamOptions, UsageError> {
    let options = StreamOptions::from_pairs(args.pairs()).map_err(|e| match e {
        Error::Spec(spec) => usage_error(&spec),
        other => UsageError(other.to_string()),
    })?;
    options.validate().map_err(|e| usage_error(&e))?;
    Ok(options)
}

/// `cardgen stream`: SIGINT or SIGTERM sends what is in flight, brings the
/// checkpoint up to date and exits 130 or 143 saying where to go on.
pub fn run(args: &StreamArgs, quiet: bool) -> anyhow::Result<()> {
    let options = options(args)?;
    if let Some(what) = &args.print_schema {
        println!("{}", avro_schema(&options, what == "labels")?);
        return Ok(());
    }
    let signals = Signals::install().context("could not install signal handlers")?;
    let options = options.with_cancel(Arc::clone(&signals.stop));
    match stream(&options, &Quiet) {
        Ok(summary) => {
            if !quiet {
                eprintln!("{}", summary_line(&summary, &options));
            }
            Ok(())
        }
        Err(Error::Spec(spec)) => Err(usage_error(&spec).into()),
        Err(Error::Interrupted { cleaned }) => Err(Interrupted {
            status: signals.exit_status().unwrap_or(crate::EXIT_FAILURE),
            cleaned: crate::flags::keys_to_flags(&cleaned),
        }
        .into()),
        Err(Error::Sink { sink, reason }) => Err(anyhow::anyhow!(
            "{sink}: {}",
            crate::flags::keys_to_flags(&reason)
        )),
        Err(err) => Err(err.into()),
    }
}

/// stdout may carry the events: nothing is drawn while they flow.
struct Quiet;

impl Progress for Quiet {
    fn advanced(&self, _: &str, _: u64, _: u64) {}
}

fn summary_line(summary: &StreamSummary, options: &StreamOptions) -> String {
    let seconds = summary.elapsed.as_secs_f64().max(1e-9);
    let labels = match options.labels_to() {
        Some(to) => format!(" and {} labels to {to}", thousands(summary.labels)),
        None => String::new(),
    };
    format!(
        "cardgen: sent {} events to {}{labels} in {:.1} s ({} events/s)",
        thousands(summary.events),
        options.to(),
        seconds,
        thousands((summary.events as f64 / seconds) as u64),
    )
}
