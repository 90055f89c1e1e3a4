//! Command-line arguments.

use std::path::PathBuf;

use cardgen_pipeline::Codec;
use clap::{Args, Parser, Subcommand, ValueEnum};

use cardgen::options::{MAX_THREADS, parse};
use cardgen::{DEFAULT_SEED, MAX_POPULATION};
use cardgen_pipeline::budget::{MAX_BATCH_ROWS, MAX_ROW_GROUPS};

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
    /// Generate card transactions: to a Parquet file, or every table to a
    /// directory, an object-store URL or a dataset in parts.
    Generate(Box<GenerateArgs>),
    /// Send a dataset's transactions as live events, in event-time order, to
    /// stdout, a file or a Kafka topic, with late events and late fraud labels.
    Stream(Box<crate::stream::StreamArgs>),
    /// Check what cardgen wrote (a file, a dataset directory or a dataset in
    /// parts): footer, schema, row counts, checksums.
    Verify(VerifyArgs),
    /// Measure throughput per thread count, in-process (see docs/benchmarks.md).
    Bench(BenchArgs),
    /// Scenario files: print the default profile as a starting point, or check one.
    Config(ConfigArgs),
    /// Check every part of a dataset written with --parts, commit its tables
    /// when it has a --table-format, and write its _SUCCESS marker.
    Finish(FinishArgs),
}

