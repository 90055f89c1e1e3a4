//! `cardgen verify PATH`: check a file, or every table of a dataset
//! directory, against what its metadata promises; a dataset in parts goes
//! to [`crate::lake::verify`], which checks it against its manifest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cardgen::metadata::RecordedTable;
use cardgen::{Dataset, DatasetSpec, Scenario, Table};
use cardgen_core::TableGenerator;
use cardgen_core::reference::ReferenceGenerator;
use cardgen_pipeline::verify::{Check, OpenedFile, sample_indices};

use crate::args::VerifyArgs;
use crate::flags::load_scenario;

/// Datasets rebuilt for `--deep`, one per distinct specification: the
/// tables of one dataset share one world, built once.
#[derive(Default)]
struct Worlds(Vec<Dataset>);

impl Worlds {
    fn get(&mut self, spec: DatasetSpec) -> Result<&Dataset, String> {
        if let Some(i) = self.0.iter().position(|d| d.spec() == &spec) {
            return Ok(&self.0[i]);
        }
        // The card-number options shape the cards table only, not the world.
        let same_world = |d: &&Dataset| {
            d.spec()
                .clone()
                .with_emit_pan(spec.emit_pan())
                .with_pan_mask(spec.pan_mask())
                == spec
        };
        let dataset = match self.0.iter().find(same_world) {
            Some(d) => d.with_card_numbers(spec.emit_pan(), spec.pan_mask()),
            None => spec.build().map_err(|e| format!("{e:#}"))?,
        };
        self.0.push(dataset);
        Ok(self.0.last().expect("just pushed"))
    }
}

/// Runs every check on every file, prints one line per check, returns whether all passed.
pub fn run(args: &VerifyArgs, quiet: bool) -> bool {
    let location = args.path.to_string_lossy();
    if crate::lake::is_lake(&location) {
        let outcome = crate::lake::open_storage(&location)
            .map_err(|e| e.0)
            .and_then(|storage| crate::lake::verify(storage.as_ref(), quiet));
        return outcome.unwrap_or_else(|reason| {
            println!("FAIL {location}: {reason}");
            false
        });
    }
    let files: Vec<PathBuf> = if args.path.is_dir() {
        Dataset::table_paths(&args.path)
            .into_iter()
            .map(|(_, path)| path)
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
    let scenario = load_scenario(args.config.as_deref()).map_err(|e| e.0);
    let mut worlds = Worlds::default();
    let mut all_passed = true;
    for path in files {
        let checks = checks(&path, args, &scenario, &mut worlds);
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

fn checks(
    path: &Path,
    args: &VerifyArgs,
    scenario: &Result<Scenario, String>,
    worlds: &mut Worlds,
) -> Vec<Check> {
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
    // The schema depends on the scenario and the options, never on the
    // sizes: a one-customer world gives it cheaply.
    checks.push(match generator_for(&file, scenario, None) {
        Ok(g) => file.check_schema(&g.schema()),
        Err(e) => check("schema", Err(e)),
    });
    checks.push(file.check_checksums());
    if args.deep {
        checks.push(
            match regeneration_allowed(&version)
                .and_then(|()| generator_for(&file, scenario, Some(worlds)))
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
    if version == cardgen::VERSION {
        Ok(())
    } else {
        Err(format!(
            "written by cardgen {version}, this is {}; regeneration needs the same version",
            cardgen::VERSION
        ))
    }
}

/// The generator the file's recorded options describe (with `worlds`, the
/// full dataset) or a tiny one with the same schema.
fn generator_for(
    file: &OpenedFile,
    scenario: &Result<Scenario, String>,
    worlds: Option<&mut Worlds>,
) -> Result<Arc<dyn TableGenerator>, String> {
    if file.option("table") == Some("reference") {
        let number = |key: &str| -> Result<u64, String> {
            file.option(key)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("cardgen.{key} is not recorded as a number"))
        };
        return Ok(Arc::new(ReferenceGenerator::new(
            number("seed")?,
            number("rows")?,
        )));
    }
    let recorded = RecordedTable::read(file.options()).map_err(|e| e.to_string())?;
    let scenario = scenario.as_ref().map_err(Clone::clone)?;
    let spec = recorded.spec(scenario).map_err(|e| match e {
        cardgen::metadata::MetadataError::ScenarioMismatch { recorded } => {
            format!("generated with profile `{recorded}`; pass the same scenario with --config")
        }
        other => other.to_string(),
    })?;
    let table: Table = recorded.table();
    match worlds {
        Some(worlds) => worlds.get(spec)?.generator(table),
        None => spec
            .with_rows(1)
            .with_customers(Some(1))
            .with_merchants(Some(1))
            .build()
            .map_err(|e| format!("{e:#}"))?
            .generator(table),
    }
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
