//! Apache Iceberg: each table is registered in a SQL catalog on SQLite
//! (namespace `cardgen`), its metadata under `<table>/metadata/`, and each
//! range of the dataset is one fast-append snapshot of the files cardgen
//! wrote, marked with the snapshot property `cardgen.range`.
//!
//! **Why a SQLite catalog.** iceberg-rust has no file-system ("Hadoop")
//! catalog, and the Iceberg community steers away from one; pyiceberg,
//! Spark and iceberg-rust all read the same SQL catalog, so one SQLite
//! file is the smallest catalog every reader here can open. It is the
//! commit's point of truth: a snapshot is in the table once the catalog
//! row points at the metadata file that lists it.
//!
//! **Field ids.** cardgen's Parquet files carry no Iceberg field ids, so
//! the table sets `schema.name-mapping.default`, which maps each column
//! name to its id for every reader. A day-partitioned table's `event_date`
//! is an identity partition whose value readers take from the partition
//! tuple (the files leave it out); a month-partitioned table partitions by
//! `month(event_date)`, which stays in the files.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use iceberg::io::{LocalFsStorageFactory, StorageFactory};
use iceberg::spec::{
    DEFAULT_SCHEMA_NAME_MAPPING, DataContentType, DataFile, DataFileBuilder, DataFileFormat, Datum,
    Literal, NestedField, PrimitiveType, Schema, Struct, Transform, Type, UnboundPartitionSpec,
};
use iceberg::transaction::{ApplyTransactionAction, Transaction};
use iceberg::{Catalog, CatalogBuilder, NamespaceIdent, TableCreation, TableIdent};
use iceberg_catalog_sql::{
    SQL_CATALOG_PROP_BIND_STYLE, SQL_CATALOG_PROP_URI, SQL_CATALOG_PROP_WAREHOUSE, SqlBindStyle,
    SqlCatalog, SqlCatalogBuilder,
};
use serde_json::json;

use crate::columns::{ColumnType, column_types};
use crate::one_line;
use crate::runtime::runtime;
use crate::stats::{Bound, FileStats};
use crate::{
    APP_ID, Committed, DataFile as CardgenFile, Partitioning, TableDefinition, TableError,
    TableFormat, TableLocation,
};

use crate::{ICEBERG_CATALOG_NAME as CATALOG_NAME, ICEBERG_NAMESPACE as NAMESPACE};
/// The snapshot property holding the range a snapshot added.
const RANGE_PROPERTY: &str = "cardgen.range";

pub(crate) fn commit(
    location: &TableLocation,
    catalog: &str,
    table: &TableDefinition,
    files: &[CardgenFile],
    range: u64,
) -> Result<Committed, TableError> {
    let error = |message: String| TableError::Commit {
        format: TableFormat::Iceberg,
        location: location.root.clone(),
        message,
    };
    let ice_error = |e: iceberg::Error| error(one_line(&e.to_string()));
    let columns = column_types(TableFormat::Iceberg, table)?;
    let root = table_root(&location.root).map_err(error)?;
    let runtime = runtime().map_err(|e| error(e.to_string()))?;
    runtime.block_on(async {
        let catalog = open_catalog(catalog, &root, location).await?;
        let namespace = NamespaceIdent::new(NAMESPACE.into());
        if !catalog.namespace_exists(&namespace).await.map_err(ice_error)? {
            catalog
                .create_namespace(&namespace, HashMap::new())
                .await
                .map_err(ice_error)?;
        }
        let ident = TableIdent::new(namespace.clone(), table.name.clone());
        let existing = if catalog.table_exists(&ident).await.map_err(ice_error)? {
            Some(catalog.load_table(&ident).await.map_err(ice_error)?)
        } else {
            None
        };
        let iceberg_table = match existing {
            Some(found) => {
                let there = found.metadata().location().trim_end_matches('/');
                if there != root.trim_end_matches('/') {
                    return Err(TableError::Differs {
                        format: TableFormat::Iceberg,
                        location: location.root.clone(),
                        message: format!(
                            "the catalog's {NAMESPACE}.{} is the table at {there}; give another catalog",
                            table.name
                        ),
                    });
                }
                if let Some(version) = committed_range(&found, range) {
                    return Ok(Committed {
                        version,
                        new: false,
                    });
                }
                found
            }
            None => {
                let creation = creation(table, &columns, &root).map_err(ice_error)?;
                catalog
                    .create_table(&namespace, creation)
                    .await
                    .map_err(ice_error)?
            }
        };
        let data_files = files
            .iter()
            .map(|file| data_file(file, &root, table, &columns))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ice_error)?;
        let properties = HashMap::from([
            (RANGE_PROPERTY.to_string(), range.to_string()),
            ("cardgen.app".to_string(), APP_ID.to_string()),
        ]);
        let transaction = Transaction::new(&iceberg_table);
        let action = transaction
            .fast_append()
            .add_data_files(data_files)
            .set_snapshot_properties(properties);
        let transaction = action.apply(transaction).map_err(ice_error)?;
        let committed = transaction.commit(&catalog).await.map_err(ice_error)?;
        let version = committed
            .metadata()
            .current_snapshot()
            .map_or(0, |s| s.sequence_number().saturating_sub(1) as u64);
        Ok(Committed { version, new: true })
    })
}

