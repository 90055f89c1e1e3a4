//! Appending a date range to a dataset in parts: the same world, the next
//! days, one more commit.
//!
//! An append writes the rows the new range adds to each table (its
//! transactions, its fraud cases, the cards replacing those it blocks;
//! the customers and merchants are the first range's) as files named
//! `range-NNNN-part-…`, with their part manifests, then commits them as
//! the range's version of each table, and only then records the range in
//! `_cardgen/dataset.json`. Until that record, the dataset is what it was:
//! a table format shows its previous version, and `_SUCCESS` is absent.
//!
//! A run killed on the way leaves `_cardgen/append.json`, what it was
//! adding, which `check` reports and `finish` refuses. Running the same
//! append again writes the same bytes under the same names and commits
//! once (a commit made before the kill is found); an append with other
//! range options is refused until that one is done. The record goes last,
//! after `_SUCCESS`: one left for a range the manifest records is stale.

use std::time::Instant;

use cardgen_pipeline::budget::check_row_groups;
use cardgen_pipeline::storage::Storage;

use super::check::{check_parts, success_text};
use super::commit::commit_through;
use super::manifest::{AppendEntry, DatasetManifest, from_json, to_json};
use super::{
    DATASET_MANIFEST, LakeError, LakeOptions, LakeSummary, PENDING_APPEND, SUCCESS_MARKER,
    part_rows,
};
use crate::dataset::{Dataset, WriteOptions};
use crate::progress::Progress;
use crate::setting::{Error, Setting, SpecError};
use crate::table::Table;

/// The manifest of the dataset at `storage`, which an append continues.
pub(crate) fn dataset_there(storage: &dyn Storage) -> Result<DatasetManifest, Error> {
    let Some(bytes) = storage.get(DATASET_MANIFEST)? else {
        return Err(SpecError::Invalid {
            setting: Setting::Out,
            value: storage.location(""),
            reason: format!(
                "holds no cardgen dataset to append to ({DATASET_MANIFEST} is missing)"
            ),
        }
        .into());
    };
    Ok(from_json(&bytes, storage.location(DATASET_MANIFEST))?)
}

impl Dataset {
    /// Appends the dataset's last date range to the dataset at `storage`;
    /// see the module docs.
    pub(super) fn write_append(
        &self,
        storage: &dyn Storage,
        lake: &LakeOptions,
        options: &WriteOptions,
        progress: &dyn Progress,
        started: Instant,
    ) -> Result<LakeSummary, Error> {
        lake.validate()?;
        let range = self.ranges() as u32 - 1;
        let there = dataset_there(storage)?;
        let manifest = self.appended_manifest(storage, lake, options, &there, range)?;
        check_parts(storage, &there, false)?;
        for table in Table::ALL {
            let rows = self.range_rows(table, range as usize);
            let largest = part_rows(rows.end - rows.start, 0, lake.parts);
            // The rows per row group are the dataset's: more parts make room.
            check_row_groups(largest.end - largest.start, options.batch_rows).map_err(|e| {
                SpecError::Invalid {
                    setting: Setting::Parts,
                    value: lake.parts.to_string(),
                    reason: format!("{e}; split the appended range into more parts"),
                }
            })?;
        }
        let entry = manifest.appends.last().expect("the range appended");
        let pending = match storage.get(PENDING_APPEND)? {
            Some(bytes) => Some(from_json::<AppendEntry>(
                &bytes,
                storage.location(PENDING_APPEND),
            )?),
            None => None,
        };
        match pending {
            // Killed after recording its range, only the record is left.
            Some(done) if (done.range as usize) <= there.appends.len() => {
                storage.put(PENDING_APPEND, &to_json(entry), false)?
            }
            Some(pending) => {
                if let Some(refusal) = unlike_pending(&pending, entry, &storage.location("")) {
                    return Err(refusal.into());
                }
            }
            None => storage.put(PENDING_APPEND, &to_json(entry), false)?,
        }
        storage.delete(SUCCESS_MARKER)?;

        let parts = self.write_parts(storage, lake, options, progress)?;

        let all = check_parts(storage, &manifest, false)?;
        // The ranges before are committed first (a first range written in
        // parts and never finished has no version yet); only what this run
        // committed of them is reported.
        let mut tables = commit_through(
            storage,
            &manifest,
            &all.parts,
            range,
            lake.catalog.as_deref(),
        )?;
        tables.retain(|c| c.new || c.range == range);
        storage.put(DATASET_MANIFEST, &to_json(&manifest), false)?;
        storage.put(SUCCESS_MARKER, success_text(&all).as_bytes(), false)?;
        storage.delete(PENDING_APPEND)?;
        Ok(LakeSummary {
            parts,
            finished: true,
            tables,
            elapsed: started.elapsed(),
        })
    }

    /// The dataset's manifest with the new range recorded, after checking
    /// that this dataset is the one there with one more range.
    fn appended_manifest(
        &self,
        storage: &dyn Storage,
        lake: &LakeOptions,
        options: &WriteOptions,
        there: &DatasetManifest,
        range: u32,
    ) -> Result<DatasetManifest, Error> {
        let mut manifest = self.lake_manifest(lake, options)?;
        let earlier = range as usize - 1;
        let differs = |key: &str, ours: String, theirs: String| LakeError::OptionsDiffer {
            location: storage.location(""),
            key: key.to_string(),
            ours,
            theirs,
        };
        if there.appends.len() != earlier {
            return Err(differs(
                "appended ranges",
                earlier.to_string(),
                there.appends.len().to_string(),
            )
            .into());
        }
        // The ranges there keep their own part counts.
        manifest.parts = there.parts;
        manifest.appends[..earlier].clone_from_slice(&there.appends);
        let mut ours = manifest.clone();
        ours.appends.truncate(earlier);
        if let Some((key, ours, theirs)) = ours.first_difference(there) {
            return Err(differs(&key, ours, theirs).into());
        }
        Ok(manifest)
    }
}

/// Why an append cannot go on while `pending` is unfinished: the first
/// range option on which it differs from `entry`, as bad input naming it.
fn unlike_pending(pending: &AppendEntry, entry: &AppendEntry, out: &str) -> Option<SpecError> {
    let pairs = [
        (
            Setting::Out,
            "range",
            pending.range.to_string(),
            entry.range.to_string(),
        ),
        (
            Setting::Start,
            "start",
            pending.start.clone(),
            entry.start.clone(),
        ),
        (
            Setting::Days,
            "days",
            pending.days.to_string(),
            entry.days.to_string(),
        ),
        (
            Setting::Rows,
            "rows",
            pending.rows.to_string(),
            entry.rows.to_string(),
        ),
        (
            Setting::Parts,
            "parts",
            pending.parts.to_string(),
            entry.parts.to_string(),
        ),
    ];
    // The rows each table gets follow from these, for the same dataset.
    let (setting, key, theirs, ours) = pairs
        .into_iter()
        .find(|(_, _, theirs, ours)| theirs != ours)?;
    Some(SpecError::DatasetDiffers {
        setting,
        message: format!(
            "{out} has an unfinished append with {key} = {theirs}, not {ours}; run it again with the same options to finish it"
        ),
    })
}
