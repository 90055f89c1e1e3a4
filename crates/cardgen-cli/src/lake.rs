//! Datasets in parts on the command line: `generate --parts`, `finish`,
//! and `verify` of a dataset in parts. Flags become lake options; the
//! `cardgen` library checks, writes and verifies; this module reports.

use anyhow::Context;
use cardgen::lake::{self, LakeError};
use cardgen::pipeline::storage::{self, Storage, StorageError};
use cardgen::{Dataset, Error, LakeOptions, Table, WriteOptions};
use cardgen_pipeline::{NoObserver, Observer, PipelineError};

use crate::args::{FinishArgs, GenerateArgs, TableArg};
use crate::flags::{flag_of_key, usage_error};
use crate::progress::ProgressBarObserver;
use crate::signals::Signals;
use crate::summary::{Written, WrittenFile, peak_rss_bytes, summary_line, thousands};
use crate::{Interrupted, UsageError};

/// The lake options the flags ask for, or `None` for a plain file or
/// directory; refuses flags that need others.
pub fn options(args: &GenerateArgs) -> Result<Option<LakeOptions>, UsageError> {
    let wanted = args.parts.is_some()
        || args.partition_by.is_some()
        || args.target_file_size.is_some()
        || args.writers.is_some();
    if args.part.is_some() && args.parts.is_none() {
        return Err(UsageError(
            "--part needs --parts N (the number of parts it is one of)".into(),
        ));
    }
    if !wanted {
        return Ok(None);
    }
    let flag = if args.parts.is_some() {
        "--parts"
    } else if args.partition_by.is_some() {
        "--partition-by"
    } else if args.target_file_size.is_some() {
        "--target-file-size"
    } else {
        "--writers"
    };
    if args.table == TableArg::Reference {
        return Err(UsageError(format!(
            "{flag} writes a dataset in parts; the reference table is written as one file"
        )));
    }
    if names_a_file(&args.out.to_string_lossy()) {
        return Err(UsageError(format!(
            "{flag} writes a dataset directory, but --out {} names a .parquet file; give a directory or a URL prefix",
            args.out.display()
        )));
    }
    let lake = LakeOptions {
        parts: args.parts.unwrap_or(1),
        part: args.part,
        partition_by: args.partition_by.unwrap_or_default(),
        target_file_bytes: args
            .target_file_size
            .unwrap_or(lake::DEFAULT_TARGET_FILE_BYTES),
        writers: args.writers,
    };
    lake.validate().map_err(|e| usage_error(&e))?;
    Ok(Some(lake))
}

/// Whether `out` names a single Parquet file rather than a directory.
pub fn names_a_file(out: &str) -> bool {
    out.rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("parquet"))
}

/// Opens `--out` as storage; a URL scheme that is unknown or not compiled
/// in is bad input.
pub fn open_storage(out: &str) -> Result<Box<dyn Storage>, UsageError> {
    storage::open(out).map_err(|e| UsageError(format!("--out {e}")))
}

/// A library error in the command line's words: bad input becomes a
/// [`UsageError`] naming the flag; anything else stays a failure.
pub fn classify(err: Error, out: &str) -> anyhow::Error {
    match err {
        Error::Spec(spec) => usage_error(&spec).into(),
        Error::Lake(lake) => match lake {
            LakeError::OptionsDiffer {
                key, ours, theirs, ..
            } => UsageError(format!(
                "{}: {out} was written with {key} = {theirs}, not {ours}; pass the same options as its other parts, or another --out",
                flag_of_key(&key)
            ))
            .into(),
            LakeError::CannotReplace {
                key, ours, theirs, ..
            } => UsageError(format!(
                "{}: {out} was written with {key} = {theirs}, not {ours}; --overwrite with --part cannot change a dataset's options (write all parts in one run, or remove it first)",
                flag_of_key(&key)
            ))
            .into(),
            LakeError::PartExists { part, .. } => UsageError(format!(
                "--part {part}: {out} already holds part {part}; pass --overwrite to write it again"
            ))
            .into(),
            LakeError::Storage(
                e @ (StorageError::Config { .. }
                | StorageError::SchemeNotCompiled { .. }
                | StorageError::UnknownScheme { .. }),
            ) => UsageError(format!("--out {e}")).into(),
            other => anyhow::Error::from(other),
        },
        other => anyhow::Error::from(other),
    }
}

