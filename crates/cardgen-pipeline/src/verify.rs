//! Checking a finished file against what its own metadata promises.
//!
//! The checks, from cheap to thorough: the footer parses; the row counts of
//! the footer, the row groups and the recorded options agree; the schema is
//! the one expected; every row group's bytes match the CRC recorded when it was
//! written; and, optionally, sampled row groups equal a fresh regeneration from
//! the recorded seed. Each check reports pass or fail on its own, so one report
//! shows everything that is wrong.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use cardgen_core::{BatchPlan, TableGenerator};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use crate::checksum::{ROW_GROUP_CRC_KEY, parse_crcs, row_group_byte_range};

/// The outcome of one check: a short name and what was found.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            passed: true,
            detail: detail.into(),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            passed: false,
            detail: detail.into(),
        }
    }
}

/// An opened file: its footer and its `cardgen.*` options.
pub struct OpenedFile {
    file: File,
    reader_metadata: ArrowReaderMetadata,
    key_values: BTreeMap<String, String>,
}

impl OpenedFile {
    /// Opens `path` and parses its footer; the error says why it is not a Parquet file.
    pub fn open(path: &Path) -> Result<Self, String> {
        let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let reader_metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| format!("{}: not a readable Parquet file: {e}", path.display()))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        let key_values = reader_metadata
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .map(|kvs| {
                kvs.iter()
                    .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            file,
            reader_metadata,
            key_values,
        })
    }

    /// A `cardgen.` option recorded in the file, e.g. `option("seed")`.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.key_values
            .get(&format!("cardgen.{key}"))
            .map(String::as_str)
    }

    /// Every `cardgen.` option recorded in the file, without the prefix.
    pub fn options(&self) -> impl Iterator<Item = (&str, &str)> {
        self.key_values.iter().filter_map(|(k, v)| {
            k.strip_prefix(crate::properties::METADATA_PREFIX)
                .map(|k| (k, v.as_str()))
        })
    }

    pub fn rows(&self) -> i64 {
        self.reader_metadata.metadata().file_metadata().num_rows()
    }

    pub fn row_groups(&self) -> usize {
        self.reader_metadata.metadata().num_row_groups()
    }

    /// The batch plan recorded in the file's options.
    pub fn recorded_plan(&self) -> Result<BatchPlan, String> {
        let number = |key: &str| -> Result<u64, String> {
            let text = self
                .option(key)
                .ok_or_else(|| format!("cardgen.{key} is not recorded"))?;
            text.parse()
                .map_err(|_| format!("cardgen.{key} = `{text}` is not a number"))
        };
        BatchPlan::new(number("rows")?, number("batch_rows")?).map_err(|e| e.to_string())
    }

    /// Footer, row groups and recorded options agree on the row counts.
    pub fn check_row_counts(&self) -> Check {
        const NAME: &str = "row counts";
        let metadata = self.reader_metadata.metadata();
        let in_groups: i64 = metadata.row_groups().iter().map(|rg| rg.num_rows()).sum();
        if in_groups != self.rows() {
            return Check::fail(
                NAME,
                format!(
                    "footer says {} rows, row groups hold {in_groups}",
                    self.rows()
                ),
            );
        }
        let plan = match self.recorded_plan() {
            Ok(plan) => plan,
            Err(e) => return Check::fail(NAME, e),
        };
        if plan.total_rows() as i64 != self.rows() {
            return Check::fail(
                NAME,
                format!(
                    "cardgen.rows = {} but the file holds {} rows",
                    plan.total_rows(),
                    self.rows()
                ),
            );
        }
        if plan.batch_count() != metadata.num_row_groups() as u64 {
            return Check::fail(
                NAME,
                format!(
                    "{} row groups, but the recorded options make {}",
                    metadata.num_row_groups(),
                    plan.batch_count()
                ),
            );
        }
        for (batch, row_group) in plan.batches().zip(metadata.row_groups()) {
            if row_group.num_rows() as u64 != batch.rows {
                return Check::fail(
                    NAME,
                    format!(
                        "row group {} holds {} rows, expected {}",
                        batch.index,
                        row_group.num_rows(),
                        batch.rows
                    ),
                );
            }
        }
        Check::pass(
            NAME,
            format!(
                "{} rows in {} row groups",
                self.rows(),
                metadata.num_row_groups()
            ),
        )
    }

    pub fn check_schema(&self, expected: &Schema) -> Check {
        const NAME: &str = "schema";
        let actual = self.reader_metadata.schema();
        if actual.fields() == expected.fields() {
            return Check::pass(
                NAME,
                format!("{} columns as expected", actual.fields().len()),
            );
        }
        let differing: Vec<String> = expected
            .fields()
            .iter()
            .filter(|f| {
                actual
                    .field_with_name(f.name())
                    .map(|a| a != f.as_ref())
                    .unwrap_or(true)
            })
            .map(|f| f.name().clone())
            .collect();
        Check::fail(
            NAME,
            format!(
                "columns differ from the expected schema: {}",
                differing.join(", ")
            ),
        )
    }

    /// Recomputes each row group's CRC-32 and compares it with the recorded one.
    pub fn check_checksums(&mut self) -> Check {
        const NAME: &str = "checksums";
        let Some(recorded) = self.key_values.get(ROW_GROUP_CRC_KEY) else {
            return Check::fail(NAME, format!("{ROW_GROUP_CRC_KEY} is not recorded"));
        };
        let Some(recorded) = parse_crcs(recorded) else {
            return Check::fail(NAME, format!("{ROW_GROUP_CRC_KEY} is malformed"));
        };
        let row_groups = self.reader_metadata.metadata().row_groups();
        if recorded.len() != row_groups.len() {
            return Check::fail(
                NAME,
                format!(
                    "{} checksums recorded for {} row groups",
                    recorded.len(),
                    row_groups.len()
                ),
            );
        }
        let mut buffer = Vec::new();
        for (index, (row_group, expected)) in row_groups.iter().zip(&recorded).enumerate() {
            let Some((start, end)) = row_group_byte_range(row_group) else {
                return Check::fail(NAME, format!("row group {index} has invalid offsets"));
            };
            buffer.resize((end - start) as usize, 0);
            let read = self
                .file
                .seek(SeekFrom::Start(start))
                .and_then(|_| self.file.read_exact(&mut buffer));
            if let Err(e) = read {
                return Check::fail(
                    NAME,
                    format!("row group {index}: cannot read bytes {start}..{end}: {e}"),
                );
            }
            let actual = crc32fast::hash(&buffer);
            if actual != *expected {
                return Check::fail(
                    NAME,
                    format!(
                        "row group {index} is damaged: CRC {actual:08x}, recorded {expected:08x}"
                    ),
                );
            }
        }
        Check::pass(
            NAME,
            format!("{} row groups match their CRC-32", recorded.len()),
        )
    }

    /// Regenerates row groups `indices` with `generator` and compares values.
    pub fn check_regenerated(&self, generator: &dyn TableGenerator, indices: &[usize]) -> Check {
        const NAME: &str = "regenerated sample";
        let plan = match self.recorded_plan() {
            Ok(plan) => plan,
            Err(e) => return Check::fail(NAME, e),
        };
        for &index in indices {
            let read = match self.read_row_group(index) {
                Ok(batch) => batch,
                Err(e) => return Check::fail(NAME, format!("row group {index}: {e}")),
            };
            let fresh = match generator.generate(&plan.batch(index as u64)) {
                Ok(batch) => batch,
                Err(e) => {
                    return Check::fail(
                        NAME,
                        format!("row group {index}: regenerating failed: {e}"),
                    );
                }
            };
            if let Some(column) = first_difference(&read, &fresh) {
                return Check::fail(
                    NAME,
                    format!("row group {index} differs from a regeneration in column `{column}`"),
                );
            }
        }
        Check::pass(
            NAME,
            format!("{} row groups equal a fresh regeneration", indices.len()),
        )
    }

    fn read_row_group(&self, index: usize) -> Result<RecordBatch, String> {
        let rows = self.reader_metadata.metadata().row_group(index).num_rows() as usize;
        let file = self.file.try_clone().map_err(|e| e.to_string())?;
        let mut reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.reader_metadata.clone())
                .with_row_groups(vec![index])
                .with_batch_size(rows.max(1))
                .build()
                .map_err(|e| e.to_string())?;
        match reader.next() {
            Some(batch) => batch.map_err(|e| e.to_string()),
            None => Err("no rows".into()),
        }
    }
}

