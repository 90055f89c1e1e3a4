//! A dataset's description in Parquet key-value metadata, written and read
//! back here and nowhere else.
//!
//! Every file of a dataset records, under `cardgen.` keys, what its table's
//! generator says of itself (table, schema version, row count and, for
//! `cards`, the card-number options) and, added here, the specification
//! that decides its bytes: seed, dataset rows, date range, population sizes,
//! time zone and the scenario's label. The pipeline
//! adds the generator's version, the compression and the rows per row group.
//! Never the thread count: it does not change the bytes. From a file's
//! options [`RecordedTable`] rebuilds the specification, so that
//! `cardgen verify --deep` can regenerate any row group.

use std::collections::BTreeMap;

use cardgen_core::pan::PanMask;
use cardgen_core::population::PopulationSizes;
use chrono::NaiveDate;

use crate::scenario::Scenario;
use crate::spec::{AppendedRange, DatasetSpec};
use crate::table::Table;

/// A file's recorded options that cannot describe a dataset this version can rebuild.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    #[error("cardgen.{key} is not recorded")]
    Missing { key: &'static str },
    #[error("cardgen.{key} = `{value}` is not valid")]
    Invalid { key: &'static str, value: String },
    #[error("generated with profile `{recorded}`; pass the same scenario")]
    ScenarioMismatch { recorded: String },
}

/// A table's own description (`table`, `schema_version`, `rows` and its
/// own options, from its generator) with the dataset's specification put
/// right after the row count: the key-value pairs (without the `cardgen.`
/// prefix) in the order files hold them.
pub(crate) fn table_metadata(
    spec: &DatasetSpec,
    sizes: PopulationSizes,
    mut own: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let after_rows = own
        .iter()
        .position(|(k, _)| k == "rows")
        .map_or(own.len(), |i| i + 1);
    let mut described = specification(spec, sizes);
    if !spec.appended().is_empty() {
        described.push((APPENDED_KEY.to_string(), appended_text(spec.appended())));
    }
    own.splice(after_rows..after_rows, described);
    own
}

/// The key of the ranges appended after the first, in a file of a range
/// appended to a dataset: `START/DAYS/ROWS` for each, `;` between them.
pub const APPENDED_KEY: &str = "appended";

fn appended_text(appended: &[AppendedRange]) -> String {
    let ranges: Vec<String> = appended
        .iter()
        .map(|a| format!("{}/{}/{}", a.start, a.days, a.rows))
        .collect();
    ranges.join(";")
}

fn parse_appended(text: &str) -> Option<Vec<AppendedRange>> {
    text.split(';')
        .map(|range| {
            let mut fields = range.split('/');
            let range = AppendedRange {
                start: NaiveDate::parse_from_str(fields.next()?, "%Y-%m-%d").ok()?,
                days: fields.next()?.parse().ok()?,
                rows: fields.next()?.parse().ok()?,
            };
            fields.next().is_none().then_some(range)
        })
        .collect()
}

/// The specification that decides a dataset's bytes, as key-value pairs:
/// seed, rows, date range, population sizes, time zone, scenario label.
pub(crate) fn specification(spec: &DatasetSpec, sizes: PopulationSizes) -> Vec<(String, String)> {
    let range = spec.range();
    let specification = [
        ("seed", spec.seed().to_string()),
        ("dataset_rows", spec.rows().to_string()),
        ("start", range.start.to_string()),
        ("days", range.days.to_string()),
        ("end_inclusive", range.end_inclusive().to_string()),
        ("customers", sizes.customers.to_string()),
        ("cards", sizes.cards.to_string()),
        ("merchants", sizes.merchants.to_string()),
        ("timezone", spec.scenario().profile().timezone.clone()),
        ("profile", spec.scenario().label().to_string()),
    ];
    specification
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// What a file of a dataset records about how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedTable {
    table: Table,
    version: String,
    seed: u64,
    dataset_rows: u64,
    start: NaiveDate,
    days: u32,
    customers: u64,
    merchants: u64,
    profile: String,
    emit_pan: bool,
    pan_mask: PanMask,
    appended: Vec<AppendedRange>,
}

impl RecordedTable {
    /// Reads the `cardgen.` options of a file (keys without the prefix).
    pub fn read<'a>(
        options: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, MetadataError> {
        let options: BTreeMap<&str, &str> = options.into_iter().collect();
        let get = |key: &'static str| {
            options
                .get(key)
                .copied()
                .ok_or(MetadataError::Missing { key })
        };
        let invalid = |key: &'static str| MetadataError::Invalid {
            key,
            value: options.get(key).copied().unwrap_or_default().to_string(),
        };
        let number = |key: &'static str| -> Result<u64, MetadataError> {
            get(key)?.parse().map_err(|_| invalid(key))
        };
        let table = get("table")?.parse().map_err(|_| invalid("table"))?;
        let pan_mask = match options.get("pan_mask").copied() {
            None => PanMask::default(),
            Some(name) => PanMask::from_name(name).ok_or_else(|| invalid("pan_mask"))?,
        };
        let appended = match options.get(APPENDED_KEY).copied() {
            None => Vec::new(),
            Some(text) => parse_appended(text).ok_or_else(|| invalid(APPENDED_KEY))?,
        };
        Ok(Self {
            table,
            version: get("version")?.to_string(),
            seed: number("seed")?,
            dataset_rows: number("dataset_rows")?,
            start: NaiveDate::parse_from_str(get("start")?, "%Y-%m-%d")
                .map_err(|_| invalid("start"))?,
            days: u32::try_from(number("days")?).map_err(|_| invalid("days"))?,
            customers: number("customers")?,
            merchants: number("merchants")?,
            profile: get("profile")?.to_string(),
            emit_pan: options.get("emit_pan") == Some(&"true"),
            pan_mask,
            appended,
        })
    }

    pub fn table(&self) -> Table {
        self.table
    }

    /// The cardgen version that wrote the file.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The label of the scenario the file was made with.
    pub fn profile_label(&self) -> &str {
        &self.profile
    }

    /// The specification the file was made with, given its scenario.
    pub fn spec(&self, scenario: &Scenario) -> Result<DatasetSpec, MetadataError> {
        if !scenario.matches_label(&self.profile) {
            return Err(MetadataError::ScenarioMismatch {
                recorded: self.profile.clone(),
            });
        }
        Ok(DatasetSpec::new(self.dataset_rows)
            .with_seed(self.seed)
            .with_start(self.start)
            .with_days(self.days)
            .with_customers(Some(self.customers))
            .with_merchants(Some(self.merchants))
            .with_scenario(scenario.clone())
            .with_emit_pan(self.emit_pan)
            .with_pan_mask(self.pan_mask)
            .with_appended(self.appended.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_as_the_same_specification() {
        let spec = DatasetSpec::new(5_000)
            .with_seed(11)
            .with_days(30)
            .with_emit_pan(true)
            .with_pan_mask(PanMask::Pci);
        let dataset = spec.build().unwrap();
        for table in Table::ALL {
            let mut pairs = dataset.generator(table).unwrap().metadata();
            pairs.push(("version".into(), cardgen_core::VERSION.into()));
            let recorded =
                RecordedTable::read(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
            assert_eq!(recorded.table(), table);
            let again = recorded.spec(spec.scenario()).unwrap();
            // Sizes come back as explicit values, which derive the same population.
            let rebuilt = again.build().unwrap();
            assert_eq!(rebuilt.sizes(), dataset.sizes());
            assert_eq!(
                rebuilt.generator(table).unwrap().metadata(),
                dataset.generator(table).unwrap().metadata()
            );
        }
    }

    #[test]
    fn a_file_of_an_appended_range_records_every_range() {
        let appended = vec![
            AppendedRange {
                start: "2025-02-01".parse().unwrap(),
                days: 28,
                rows: 700,
            },
            AppendedRange {
                start: "2025-03-05".parse().unwrap(),
                days: 3,
                rows: 9,
            },
        ];
        let spec = DatasetSpec::new(5_000)
            .with_days(31)
            .with_appended(appended.clone());
        let dataset = spec.build().unwrap();
        let pairs = dataset.generator(Table::Transactions).unwrap().metadata();
        let mut pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(pairs.contains(&(APPENDED_KEY, "2025-02-01/28/700;2025-03-05/3/9")));
        pairs.push(("version", cardgen_core::VERSION));
        let recorded = RecordedTable::read(pairs).unwrap();
        assert_eq!(recorded.spec(spec.scenario()).unwrap().appended(), appended);
        let bad = RecordedTable::read([
            ("table", "cards"),
            ("version", "1"),
            (APPENDED_KEY, "2025-02-01/28"),
        ]);
        assert!(bad.is_err());
    }

    #[test]
    fn a_missing_key_is_named() {
        let err = RecordedTable::read([("table", "cards")]).unwrap_err();
        assert_eq!(err, MetadataError::Missing { key: "version" });
    }
}
