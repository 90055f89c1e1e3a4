//! Command-line arguments.

use std::path::PathBuf;

use cardgen_pipeline::Codec;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::count::parse_count;

use cardgen::lake::MAX_PARTS;
use cardgen::{DEFAULT_SEED, MAX_DAYS, MAX_POPULATION, PartitionBy};
use cardgen_pipeline::budget::{MAX_BATCH_ROWS, MAX_ROW_GROUPS};

mod bytesize;

#[derive(Debug, Parser)]
#[command(
    name = "cardgen",
    version,
    about = "Realistic synthetic card transactions, fast, to Parquet",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log one line per batch (same as RUST_LOG=cardgen=debug).
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate card transactions into a Parquet file.
    Generate(GenerateArgs),
    /// Check a file cardgen wrote: footer, schema, row counts, checksums.
    Verify(VerifyArgs),
    /// Measure throughput per thread count, in-process (see docs/benchmarks.md).
    Bench(BenchArgs),
    /// Scenario files: print the default profile as a starting point, or check one.
    Config(ConfigArgs),
    /// Check every part of a dataset written with --parts and write its _SUCCESS marker.
    Finish(FinishArgs),
}

#[derive(Debug, Clone, Args)]
pub struct FinishArgs {
    /// The dataset: a directory or an object-store URL (s3://bucket/prefix/).
    pub out: String,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["print_default", "check"])))]
pub struct ConfigArgs {
    /// Print the built-in Korean profile as TOML.
    #[arg(long)]
    pub print_default: bool,
    /// Check a scenario file and report the first problem.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// With --print-default: the fraud mix to print. `korea` (the default:
    /// lost and stolen cards lead) or `global` (card-not-present fraud leads).
    #[arg(long, value_enum, default_value_t = FraudPresetArg::Korea, requires = "print_default")]
    pub fraud_preset: FraudPresetArg,
}

/// Fraud mixes `cardgen config --print-default` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FraudPresetArg {
    /// The Korean case mix: lost and stolen card-present fraud leads.
    Korea,
    /// Card-not-present fraud leads, as in Europe, the UK and the US.
    Global,
}

/// How `cards.pan_masked` shows card numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PanMaskArg {
    /// `1234-5678-****-3456`, Amex `3782-******-10005` (Korean receipt rule).
    KrReceipt,
    /// First six and last four digits.
    Pci,
    /// Last four digits only.
    Last4,
}

/// Which table to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableArg {
    /// The card-transaction fact table.
    Transactions,
    /// The 12-column table of the peer comparison (scripts/compare_peers.sh).
    Reference,
}

/// What a benchmark run includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Generate, encode and write the file.
    Write,
    /// Generate and encode; nothing is written.
    Encode,
    /// Generate only (the null sink).
    Generate,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Write => "write",
            Mode::Encode => "encode",
            Mode::Generate => "generate",
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Rows per run.
    #[arg(long, default_value = "10M", value_parser = parse_count, allow_hyphen_values = true)]
    pub rows: u64,
    /// Thread counts to measure, e.g. 1,2,4 [default: 1 to all cores].
    #[arg(long, value_delimiter = ',', value_parser = parse_threads, allow_hyphen_values = true)]
    pub threads: Option<Vec<usize>>,
    /// Repetitions of each measurement.
    #[arg(long, default_value_t = 3, value_parser = parse_reps, allow_hyphen_values = true)]
    pub reps: usize,
    /// Modes to measure.
    #[arg(long, value_delimiter = ',', default_value = "write,encode,generate")]
    pub modes: Vec<Mode>,
    /// Table to generate.
    #[arg(long, value_enum, default_value = "transactions")]
    pub table: TableArg,
    /// Number of customers [default: derived from --rows, as for `generate`].
    #[arg(long, value_parser = parse_population, allow_hyphen_values = true)]
    pub customers: Option<u64>,
    /// Rows per batch (= per row group).
    #[arg(long, default_value = "250k", value_parser = parse_batch_rows, allow_hyphen_values = true)]
    pub batch_rows: u64,
    /// Page compression, as for `generate`.
    #[arg(long, default_value = "snappy", value_parser = parse_codec)]
    pub compression: Codec,
    /// Seed.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: u64,
    /// Where runs.csv, summary.json and throughput.png go.
    #[arg(long, default_value = "benches/results/bench")]
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The Parquet file, a dataset directory, or a dataset in parts (a
    /// directory or an s3://, gs://, az:// URL) to check.
    pub path: PathBuf,
    /// The scenario file the data was generated with, for --deep.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also regenerate sampled row groups from the recorded seed and compare them.
    #[arg(long)]
    pub deep: bool,
    /// Row groups to regenerate with --deep (first, last and evenly spaced).
    #[arg(long, default_value_t = 4, value_parser = parse_sample, allow_hyphen_values = true)]
    pub sample: usize,
}

