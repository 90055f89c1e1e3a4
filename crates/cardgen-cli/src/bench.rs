//! `cardgen bench`: throughput per thread count, measured in-process.
//!
//! For every repetition, every mode and every thread count (in that nesting,
//! so slow drift of the machine spreads evenly) it runs the pipeline on the
//! chosen table and records rows per second, bytes per second and the peak
//! RSS of that run. Modes split where time goes: `generate` (null sink: rows
//! only), `encode` (rows and Parquet encoding, nothing written) and `write`
//! (the real thing, to a file). Results: a table on stdout, `runs.csv`,
//! `summary.json` and `throughput.png` in `--out-dir`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use cardgen_core::{BatchPlan, TableGenerator};
use cardgen_pipeline::{NoObserver, RunOptions, Sink};
use serde::Serialize;

use crate::args::{BenchArgs, Mode, TableArg};
use crate::chart::{self, Series};
use crate::summary::peak_rss_bytes;

#[derive(Debug, Clone, Serialize)]
struct Run {
    mode: &'static str,
    threads: usize,
    rep: usize,
    rows: u64,
    seconds: f64,
    rows_per_sec: f64,
    bytes: u64,
    mb_per_sec: f64,
    peak_rss_mb: f64,
}

#[derive(Debug, Clone, Serialize)]
struct Summary {
    mode: &'static str,
    threads: usize,
    runs: usize,
    median_rows_per_sec: f64,
    min_rows_per_sec: f64,
    max_rows_per_sec: f64,
    median_mb_per_sec: f64,
    speedup: Option<f64>,
    efficiency: Option<f64>,
    peak_rss_mb: f64,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    table: &'a str,
    rows: u64,
    batch_rows: u64,
    compression: String,
    cores: usize,
    cpu: String,
    summaries: &'a [Summary],
}

/// Lets the next run's peak RSS be its own (Linux: reset VmHWM to current RSS).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `cardgen bench`: the default dataset's `transactions` (or the reference
/// table) at `--rows`, measured per thread count and mode.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let generator: std::sync::Arc<dyn TableGenerator> = match args.table {
        TableArg::Reference => std::sync::Arc::new(
            cardgen_core::reference::ReferenceGenerator::new(args.seed, args.rows),
        ),
        TableArg::Transactions => cardgen::DatasetSpec::new(args.rows)
            .with_seed(args.seed)
            .with_customers(args.customers)
            .build()
            .context("could not set up the generator")?
            .generator(cardgen::Table::Transactions)?,
    };
    run_bench(args, generator.as_ref())
}

fn run_bench(args: &BenchArgs, generator: &dyn TableGenerator) -> anyhow::Result<()> {
    let threads = args
        .threads
        .clone()
        .unwrap_or_else(|| (1..=num_cpus::get()).collect());
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("--out-dir {}: cannot create it", args.out_dir.display()))?;
    let file = args.out_dir.join("bench-output.parquet.tmp");
    let plan = BatchPlan::new(args.rows, args.batch_rows)?;
    let mut runs = Vec::new();
    for rep in 1..=args.reps {
        for &mode in &args.modes {
            for &t in &threads {
                let mut options = RunOptions::new(t);
                options.codec = args.compression;
                options.overwrite = true;
                let sink = match mode {
                    Mode::Write => Sink::File(&file),
                    Mode::Encode => Sink::EncodeOnly,
                    Mode::Generate => Sink::Null,
                };
                reset_peak_rss();
                let summary =
                    cardgen_pipeline::run(generator, plan, sink, &options, &NoObserver)
                        .with_context(|| format!("{} run with {t} threads failed", mode.name()))?;
                let record = record(mode, t, rep, summary.rows, summary.bytes, summary.elapsed);
                eprintln!(
                    "rep {rep} {:<8} threads {t:>2}: {:>6.2}M rows/s {:>7.1} MB/s peak RSS {:.0} MB",
                    mode.name(),
                    record.rows_per_sec / 1e6,
                    record.mb_per_sec,
                    record.peak_rss_mb
                );
                runs.push(record);
            }
        }
    }
    let _ = std::fs::remove_file(&file);
    let summaries = summarise(&runs, &args.modes, &threads);
    println!("{}", table(generator.name(), args, &summaries));
    write_outputs(args, generator.name(), &runs, &summaries)
}

