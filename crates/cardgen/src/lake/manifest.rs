//! The manifest: `_cardgen/dataset.json`, the same for every part, and one
//! `_cardgen/parts/part-KKKKK.json` per part, written when the part is done.
//!
//! `dataset.json` holds every option that decides the bytes (the
//! specification, the card-number options, the layout, the batch size,
//! the compression and the generator's version), the row count and schema
//! of each table. A part refuses to join a dataset whose options differ.
//! A part's manifest lists its files with their rows, sizes and CRC-32s, so
//! that the whole dataset can be checked without regenerating anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use cardgen_pipeline::storage::Storage;

use super::{LakeError, part_manifest_name};

/// The format tag of both manifests.
pub const FORMAT: &str = "cardgen-lake/1";

/// `_cardgen/dataset.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetManifest {
    pub format: String,
    /// Every option that decides the bytes, by key.
    pub options: BTreeMap<String, String>,
    pub parts: u32,
    /// The first date range's rows of each table.
    pub tables: Vec<TableEntry>,
    /// The date ranges appended after the first, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appends: Vec<AppendEntry>,
}

/// A date range appended to the dataset (`cardgen generate --append`):
/// its days, its transactions, how its files are split, and the rows it
/// added to each table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntry {
    /// Its number: 1 for the first append.
    pub range: u32,
    pub start: String,
    pub days: u32,
    /// Its transactions.
    pub rows: u64,
    pub parts: u32,
    pub tables: Vec<RangeRows>,
}

/// The rows a range added to a table: `first_row..first_row + rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeRows {
    pub name: String,
    pub first_row: u64,
    pub rows: u64,
}

impl AppendEntry {
    /// The rows it added to `table` (none if it does not say).
    pub fn rows_of(&self, table: &str) -> std::ops::Range<u64> {
        self.tables
            .iter()
            .find(|t| t.name == table)
            .map_or(0..0, |t| t.first_row..t.first_row + t.rows)
    }
}

/// A table of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
    /// The columns a reader sees, the Hive partition column included.
    pub columns: Vec<ColumnEntry>,
    /// The directory key of its Hive partitions (`event_date`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
}

/// A column: its name, Arrow type and nullability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnEntry {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
}

/// `_cardgen/parts/part-KKKKK.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartManifest {
    pub format: String,
    /// The date range it is a part of: 0 for the first.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub range: u32,
    pub part: u32,
    pub parts: u32,
    pub tables: Vec<TablePart>,
}

/// What a part wrote of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePart {
    pub name: String,
    /// The part's first row (or id) of the table.
    pub first_row: u64,
    pub rows: u64,
    pub files: Vec<FileEntry>,
}

/// A file of a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its key under the dataset root: `transactions/…/part-00003-0000.parquet`.
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
    /// CRC-32 of the whole file, 8 hex digits.
    pub crc32: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Serializes a manifest as indented JSON with a final newline.
pub(crate) fn to_json<T: Serialize>(manifest: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("manifests serialize");
    bytes.push(b'\n');
    bytes
}

/// Parses a manifest read from `location`.
pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    location: String,
) -> Result<T, LakeError> {
    let value: T = serde_json::from_slice(bytes).map_err(|e| LakeError::BadManifest {
        location: location.clone(),
        reason: e.to_string(),
    })?;
    Ok(value)
}

impl DatasetManifest {
    /// The first option (or the part count) on which `self` and `other`
    /// differ: (key, self's value, other's value).
    pub fn first_difference(&self, other: &DatasetManifest) -> Option<(String, String, String)> {
        if self.parts != other.parts {
            return Some((
                "parts".into(),
                self.parts.to_string(),
                other.parts.to_string(),
            ));
        }
        let keys = self.options.keys().chain(other.options.keys());
        for key in keys {
            let (ours, theirs) = (self.options.get(key), other.options.get(key));
            if ours != theirs {
                let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(unset)".into());
                return Some((key.clone(), show(ours), show(theirs)));
            }
        }
        if self.appends.len() != other.appends.len() {
            return Some((
                "appended ranges".into(),
                self.appends.len().to_string(),
                other.appends.len().to_string(),
            ));
        }
        if self != other {
            return Some(("format".into(), self.format.clone(), other.format.clone()));
        }
        None
    }

    pub fn table(&self, name: &str) -> Option<&TableEntry> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Reads the manifest of part `part` of date range `range`, if it is there.
pub(crate) fn read_part(
    storage: &dyn Storage,
    range: u32,
    part: u32,
) -> Result<Option<PartManifest>, LakeError> {
    let name = part_manifest_name(range, part);
    match storage.get(&name)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(from_json(&bytes, storage.location(&name))?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(seed: &str) -> DatasetManifest {
        DatasetManifest {
            format: FORMAT.into(),
            options: [("seed".to_string(), seed.to_string())].into(),
            parts: 4,
            tables: vec![],
            appends: vec![],
        }
    }

    #[test]
    fn manifests_round_trip_through_json() {
        let m = manifest("7");
        let back: DatasetManifest = from_json(&to_json(&m), "x".into()).unwrap();
        assert_eq!(back, m);
        let part = PartManifest {
            format: FORMAT.into(),
            range: 0,
            part: 1,
            parts: 4,
            tables: vec![TablePart {
                name: "cards".into(),
                first_row: 10,
                rows: 5,
                files: vec![FileEntry {
                    name: "cards/part-00001-0000.parquet".into(),
                    rows: 5,
                    bytes: 900,
                    crc32: "0badf00d".into(),
                }],
            }],
        };
        let back: PartManifest = from_json(&to_json(&part), "x".into()).unwrap();
        assert_eq!(back, part);
    }

    #[test]
    fn the_first_differing_option_is_named() {
        assert_eq!(manifest("7").first_difference(&manifest("7")), None);
        assert_eq!(
            manifest("7").first_difference(&manifest("8")),
            Some(("seed".into(), "7".into(), "8".into()))
        );
        let mut more_parts = manifest("7");
        more_parts.parts = 5;
        assert_eq!(
            manifest("7").first_difference(&more_parts).unwrap().0,
            "parts"
        );
    }

    #[test]
    fn a_broken_manifest_says_where_and_why() {
        let err = from_json::<PartManifest>(b"{", "OUT/_cardgen/x.json".into()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("OUT/_cardgen/x.json is not a valid cardgen manifest")
        );
    }
}
