//! The `cardgen` binary; everything lives in the `cardgen_cli` library.

use std::process::ExitCode;

fn main() -> ExitCode {
    cardgen_cli::run(std::env::args_os())
}
