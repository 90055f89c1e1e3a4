//! Delta Lake: the first range of a dataset creates the table (version 0:
//! protocol, metadata and one `add` per file); each later range is one
//! append commit. Both carry a `txn` action (app `cardgen`, the range's
//! number), which is how a rerun knows its range is in already.
//!
//! The table's schema is cardgen's, in Delta's types; a day-partitioned
//! table's `event_date` is a partition column read from each file's
//! `partitionValues`, a month-partitioned table's `event_month` likewise,
//! with `event_date` kept in the files. Each `add` carries the file's
//! statistics as Delta's JSON: rows, and for each column with them the
//! nulls and the bounds, timestamps to the millisecond (the maximum rounded
//! up, so that it still bounds the data).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, DataType, StructField, Transaction};
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::{DeltaTable, DeltaTableError};
use serde_json::{Map, Value, json};

use crate::columns::{ColumnType, column_types};
use crate::one_line;
use crate::runtime::runtime;
use crate::stats::{Bound, FileStats};
use crate::{
    APP_ID, Committed, DataFile, Partitioning, TableDefinition, TableError, TableFormat,
    TableLocation,
};

pub(crate) fn commit(
    location: &TableLocation,
    table: &TableDefinition,
    files: &[DataFile],
    range: u64,
) -> Result<Committed, TableError> {
    let error = |message: String| TableError::Commit {
        format: TableFormat::Delta,
        location: location.root.clone(),
        message,
    };
    let delta_error = |e: DeltaTableError| error(one_line(&e.to_string()));
    let typed = column_types(TableFormat::Delta, table)?;
    let columns = columns(&typed, &table.partitioning);
    let partition_columns = partition_columns(&table.partitioning);
    let types: HashMap<String, ColumnType> =
        typed.into_iter().map(|(name, t, _)| (name, t)).collect();
    let adds: Vec<Action> = files
        .iter()
        .map(|file| Action::Add(add(file, &table.partitioning, &types)))
        .collect();
    let url = table_url(&location.root).map_err(error)?;
    let options: HashMap<String, String> = location.storage_options.iter().cloned().collect();
    let runtime = runtime().map_err(|e| error(e.to_string()))?;
    runtime.block_on(async {
        let delta = DeltaTable::try_from_url_with_storage_options(url, options)
            .await
            .map_err(delta_error)?;
        let transaction = Transaction::new(APP_ID, range as i64);
        let properties = CommitProperties::default().with_application_transaction(transaction);
        let Some(version) = delta.version() else {
            let created = delta
                .create()
                .with_table_name(&table.name)
                .with_comment(&table.description)
                .with_columns(columns)
                .with_partition_columns(partition_columns)
                .with_actions(adds)
                .with_commit_properties(properties)
                .await
                .map_err(delta_error)?;
            return Ok(Committed {
                version: created.version().unwrap_or(0) as u64,
                new: true,
            });
        };
        let snapshot = delta.snapshot().map_err(delta_error)?;
        check_same_table(snapshot.schema().fields(), &columns, location)?;
        let log_store = delta.log_store();
        let done = snapshot
            .transaction_version(log_store.as_ref(), APP_ID)
            .await
            .map_err(delta_error)?;
        if done.is_some_and(|done| done >= range as i64) {
            return Ok(Committed {
                version,
                new: false,
            });
        }
        let operation = DeltaOperation::Write {
            mode: SaveMode::Append,
            partition_by: (!partition_columns.is_empty()).then_some(partition_columns),
            predicate: None,
        };
        let finished = CommitBuilder::from(properties)
            .with_actions(adds)
            .build(Some(snapshot), log_store, operation)
            .await
            .map_err(delta_error)?;
        Ok(Committed {
            version: finished.version() as u64,
            new: true,
        })
    })
}

/// The table's root as a URL: object-store URLs as they are, a local path
/// made absolute (the directory is created, as Delta expects it to exist).
fn table_url(root: &str) -> Result<url::Url, String> {
    if root.contains("://") {
        let text = format!("{}/", root.trim_end_matches('/'));
        return url::Url::parse(&text).map_err(|e| format!("not a URL: {e}"));
    }
    std::fs::create_dir_all(root).map_err(|e| format!("cannot create {root}: {e}"))?;
    let absolute = std::path::absolute(root).map_err(|e| e.to_string())?;
    url::Url::from_directory_path(&absolute)
        .map_err(|()| format!("{} is not a directory path", absolute.display()))
}

/// The table's columns in Delta's types; a month-partitioned table also has
/// the partition key as a string column.
fn columns(typed: &[(String, ColumnType, bool)], partitioning: &Partitioning) -> Vec<StructField> {
    let mut fields: Vec<StructField> = typed
        .iter()
        .map(|(name, t, nullable)| StructField::new(name.clone(), delta_type(*t), *nullable))
        .collect();
    if let Partitioning::Month { key, .. } = partitioning {
        fields.push(StructField::new(key.clone(), DataType::STRING, false));
    }
    fields
}