/// Removes `table` from the catalog, if it is there (its files stay): the
/// table of a dataset being replaced.
pub(crate) fn forget(
    location: &TableLocation,
    catalog: &str,
    table: &str,
) -> Result<(), TableError> {
    let error = |message: String| TableError::Catalog {
        catalog: catalog.to_string(),
        message,
    };
    let root = table_root(&location.root).map_err(error)?;
    let runtime = runtime().map_err(|e| error(e.to_string()))?;
    runtime.block_on(async {
        let catalog_client = open_catalog(catalog, &root, location).await?;
        let ident = TableIdent::new(NamespaceIdent::new(NAMESPACE.into()), table.to_string());
        let found = catalog_client.table_exists(&ident).await;
        if found.map_err(|e| error(one_line(&e.to_string())))? {
            catalog_client
                .drop_table(&ident)
                .await
                .map_err(|e| error(one_line(&e.to_string())))?;
        }
        Ok(())
    })
}

/// Checks, writing nothing, that `catalog` can be opened: an existing file
/// must be a SQLite database; a new one's directory must exist, unless it
/// is `default_dir` (the dataset's own, created with it).
pub(crate) fn check_catalog(catalog: &str, default_dir: Option<&str>) -> Result<(), String> {
    let path = catalog_path(catalog);
    let path = std::path::Path::new(path);
    if path.exists() {
        let runtime = runtime().map_err(|e| e.to_string())?;
        return runtime.block_on(async {
            use sqlx::ConnectOptions;
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .read_only(true);
            let mut connection = options
                .connect()
                .await
                .map_err(|e| one_line(&e.to_string()))?;
            sqlx::query("select count(*) from sqlite_master")
                .fetch_one(&mut connection)
                .await
                .map(drop)
                .map_err(|e| one_line(&e.to_string()))
        });
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    match parent {
        Some(dir) if !dir.is_dir() && default_dir.is_none_or(|d| !dir.starts_with(d)) => {
            Err(format!("its directory {} does not exist", dir.display()))
        }
        _ => Ok(()),
    }
}

/// The file a catalog names: a path, or a `sqlite:` URI.
fn catalog_path(catalog: &str) -> &str {
    let path = catalog.strip_prefix("sqlite:").unwrap_or(catalog);
    let path = path.strip_prefix("//").unwrap_or(path);
    path.split('?').next().unwrap_or(path)
}

async fn open_catalog(
    catalog: &str,
    root: &str,
    location: &TableLocation,
) -> Result<SqlCatalog, TableError> {
    let error = |message: String| TableError::Catalog {
        catalog: catalog.to_string(),
        message,
    };
    let path = std::path::absolute(catalog_path(catalog)).map_err(|e| error(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| error(format!("cannot create {}: {e}", dir.display())))?;
    }
    let uri = format!("sqlite:{}?mode=rwc", path.display());
    let warehouse = root.rsplit_once('/').map_or(root, |(parent, _)| parent);
    let mut properties = HashMap::from([
        (SQL_CATALOG_PROP_URI.to_string(), uri),
        (
            SQL_CATALOG_PROP_WAREHOUSE.to_string(),
            warehouse.to_string(),
        ),
        (
            SQL_CATALOG_PROP_BIND_STYLE.to_string(),
            SqlBindStyle::QMark.to_string(),
        ),
    ]);
    properties.extend(s3_properties(location));
    let storage: Arc<dyn StorageFactory> = storage_factory(root).map_err(&error)?;
    SqlCatalogBuilder::default()
        .with_storage_factory(storage)
        .load(CATALOG_NAME, properties)
        .await
        .map_err(|e| error(one_line(&e.to_string())))
}

/// Local files through iceberg's own file IO; S3 through OpenDAL.
fn storage_factory(root: &str) -> Result<Arc<dyn StorageFactory>, String> {
    if root.starts_with("file:") || root.starts_with('/') {
        return Ok(Arc::new(LocalFsStorageFactory));
    }
    #[cfg(feature = "s3")]
    if root.starts_with("s3://") || root.starts_with("s3a://") {
        return Ok(Arc::new(
            iceberg_storage_opendal::OpenDalStorageFactory::S3 {
                customized_credential_load: None,
            },
        ));
    }
    Err(format!("{root}: Iceberg tables here are local or on s3://"))
}

/// The object-store settings in iceberg's names (`s3.endpoint`, …).
fn s3_properties(location: &TableLocation) -> Vec<(String, String)> {
    let names = [
        ("AWS_ENDPOINT_URL", "s3.endpoint"),
        ("AWS_ENDPOINT", "s3.endpoint"),
        ("AWS_ACCESS_KEY_ID", "s3.access-key-id"),
        ("AWS_SECRET_ACCESS_KEY", "s3.secret-access-key"),
        ("AWS_SESSION_TOKEN", "s3.session-token"),
        ("AWS_REGION", "s3.region"),
        ("AWS_DEFAULT_REGION", "s3.region"),
    ];
    let mut properties: Vec<(String, String)> = location
        .storage_options
        .iter()
        .filter_map(|(key, value)| {
            let (_, name) = names.iter().find(|(k, _)| k == key)?;
            Some((name.to_string(), value.clone()))
        })
        .collect();
    if properties.iter().any(|(k, _)| k == "s3.endpoint") {
        // Self-hosted stores (SeaweedFS, MinIO) address buckets by path.
        properties.push(("s3.path-style-access".into(), "true".into()));
    }
    properties
}

/// The table's root as Iceberg writes it: an absolute path or a URL,
/// without a trailing `/`.
fn table_root(root: &str) -> Result<String, String> {
    if root.contains("://") {
        return Ok(root.trim_end_matches('/').to_string());
    }
    let absolute = std::path::absolute(root).map_err(|e| format!("{root}: {e}"))?;
    Ok(absolute
        .display()
        .to_string()
        .trim_end_matches('/')
        .to_string())
}

/// The version holding `range`, when a snapshot of the table added it.
fn committed_range(table: &iceberg::table::Table, range: u64) -> Option<u64> {
    table.metadata().snapshots().find_map(|snapshot| {
        let added = snapshot
            .summary()
            .additional_properties
            .get(RANGE_PROPERTY)?;
        let added: u64 = added.parse().ok()?;
        (added >= range).then(|| snapshot.sequence_number().saturating_sub(1) as u64)
    })
}

fn iceberg_type(t: ColumnType) -> PrimitiveType {
    match t {
        ColumnType::Bool => PrimitiveType::Boolean,
        ColumnType::Int8 | ColumnType::Int16 | ColumnType::Int32 => PrimitiveType::Int,
        ColumnType::Int64 => PrimitiveType::Long,
        ColumnType::Float32 => PrimitiveType::Float,
        ColumnType::Float64 => PrimitiveType::Double,
        ColumnType::Date => PrimitiveType::Date,
        ColumnType::TimestampUtc => PrimitiveType::Timestamptz,
        ColumnType::String => PrimitiveType::String,
    }
}

/// Field ids are 1, 2, … in column order, as Iceberg assigns them.
fn field_id(columns: &[(String, ColumnType, bool)], name: &str) -> Option<i32> {
    columns
        .iter()
        .position(|(n, _, _)| n == name)
        .map(|i| i as i32 + 1)
}

fn creation(
    table: &TableDefinition,
    columns: &[(String, ColumnType, bool)],
    root: &str,
) -> iceberg::Result<TableCreation> {
    // A day-partitioned table's `event_date` is in no file: readers fill it
    // from the partition tuple, and pyiceberg does so for optional fields only.
    let from_partition = match &table.partitioning {
        Partitioning::Day { column } => Some(column.as_str()),
        _ => None,
    };
    let fields = columns.iter().enumerate().map(|(i, (name, t, nullable))| {
        let kind = Type::Primitive(iceberg_type(*t));
        let id = i as i32 + 1;
        let field = if *nullable || from_partition == Some(name.as_str()) {
            NestedField::optional(id, name, kind)
        } else {
            NestedField::required(id, name, kind)
        };
        Arc::new(field)
    });
    let schema = Schema::builder()
        .with_schema_id(0)
        .with_fields(fields)
        .build()?;
    let mut spec = UnboundPartitionSpec::builder();
    match &table.partitioning {
        Partitioning::None => {}
        Partitioning::Day { column } => {
            let id = field_id(columns, column).unwrap_or_default();
            spec = spec.add_partition_field(id, column, Transform::Identity)?;
        }
        Partitioning::Month { column, .. } => {
            let id = field_id(columns, column).unwrap_or_default();
            spec = spec.add_partition_field(id, format!("{column}_month"), Transform::Month)?;
        }
    }
    let mapping: Vec<_> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| json!({"field-id": i + 1, "names": [name]}))
        .collect();
    let properties = [
        (
            DEFAULT_SCHEMA_NAME_MAPPING.to_string(),
            serde_json::Value::Array(mapping).to_string(),
        ),
        ("comment".to_string(), table.description.clone()),
    ];
    Ok(TableCreation::builder()
        .name(table.name.clone())
        .location(root.to_string())
        .schema(schema)
        .partition_spec(spec.build())
        .properties(properties)
        .build())
}

