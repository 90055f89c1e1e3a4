//! Timestamps labelled UTC, for the files of an Iceberg dataset.
//!
//! Iceberg's `timestamptz` is an instant with no zone of its own, and its
//! readers take a Parquet file's timestamps only when their Arrow label
//! says UTC (pyiceberg refuses `Asia/Seoul`). The values cardgen writes are
//! already instants (microseconds since the epoch in UTC); only the label
//! differs. So an Iceberg dataset's generators relabel every zoned
//! timestamp column `UTC`: the same numbers, the same Parquet type, another
//! zone name in the file's Arrow schema. The profile's zone is still in
//! each file's metadata (`cardgen.timezone`).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use cardgen_core::{BatchSpec, CoreError, TableGenerator};

const UTC: &str = "UTC";

/// `inner`, with its zoned timestamp columns labelled UTC.
pub(crate) fn utc_timestamps(inner: Arc<dyn TableGenerator>) -> Arc<dyn TableGenerator> {
    let schema = utc_schema(&inner.schema());
    Arc::new(UtcTimestamps { inner, schema })
}

struct UtcTimestamps {
    inner: Arc<dyn TableGenerator>,
    schema: SchemaRef,
}

fn is_zoned(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(TimeUnit::Microsecond, Some(_))
    )
}

fn utc_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            t if is_zoned(t) => f
                .as_ref()
                .clone()
                .with_data_type(DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

impl TableGenerator for UtcTimestamps {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn generate(&self, batch: &BatchSpec) -> Result<RecordBatch, CoreError> {
        let generated = self.inner.generate(batch)?;
        let columns: Vec<ArrayRef> = generated
            .columns()
            .iter()
            .map(|column| {
                if is_zoned(column.data_type()) {
                    // The same buffers under another label: no copy.
                    let relabelled = column
                        .as_primitive::<TimestampMicrosecondType>()
                        .clone()
                        .with_timezone(UTC);
                    Arc::new(relabelled) as ArrayRef
                } else {
                    Arc::clone(column)
                }
            })
            .collect();
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }

    fn metadata(&self) -> Vec<(String, String)> {
        self.inner.metadata()
    }

    fn high_cardinality_columns(&self) -> &[&str] {
        self.inner.high_cardinality_columns()
    }

    fn sorted_columns(&self) -> &[&str] {
        self.inner.sorted_columns()
    }

    fn generates_in_slices(&self) -> bool {
        self.inner.generates_in_slices()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DatasetSpec, Table};

    #[test]
    fn zoned_timestamps_keep_their_instants_under_the_utc_label() {
        let dataset = DatasetSpec::new(5_000).with_days(3).build().unwrap();
        let inner = dataset.generator(Table::Transactions).unwrap();
        let spec = BatchSpec {
            index: 0,
            first_row: 0,
            rows: 1_000,
        };
        let original = inner.generate(&spec).unwrap();
        let relabelled = utc_timestamps(inner).generate(&spec).unwrap();
        let event_ts = original.schema().index_of("event_ts").unwrap();
        assert!(is_zoned(original.column(event_ts).data_type()));
        assert_eq!(
            relabelled.schema().field(event_ts).data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
        );
        for (a, b) in original.columns().iter().zip(relabelled.columns()) {
            assert_eq!(a.to_data().buffers(), b.to_data().buffers(), "same values");
        }
    }
}
