//! The options of an append: the dataset's own world and layout, and the
//! next date range.
//!
//! An append continues a dataset: the same seed, population, scenario and
//! card-number options (its world), the same partitioning, file size, rows
//! per row group and compression (its layout), read from the dataset's
//! manifest. A setting given for the append must agree with the dataset,
//! or the append is refused naming it; leaving it out takes the dataset's.
//! The new range is `start`, `days` and `rows` when given, else the day
//! after the dataset's last range, as many days and as many rows as it.

use chrono::Days;

use super::GenerateOptions;
use crate::lake::{DatasetManifest, TABLE_FORMAT_KEY, TableFormat};
use crate::scenario::Scenario;
use crate::setting::{Error, Setting, SpecError};
use crate::spec::{AppendedRange, DatasetSpec};

/// The settings the dataset decides, with the manifest keys that record them.
const DATASET_SETTINGS: [(Setting, &str); 10] = [
    (Setting::Seed, "seed"),
    (Setting::Customers, "customers"),
    (Setting::Merchants, "merchants"),
    (Setting::EmitPan, "emit_pan"),
    (Setting::PanMask, "pan_mask"),
    (Setting::PartitionBy, "partition_by"),
    (Setting::TargetFileSize, "target_file_size"),
    (Setting::BatchRows, "batch_rows"),
    (Setting::Compression, "compression"),
    (Setting::TableFormat, TABLE_FORMAT_KEY),
];

impl GenerateOptions {
    /// These options as an append to the dataset `manifest` describes, at
    /// `out`: every setting the dataset decides taken from it, the date
    /// ranges it has, and the new one last. Refuses a given setting that
    /// differs from the dataset's, naming it.
    pub(crate) fn for_append(
        &self,
        manifest: &DatasetManifest,
        out: &str,
    ) -> Result<GenerateOptions, Error> {
        let recorded = |key: &str| -> Result<String, Error> {
            match manifest.options.get(key) {
                Some(value) => Ok(value.clone()),
                None if key == TABLE_FORMAT_KEY => Ok(TableFormat::Parquet.to_string()),
                None => Err(bad_manifest(out, &format!("it records no `{key}`"))),
            }
        };
        let version = recorded("version")?;
        if version != crate::VERSION {
            return Err(SpecError::DatasetDiffers {
                setting: Setting::Out,
                message: format!(
                    "{out} was written by cardgen {version}, not {}; an append needs the version that wrote the dataset",
                    crate::VERSION
                ),
            }
            .into());
        }
        let mut resolved = self.clone();
        for (setting, key) in DATASET_SETTINGS {
            let theirs = recorded(key)?;
            if self.given(setting) {
                let ours = self.recorded_value(setting);
                if ours != theirs {
                    return Err(differs(out, setting, key, &theirs, &ours));
                }
            }
            resolved.set(key, &theirs)?;
        }
        let label = recorded("profile")?;
        let scenario = if self.given(Setting::Config) {
            if !self.spec.scenario().matches_label(&label) {
                return Err(differs(
                    out,
                    Setting::Config,
                    "profile",
                    &label,
                    self.spec.scenario().label(),
                ));
            }
            self.spec.scenario().clone()
        } else if Scenario::built_in().matches_label(&label) {
            Scenario::built_in()
        } else {
            return Err(SpecError::Missing {
                setting: Setting::Config,
                reason: format!(
                    "{out} was made with the scenario `{label}`; give its file to append to it"
                ),
            }
            .into());
        };
        let number = |key: &str| -> Result<u64, Error> {
            recorded(key)?
                .parse()
                .map_err(|_| bad_manifest(out, &format!("`{key}` is not a number")))
        };
        let start = recorded("start")?
            .parse()
            .map_err(|_| bad_manifest(out, "`start` is not a date"))?;
        let mut appended = Vec::with_capacity(manifest.appends.len() + 1);
        for entry in &manifest.appends {
            appended.push(AppendedRange {
                start: entry
                    .start
                    .parse()
                    .map_err(|_| bad_manifest(out, "an append's `start` is not a date"))?,
                days: entry.days,
                rows: entry.rows,
            });
        }
        let first = AppendedRange {
            start,
            days: u32::try_from(number("days")?)
                .map_err(|_| bad_manifest(out, "`days` is too large"))?,
            rows: number("dataset_rows")?,
        };
        let last = appended.last().copied().unwrap_or(first);
        appended.push(AppendedRange {
            start: if self.given(Setting::Start) {
                self.spec.start()
            } else {
                last.start + Days::new(u64::from(last.days))
            },
            days: if self.given(Setting::Days) {
                self.spec.days()
            } else {
                last.days
            },
            rows: if self.given(Setting::Rows) {
                self.spec.rows()
            } else {
                last.rows
            },
        });
        resolved.spec = DatasetSpec::new(first.rows)
            .with_seed(resolved.spec.seed())
            .with_start(first.start)
            .with_days(first.days)
            .with_customers(resolved.spec.customers())
            .with_merchants(resolved.spec.merchants())
            .with_scenario(scenario)
            .with_emit_pan(resolved.spec.emit_pan())
            .with_pan_mask(resolved.spec.pan_mask())
            .with_appended(appended);
        if !self.given(Setting::Parts) {
            resolved.parts = Some(manifest.parts);
        }
        // What was set here came from the dataset, not from the caller.
        resolved.given = self.given.clone();
        resolved.validate()?;
        Ok(resolved)
    }

    /// A setting's value as the dataset's manifest records it.
    fn recorded_value(&self, setting: Setting) -> String {
        let spec = &self.spec;
        match setting {
            Setting::Seed => spec.seed().to_string(),
            Setting::Customers => spec.customers().unwrap_or_default().to_string(),
            Setting::Merchants => spec.merchants().unwrap_or_default().to_string(),
            Setting::EmitPan => spec.emit_pan().to_string(),
            Setting::PanMask => spec.pan_mask().name().to_string(),
            Setting::PartitionBy => self.partition_by.unwrap_or_default().to_string(),
            Setting::TargetFileSize => self.target_file_bytes().to_string(),
            Setting::BatchRows => self.batch_rows.to_string(),
            Setting::Compression => self.compression.to_string(),
            Setting::TableFormat => self.table_format.unwrap_or_default().to_string(),
            other => unreachable!("{other} is not decided by the dataset"),
        }
    }
}

fn differs(out: &str, setting: Setting, key: &str, theirs: &str, ours: &str) -> Error {
    SpecError::DatasetDiffers {
        setting,
        message: format!(
            "{out} was written with {key} = {theirs}, not {ours}; an append continues the dataset: leave `{setting}` out or give the dataset's value"
        ),
    }
    .into()
}

fn bad_manifest(out: &str, reason: &str) -> Error {
    crate::lake::LakeError::BadManifest {
        location: format!("{out}/{}", crate::lake::DATASET_MANIFEST),
        reason: reason.to_string(),
    }
    .into()
}