fn delta_type(t: ColumnType) -> DataType {
    match t {
        ColumnType::Bool => DataType::BOOLEAN,
        ColumnType::Int8 => DataType::BYTE,
        ColumnType::Int16 => DataType::SHORT,
        ColumnType::Int32 => DataType::INTEGER,
        ColumnType::Int64 => DataType::LONG,
        ColumnType::Float32 => DataType::FLOAT,
        ColumnType::Float64 => DataType::DOUBLE,
        ColumnType::Date => DataType::DATE,
        ColumnType::TimestampUtc => DataType::TIMESTAMP,
        ColumnType::String => DataType::STRING,
    }
}

fn partition_columns(partitioning: &Partitioning) -> Vec<String> {
    match partitioning {
        Partitioning::None => Vec::new(),
        Partitioning::Day { column } => vec![column.clone()],
        Partitioning::Month { key, .. } => vec![key.clone()],
    }
}

/// An append must not change the table's columns.
fn check_same_table<'a>(
    there: impl Iterator<Item = &'a StructField>,
    ours: &[StructField],
    location: &TableLocation,
) -> Result<(), TableError> {
    let there: Vec<(&str, &DataType)> = there.map(|f| (f.name().as_str(), f.data_type())).collect();
    let ours: Vec<(&str, &DataType)> = ours
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()))
        .collect();
    if there == ours {
        return Ok(());
    }
    let names = |fields: &[(&str, &DataType)]| {
        fields
            .iter()
            .map(|(name, t)| format!("{name} {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(TableError::Differs {
        format: TableFormat::Delta,
        location: location.root.clone(),
        message: format!(
            "its columns are ({}), not ({})",
            names(&there),
            names(&ours)
        ),
    })
}

fn add(file: &DataFile, partitioning: &Partitioning, types: &HashMap<String, ColumnType>) -> Add {
    let partition_values = match (partitioning, &file.partition) {
        (Partitioning::Day { column }, value) => HashMap::from([(column.clone(), value.clone())]),
        (Partitioning::Month { key, .. }, value) => HashMap::from([(key.clone(), value.clone())]),
        (Partitioning::None, _) => HashMap::new(),
    };
    Add {
        path: file.path.clone(),
        partition_values,
        size: file.stats.bytes as i64,
        modification_time: chrono::Utc::now().timestamp_millis(),
        data_change: true,
        stats: Some(stats_json(&file.stats, types).to_string()),
        ..Add::default()
    }
}

/// Delta's statistics of one file (the protocol's "Per-file Statistics").
fn stats_json(stats: &FileStats, types: &HashMap<String, ColumnType>) -> Value {
    let mut min = Map::new();
    let mut max = Map::new();
    let mut nulls = Map::new();
    for column in &stats.columns {
        let Some(&t) = types.get(&column.name) else {
            continue;
        };
        if let Some(n) = column.nulls {
            nulls.insert(column.name.clone(), json!(n));
        }
        if let (Some(lo), Some(hi)) = (column.min, column.max)
            && let (Some(lo), Some(hi)) = (bound_json(lo, t, false), bound_json(hi, t, true))
        {
            min.insert(column.name.clone(), lo);
            max.insert(column.name.clone(), hi);
        }
    }
    json!({
        "numRecords": stats.rows,
        "minValues": min,
        "maxValues": max,
        "nullCount": nulls,
    })
}

/// A bound in Delta's JSON: numbers as numbers, dates as `YYYY-MM-DD`,
/// timestamps as UTC to the millisecond (an upper bound rounded up).
fn bound_json(bound: Bound, t: ColumnType, upper: bool) -> Option<Value> {
    Some(match (bound, t) {
        (Bound::Bool(b), _) => json!(b),
        (Bound::Int(days), ColumnType::Date) => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
            let date = epoch.checked_add_signed(chrono::Duration::days(days))?;
            json!(date.format("%Y-%m-%d").to_string())
        }
        (Bound::Int(micros), ColumnType::TimestampUtc) => {
            let millis = if upper {
                micros.div_euclid(1000) + i64::from(micros.rem_euclid(1000) != 0)
            } else {
                micros.div_euclid(1000)
            };
            let at = DateTime::from_timestamp_millis(millis)?;
            json!(at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        }
        (Bound::Int(n), _) => json!(n),
        (Bound::Float(x), _) => json!(x),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_bound_to_the_millisecond_outward() {
        let t = ColumnType::TimestampUtc;
        let at = 1_735_689_600_000_123; // 2025-01-01T00:00:00.000123Z
        assert_eq!(
            bound_json(Bound::Int(at), t, false),
            Some(json!("2025-01-01T00:00:00.000Z"))
        );
        assert_eq!(
            bound_json(Bound::Int(at), t, true),
            Some(json!("2025-01-01T00:00:00.001Z"))
        );
        let exact = 1_735_689_600_002_000;
        assert_eq!(
            bound_json(Bound::Int(exact), t, true),
            Some(json!("2025-01-01T00:00:00.002Z"))
        );
    }

    #[test]
    fn dates_and_numbers_read_as_delta_writes_them() {
        assert_eq!(
            bound_json(Bound::Int(20_089), ColumnType::Date, false),
            Some(json!("2025-01-01"))
        );
        assert_eq!(
            bound_json(Bound::Int(-7), ColumnType::Int64, false),
            Some(json!(-7))
        );
        assert_eq!(
            bound_json(Bound::Float(0.5), ColumnType::Float32, true),
            Some(json!(0.5))
        );
    }
}
