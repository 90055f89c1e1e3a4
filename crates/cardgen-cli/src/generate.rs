//! `cardgen generate`: validate, build the world, run each table, report.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use cardgen_core::dimensions::{CardsGenerator, CustomersGenerator, MerchantsGenerator};
use cardgen_core::pan::PanMask;
use cardgen_core::reference::ReferenceGenerator;
use cardgen_core::{
    BatchPlan, DateRange, Profile, TableGenerator, TransactionGenerator, World, WorldOptions,
};
use cardgen_pipeline::output::{check_destination, temp_path};
use cardgen_pipeline::{NoObserver, Observer, PipelineError, RunOptions, write_parquet};
use chrono::NaiveDate;

use crate::args::{BenchArgs, GenerateArgs, MAX_BATCHES, PanMaskArg, Table};
use crate::fault::{self, Faulty};
use crate::progress::ProgressBarObserver;
use crate::signals::Signals;
use crate::summary::{peak_rss_bytes, summary_line};
use crate::{Interrupted, UsageError, config, memory};

/// The tables of a dataset directory, in the order they are written.
pub const DATASET_TABLES: [&str; 4] = ["transactions", "customers", "cards", "merchants"];

/// A profile and the label that records it in file metadata.
#[derive(Debug, Clone)]
pub struct LoadedProfile {
    pub profile: Arc<Profile>,
    pub label: String,
}

/// The profile to use: the built-in one, or the scenario file (read once).
pub fn load_profile(config: Option<&Path>) -> Result<LoadedProfile, UsageError> {
    let (profile, label) = match config {
        None => (Profile::korean_default(), "korean_default".to_string()),
        Some(path) => {
            let profile = config::load(path)?;
            let label = format!(
                "file:{} crc32={:08x}",
                path.display(),
                profile_crc(&profile)
            );
            (profile, label)
        }
    };
    Ok(LoadedProfile {
        profile: Arc::new(profile),
        label,
    })
}

/// A fingerprint of a profile's content, to tell scenario files apart.
pub fn profile_crc(profile: &Profile) -> u32 {
    crc32fast::hash(
        toml::to_string(profile)
            .expect("the profile serialises")
            .as_bytes(),
    )
}

pub struct WorldSpec<'a> {
    pub seed: u64,
    pub rows: u64,
    pub start: NaiveDate,
    pub days: u32,
    pub customers: Option<u64>,
    pub merchants: Option<u64>,
    pub profile: &'a LoadedProfile,
}

pub fn build_world(spec: &WorldSpec<'_>) -> anyhow::Result<Arc<World>> {
    let options = WorldOptions {
        seed: spec.seed,
        rows: spec.rows,
        range: DateRange {
            start: spec.start,
            days: spec.days,
        },
        customers: spec.customers,
        merchants: spec.merchants,
        profile_label: spec.profile.label.clone(),
    };
    Ok(Arc::new(
        World::build(options, Arc::clone(&spec.profile.profile))
            .context("could not set up the generator")?,
    ))
}

fn pan_mask(arg: PanMaskArg) -> PanMask {
    match arg {
        PanMaskArg::KrReceipt => PanMask::KrReceipt,
        PanMaskArg::Pci => PanMask::Pci,
        PanMaskArg::Last4 => PanMask::Last4,
    }
}

/// The generator of one dataset table, with its row count.
pub fn dataset_table(
    world: &Arc<World>,
    table: &str,
    emit_pan: bool,
    mask: PanMask,
) -> anyhow::Result<(Box<dyn TableGenerator>, u64)> {
    let w = Arc::clone(world);
    Ok(match table {
        "transactions" => (Box::new(TransactionGenerator::new(w)?), world.options.rows),
        "customers" => (Box::new(CustomersGenerator::new(w)), world.sizes.customers),
        "cards" => (
            Box::new(CardsGenerator::new(w, emit_pan, mask)),
            world.sizes.cards,
        ),
        "merchants" => (Box::new(MerchantsGenerator::new(w)), world.sizes.merchants),
        other => anyhow::bail!("unknown table `{other}`"),
    })
}

pub fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date");
    let generator: Box<dyn TableGenerator> = match args.table {
        Table::Reference => Box::new(ReferenceGenerator::new(args.seed, args.rows)),
        Table::Transactions => {
            let spec = WorldSpec {
                seed: args.seed,
                rows: args.rows,
                start,
                days: 365,
                customers: None,
                merchants: None,
                profile: &load_profile(None)?,
            };
            Box::new(TransactionGenerator::new(build_world(&spec)?)?)
        }
    };
    crate::bench::run_bench(args, generator.as_ref())
}

/// Where `--out` sends the data: one file, or a dataset directory.
fn outputs(args: &GenerateArgs) -> Vec<(&'static str, PathBuf)> {
    let is_file = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if is_file || args.table == Table::Reference {
        vec![("transactions", args.out.clone())]
    } else {
        DATASET_TABLES
            .iter()
            .map(|t| (*t, args.out.join(format!("{t}.parquet"))))
            .collect()
    }
}