#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Number of transactions, e.g. 10M, 1e8, 100_000_000.
    #[arg(long, default_value = "10M", value_parser = parse_count, allow_hyphen_values = true)]
    pub rows: u64,
    /// Output: a `.parquet` file (transactions only) or a directory (transactions,
    /// customers, cards and merchants); missing directories are created. A URL
    /// (s3://bucket/prefix/, gs://…, az://…) writes to object storage, with
    /// credentials and endpoint from the usual environment variables
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL, …).
    #[arg(long, default_value = "data/card_transactions.parquet")]
    pub out: PathBuf,
    /// Split the dataset into N parts, laid out as one directory per table
    /// with a manifest under _cardgen/; the parts in order are exactly the rows
    /// of a run without parts. Without --part, this machine writes all N.
    #[arg(long, value_name = "N", value_parser = parse_parts, allow_hyphen_values = true)]
    pub parts: Option<u32>,
    /// Write only part K of --parts N, K from 0 to N-1: Kubernetes'
    /// JOB_COMPLETION_INDEX and Spark partition ids can be passed as they are.
    /// Once every part is written, `cardgen finish OUT` checks them and writes _SUCCESS.
    #[arg(long, value_name = "K", value_parser = parse_part, allow_hyphen_values = true)]
    pub part: Option<u32>,
    /// Hive partitioning of transactions in a dataset in parts: day
    /// (event_date=YYYY-MM-DD/, the column then lives in the directory name),
    /// month (event_month=YYYY-MM/) or none [default: none].
    #[arg(long, value_name = "BY", value_parser = parse_partition_by)]
    pub partition_by: Option<PartitionBy>,
    /// Start a new file once one holds this much, in a dataset in parts
    /// [default: 512MiB; accepted: 1MiB to 64GiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_file_size, allow_hyphen_values = true)]
    pub target_file_size: Option<u64>,
    /// Files written at once, in a dataset in parts [default: one per 8 threads].
    #[arg(long, value_name = "N", value_parser = parse_writers, allow_hyphen_values = true)]
    pub writers: Option<usize>,
    /// Scenario file (TOML) replacing the built-in profile; see `cardgen config --print-default`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Number of customers [default: rows / (txns_per_customer_per_day × days), at most
    /// max_customers, all from the profile's [population]].
    #[arg(long, value_parser = parse_population, allow_hyphen_values = true)]
    pub customers: Option<u64>,
    /// Number of merchants [default: customers / customers_per_merchant from the profile's
    /// [population], at least one per category in each region and online].
    #[arg(long, value_parser = parse_population, allow_hyphen_values = true)]
    pub merchants: Option<u64>,
    /// Write full card numbers (`cards.pan`); off by default.
    #[arg(long)]
    pub emit_pan: bool,
    /// How `cards.pan_masked` shows card numbers.
    #[arg(long, value_enum, default_value = "kr-receipt")]
    pub pan_mask: PanMaskArg,
    /// Seed: the same seed and options give a byte-identical file.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: u64,
    /// Worker threads [default: all cores]; does not change the output.
    #[arg(long, value_parser = parse_threads, allow_hyphen_values = true)]
    pub threads: Option<usize>,
    /// Rows per batch, which is also rows per Parquet row group.
    #[arg(long, default_value = "250k", value_parser = parse_batch_rows, allow_hyphen_values = true)]
    pub batch_rows: u64,
    /// Page compression: snappy, zstd, zstd:LEVEL (1-22), lz4, none.
    #[arg(long, default_value = "snappy", value_parser = parse_codec)]
    pub compression: Codec,
    /// First day of the date range (local time), YYYY-MM-DD.
    #[arg(long, default_value = "2025-01-01", value_parser = parse_date)]
    pub start: NaiveDate,
    /// Number of days in the date range.
    #[arg(long, default_value_t = 365, value_parser = parse_days, allow_hyphen_values = true)]
    pub days: u32,
    /// Replace an existing output file (only once the new one is complete).
    #[arg(long)]
    pub overwrite: bool,
    /// Never show the progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Batches allowed in memory at once [default: 2 x threads, within --max-memory].
    #[arg(long, value_parser = parse_in_flight, allow_hyphen_values = true)]
    pub max_in_flight: Option<usize>,
    /// Table to generate (the reference table exists for peer benchmarks).
    #[arg(long, value_enum, default_value = "transactions", hide = true)]
    pub table: TableArg,
    /// Memory budget for batches in flight: 512MiB, 2GB, 1.5G, 1000000000 (K/M/G/T are
    /// powers of 1000, KiB/MiB/GiB/TiB powers of 1024, B bytes; any case).
    #[arg(long, default_value = "1G", value_name = "SIZE", value_parser = parse_memory, allow_hyphen_values = true)]
    pub max_memory: u64,
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a whole number from 0 to {}", u64::MAX))
}