fn data_file(
    file: &CardgenFile,
    root: &str,
    table: &TableDefinition,
    columns: &[(String, ColumnType, bool)],
) -> iceberg::Result<DataFile> {
    let invalid = |message: String| iceberg::Error::new(iceberg::ErrorKind::DataInvalid, message);
    let partition = match (&table.partitioning, &file.partition) {
        (Partitioning::None, _) => Struct::empty(),
        (Partitioning::Day { .. }, Some(day)) => {
            let date = NaiveDate::from_str(day).map_err(|e| invalid(format!("{day}: {e}")))?;
            Struct::from_iter([Some(Literal::date(days_since_epoch(date)))])
        }
        (Partitioning::Month { .. }, Some(month)) => {
            let date = NaiveDate::from_str(&format!("{month}-01"))
                .map_err(|e| invalid(format!("{month}: {e}")))?;
            let months = (date.year() - 1970) * 12 + date.month0() as i32;
            Struct::from_iter([Some(Literal::int(months))])
        }
        (_, None) => return Err(invalid(format!("{}: no partition value", file.path))),
    };
    let metrics = Metrics::of(&file.stats, columns);
    DataFileBuilder::default()
        .content(DataContentType::Data)
        .file_path(format!("{root}/{}", file.path))
        .file_format(DataFileFormat::Parquet)
        .partition(partition)
        .record_count(file.stats.rows)
        .file_size_in_bytes(file.stats.bytes)
        .column_sizes(metrics.sizes)
        .value_counts(metrics.values)
        .null_value_counts(metrics.nulls)
        .lower_bounds(metrics.lower)
        .upper_bounds(metrics.upper)
        .build()
        .map_err(|e| invalid(e.to_string()))
}