pub fn run(args: &GenerateArgs, quiet: bool, verbose: bool) -> anyhow::Result<()> {
    let threads = args.threads.unwrap_or_else(num_cpus::get);
    let outputs = outputs(args);
    let (credits, profile) = validate(args, threads, &outputs)?;
    let signals = Signals::install().context("could not install signal handlers")?;
    let mut run_options = RunOptions::new(threads);
    run_options.codec = args.compression;
    run_options.overwrite = args.overwrite;
    run_options.max_in_flight = Some(credits);
    run_options.cancel = Arc::clone(&signals.stop);

    let world = match args.table {
        Table::Reference => None,
        Table::Transactions => Some(build_world(&WorldSpec {
            seed: args.seed,
            rows: args.rows,
            start: args.start,
            days: args.days,
            customers: args.customers,
            merchants: args.merchants,
            profile: &profile,
        })?),
    };
    for (table, path) in &outputs {
        let (generator, rows): (Box<dyn TableGenerator>, u64) = match &world {
            None => (
                Box::new(ReferenceGenerator::new(args.seed, args.rows)),
                args.rows,
            ),
            Some(world) => dataset_table(world, table, args.emit_pan, pan_mask(args.pan_mask))?,
        };
        let plan = BatchPlan::new(rows, args.batch_rows)?;
        tracing::debug!(target: "cardgen::generate", table, rows, batches = plan.batch_count(), threads, credits, "starting");
        let faulty = fault::from_env().map(|fault| Faulty {
            inner: generator.as_ref(),
            fault,
        });
        let table_generator: &dyn TableGenerator = match &faulty {
            Some(faulty) => faulty,
            None => generator.as_ref(),
        };
        let show_bar = !quiet && !verbose && !args.no_progress && std::io::stderr().is_terminal();
        let bar = show_bar.then(|| ProgressBarObserver::new(rows));
        let observer: &dyn Observer = match &bar {
            Some(bar) => bar,
            None => &NoObserver,
        };
        let result = write_parquet(table_generator, plan, path, &run_options, observer);
        if let Some(bar) = &bar {
            bar.finish();
        }
        let summary = match result {
            Ok(summary) => summary,
            Err(PipelineError::Cancelled) => {
                let status = signals.exit_status().unwrap_or(crate::EXIT_FAILURE);
                return Err(Interrupted {
                    status,
                    removed: temp_path(path),
                }
                .into());
            }
            Err(err) => {
                return Err(err).with_context(|| format!("generating {} failed", path.display()));
            }
        };
        if !quiet {
            let line = summary_line(
                &path.display().to_string(),
                summary.rows,
                summary.bytes,
                summary.elapsed,
                peak_rss_bytes(),
            );
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// Checks that need more than one flag, or the file system, before any work.
/// Returns the number of batches allowed in flight and the profile.
fn validate(
    args: &GenerateArgs,
    threads: usize,
    outputs: &[(&str, PathBuf)],
) -> Result<(usize, LoadedProfile), UsageError> {
    let batches = args.rows.div_ceil(args.batch_rows);
    if batches > MAX_BATCHES {
        return Err(UsageError(format!(
            "--batch-rows {} gives {batches} row groups for --rows {}; a Parquet file holds at most {MAX_BATCHES}: raise --batch-rows to at least {}",
            args.batch_rows,
            args.rows,
            args.rows.div_ceil(MAX_BATCHES)
        )));
    }
    if args
        .start
        .checked_add_days(chrono::Days::new(u64::from(args.days)))
        .is_none()
    {
        return Err(UsageError(format!(
            "--start {} with --days {} runs past the last supported date",
            args.start, args.days
        )));
    }
    let profile = load_profile(args.config.as_deref())?;
    let max_days = cardgen_core::world::max_days(&profile.profile);
    if args.table == Table::Transactions && args.days > max_days {
        return Err(UsageError(format!(
            "--days {} is longer than cards stay valid (cards.validity_years = {}): at most {max_days} days",
            args.days, profile.profile.cards.validity_years
        )));
    }
    let credits = memory::credits_for(
        threads,
        args.batch_rows,
        args.max_in_flight,
        args.max_memory,
    )?;
    for (_, path) in outputs {
        check_destination(path, args.overwrite).map_err(|e| match e {
            PipelineError::OutputExists { path } => UsageError(format!(
                "--out: {} already exists; pass --overwrite to replace it",
                path.display()
            )),
            other => UsageError(format!("--out: {other}")),
        })?;
        ensure_parent_dir(path)?;
    }
    Ok((credits, profile))
}

fn ensure_parent_dir(out: &Path) -> Result<(), UsageError> {
    match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| {
            UsageError(format!(
                "--out {}: cannot create directory {}: {e}",
                out.display(),
                dir.display()
            ))
        }),
        None => Ok(()),
    }
}
