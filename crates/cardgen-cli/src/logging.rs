//! Logging through `tracing`: warnings by default, per-batch lines with `-v`,
//! or whatever `RUST_LOG` says. Colour only when stderr is a terminal (and
//! `NO_COLOR` is unset), so a log piped or redirected to a file is plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Libraries that log, at error level, what cardgen handles or reports
/// itself, left out unless `RUST_LOG` asks:
/// - librdkafka (and rdkafka's default client context) log each failed
///   connection attempt, while a stream reports a broker it cannot reach
///   once, in one line of its own. Their lines reach `tracing` whenever the
///   `log` bridge is on (the lakehouse crates' dependencies switch it on).
/// - Delta's kernel logs "No files in log segment" when a table is looked
///   for before it exists, which is how every first commit begins.
const QUIET_TARGETS: &str = "librdkafka=off,rdkafka=off,buoyant_kernel=off,delta_kernel=off";

pub fn init(quiet: bool, verbose: bool) {
    let level = if quiet {
        "error"
    } else if verbose {
        "warn,cardgen=debug"
    } else {
        "warn"
    };
    let default = format!("{level},{QUIET_TARGETS}");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .with_target(false)
        .try_init();
}

/// Whether log lines may carry ANSI colour codes.
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
