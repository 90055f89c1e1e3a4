//! Checking a dataset in parts against its manifest, and finishing it.
//!
//! A dataset is complete when every part's manifest is present, each part
//! holds exactly its share of every table's rows, and every file it lists
//! is there with its size (and, when checked deeply, its CRC-32); the same
//! for the parts of each date range appended to it. Only then does
//! [`finish`] write `_SUCCESS`.

use std::collections::BTreeMap;

use cardgen_pipeline::storage::Storage;

use super::commit::{TableCommit, catalog_for, commit_through, table_format};
use super::manifest::{AppendEntry, DatasetManifest, PartManifest, from_json, read_part};
use super::{DATASET_MANIFEST, LakeError, PENDING_APPEND, SUCCESS_MARKER, TableFormat, part_rows};
use crate::setting::{Error, Setting, SpecError};

/// What is wrong with one file, or one table of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The file's key, or the part manifest's.
    pub name: String,
    pub problem: String,
}

/// The state of a dataset in parts.
#[derive(Debug, Clone)]
pub struct DatasetCheck {
    pub manifest: DatasetManifest,
    /// The parts whose manifest is present, in part order, range by range.
    pub parts: Vec<PartManifest>,
    /// Parts of the first range whose manifest is missing (an appended
    /// range's are among the `problems`).
    pub missing_parts: Vec<u32>,
    pub problems: Vec<FileProblem>,
    /// Files checked.
    pub files: usize,
    /// Bytes of the files checked.
    pub bytes: u64,
}

impl DatasetCheck {
    pub fn is_complete(&self) -> bool {
        self.missing_parts.is_empty() && self.problems.is_empty()
    }

    /// The check itself if the dataset is complete, else
    /// [`LakeError::Incomplete`] saying what is missing.
    fn require_complete(self, storage: &dyn Storage) -> Result<Self, Error> {
        if self.is_complete() {
            return Ok(self);
        }
        Err(LakeError::Incomplete {
            location: storage.location(""),
            summary: self.summary(),
        }
        .into())
    }

    /// Rows found per table, over the parts present.
    pub fn rows(&self) -> BTreeMap<String, u64> {
        let mut rows = BTreeMap::new();
        for table in self.parts.iter().flat_map(|p| &p.tables) {
            *rows.entry(table.name.clone()).or_default() += table.rows;
        }
        rows
    }

    /// One line: what is missing or wrong, or that all is well.
    pub fn summary(&self) -> String {
        let mut said = Vec::new();
        if !self.missing_parts.is_empty() {
            said.push(format!(
                "{} of {} parts missing ({})",
                self.missing_parts.len(),
                self.manifest.parts,
                ranges(&self.missing_parts)
            ));
        }
        if let Some(first) = self.problems.first() {
            said.push(format!(
                "{} problem(s), first: {}: {}",
                self.problems.len(),
                first.name,
                first.problem
            ));
        }
        if said.is_empty() {
            format!(
                "all {} parts present, {} files, {} bytes",
                self.manifest.parts, self.files, self.bytes
            )
        } else {
            said.join("; ")
        }
    }
}