/// Writes the parts `lake` names, reports them unless `quiet`, and says
/// which files they hold. The library checks everything that could refuse
/// the run before it writes anything; those refusals come back as usage
/// errors naming the flag.
pub fn generate(
    dataset: &Dataset,
    storage: &dyn Storage,
    lake: &LakeOptions,
    options: &WriteOptions,
    signals: &Signals,
    show_bar: bool,
    quiet: bool,
) -> anyhow::Result<Written> {
    let out = storage.location("");
    let rows: u64 = lake
        .local_parts()
        .flat_map(|part| Table::ALL.map(|t| lake::part_rows(dataset.rows(t), part, lake.parts)))
        .map(|r| r.end - r.start)
        .sum();
    let bar = show_bar.then(|| ProgressBarObserver::new(rows));
    let observer: &dyn Observer = match &bar {
        Some(bar) => bar,
        None => &NoObserver,
    };
    let result = dataset.write_lake(storage, lake, options, observer);
    if let Some(bar) = &bar {
        bar.finish();
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(Error::Pipeline(PipelineError::Cancelled)) => {
            let status = signals.exit_status().unwrap_or(crate::EXIT_FAILURE);
            return Err(Interrupted {
                status,
                cleaned: format!(
                    "removed the partial files; the parts finished before are kept in {out}"
                ),
            }
            .into());
        }
        Err(err) => {
            let err = classify(err, &out);
            if err.is::<UsageError>() {
                return Err(err);
            }
            return Err(err).with_context(|| format!("writing {out} failed"));
        }
    };
    let written = Written {
        files: summary
            .parts
            .iter()
            .flat_map(|part| &part.tables)
            .flat_map(|table| {
                table.files.iter().map(|file| WrittenFile {
                    table: table.name.clone(),
                    location: storage.location(&file.name),
                    rows: file.rows,
                    bytes: file.bytes,
                })
            })
            .collect(),
        elapsed: summary.elapsed,
    };
    if quiet {
        return Ok(written);
    }
    for table in Table::ALL {
        let (rows, files, bytes) = summary.totals(table);
        eprintln!(
            "{table}: {} rows in {files} files, {:.1} MB",
            thousands(rows),
            bytes as f64 / 1e6
        );
    }
    let (fact_rows, _, _) = summary.totals(Table::Transactions);
    let bytes: u64 = Table::ALL.map(|t| summary.totals(t).2).iter().sum();
    let what = match lake.part {
        Some(part) => format!("part {part} of {}", lake.parts),
        None => format!("{} parts", lake.parts),
    };
    eprintln!(
        "{}",
        summary_line(
            &format!("{out} ({what})"),
            fact_rows,
            bytes,
            summary.elapsed,
            peak_rss_bytes()
        )
    );
    if summary.finished {
        let marker = storage.location(lake::SUCCESS_MARKER);
        eprintln!("all parts present and checked; wrote {marker}");
    } else {
        eprintln!("once every part is written, run: cardgen finish {out}");
    }
    Ok(written)
}

/// `cardgen finish OUT`.
pub fn finish(args: &FinishArgs, quiet: bool) -> anyhow::Result<()> {
    let storage = open_storage(&args.out)?;
    let checked = lake::finish(storage.as_ref()).map_err(|e| classify(e, &args.out))?;
    if !quiet {
        println!("PASS {}: {}; wrote _SUCCESS", args.out, checked.summary());
    }
    Ok(())
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