#[derive(Debug, Clone, Args)]
pub struct FinishArgs {
    /// The dataset: a directory or an object-store URL (s3://bucket/prefix/).
    pub out: String,
    /// The catalog of an Iceberg dataset, a SQLite file [default:
    /// OUT/_cardgen/catalog.db for a local dataset].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
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

/// Which table to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableArg {
    /// The card-transaction fact table.
    Transactions,
    /// The 12-column table of the peer comparison (scripts/bench/compare_peers.sh).
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

/// `cardgen generate`'s options. Values stay text: the library reads and
/// checks them (`cardgen::GenerateOptions::set`), so that the command line
/// and Python accept the same values with the same messages.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Number of transactions, e.g. 10M, 1e8, 100_000_000 [default: 10M].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub rows: Option<String>,
    /// Output: a `.parquet` file (transactions only) or a directory (all nine
    /// tables: transactions, customers, cards, merchants, fraud_cases,
    /// customers_history, customers_changes, cards_history, cards_changes);
    /// missing directories are created. A URL (s3://bucket/prefix/, gs://…, az://…)
    /// writes to object storage in a build with `--features cloud`, with
    /// credentials and endpoint from the usual environment variables
    /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ENDPOINT_URL, …) [default: data/card_transactions.parquet].
    #[arg(long, value_name = "PATH")]
    pub out: Option<String>,
    /// Split the dataset into N parts, laid out as one directory per table
    /// with a manifest under _cardgen/; the parts in order are exactly the rows
    /// of a run without parts. Without --part, this machine writes all N.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub parts: Option<String>,
    /// Write only part K of --parts N, K from 0 to N-1: Kubernetes'
    /// JOB_COMPLETION_INDEX and Spark partition ids can be passed as they are.
    /// Once every part is written, `cardgen finish OUT` checks them and writes _SUCCESS.
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    pub part: Option<String>,
    /// Hive partitioning of transactions in a dataset in parts: day
    /// (event_date=YYYY-MM-DD/, the column then lives in the directory name),
    /// month (event_month=YYYY-MM/) or none [default: none].
    #[arg(long, value_name = "BY")]
    pub partition_by: Option<String>,
    /// Start a new file once one holds this much, in a dataset in parts
    /// [default: 512MiB; accepted: 1MiB to 64GiB].
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub target_file_size: Option<String>,
    /// Files written at once, in a dataset in parts [default: one per 8 threads].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub writers: Option<String>,
    /// Commit each table as a lakehouse table under OUT/<table>/: delta
    /// (Delta Lake, `_delta_log/`) or iceberg (`metadata/`, registered in
    /// --catalog); parquet writes plain files.
    /// Either table format writes a dataset in parts; with --part, `cardgen
    /// finish OUT` makes the commit [default: parquet].
    #[arg(long, value_name = "FORMAT")]
    pub table_format: Option<String>,
    /// The catalog Iceberg tables are registered in: a SQLite file that
    /// pyiceberg, Spark and iceberg-rust open as a SQL catalog named
    /// `cardgen`, tables `cardgen.<table>` [default: OUT/_cardgen/catalog.db;
    /// needed when OUT is on object storage].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    /// Add the next date range to the dataset in parts at --out, as one
    /// more version of each table: the same world (seed, population,
    /// scenario) and layout, read from the dataset, with --start, --days and
    /// --rows for the new range [default: the day after the dataset's last
    /// range, as many days and rows as it]. A flag that would change the
    /// world or layout is refused.
    #[arg(long)]
    pub append: bool,
    /// Scenario file (TOML) replacing the built-in profile; see `cardgen config --print-default`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Number of customers [default: rows / (txns_per_customer_per_day × days), at most
    /// max_customers, all from the profile's [population]].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub customers: Option<String>,
    /// Number of merchants [default: customers / customers_per_merchant from the profile's
    /// [population], at least one per category in each region and online].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub merchants: Option<String>,
    /// Write full card numbers (`cards.pan`); off by default.
    #[arg(long)]
    pub emit_pan: bool,
    /// How `cards.pan_masked` shows card numbers: kr-receipt
    /// (`1234-5678-****-3456`, the Korean receipt rule), pci (first six and
    /// last four digits) or last4 [default: kr-receipt].
    #[arg(long, value_name = "MASK")]
    pub pan_mask: Option<String>,
    /// Seed: the same seed and options give a byte-identical file [default: 42].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: Option<String>,
    /// Worker threads [default: all cores]; does not change the output.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub threads: Option<String>,
    /// Rows per batch, which is also rows per Parquet row group [default: 250k].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub batch_rows: Option<String>,
    /// Page compression: snappy, zstd, zstd:LEVEL (1-22), lz4, none [default: snappy].
    #[arg(long, value_name = "CODEC")]
    pub compression: Option<String>,
    /// First day of the date range (local time), YYYY-MM-DD [default: 2025-01-01].
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Number of days in the date range [default: 365].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub days: Option<String>,
    /// Replace an existing output file (only once the new one is complete).
    #[arg(long)]
    pub overwrite: bool,
    /// Never show the progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Batches allowed in memory at once [default: 2 x threads, within --max-memory].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub max_in_flight: Option<String>,
    /// Table to generate: transactions (the dataset) or reference (the
    /// 12-column table of the peer benchmark, scripts/bench/compare_peers.sh).
    #[arg(long, hide = true)]
    pub table: Option<String>,
    /// Memory budget for batches in flight: 512MiB, 2GB, 1.5G, 1000000000 (K/M/G/T are
    /// powers of 1000, KiB/MiB/GiB/TiB powers of 1024, B bytes; any case) [default: 1G].
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub max_memory: Option<String>,
}

impl GenerateArgs {
    /// The options given, as the library's `(key, value)` pairs: each flag
    /// is its key in kebab case (`--batch-rows` is `batch_rows`).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let values = [
            ("rows", &self.rows),
            ("out", &self.out),
            ("parts", &self.parts),
            ("part", &self.part),
            ("partition_by", &self.partition_by),
            ("target_file_size", &self.target_file_size),
            ("writers", &self.writers),
            ("table_format", &self.table_format),
            ("catalog", &self.catalog),
            ("config", &self.config),
            ("customers", &self.customers),
            ("merchants", &self.merchants),
            ("pan_mask", &self.pan_mask),
            ("seed", &self.seed),
            ("threads", &self.threads),
            ("batch_rows", &self.batch_rows),
            ("compression", &self.compression),
            ("start", &self.start),
            ("days", &self.days),
            ("max_in_flight", &self.max_in_flight),
            ("table", &self.table),
            ("max_memory", &self.max_memory),
        ];
        let switches = [
            ("emit_pan", self.emit_pan),
            ("overwrite", self.overwrite),
            ("append", self.append),
        ];
        values
            .into_iter()
            .filter_map(|(key, value)| Some((key, value.clone()?)))
            .chain(
                switches
                    .into_iter()
                    .filter(|(_, on)| *on)
                    .map(|(key, _)| (key, "true".to_string())),
            )
            .collect()
    }
}