/// Lists part numbers compactly: `0-3, 7`.
fn ranges(parts: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let start = parts[i];
        let mut end = start;
        while i + 1 < parts.len() && parts[i + 1] == end + 1 {
            i += 1;
            end = parts[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}

/// Reads the manifest and checks every part and file; `deep` also reads
/// every file whole to compare its CRC-32. Problems are reported, not
/// returned as errors; errors are for a store that cannot be read.
pub fn check(storage: &dyn Storage, deep: bool) -> Result<DatasetCheck, Error> {
    let bytes = storage
        .get(DATASET_MANIFEST)?
        .ok_or_else(|| LakeError::NoDataset {
            location: storage.location(""),
            manifest: DATASET_MANIFEST.to_string(),
        })?;
    let manifest: DatasetManifest = from_json(&bytes, storage.location(DATASET_MANIFEST))?;
    let mut checked = inspect(storage, manifest, deep)?;
    if let Some(range) = unfinished_append(storage, &checked.manifest)? {
        checked.problems.push(FileProblem {
            name: PENDING_APPEND.to_string(),
            problem: format!(
                "the append of range {range} did not finish; run it again with the same options"
            ),
        });
    }
    Ok(checked)
}

/// The range of an append that was stopped before recording its range, if
/// any (a record of a range the manifest has is stale).
fn unfinished_append(
    storage: &dyn Storage,
    manifest: &DatasetManifest,
) -> Result<Option<u32>, Error> {
    let Some(bytes) = storage.get(PENDING_APPEND)? else {
        return Ok(None);
    };
    let pending: AppendEntry = from_json(&bytes, storage.location(PENDING_APPEND))?;
    Ok(((pending.range as usize) > manifest.appends.len()).then_some(pending.range))
}

/// Checks the dataset deeply and, if it is complete, commits its tables in
/// their table format (if it has one) and writes `_SUCCESS`; otherwise
/// fails with [`LakeError::Incomplete`], saying what is missing.
///
/// `catalog` is an Iceberg dataset's catalog, when not the default
/// ([`catalog_for`]).
pub fn finish(storage: &dyn Storage, catalog: Option<&str>) -> Result<Finished, Error> {
    let checked = check(storage, true)?.require_complete(storage)?;
    let catalog = catalog_for(&storage.location(""), catalog);
    if catalog.is_none() && table_format(&checked.manifest)? == TableFormat::Iceberg {
        return Err(SpecError::Missing {
            setting: Setting::Catalog,
            reason: format!(
                "Iceberg tables on object storage ({}) are registered in a local SQLite file",
                storage.location("")
            ),
        }
        .into());
    }
    let last = checked.manifest.appends.last().map_or(0, |a| a.range);
    let tables = commit_through(
        storage,
        &checked.manifest,
        &checked.parts,
        last,
        catalog.as_deref(),
    )?;
    storage.put(SUCCESS_MARKER, success_text(&checked).as_bytes(), false)?;
    // A record of an append the manifest has (killed as it was ending) goes.
    storage.delete(PENDING_APPEND)?;
    Ok(Finished { checked, tables })
}

/// What [`finish`] found and committed.
#[derive(Debug, Clone)]
pub struct Finished {
    pub checked: DatasetCheck,
    /// Each table's commit, when the dataset has a table format.
    pub tables: Vec<TableCommit>,
}

/// Checks every part against `manifest` and fails unless all is complete.
pub(crate) fn check_parts(
    storage: &dyn Storage,
    manifest: &DatasetManifest,
    deep: bool,
) -> Result<DatasetCheck, Error> {
    inspect(storage, manifest.clone(), deep)?.require_complete(storage)
}

/// The text of `_SUCCESS`: a line a person can read; readers skip the file.
pub(crate) fn success_text(checked: &DatasetCheck) -> String {
    let rows = checked
        .rows()
        .iter()
        .map(|(t, r)| format!("{t}={r}"))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "cardgen dataset: {} parts, {} files, {} bytes, rows: {rows}\n",
        checked.manifest.parts, checked.files, checked.bytes
    )
}

fn inspect(
    storage: &dyn Storage,
    manifest: DatasetManifest,
    deep: bool,
) -> Result<DatasetCheck, Error> {
    let mut checked = DatasetCheck {
        manifest,
        parts: Vec::new(),
        missing_parts: Vec::new(),
        problems: Vec::new(),
        files: 0,
        bytes: 0,
    };
    for part in 0..checked.manifest.parts {
        match read_part(storage, 0, part)? {
            None => checked.missing_parts.push(part),
            Some(found) => {
                check_part(storage, &mut checked, &found, deep)?;
                checked.parts.push(found);
            }
        }
    }
    let appended: Vec<(u32, u32)> = checked
        .manifest
        .appends
        .iter()
        .map(|a| (a.range, a.parts))
        .collect();
    for (range, parts) in appended {
        for part in 0..parts {
            match read_part(storage, range, part)? {
                None => checked.problems.push(FileProblem {
                    name: super::part_manifest_name(range, part),
                    problem: "missing".into(),
                }),
                Some(found) => {
                    check_part(storage, &mut checked, &found, deep)?;
                    checked.parts.push(found);
                }
            }
        }
    }
    Ok(checked)
}

/// The rows part `part` of date range `range` should hold of `table`, and
/// the parts that range is split into.
fn expected_rows(
    manifest: &DatasetManifest,
    range: u32,
    table: &str,
    part: u32,
) -> Option<(std::ops::Range<u64>, u32)> {
    if range == 0 {
        let rows = manifest.table(table)?.rows;
        return Some((part_rows(rows, part, manifest.parts), manifest.parts));
    }
    let append = manifest.appends.iter().find(|a| a.range == range)?;
    let all = append.rows_of(table);
    let share = part_rows(all.end - all.start, part, append.parts);
    Some((all.start + share.start..all.start + share.end, append.parts))
}

fn check_part(
    storage: &dyn Storage,
    checked: &mut DatasetCheck,
    part: &PartManifest,
    deep: bool,
) -> Result<(), Error> {
    let manifest_name = super::part_manifest_name(part.range, part.part);
    let mut problem = |name: &str, problem: String| {
        checked.problems.push(FileProblem {
            name: name.to_string(),
            problem,
        })
    };
    for table in &checked.manifest.tables {
        let Some((expected, parts)) =
            expected_rows(&checked.manifest, part.range, &table.name, part.part)
        else {
            problem(
                &manifest_name,
                format!("is of no range of the dataset ({})", part.range),
            );
            break;
        };
        if part.parts != parts {
            problem(
                &manifest_name,
                format!("written for {} parts, not {parts}", part.parts),
            );
            break;
        }
        let Some(found) = part.tables.iter().find(|t| t.name == table.name) else {
            problem(&manifest_name, format!("has no {} table", table.name));
            continue;
        };
        if found.first_row != expected.start || found.rows != expected.end - expected.start {
            problem(
                &manifest_name,
                format!(
                    "{} holds rows {}..{}, not {}..{}",
                    table.name,
                    found.first_row,
                    found.first_row + found.rows,
                    expected.start,
                    expected.end
                ),
            );
        }
        let file_rows: u64 = found.files.iter().map(|f| f.rows).sum();
        if file_rows != found.rows {
            problem(
                &manifest_name,
                format!(
                    "{} files hold {file_rows} rows, not {}",
                    table.name, found.rows
                ),
            );
        }
    }
    for file in part.tables.iter().flat_map(|t| &t.files) {
        checked.files += 1;
        checked.bytes += file.bytes;
        let found = if deep {
            storage.checksum(&file.name)?
        } else {
            storage.size(&file.name)?.map(|size| (size, 0))
        };
        let problem = match found {
            None => Some("missing".to_string()),
            Some((size, _)) if size != file.bytes => {
                Some(format!("{size} bytes, not {}", file.bytes))
            }
            Some((_, crc)) if deep && format!("{crc:08x}") != file.crc32 => {
                Some(format!("CRC-32 {crc:08x}, not {}", file.crc32))
            }
            Some(_) => None,
        };
        if let Some(problem) = problem {
            checked.problems.push(FileProblem {
                name: file.name.clone(),
                problem,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn missing_parts_are_listed_as_ranges() {
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3, 7, 9-10");
        assert_eq!(ranges(&[5]), "5");
    }
}
