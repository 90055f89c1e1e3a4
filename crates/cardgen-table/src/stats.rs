//! What a table format records about each data file, read from the file's
//! own Parquet footer: rows, and per column the nulls, the smallest and
//! largest value, the values and the bytes.
//!
//! Delta's `add` actions and Iceberg's manifests both keep these so that a
//! reader can skip files by predicate without opening them. cardgen's
//! writer already put them in every row group's column chunks; this module
//! folds the row groups of one file into one entry per column. Only the
//! footer is read (one ranged read at the end of the file, a second when
//! the footer is longer than the first guess), never the data.

use cardgen_pipeline::storage::Storage;
use parquet::file::metadata::{FooterTail, ParquetMetaData, ParquetMetaDataReader};
use parquet::file::statistics::Statistics;

use crate::TableError;

/// The first read at a file's end: most of cardgen's footers fit in it.
const FIRST_TAIL_BYTES: u64 = 64 << 10;
/// Parquet's tail: a 4-byte footer length and the magic `PAR1`.
const FOOTER_TAIL_BYTES: usize = 8;

/// A minimum or maximum as Parquet stores it; the column's type in the
/// table's schema says what it means (a day number, microseconds, …).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// One column of one file, over all its row groups.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    pub name: String,
    /// Values, nulls included.
    pub values: u64,
    /// Nulls, when every row group recorded them.
    pub nulls: Option<u64>,
    /// The exact smallest and largest value, when every row group recorded them.
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    /// The column's bytes in the file, compressed.
    pub compressed_bytes: u64,
}

/// One data file as a table format records it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileStats {
    pub rows: u64,
    /// The file's size in bytes.
    pub bytes: u64,
    /// The file's columns, in their order in the file.
    pub columns: Vec<ColumnStats>,
}

impl FileStats {
    pub fn column(&self, name: &str) -> Option<&ColumnStats> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Reads the footer of `name` in `storage` and folds its row groups.
pub fn read_file_stats(storage: &dyn Storage, name: &str) -> Result<FileStats, TableError> {
    read_with_first_tail(storage, name, FIRST_TAIL_BYTES)
}

fn read_with_first_tail(
    storage: &dyn Storage,
    name: &str,
    first_tail: u64,
) -> Result<FileStats, TableError> {
    let bad = |message: String| TableError::Stats {
        file: storage.location(name),
        message,
    };
    let missing = || bad("the file is missing".into());
    let (size, mut tail) = storage.get_tail(name, first_tail)?.ok_or_else(missing)?;
    if tail.len() < FOOTER_TAIL_BYTES {
        return Err(bad(format!("{size} bytes is too short for Parquet")));
    }
    let last: [u8; FOOTER_TAIL_BYTES] = tail[tail.len() - FOOTER_TAIL_BYTES..]
        .try_into()
        .expect("eight bytes");
    let footer = FooterTail::try_new(&last).map_err(|e| bad(e.to_string()))?;
    let needed = (footer.metadata_length() + FOOTER_TAIL_BYTES) as u64;
    if needed > size {
        return Err(bad(format!(
            "its footer claims {needed} bytes of a {size}-byte file"
        )));
    }
    if needed > tail.len() as u64 {
        tail = storage.get_tail(name, needed)?.ok_or_else(missing)?.1;
    }
    let start = tail.len() - needed as usize;
    let metadata =
        ParquetMetaDataReader::decode_metadata(&tail[start..tail.len() - FOOTER_TAIL_BYTES])
            .map_err(|e| bad(e.to_string()))?;
    Ok(fold(&metadata, size))
}

/// One entry per column over every row group of `metadata`.
pub fn fold(metadata: &ParquetMetaData, bytes: u64) -> FileStats {
    let schema = metadata.file_metadata().schema_descr();
    let mut columns: Vec<ColumnStats> = schema
        .columns()
        .iter()
        .map(|c| ColumnStats {
            name: c.path().parts()[0].clone(),
            values: 0,
            nulls: Some(0),
            min: None,
            max: None,
            compressed_bytes: 0,
        })
        .collect();
    // Bounds are kept only when every row group with values has them.
    let mut bounded = vec![true; columns.len()];
    for group in metadata.row_groups() {
        for (index, chunk) in group.columns().iter().enumerate() {
            let column = &mut columns[index];
            column.values += chunk.num_values() as u64;
            column.compressed_bytes += chunk.compressed_size() as u64;
            let stats = chunk.statistics();
            column.nulls = match (column.nulls, stats.and_then(Statistics::null_count_opt)) {
                (Some(sum), Some(n)) => Some(sum + n),
                _ => None,
            };
            let non_null =
                chunk.num_values() as u64 - stats.and_then(Statistics::null_count_opt).unwrap_or(0);
            if non_null == 0 && stats.is_some() {
                continue;
            }
            match stats.and_then(bounds) {
                Some((min, max)) if bounded[index] => {
                    column.min = Some(column.min.map_or(min, |m| smaller(m, min)));
                    column.max = Some(column.max.map_or(max, |m| larger(m, max)));
                }
                _ => bounded[index] = false,
            }
        }
    }
    for (column, bounded) in columns.iter_mut().zip(bounded) {
        if !bounded {
            column.min = None;
            column.max = None;
        }
    }
    FileStats {
        rows: metadata.file_metadata().num_rows() as u64,
        bytes,
        columns,
    }
}

/// The exact minimum and maximum of a column chunk, for the physical types
/// cardgen writes; strings carry no statistics in cardgen's files.
fn bounds(stats: &Statistics) -> Option<(Bound, Bound)> {
    if !stats.min_is_exact() || !stats.max_is_exact() {
        return None;
    }
    match stats {
        Statistics::Boolean(s) => Some((Bound::Bool(*s.min_opt()?), Bound::Bool(*s.max_opt()?))),
        Statistics::Int32(s) => Some((
            Bound::Int(i64::from(*s.min_opt()?)),
            Bound::Int(i64::from(*s.max_opt()?)),
        )),
        Statistics::Int64(s) => Some((Bound::Int(*s.min_opt()?), Bound::Int(*s.max_opt()?))),
        Statistics::Float(s) => Some((
            Bound::Float(f64::from(*s.min_opt()?)),
            Bound::Float(f64::from(*s.max_opt()?)),
        )),
        Statistics::Double(s) => Some((Bound::Float(*s.min_opt()?), Bound::Float(*s.max_opt()?))),
        _ => None,
    }
}

fn smaller(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        (Bound::Int(x), Bound::Int(y)) => Bound::Int(x.min(y)),
        (Bound::Float(x), Bound::Float(y)) => Bound::Float(x.min(y)),
        (Bound::Bool(x), Bound::Bool(y)) => Bound::Bool(x & y),
        (kept, _) => kept,
    }
}