fn record(mode: Mode, threads: usize, rep: usize, rows: u64, bytes: u64, elapsed: Duration) -> Run {
    let seconds = elapsed.as_secs_f64().max(1e-9);
    Run {
        mode: mode.name(),
        threads,
        rep,
        rows,
        seconds,
        rows_per_sec: rows as f64 / seconds,
        bytes,
        mb_per_sec: bytes as f64 / seconds / 1e6,
        peak_rss_mb: peak_rss_bytes().unwrap_or(0) as f64 / 1e6,
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn summarise(runs: &[Run], modes: &[Mode], threads: &[usize]) -> Vec<Summary> {
    let mut out = Vec::new();
    for mode in modes {
        let mut baseline = None;
        for &t in threads {
            let these: Vec<&Run> = runs
                .iter()
                .filter(|r| r.mode == mode.name() && r.threads == t)
                .collect();
            let mut rates: Vec<f64> = these.iter().map(|r| r.rows_per_sec).collect();
            let mut mbs: Vec<f64> = these.iter().map(|r| r.mb_per_sec).collect();
            let med = median(&mut rates);
            if t == 1 {
                baseline = Some(med);
            }
            let speedup = baseline.map(|b| med / b);
            out.push(Summary {
                mode: mode.name(),
                threads: t,
                runs: these.len(),
                median_rows_per_sec: med,
                min_rows_per_sec: rates.first().copied().unwrap_or(0.0),
                max_rows_per_sec: rates.last().copied().unwrap_or(0.0),
                median_mb_per_sec: median(&mut mbs),
                speedup,
                efficiency: speedup.map(|s| s / t as f64),
                peak_rss_mb: these.iter().map(|r| r.peak_rss_mb).fold(0.0, f64::max),
            });
        }
    }
    out
}

fn table(name: &str, args: &BenchArgs, summaries: &[Summary]) -> String {
    let mut out = format!(
        "table {name}, {} rows, batch {} rows, {}, {} runs each\n\n",
        args.rows, args.batch_rows, args.compression, args.reps
    );
    out.push_str("| mode | threads | M rows/s (median) | min–max | MB/s | speedup | efficiency | peak RSS MB |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    let opt =
        |v: Option<f64>, suffix: &str| v.map_or("–".to_string(), |v| format!("{v:.2}{suffix}"));
    for s in summaries {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {:.2}–{:.2} | {:.1} | {} | {} | {:.0} |",
            s.mode,
            s.threads,
            s.median_rows_per_sec / 1e6,
            s.min_rows_per_sec / 1e6,
            s.max_rows_per_sec / 1e6,
            s.median_mb_per_sec,
            opt(s.speedup, "x"),
            opt(s.efficiency.map(|e| e * 100.0), "%"),
            s.peak_rss_mb
        );
    }
    out
}

fn write_outputs(
    args: &BenchArgs,
    name: &str,
    runs: &[Run],
    summaries: &[Summary],
) -> anyhow::Result<()> {
    let path = |file: &str| -> PathBuf { args.out_dir.join(file) };
    let mut csv =
        String::from("mode,threads,rep,rows,seconds,rows_per_sec,bytes,mb_per_sec,peak_rss_mb\n");
    for r in runs {
        let _ = writeln!(
            csv,
            "{},{},{},{},{:.4},{:.0},{},{:.2},{:.1}",
            r.mode,
            r.threads,
            r.rep,
            r.rows,
            r.seconds,
            r.rows_per_sec,
            r.bytes,
            r.mb_per_sec,
            r.peak_rss_mb
        );
    }
    std::fs::write(path("runs.csv"), csv).context("writing runs.csv")?;
    let report = Report {
        table: name,
        rows: args.rows,
        batch_rows: args.batch_rows,
        compression: args.compression.to_string(),
        cores: num_cpus::get(),
        cpu: cpu_model(),
        summaries,
    };
    std::fs::write(path("summary.json"), serde_json::to_string_pretty(&report)?)
        .context("writing summary.json")?;
    let series: Vec<Series> = args
        .modes
        .iter()
        .map(|m| Series {
            label: m.name().to_string(),
            points: summaries
                .iter()
                .filter(|s| s.mode == m.name())
                .map(|s| (s.threads as u32, s.median_rows_per_sec / 1e6))
                .collect(),
        })
        .collect();
    let title = format!("cardgen {name}: {} rows, {}", args.rows, args.compression);
    if let Err(e) = chart::draw(&path("throughput.png"), &title, &series) {
        eprintln!("cardgen: warning: no chart drawn: {e}");
    }
    eprintln!("results in {}", args.out_dir.display());
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
