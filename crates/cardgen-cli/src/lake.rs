//! Datasets in parts on the command line: `finish`, and `verify` of a
//! dataset in parts (`generate --parts` is `generate`'s). The `cardgen`
//! library checks and verifies; this module reports.

use cardgen::lake::{self, LakeError};
use cardgen::pipeline::storage::{self, Storage, StorageError};
use cardgen::{Error, Setting};

use crate::UsageError;
use crate::args::FinishArgs;
use crate::flags::{flag, usage_error};
use crate::summary::thousands;

/// Opens `out` as storage; a URL scheme that is unknown or not compiled
/// in is bad input.
pub fn open_storage(out: &str) -> Result<Box<dyn Storage>, UsageError> {
    storage::open(out).map_err(|e| UsageError(format!("{} {e}", flag(Setting::Out))))
}

/// `cardgen finish OUT`.
pub fn finish(args: &FinishArgs, quiet: bool) -> anyhow::Result<()> {
    let storage = open_storage(&args.out)?;
    let finished =
        lake::finish(storage.as_ref(), args.catalog.as_deref()).map_err(|e| match e {
            Error::Lake(LakeError::Storage(
                e @ (StorageError::Config { .. }
                | StorageError::SchemeNotCompiled { .. }
                | StorageError::UnknownScheme { .. }),
            )) => UsageError(e.to_string()).into(),
            Error::Spec(spec) => usage_error(&spec).into(),
            other => anyhow::Error::from(other),
        })?;
    if !quiet {
        for line in commit_lines(&finished.tables) {
            println!("{line}");
        }
        let summary = finished.checked.summary();
        println!("PASS {}: {summary}; wrote _SUCCESS", args.out);
    }
    Ok(())
}

/// One line per table committed in a table format.
pub fn commit_lines(tables: &[lake::TableCommit]) -> Vec<String> {
    tables
        .iter()
        .map(|t| {
            let what = if t.new {
                "committed"
            } else {
                "already committed"
            };
            format!(
                "{what} {:<14} {} version {} ({} files)",
                t.table,
                t.format,
                t.version,
                thousands(t.files as u64)
            )
        })
        .collect()
}

/// `cardgen verify OUT` of a dataset in parts: every part and file against
/// the manifest, CRC-32s included. Returns whether all passed.
pub fn verify(storage: &dyn Storage, quiet: bool) -> Result<bool, String> {
    let checked = lake::check(storage, true).map_err(|e| crate::one_line(&e.into()))?;
    let out = storage.location("");
    if !quiet {
        for (table, rows) in checked.rows() {
            println!("ok   {table:<20} {} rows", thousands(rows));
        }
    }
    if !checked.missing_parts.is_empty() {
        println!("FAIL {:<20} {}", "parts", checked.summary());
    }
    for problem in &checked.problems {
        println!("FAIL {:<20} {}: {}", "file", problem.name, problem.problem);
    }
    let complete = checked.is_complete();
    let mark = if complete { "PASS" } else { "FAIL" };
    println!("{mark} {out}: {}", checked.summary());
    Ok(complete)
}

/// Whether `path` is a dataset in parts: a URL, or a directory holding a manifest.
pub fn is_lake(path: &str) -> bool {
    storage::is_url(path)
        || std::path::Path::new(path)
            .join(lake::DATASET_MANIFEST)
            .exists()
}