// The other commands' flags, read by the library's parsers; their ranges
// are the library's where they mean the same thing.

fn parse_count(text: &str) -> Result<u64, String> {
    parse::count(text)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    parse::seed(text)
}

fn parse_in_range(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let value = parse::count(text)?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is out of range; accepted: {min} to {max}"))
    }
}

fn parse_threads(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, MAX_THREADS as u64).map(|n| n as usize)
}

fn parse_population(text: &str) -> Result<u64, String> {
    parse_in_range(text, 1, MAX_POPULATION)
}

fn parse_reps(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, 1000).map(|n| n as usize)
}

fn parse_sample(text: &str) -> Result<usize, String> {
    parse_in_range(text, 1, MAX_ROW_GROUPS).map(|n| n as usize)
}

fn parse_batch_rows(text: &str) -> Result<u64, String> {
    parse_in_range(text, 1, MAX_BATCH_ROWS)
}

fn parse_codec(text: &str) -> Result<Codec, String> {
    parse::codec(text)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Each `[default: X]` that `generate --help` states is the library's
    /// default: setting X changes nothing.
    #[test]
    fn the_defaults_the_help_states_are_the_librarys() {
        let cli = Cli::command();
        let generate = cli.find_subcommand("generate").expect("generate");
        let default = format!("{:?}", cardgen::GenerateOptions::default());
        let mut checked = 0;
        for (key, stated) in crate::flags::stated_defaults(generate) {
            let long = key.replace('_', "-");
            // Any of these asks for a dataset in parts; their defaults are
            // those of one, which `LakeOptions` checks (the catalog's is
            // under OUT: `lake::catalog_for`).
            if [
                "partition_by",
                "target_file_size",
                "writers",
                "table_format",
                "catalog",
            ]
            .contains(&key.as_str())
            {
                continue;
            }
            let mut options = cardgen::GenerateOptions::default();
            if options.set(&key, &stated).is_err() {
                continue; // "all cores", "derived from …": prose, not a value
            }
            // Debug output is long (the whole profile): say only which flag.
            assert!(
                format!("{options:?}") == default,
                "--{long} [default: {stated}] is not the library's default"
            );
            checked += 1;
        }
        assert!(checked >= 7, "only {checked} defaults checked");
    }

    /// A flag left out of `pairs` would be parsed and then ignored.
    #[test]
    fn every_generate_flag_reaches_the_library() {
        let cli = Cli::command();
        let generate = cli.find_subcommand("generate").expect("generate");
        let mut argv = vec!["cardgen".to_string(), "generate".to_string()];
        let mut keys = Vec::new();
        for arg in generate.get_arguments().filter(|a| !a.is_global_set()) {
            let Some(long) = arg.get_long() else { continue };
            if long == "no-progress" || long == "help" {
                continue; // the terminal's, not the run's
            }
            argv.push(format!("--{long}"));
            if arg.get_action().takes_values() {
                argv.push("1".to_string());
            }
            keys.push(long.replace('-', "_"));
        }
        let cli = Cli::try_parse_from(argv).unwrap();
        let Command::Generate(args) = cli.command else {
            unreachable!()
        };
        let given: Vec<&str> = args.pairs().iter().map(|(k, _)| *k).collect();
        for key in &keys {
            assert!(given.contains(&key.as_str()), "--{key} is not passed on");
        }
    }

    #[test]
    fn flags_become_the_librarys_keys() {
        let cli = Cli::try_parse_from([
            "cardgen",
            "generate",
            "--batch-rows",
            "1k",
            "--emit-pan",
            "--out",
            "x/",
        ])
        .unwrap();
        let Command::Generate(args) = cli.command else {
            unreachable!()
        };
        let pairs = args.pairs();
        assert!(pairs.contains(&("batch_rows", "1k".to_string())));
        assert!(pairs.contains(&("emit_pan", "true".to_string())));
        assert!(pairs.contains(&("out", "x/".to_string())));
        for (key, _) in pairs {
            assert!(cardgen::Setting::from_key(key).is_some(), "{key}");
        }
    }
}
