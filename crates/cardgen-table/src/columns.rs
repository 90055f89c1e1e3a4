//! The column types a table format is asked to hold: those cardgen writes,
//! named once so that each format maps the same list to its own types.

use arrow_schema::{DataType, TimeUnit};

use crate::{TableDefinition, TableError, TableFormat};

/// The column types a table can hold, as cardgen writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// Days since 1970-01-01.
    Date,
    /// Microseconds since 1970-01-01 UTC.
    TimestampUtc,
    String,
}

impl ColumnType {
    pub(crate) fn of(data_type: &DataType) -> Option<Self> {
        Some(match data_type {
            DataType::Boolean => Self::Bool,
            DataType::Int8 => Self::Int8,
            DataType::Int16 => Self::Int16,
            DataType::Int32 => Self::Int32,
            DataType::Int64 => Self::Int64,
            DataType::Float32 => Self::Float32,
            DataType::Float64 => Self::Float64,
            DataType::Date32 => Self::Date,
            DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => Self::TimestampUtc,
            DataType::Utf8 | DataType::LargeUtf8 => Self::String,
            DataType::Dictionary(_, value) if matches!(**value, DataType::Utf8) => Self::String,
            _ => return None,
        })
    }
}

/// Every column of `table` with its type, or the first one no table can hold.
pub(crate) fn column_types(
    format: TableFormat,
    table: &TableDefinition,
) -> Result<Vec<(String, ColumnType, bool)>, TableError> {
    table
        .schema
        .fields()
        .iter()
        .map(|field| match ColumnType::of(field.data_type()) {
            Some(t) => Ok((field.name().clone(), t, field.is_nullable())),
            None => Err(TableError::Unsupported {
                format,
                table: table.name.clone(),
                column: field.name().clone(),
                data_type: field.data_type().to_string(),
            }),
        })
        .collect()
}
