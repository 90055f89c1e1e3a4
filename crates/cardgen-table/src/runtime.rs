//! The format crates are async; a commit is a few requests made in order,
//! so it runs on a runtime of its own on the calling thread.

use tokio::runtime::{Builder, Runtime};

/// A runtime on the calling thread, with the clock and sockets the format
/// crates' object stores need.
pub(crate) fn runtime() -> std::io::Result<Runtime> {
    Builder::new_current_thread().enable_all().build()
}
