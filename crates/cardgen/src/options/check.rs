//! The checks of a run's options: each range rule once, each option on its
//! own and against the others, writing nothing; and what a reader (rather
//! than a run that writes) needs of the same options.

use std::ops::Range;

use cardgen_pipeline::budget::credits_for;

use super::{GenerateOptions, Generated, MAX_MEMORY_RANGE, MAX_THREADS};
use crate::dataset::{ReadOptions, check_batch_rows};
use crate::lake::{DEFAULT_TARGET_FILE_BYTES, LakeOptions, TableFormat, catalog_for, part_rows};
use crate::setting::{Setting, SpecError};

impl GenerateOptions {
    /// Checks every option on its own and against the others, writing
    /// nothing; the error names the first one that cannot work.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.credits().map(drop)
    }

    /// The batches a run may have in flight: `max_in_flight`, or two per
    /// thread, within the memory budget `max_memory`, once every option
    /// has been checked; the error names the first one that cannot work.
    pub fn credits(&self) -> Result<usize, SpecError> {
        self.validate_dataset_and_threads()?;
        let (min, max) = MAX_MEMORY_RANGE;
        if !(min..=max).contains(&self.max_memory) {
            return Err(SpecError::out_of_range(
                Setting::MaxMemory,
                human_bytes(self.max_memory),
                "16M (16000000 bytes) to 1PiB",
            ));
        }
        if self.append {
            self.check_append()?;
        }
        if let (Some(part), None) = (self.part, self.parts) {
            return Err(part_needs_parts(part));
        }
        if let Some(lake) = self.lake() {
            lake.validate()?;
        }
        // An append's table format is the dataset's, known once it is read.
        if !(self.append && self.table_format.is_none()) {
            self.check_catalog()?;
        }
        if let Some(setting) = self.lake_setting() {
            if self.generated == Generated::Reference {
                return Err(SpecError::Invalid {
                    setting,
                    value: self.raw(setting),
                    reason: "writes a dataset in parts; the reference table is one file".into(),
                });
            }
            if self.names_a_file() {
                return Err(SpecError::Invalid {
                    setting,
                    value: self.raw(setting),
                    reason: format!(
                        "writes a dataset directory, but `out` {} names a .parquet file; give a directory or a URL prefix",
                        self.out
                    ),
                });
            }
        }
        Ok(credits_for(
            self.threads(),
            self.batch_rows,
            self.max_in_flight,
            self.max_memory,
        )?)
    }

    /// The dataset, the rows per batch and the threads and batches in
    /// flight: what both writing and streaming need.
    fn validate_dataset_and_threads(&self) -> Result<(), SpecError> {
        self.spec.validate()?;
        check_batch_rows(self.batch_rows)?;
        for (setting, value) in [
            (Setting::Threads, self.threads),
            (Setting::MaxInFlight, self.max_in_flight),
        ] {
            if let Some(n) = value {
                in_range(setting, n as u64, 1, MAX_THREADS as u64)?;
            }
        }
        Ok(())
    }

    /// How to stream a table with these options (for a reader rather
    /// than a run that writes): the dataset, rows per batch, threads and
    /// batches in flight checked.
    pub fn read_options(&self) -> Result<ReadOptions, SpecError> {
        self.validate_dataset_and_threads()?;
        Ok(ReadOptions {
            batch_rows: self.batch_rows,
            threads: self.threads(),
            max_in_flight: self.max_in_flight,
        })
    }

    /// The rows a reader of a table of `total` rows gets: all of them, or
    /// exactly those part `part` of `parts` holds in a dataset in parts
    /// (both given, or neither).
    pub fn read_rows(&self, total: u64) -> Result<Range<u64>, SpecError> {
        match (self.part, self.parts) {
            (None, None) => Ok(0..total),
            (Some(part), Some(parts)) => {
                let lake = LakeOptions {
                    parts,
                    part: Some(part),
                    ..LakeOptions::default()
                };
                lake.validate()?;
                Ok(part_rows(total, part, parts))
            }
            (Some(part), None) => Err(part_needs_parts(part)),
            (None, Some(parts)) => Err(SpecError::Invalid {
                setting: Setting::Parts,
                value: parts.to_string(),
                reason: "needs `part` to read one part (0 to parts - 1)".into(),
            }),
        }
    }

    /// An Iceberg table's catalog can be opened (nothing is created yet),
    /// and no other table format is given one.
    fn check_catalog(&self) -> Result<(), SpecError> {
        let format = self.table_format.unwrap_or_default();
        if format != TableFormat::Iceberg {
            return match &self.catalog {
                Some(catalog) => Err(SpecError::Invalid {
                    setting: Setting::Catalog,
                    value: catalog.clone(),
                    reason: format!(
                        "only Iceberg tables have a catalog, and table_format = {format}"
                    ),
                }),
                None => Ok(()),
            };
        }
        if self.part.is_some() && self.catalog.is_none() {
            // A part commits nothing: `finish` opens the catalog.
            return Ok(());
        }
        let Some(catalog) = catalog_for(&self.out, self.catalog.as_deref()) else {
            return Err(SpecError::Missing {
                setting: Setting::Catalog,
                reason: format!(
                    "Iceberg tables on object storage ({}) are registered in a local SQLite file",
                    self.out
                ),
            });
        };
        cardgen_table::check_catalog(&catalog, Some(&self.out)).map_err(|e| SpecError::Invalid {
            setting: Setting::Catalog,
            value: catalog.clone(),
            reason: match e {
                cardgen_table::TableError::Catalog { message, .. } => message,
                other => other.to_string(),
            },
        })
    }

    /// An append writes its whole range and adds to a dataset.
    fn check_append(&self) -> Result<(), SpecError> {
        if let Some(part) = self.part {
            return Err(SpecError::Invalid {
                setting: Setting::Part,
                value: part.to_string(),
                reason: "an append writes every part of its range in one run".into(),
            });
        }
        if self.overwrite {
            return Err(SpecError::Invalid {
                setting: Setting::Overwrite,
                value: "true".into(),
                reason: "an append adds a range to the dataset and never replaces it; leave out one of the two".into(),
            });
        }
        Ok(())
    }

    /// The first option given that only a dataset in parts takes.
    fn lake_setting(&self) -> Option<Setting> {
        [
            (Setting::Parts, self.parts.is_some()),
            (Setting::PartitionBy, self.partition_by.is_some()),
            (Setting::TargetFileSize, self.target_file_size.is_some()),
            (Setting::Writers, self.writers.is_some()),
            (
                Setting::TableFormat,
                self.table_format.is_some_and(|f| f != TableFormat::Parquet),
            ),
            (Setting::Append, self.append),
        ]
        .into_iter()
        .find_map(|(setting, given)| given.then_some(setting))
    }

    /// A lake option's value as text, for messages.
    fn raw(&self, setting: Setting) -> String {
        match setting {
            Setting::Parts => format!("{}", self.parts.unwrap_or(1)),
            Setting::PartitionBy => self.partition_by.unwrap_or_default().to_string(),
            Setting::TargetFileSize => self.target_file_bytes().to_string(),
            Setting::TableFormat => self.table_format.unwrap_or_default().to_string(),
            Setting::Append => self.append.to_string(),
            _ => self.writers.map_or_else(String::new, |w| w.to_string()),
        }
    }

    /// The layout of a dataset in parts, when any option of one is given.
    pub fn lake(&self) -> Option<LakeOptions> {
        self.lake_setting()?;
        Some(LakeOptions {
            parts: self.parts.unwrap_or(1),
            part: self.part,
            partition_by: self.partition_by.unwrap_or_default(),
            target_file_bytes: self.target_file_bytes(),
            writers: self.writers,
            table_format: self.table_format.unwrap_or_default(),
            catalog: catalog_for(&self.out, self.catalog.as_deref()),
            append: self.append,
        })
    }

    pub(super) fn target_file_bytes(&self) -> u64 {
        self.target_file_size.unwrap_or(DEFAULT_TARGET_FILE_BYTES)
    }
}

fn in_range(setting: Setting, value: u64, min: u64, max: u64) -> Result<(), SpecError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(SpecError::out_of_range(
            setting,
            value,
            &format!("{min} to {max}"),
        ))
    }
}

/// Bytes as a person reads them, for messages: `3 bytes`, `2.0 PB
/// (2000000000000000 bytes)`.
fn human_bytes(bytes: u64) -> String {
    if bytes < 1000 {
        format!("{bytes} bytes")
    } else {
        let readable = bytesize::ByteSize(bytes).display().si();
        format!("{readable} ({bytes} bytes)")
    }
}

/// `part` without `parts`: a part of what?
fn part_needs_parts(part: u32) -> SpecError {
    SpecError::Invalid {
        setting: Setting::Part,
        value: part.to_string(),
        reason: "needs `parts` (the number of parts it is one of)".into(),
    }
}
