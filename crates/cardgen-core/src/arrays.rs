//! Small Arrow helpers shared by every table: the dictionary type used for
//! low-cardinality strings and building such columns from `i8` keys.

use std::sync::Arc;

use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, DictionaryArray, Int8Array, StringArray};
use arrow_schema::DataType;

use crate::error::CoreError;

/// `Dictionary(Int8, Utf8)`: the type of every low-cardinality string column.
pub fn dictionary_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
}

/// A dictionary's value array.
pub fn string_values<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

/// A dictionary column from keys into `values` (null keys make null rows).
pub fn dictionary_column(
    keys: impl Into<Int8Array>,
    values: &ArrayRef,
) -> Result<ArrayRef, CoreError> {
    Ok(Arc::new(DictionaryArray::<Int8Type>::try_new(
        keys.into(),
        Arc::clone(values),
    )?))
}
