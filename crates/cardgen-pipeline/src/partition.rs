//! Hive partitions: splitting a batch into runs of rows that share a
//! directory such as `event_date=2025-03-01/`.
//!
//! Engines read a partition's value from the directory name, so a column
//! partitioned on whole values (a date by day) is left out of the files, as
//! Spark's own writer does; a coarser partition (a date by month) keeps the
//! column and adds a new name (`event_month=2025-03`). Rows are split into
//! consecutive runs, so a time-ordered table gives one piece per batch
//! except where a day (or month) ends inside it; an unordered column still
//! works, with more, smaller files.

use std::sync::Arc;

use arrow_array::{Array, Date32Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};
use chrono::{Datelike, NaiveDate};

/// Splits batches into Hive partitions; see the module docs.
pub trait Partitioner: Send + Sync {
    /// The schema of the files (without a column that lives only in
    /// directory names).
    fn file_schema(&self) -> SchemaRef;

    /// The runs of `batch`, in row order, each with its directory name.
    fn split(&self, batch: &RecordBatch) -> Result<Vec<(String, RecordBatch)>, ArrowError>;
}

/// How finely a date column partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateGranularity {
    /// `COLUMN=YYYY-MM-DD/`; the column leaves the files.
    Day,
    /// `NAME=YYYY-MM/`; the column stays in the files.
    Month,
}

/// Partitions by a `Date32` column.
#[derive(Debug, Clone)]
pub struct DatePartitioner {
    column: usize,
    directory_key: String,
    granularity: DateGranularity,
    /// The columns the files hold, by index in the table's schema.
    file_columns: Vec<usize>,
    file_schema: SchemaRef,
}

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

impl DatePartitioner {
    /// Partitions `schema`'s Date32 column `column` by `granularity`; by
    /// month the directories are named `month_key=YYYY-MM`.
    pub fn new(
        schema: &Schema,
        column: &str,
        granularity: DateGranularity,
        month_key: &str,
    ) -> Result<Self, ArrowError> {
        let index = schema.index_of(column)?;
        if schema.field(index).data_type() != &DataType::Date32 {
            return Err(ArrowError::SchemaError(format!(
                "column {column} is not a Date32 column"
            )));
        }
        let (directory_key, file_columns): (_, Vec<usize>) = match granularity {
            DateGranularity::Day => (
                column.to_string(),
                (0..schema.fields().len()).filter(|&i| i != index).collect(),
            ),
            DateGranularity::Month => (month_key.to_string(), (0..schema.fields().len()).collect()),
        };
        let file_schema = Arc::new(schema.project(&file_columns)?);
        Ok(Self {
            column: index,
            directory_key,
            granularity,
            file_columns,
            file_schema,
        })
    }

    fn bucket(&self, days_since_epoch: i32) -> i32 {
        match self.granularity {
            DateGranularity::Day => days_since_epoch,
            DateGranularity::Month => {
                let date = date_of(days_since_epoch);
                date.year() * 12 + date.month0() as i32
            }
        }
    }

    fn directory(&self, days_since_epoch: i32) -> String {
        let date = date_of(days_since_epoch);
        match self.granularity {
            DateGranularity::Day => format!("{}={}", self.directory_key, date.format("%Y-%m-%d")),
            DateGranularity::Month => format!("{}={}", self.directory_key, date.format("%Y-%m")),
        }
    }
}

fn date_of(days_since_epoch: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days_since_epoch + UNIX_EPOCH_DAYS_FROM_CE)
        .unwrap_or(NaiveDate::MIN)
}

impl Partitioner for DatePartitioner {
    fn file_schema(&self) -> SchemaRef {
        Arc::clone(&self.file_schema)
    }

    fn split(&self, batch: &RecordBatch) -> Result<Vec<(String, RecordBatch)>, ArrowError> {
        let dates = batch
            .column(self.column)
            .as_any()
            .downcast_ref::<Date32Array>()
            .ok_or_else(|| ArrowError::SchemaError("partition column is not Date32".into()))?;
        if dates.null_count() > 0 {
            return Err(ArrowError::InvalidArgumentError(
                "the partition column holds nulls".into(),
            ));
        }
        let values = dates.values();
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < values.len() {
            let first_day = values[start];
            let bucket = self.bucket(first_day);
            let mut end = start + 1;
            let mut last_day = first_day;
            while end < values.len() {
                let day = values[end];
                // Compare raw days first: a month's bucket is computed only when the day changes.
                if day != last_day {
                    if self.bucket(day) != bucket {
                        break;
                    }
                    last_day = day;
                }
                end += 1;
            }
            let rows = batch.slice(start, end - start);
            pieces.push((self.directory(first_day), rows.project(&self.file_columns)?));
            start = end;
        }
        Ok(pieces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Int64Array;
    use arrow_schema::Field;

    fn batch(days: Vec<i32>) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("event_date", DataType::Date32, false),
        ]);
        let ids = Int64Array::from_iter_values(0..days.len() as i64);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(ids), Arc::new(Date32Array::from(days))],
        )
        .unwrap()
    }

    /// Each piece's directory and row count.
    fn directories(pieces: &[(String, RecordBatch)]) -> Vec<(&str, usize)> {
        pieces
            .iter()
            .map(|(dir, rows)| (dir.as_str(), rows.num_rows()))
            .collect()
    }

    // 2025-01-31 is day 20119 since 1970-01-01.
    const JAN_31: i32 = 20_119;

    #[test]
    fn by_day_each_run_of_a_date_is_one_piece_without_the_column() {
        let rows = batch(vec![JAN_31, JAN_31, JAN_31 + 1, JAN_31 + 2, JAN_31 + 2]);
        let by_day =
            DatePartitioner::new(&rows.schema(), "event_date", DateGranularity::Day, "m").unwrap();
        let pieces = by_day.split(&rows).unwrap();
        assert_eq!(
            directories(&pieces),
            [
                ("event_date=2025-01-31", 2),
                ("event_date=2025-02-01", 1),
                ("event_date=2025-02-02", 2)
            ]
        );
        assert_eq!(pieces[1].1.schema(), by_day.file_schema());
        assert_eq!(by_day.file_schema().fields().len(), 1);
        let ids = pieces[2]
            .1
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        assert_eq!(ids.values(), &[3, 4]);
    }

    #[test]
    fn by_month_keeps_the_column_and_names_the_month() {
        let rows = batch(vec![JAN_31 - 5, JAN_31, JAN_31 + 1, JAN_31 + 28]);
        let by_month = DatePartitioner::new(
            &rows.schema(),
            "event_date",
            DateGranularity::Month,
            "event_month",
        )
        .unwrap();
        let pieces = by_month.split(&rows).unwrap();
        assert_eq!(
            directories(&pieces),
            [("event_month=2025-01", 2), ("event_month=2025-02", 2)]
        );
        assert_eq!(pieces[0].1.num_columns(), 2);
    }

    #[test]
    fn a_column_that_is_not_a_date_is_refused() {
        let rows = batch(vec![JAN_31]);
        assert!(DatePartitioner::new(&rows.schema(), "id", DateGranularity::Day, "m").is_err());
        assert!(DatePartitioner::new(&rows.schema(), "nope", DateGranularity::Day, "m").is_err());
    }
}