fn parse_in_range(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let value = parse_count(text)?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is out of range; accepted: {min} to {max}"))
    }
}

fn parse_threads(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, 1024).map(|n| n as usize)
}

fn parse_in_flight(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, 1024).map(|n| n as usize)
}

fn parse_population(text: &str) -> Result<u64, String> {
    parse_in_range(text, 1, MAX_POPULATION)
}

fn parse_parts(text: &str) -> Result<u32, String> {
    parse_in_range(text, 1, u64::from(MAX_PARTS)).map(|n| n as u32)
}

fn parse_part(text: &str) -> Result<u32, String> {
    parse_in_range(text, 0, u64::from(MAX_PARTS) - 1).map(|n| n as u32)
}

fn parse_writers(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, 1024).map(|n| n as usize)
}

fn parse_partition_by(text: &str) -> Result<PartitionBy, String> {
    text.parse()
}

fn parse_file_size(text: &str) -> Result<u64, String> {
    let bytes = bytesize::parse_bytes(text)?;
    if ((1 << 20)..=(64 << 30)).contains(&bytes) {
        Ok(bytes)
    } else {
        Err(format!(
            "`{text}` ({bytes} bytes) is out of range; accepted: 1MiB to 64GiB"
        ))
    }
}

fn parse_reps(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, 1000).map(|n| n as usize)
}

fn parse_sample(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, MAX_ROW_GROUPS).map(|n| n as usize)
}

/// Smallest and largest `--max-memory`: 16 MB (a few small batches) and 1 PiB.
const MEMORY_RANGE: (u64, u64) = (16_000_000, 1 << 50);

fn parse_memory(text: &str) -> Result<u64, String> {
    let bytes = bytesize::parse_bytes(text)?;
    let (min, max) = MEMORY_RANGE;
    if (min..=max).contains(&bytes) {
        Ok(bytes)
    } else {
        Err(format!(
            "`{text}` ({bytes} bytes) is out of range; accepted: 16M (16000000 bytes) to 1PiB"
        ))
    }
}

fn parse_batch_rows(text: &str) -> Result<u64, String> {
    parse_in_range(text, 1, MAX_BATCH_ROWS)
}

fn parse_days(text: &str) -> Result<u32, String> {
    parse_in_range(text, 1, u64::from(MAX_DAYS)).map(|n| n as u32)
}

fn parse_codec(text: &str) -> Result<Codec, String> {
    text.parse()
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date in the form YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_memory(value: &str) -> Result<u64, String> {
        match Cli::try_parse_from(["cardgen", "generate", "--max-memory", value]) {
            Ok(Cli {
                command: Command::Generate(args),
                ..
            }) => Ok(args.max_memory),
            Ok(other) => panic!("parsed as {other:?}"),
            Err(err) => Err(err.to_string()),
        }
    }

    #[test]
    fn max_memory_takes_byte_sizes() {
        for (text, bytes) in [
            ("512MiB", 512 << 20),
            ("2GB", 2_000_000_000),
            ("1G", 1_000_000_000),
            ("800M", 800_000_000),
            ("1GiB", 1 << 30),
            ("1gib", 1 << 30),
            ("1000000000", 1_000_000_000),
            ("1.5G", 1_500_000_000),
            ("16M", 16_000_000),
            ("1TiB", 1 << 40),
        ] {
            assert_eq!(max_memory(text), Ok(bytes), "{text}");
        }
        let default = Cli::try_parse_from(["cardgen", "generate"]).unwrap();
        let Command::Generate(args) = default.command else {
            unreachable!()
        };
        assert_eq!(args.max_memory, 1_000_000_000, "1G is decimal");
    }

    #[test]
    fn max_memory_refuses_counts_and_sizes_out_of_range() {
        for text in ["1e9", "lots", "2XB", "-1G", "1,5G", "2PB"] {
            let err = max_memory(text).expect_err(text);
            assert!(
                err.contains("--max-memory") && err.contains("512MiB"),
                "{text}: {err}"
            );
        }
        // `B` is bytes, not billions: 3B is three bytes.
        for text in ["3B", "1k", "15.9M", "2000T"] {
            let err = max_memory(text).expect_err(text);
            assert!(
                err.contains("--max-memory") && err.contains("out of range"),
                "{text}: {err}"
            );
        }
    }
}