fn first_difference(a: &RecordBatch, b: &RecordBatch) -> Option<String> {
    if a.num_rows() != b.num_rows() || a.num_columns() != b.num_columns() {
        return Some("(shape)".into());
    }
    a.schema()
        .fields()
        .iter()
        .zip(a.columns().iter().zip(b.columns()))
        .find(|(_, (x, y))| x.to_data() != y.to_data())
        .map(|(field, _)| field.name().clone())
}

/// Row groups to regenerate: the first, the last and up to `count - 2` evenly
/// spaced between them.
pub fn sample_indices(row_groups: usize, count: usize) -> Vec<usize> {
    if row_groups == 0 || count == 0 {
        return Vec::new();
    }
    if count >= row_groups {
        return (0..row_groups).collect();
    }
    let mut indices: Vec<usize> = (0..count)
        .map(|i| {
            if count == 1 {
                0
            } else {
                i * (row_groups - 1) / (count - 1)
            }
        })
        .collect();
    indices.dedup();
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_include_both_ends() {
        assert_eq!(sample_indices(10, 3), vec![0, 4, 9]);
        assert_eq!(sample_indices(2, 5), vec![0, 1]);
        assert_eq!(sample_indices(0, 5), Vec::<usize>::new());
        assert_eq!(sample_indices(7, 1), vec![0]);
    }
}