fn larger(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        (Bound::Int(x), Bound::Int(y)) => Bound::Int(x.max(y)),
        (Bound::Float(x), Bound::Float(y)) => Bound::Float(x.max(y)),
        (Bound::Bool(x), Bound::Bool(y)) => Bound::Bool(x | y),
        (kept, _) => kept,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
    use cardgen_pipeline::storage::LocalStorage;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;

    /// A file of two row groups: ids 1–3 then 10–11, a nullable column,
    /// and a string column without statistics.
    fn write_file(dir: &std::path::Path) {
        let batch = |ids: Vec<i64>, maybe: Vec<Option<i64>>, flags: Vec<bool>| {
            let names: Vec<String> = ids.iter().map(|i| format!("n{i}")).collect();
            RecordBatch::try_from_iter([
                ("id", Arc::new(Int64Array::from(ids)) as ArrayRef),
                ("maybe", Arc::new(Int64Array::from(maybe)) as ArrayRef),
                ("flag", Arc::new(BooleanArray::from(flags)) as ArrayRef),
                ("name", Arc::new(StringArray::from(names)) as ArrayRef),
            ])
            .unwrap()
        };
        let first = batch(vec![1, 2, 3], vec![None, Some(-4), None], vec![false; 3]);
        let second = batch(vec![10, 11], vec![None, None], vec![true, false]);
        let properties = WriterProperties::builder()
            .set_column_statistics_enabled(
                "name".into(),
                parquet::file::properties::EnabledStatistics::None,
            )
            .build();
        let file = std::fs::File::create(dir.join("f.parquet")).unwrap();
        let mut writer = ArrowWriter::try_new(file, first.schema(), Some(properties)).unwrap();
        writer.write(&first).unwrap();
        writer.flush().unwrap();
        writer.write(&second).unwrap();
        writer.close().unwrap();
    }

    #[test]
    fn row_groups_fold_into_one_entry_per_column() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path());
        let storage = LocalStorage::new(dir.path());
        let stats = read_file_stats(&storage, "f.parquet").unwrap();
        assert_eq!(stats.rows, 5);
        assert_eq!(
            stats.bytes,
            std::fs::metadata(dir.path().join("f.parquet"))
                .unwrap()
                .len()
        );
        let id = stats.column("id").unwrap();
        assert_eq!(
            (id.min, id.max, id.nulls),
            (Some(Bound::Int(1)), Some(Bound::Int(11)), Some(0))
        );
        assert_eq!(id.values, 5);
        // The second row group is all nulls: it bounds nothing.
        let maybe = stats.column("maybe").unwrap();
        assert_eq!(
            (maybe.min, maybe.max, maybe.nulls),
            (Some(Bound::Int(-4)), Some(Bound::Int(-4)), Some(4))
        );
        let flag = stats.column("flag").unwrap();
        assert_eq!(
            (flag.min, flag.max),
            (Some(Bound::Bool(false)), Some(Bound::Bool(true)))
        );
        let name = stats.column("name").unwrap();
        assert_eq!((name.min, name.max, name.nulls), (None, None, None));
        assert!(stats.columns.iter().all(|c| c.compressed_bytes > 0));
    }

    #[test]
    fn a_footer_longer_than_the_first_read_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path());
        let storage = LocalStorage::new(dir.path());
        let (size, tail) = storage.get_tail("f.parquet", 16).unwrap().unwrap();
        assert_eq!(tail.len(), 16);
        assert!(size > 16);
        // A first read of 16 bytes holds the footer's length, not the footer.
        let stats = read_with_first_tail(&storage, "f.parquet", 16).unwrap();
        assert_eq!(stats, read_file_stats(&storage, "f.parquet").unwrap());
    }

    #[test]
    fn a_missing_or_foreign_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.parquet"), b"not parquet at all").unwrap();
        let storage = LocalStorage::new(dir.path());
        for name in ["x.parquet", "absent.parquet"] {
            let err = read_file_stats(&storage, name).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }
}
