//! Logging through `tracing`: warnings by default, per-batch lines with `-v`,
//! or whatever `RUST_LOG` says.

use tracing_subscriber::EnvFilter;

pub fn init(quiet: bool, verbose: bool) {
    let default = if quiet {
        "error"
    } else if verbose {
        "warn,cardgen=debug"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
