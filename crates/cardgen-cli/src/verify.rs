//! `cardgen verify PATH`: check a file against what its metadata promises.

use cardgen_core::Profile;
use cardgen_core::transactions::{SCHEMA_VERSION, transactions_schema};
use cardgen_pipeline::verify::{Check, OpenedFile, sample_indices};
use chrono::NaiveDate;

use crate::args::VerifyArgs;
use crate::generate::transaction_generator;

/// Runs every check, prints one line per check, returns whether all passed.
pub fn run(args: &VerifyArgs, quiet: bool) -> bool {
    let checks = checks(args);
    let failed = checks.iter().filter(|c| !c.passed).count();
    for check in &checks {
        if !quiet || !check.passed {
            let mark = if check.passed { "ok  " } else { "FAIL" };
            println!("{mark} {:<20} {}", check.name, check.detail);
        }
    }
    if failed == 0 {
        println!("PASS {}", args.path.display());
    } else {
        println!(
            "FAIL {} ({failed} of {} checks failed)",
            args.path.display(),
            checks.len()
        );
    }
    failed == 0
}

fn checks(args: &VerifyArgs) -> Vec<Check> {
    let mut file = match OpenedFile::open(&args.path) {
        Ok(file) => file,
        Err(e) => return vec![check("footer", Err(e))],
    };
    let version = file.option("version").unwrap_or("unknown").to_string();
    let mut checks = vec![check(
        "footer",
        Ok(format!(
            "{} rows in {} row groups, written by cardgen {version}",
            file.rows(),
            file.row_groups()
        )),
    )];
    checks.push(file.check_row_counts());
    checks.push(check_schema(&file));
    checks.push(file.check_checksums());
    if args.deep {
        checks.push(match regenerator(&file, &version) {
            Ok(generator) => {
                file.check_regenerated(&generator, &sample_indices(file.row_groups(), args.sample))
            }
            Err(e) => check("regenerated sample", Err(e)),
        });
    }
    checks
}

fn check_schema(file: &OpenedFile) -> Check {
    match (file.option("table"), file.option("schema_version")) {
        (Some("transactions"), Some(v)) if v == SCHEMA_VERSION.to_string() => {
            file.check_schema(&transactions_schema(&Profile::korean_default()))
        }
        (table, version) => check(
            "schema",
            Err(format!(
                "unknown table {table:?} schema version {version:?}; this cardgen knows transactions v{SCHEMA_VERSION}"
            )),
        ),
    }
}

/// The generator the file's recorded options describe.
fn regenerator(
    file: &OpenedFile,
    version: &str,
) -> Result<cardgen_core::TransactionGenerator, String> {
    if version != cardgen_core::VERSION {
        return Err(format!(
            "written by cardgen {version}, this is {}; regeneration needs the same version",
            cardgen_core::VERSION
        ));
    }
    let get = |key: &str| {
        file.option(key)
            .ok_or_else(|| format!("cardgen.{key} is not recorded"))
    };
    let number = |key: &str| -> Result<u64, String> {
        get(key)?
            .parse()
            .map_err(|_| format!("cardgen.{key} is not a number"))
    };
    let start = NaiveDate::parse_from_str(get("start")?, "%Y-%m-%d")
        .map_err(|e| format!("cardgen.start: {e}"))?;
    let days =
        u32::try_from(number("days")?).map_err(|_| "cardgen.days is too large".to_string())?;
    transaction_generator(number("seed")?, number("rows")?, start, days)
        .map_err(|e| format!("{e:#}"))
}

fn check(name: &'static str, outcome: Result<String, String>) -> Check {
    match outcome {
        Ok(detail) => Check {
            name,
            passed: true,
            detail,
        },
        Err(detail) => Check {
            name,
            passed: false,
            detail,
        },
    }
}
