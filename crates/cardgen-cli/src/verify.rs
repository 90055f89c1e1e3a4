//! `cardgen verify PATH`: check a file, or every table of a dataset
//! directory, against what its metadata promises.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cardgen_core::pan::PanMask;
use cardgen_core::{TableGenerator, World};
use cardgen_pipeline::verify::{Check, OpenedFile, sample_indices};
use chrono::NaiveDate;

use crate::args::VerifyArgs;
use crate::generate::{
    DATASET_TABLES, LoadedProfile, WorldSpec, build_world, dataset_table, load_profile,
};

/// Runs every check on every file, prints one line per check, returns whether all passed.
pub fn run(args: &VerifyArgs, quiet: bool) -> bool {
    let files: Vec<PathBuf> = if args.path.is_dir() {
        DATASET_TABLES
            .iter()
            .map(|t| args.path.join(format!("{t}.parquet")))
            .filter(|p| p.exists())
            .collect()
    } else {
        vec![args.path.clone()]
    };
    if files.is_empty() {
        println!(
            "FAIL {}: no cardgen tables in this directory",
            args.path.display()
        );
        return false;
    }
    // Read the scenario once for all files; a failure shows in each file's checks.
    let profile = load_profile(args.config.as_deref()).map_err(|e| e.0);
    let mut all_passed = true;
    for path in files {
        let checks = checks(&path, args, &profile);
        let failed = checks.iter().filter(|c| !c.passed).count();
        for check in &checks {
            if !quiet || !check.passed {
                let mark = if check.passed { "ok  " } else { "FAIL" };
                println!("{mark} {:<20} {}", check.name, check.detail);
            }
        }
        if failed == 0 {
            println!("PASS {}", path.display());
        } else {
            println!(
                "FAIL {} ({failed} of {} checks failed)",
                path.display(),
                checks.len()
            );
            all_passed = false;
        }
    }
    all_passed
}

fn checks(path: &Path, args: &VerifyArgs, profile: &Result<LoadedProfile, String>) -> Vec<Check> {
    let mut file = match OpenedFile::open(path) {
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
    let table = file.option("table").unwrap_or("unknown").to_string();
    // The schema depends on the profile and the options, never on the sizes:
    // a one-customer world gives it cheaply.
    checks.push(match generator_for(&file, &table, profile, false) {
        Ok(g) => file.check_schema(&g.schema()),
        Err(e) => check("schema", Err(e)),
    });
    checks.push(file.check_checksums());
    if args.deep {
        checks.push(
            match regeneration_allowed(&version)
                .and_then(|()| generator_for(&file, &table, profile, true))
            {
                Ok(g) => file
                    .check_regenerated(g.as_ref(), &sample_indices(file.row_groups(), args.sample)),
                Err(e) => check("regenerated sample", Err(e)),
            },
        );
    }
    checks
}

fn regeneration_allowed(version: &str) -> Result<(), String> {
    if version == cardgen_core::VERSION {
        Ok(())
    } else {
        Err(format!(
            "written by cardgen {version}, this is {}; regeneration needs the same version",
            cardgen_core::VERSION
        ))
    }
}

/// The generator the file's recorded options describe (`full`) or a tiny one
/// with the same schema.
fn generator_for(
    file: &OpenedFile,
    table: &str,
    profile: &Result<LoadedProfile, String>,
    full: bool,
) -> Result<Box<dyn TableGenerator>, String> {
    if table == "reference" {
        let seed = number(file, "seed")?;
        return Ok(Box::new(cardgen_core::reference::ReferenceGenerator::new(
            seed,
            number(file, "rows")?,
        )));
    }
    if !DATASET_TABLES.contains(&table) {
        return Err(format!("unknown table `{table}`"));
    }
    let recorded = file.option("profile").unwrap_or("korean_default");
    let profile = profile.as_ref().map_err(Clone::clone)?;
    let label = &profile.label;
    if label != recorded
        && !(recorded.starts_with("file:")
            && label.starts_with("file:")
            && crc_of(label) == crc_of(recorded))
    {
        return Err(format!(
            "generated with profile `{recorded}`; pass the same scenario with --config"
        ));
    }
    let start = NaiveDate::parse_from_str(get(file, "start")?, "%Y-%m-%d")
        .map_err(|e| format!("cardgen.start: {e}"))?;
    let days = u32::try_from(number(file, "days")?)
        .map_err(|_| "cardgen.days is too large".to_string())?;
    let seed = number(file, "seed")?;
    let world: Arc<World> = if full {
        build_world(&WorldSpec {
            seed,
            rows: number(file, "dataset_rows")?,
            start,
            days,
            customers: Some(number(file, "customers")?),
            merchants: Some(number(file, "merchants")?),
            profile,
        })
        .map_err(|e| format!("{e:#}"))?
    } else {
        build_world(&WorldSpec {
            seed,
            rows: 1,
            start,
            days,
            customers: Some(1),
            merchants: Some(1),
            profile,
        })
        .map_err(|e| format!("{e:#}"))?
    };
    let emit_pan = file.option("emit_pan") == Some("true");
    let mask = match file.option("pan_mask") {
        Some("pci") => PanMask::Pci,
        Some("last4") => PanMask::Last4,
        _ => PanMask::KrReceipt,
    };
    dataset_table(&world, table, emit_pan, mask)
        .map(|(g, _)| g)
        .map_err(|e| format!("{e:#}"))
}

fn crc_of(label: &str) -> Option<&str> {
    label.rsplit_once("crc32=").map(|(_, crc)| crc)
}

fn get<'a>(file: &'a OpenedFile, key: &str) -> Result<&'a str, String> {
    file.option(key)
        .ok_or_else(|| format!("cardgen.{key} is not recorded"))
}

fn number(file: &OpenedFile, key: &str) -> Result<u64, String> {
    get(file, key)?
        .parse()
        .map_err(|_| format!("cardgen.{key} is not a number"))
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