/// A file's statistics by field id.
#[derive(Default)]
struct Metrics {
    sizes: HashMap<i32, u64>,
    values: HashMap<i32, u64>,
    nulls: HashMap<i32, u64>,
    lower: HashMap<i32, Datum>,
    upper: HashMap<i32, Datum>,
}

impl Metrics {
    fn of(stats: &FileStats, columns: &[(String, ColumnType, bool)]) -> Self {
        let mut metrics = Metrics::default();
        for column in &stats.columns {
            let Some(id) = field_id(columns, &column.name) else {
                continue;
            };
            let t = columns[id as usize - 1].1;
            metrics.sizes.insert(id, column.compressed_bytes);
            metrics.values.insert(id, column.values);
            if let Some(n) = column.nulls {
                metrics.nulls.insert(id, n);
            }
            if let (Some(lo), Some(hi)) = (column.min, column.max)
                && let (Some(lo), Some(hi)) = (datum(lo, t), datum(hi, t))
            {
                metrics.lower.insert(id, lo);
                metrics.upper.insert(id, hi);
            }
        }
        metrics
    }
}

fn datum(bound: Bound, t: ColumnType) -> Option<Datum> {
    Some(match (bound, t) {
        (Bound::Bool(b), ColumnType::Bool) => Datum::bool(b),
        (Bound::Int(n), ColumnType::Int8 | ColumnType::Int16 | ColumnType::Int32) => {
            Datum::int(i32::try_from(n).ok()?)
        }
        (Bound::Int(n), ColumnType::Int64) => Datum::long(n),
        (Bound::Int(days), ColumnType::Date) => Datum::date(i32::try_from(days).ok()?),
        (Bound::Int(micros), ColumnType::TimestampUtc) => Datum::timestamptz_micros(micros),
        (Bound::Float(x), ColumnType::Float32) => Datum::float(x as f32),
        (Bound::Float(x), ColumnType::Float64) => Datum::double(x),
        _ => return None,
    })
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    (date - epoch).num_days() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_are_named_by_path_or_sqlite_uri() {
        assert_eq!(catalog_path("cat.db"), "cat.db");
        assert_eq!(catalog_path("sqlite:/tmp/cat.db?mode=rwc"), "/tmp/cat.db");
        assert_eq!(catalog_path("sqlite:///tmp/cat.db"), "/tmp/cat.db");
    }

    #[test]
    fn a_catalog_in_a_missing_directory_or_not_sqlite_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/cat.db");
        let err = check_catalog(missing.to_str().unwrap(), None).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        let not_sqlite = dir.path().join("cat.db");
        std::fs::write(&not_sqlite, "plain text, not a database").unwrap();
        assert!(check_catalog(not_sqlite.to_str().unwrap(), None).is_err());
        let fresh = dir.path().join("fresh.db");
        check_catalog(fresh.to_str().unwrap(), None).unwrap();
        assert!(!fresh.exists(), "checking writes nothing");
    }

    #[test]
    fn bounds_take_iceberg_types() {
        assert_eq!(datum(Bound::Int(7), ColumnType::Int16), Some(Datum::int(7)));
        assert_eq!(
            datum(Bound::Int(20_089), ColumnType::Date),
            Some(Datum::date(20_089))
        );
        assert_eq!(datum(Bound::Bool(true), ColumnType::Int64), None);
    }
}
