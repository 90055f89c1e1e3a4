//! The tables of cards' changes: `cards_history`, every version of every
//! card (SCD Type 2), and `cards_changes`, a feed of cards issued
//! (`insert`) and changed (`update`) that a `MERGE` applies to the cards of
//! the start of a range to get those of its end. Both carry the columns of
//! `cards` (its full image at each version), then their own.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{Schema, SchemaRef};

use super::card_history::CardHistory;
use super::cards::CardVersion;
use super::tables::{self, INSERT, OPERATIONS, UPDATE};
use crate::arrays::{dictionary_column, string_values};
use crate::card_columns::{CardColumns, CardImage, CardVocabulary, card_row};
use crate::error::CoreError;
use crate::fraud::WorldWithFraud;
use crate::pan::PanMask;
use crate::plan::BatchSpec;
use crate::table::TableGenerator;
use crate::world::World;

/// Card `id`'s row as of `version`.
fn image(fraud: &WorldWithFraud, id: u64, version: &CardVersion) -> CardImage {
    let (mut facts, replaces) = card_row(fraud, id);
    facts.expires_day = version.expires_day;
    CardImage {
        id,
        facts,
        replaces,
        is_main: replaces.unwrap_or(id) < fraud.world().sizes.customers,
        credit_limit: version.credit_limit,
        status: version.status,
    }
}

/// Local microseconds as UTC instants.
fn timestamps(world: &World, local: Vec<Option<i64>>) -> ArrayRef {
    let offset = world.profile.utc_offset_seconds * 1_000_000;
    let utc = local.into_iter().map(|t| t.map(|t| t - offset)).collect();
    tables::timestamps(world, utc)
}

fn metadata(table: &str, rows: u64, vocabulary: &CardVocabulary) -> Vec<(String, String)> {
    let mut m = tables::metadata(table, rows);
    m.push(("emit_pan".into(), vocabulary.emit_pan().to_string()));
    m.push(("pan_mask".into(), vocabulary.mask().name().into()));
    m
}

/// `cards_history`: the versions of every card issued by the end of the
/// first range, ordered by card and `valid_from`.
pub struct CardsHistoryGenerator {
    fraud: Arc<WorldWithFraud>,
    history: Arc<CardHistory>,
    schema: SchemaRef,
    vocabulary: CardVocabulary,
}

impl CardsHistoryGenerator {
    pub fn new(
        fraud: Arc<WorldWithFraud>,
        history: Arc<CardHistory>,
        emit_pan: bool,
        mask: PanMask,
    ) -> Self {
        let world = fraud.world();
        let vocabulary = CardVocabulary::new(world, emit_pan, mask);
        let mut fields = vocabulary.fields();
        fields.extend(tables::history_fields(world));
        Self {
            schema: Arc::new(Schema::new(fields)),
            vocabulary,
            history,
            fraud,
        }
    }
}

impl TableGenerator for CardsHistoryGenerator {
    fn name(&self) -> &str {
        "cards_history"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let n = batch.rows as usize;
        let fraud = &*self.fraud;
        let world = &**fraud.world();
        let mut columns = CardColumns::with_capacity(&self.vocabulary, n);
        let (mut from, mut to, mut current) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let end = batch.first_row + batch.rows;
        let mut versions = Vec::new();
        if n > 0 {
            let (mut id, mut first) = self.history.locate_history(fraud, batch.first_row);
            while first < end {
                let changes = self.history.changes();
                changes.versions(fraud, id, 0, &mut versions);
                for (k, version) in versions.iter().enumerate() {
                    let row = first + k as u64;
                    if row < batch.first_row || row >= end {
                        continue;
                    }
                    columns.push(world, &image(fraud, id, version));
                    from.push(Some(version.at));
                    to.push(versions.get(k + 1).map(|v| v.at));
                    current.push(k + 1 == versions.len());
                }
                first += versions.len() as u64;
                id += 1;
            }
        }
        let mut arrays = columns.finish()?;
        arrays.extend([
            timestamps(world, from),
            timestamps(world, to),
            Arc::new(BooleanArray::from(current)) as ArrayRef,
        ]);
        Ok(RecordBatch::try_new(self.schema(), arrays)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        metadata(self.name(), self.history.history_rows(), &self.vocabulary)
    }
}

/// `cards_changes`: range by range, then by card and time, one row per
/// card issued or changed, with its new image.
pub struct CardChangesGenerator {
    fraud: Arc<WorldWithFraud>,
    history: Arc<CardHistory>,
    schema: SchemaRef,
    vocabulary: CardVocabulary,
    operations: ArrayRef,
}

impl CardChangesGenerator {
    pub fn new(
        fraud: Arc<WorldWithFraud>,
        history: Arc<CardHistory>,
        emit_pan: bool,
        mask: PanMask,
    ) -> Self {
        let world = fraud.world();
        let vocabulary = CardVocabulary::new(world, emit_pan, mask);
        let mut fields = vocabulary.fields();
        fields.extend(tables::feed_fields(world));
        Self {
            schema: Arc::new(Schema::new(fields)),
            vocabulary,
            operations: string_values(OPERATIONS),
            history,
            fraud,
        }
    }
}

impl TableGenerator for CardChangesGenerator {
    fn name(&self) -> &str {
        "cards_changes"
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let n = batch.rows as usize;
        let fraud = &*self.fraud;
        let world = &**fraud.world();
        let changes = self.history.changes();
        let mut columns = CardColumns::with_capacity(&self.vocabulary, n);
        let (mut ops, mut at) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let end = batch.first_row + batch.rows;
        let mut versions = Vec::new();
        let mut row = batch.first_row;
        while row < end {
            let (window, mut id, mut first) = self.history.locate_feed(fraud, row);
            while first < end && id < window.cards {
                changes.versions(fraud, id, window.range, &mut versions);
                let mut k = 0;
                for (v, version) in versions.iter().enumerate() {
                    if !window.holds(version, changes.start()) {
                        continue;
                    }
                    let r = first + k;
                    k += 1;
                    if r >= row && r < end {
                        columns.push(world, &image(fraud, id, version));
                        ops.push(if v == 0 { INSERT } else { UPDATE });
                        at.push(Some(version.at));
                    }
                }
                first += k;
                id += 1;
            }
            row = first.max(row);
        }
        let mut arrays = columns.finish()?;
        arrays.extend([
            dictionary_column(ops, &self.operations)?,
            timestamps(world, at),
        ]);
        Ok(RecordBatch::try_new(self.schema(), arrays)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        metadata(self.name(), self.history.feed_rows(), &self.vocabulary)
    }
}
