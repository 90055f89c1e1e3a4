//! Dictionary columns written straight from the generator's codes.
//!
//! Every low-cardinality string column (category, channel, response code…) is
//! an Arrow `Dictionary(Int8, Utf8)`: the generator already picked a code per
//! row from a short list fixed before the first row. Parquet's Arrow writer
//! would hash each row's string again to find a code for it, and that lookup
//! was about a fifth of all the time spent encoding `transactions` (see the
//! issue 20 profile in docs/benchmarks.md).
//!
//! Here the column chunk is built from the codes themselves:
//! - the Arrow dictionary becomes the dictionary page, `PLAIN`-encoded;
//! - the keys, unchanged, become `RLE_DICTIONARY` data pages (format v1),
//!   cut at the writer properties' row and byte limits, with `RLE` definition
//!   levels when the column is nullable;
//! - pages are compressed with the file's codec, and the chunk carries the
//!   metadata and offset index the Arrow writer would have given it.
//!
//! Parquet's own page writer writes the page headers; the codes go through
//! [`crate::hybrid_rle`] and the pages through the same compression crates
//! parquet uses. A column whose properties ask for anything else (statistics,
//! a bloom filter, another encoding or codec, format v2, no dictionary) goes
//! through the Arrow writer as before: [`CodedColumn::applies`] decides.

use arrow_array::cast::AsArray;
use arrow_array::types::Int8Type;
use arrow_array::{Array, ArrayRef, DictionaryArray};
use arrow_schema::DataType;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, EncodingMask, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ColumnChunkMetaData, OffsetIndexBuilder, PageEncodingStats};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::hybrid_rle;

/// A column chunk encoded here: its bytes (offsets start at 0) and metadata.
pub struct CodedChunk {
    pub data: Bytes,
    pub close: ColumnCloseResult,
}

/// One `Dictionary(Int8, Utf8)` column of a row group, to be written from its codes.
pub struct CodedColumn<'a> {
    descr: &'a ColumnDescPtr,
    properties: &'a WriterProperties,
    array: &'a DictionaryArray<Int8Type>,
}

impl<'a> CodedColumn<'a> {
    /// The column, when this module can write it exactly as its properties
    /// ask; `None` sends it through the Arrow writer.
    pub fn applies(
        descr: &'a ColumnDescPtr,
        properties: &'a WriterProperties,
        column: &'a ArrayRef,
    ) -> Option<Self> {
        let is_coded_string = matches!(column.data_type(),
            DataType::Dictionary(key, value)
                if **key == DataType::Int8 && **value == DataType::Utf8);
        // Nested leaves, and nulls in a column the schema says has none, are
        // the Arrow writer's to sort out.
        let stray_nulls = descr.max_def_level() == 0 && column.null_count() > 0;
        if !is_coded_string || descr.max_rep_level() > 0 || stray_nulls {
            return None;
        }
        let path = descr.path();
        let plain_dictionary = properties.dictionary_enabled(path)
            && properties.encoding(path).is_none()
            && properties.statistics_enabled(path) == EnabledStatistics::None
            && properties.bloom_filter_properties(path).is_none()
            && properties.writer_version() == WriterVersion::PARQUET_1_0
            && matches!(
                properties.compression(path),
                Compression::UNCOMPRESSED
                    | Compression::SNAPPY
                    | Compression::LZ4_RAW
                    | Compression::ZSTD(_)
            );
        if !plain_dictionary {
            return None;
        }
        let array = column.as_dictionary::<Int8Type>();
        let values = array.values().as_string::<i32>();
        // Left to the Arrow writer: null values (it writes their rows as
        // null), a dictionary longer than `Int8` keys can index (readers
        // refuse to read it back as `Dictionary(Int8, _)`), and one past its
        // page limit (the Arrow writer falls back to plain pages).
        let dictionary_bytes = values.value_data().len() + 4 * values.len();
        if values.null_count() > 0
            || values.len() > i8::MAX as usize
            || dictionary_bytes > properties.column_dictionary_page_size_limit(path)
        {
            return None;
        }
        Some(Self {
            descr,
            properties,
            array,
        })
    }

    /// Encodes and compresses the chunk.
    pub fn encode(&self) -> Result<CodedChunk, ParquetError> {
        let path = self.descr.path();
        let mut codec = PageCodec::new(self.properties.compression(path))?;
        let mut compress = |buffer: Vec<u8>| -> Result<(Bytes, usize), ParquetError> {
            let uncompressed = buffer.len();
            Ok((codec.compress(buffer)?, uncompressed))
        };

        let mut sink = TrackedWrite::new(Vec::new());
        let mut pages = SerializedPageWriter::new(&mut sink);
        let mut offset_index =
            (!self.properties.offset_index_disabled()).then(OffsetIndexBuilder::new);
        let mut total_compressed = 0i64;
        let mut total_uncompressed = 0i64;
        let mut data_pages = 0i32;
        let mut data_page_offset = None;

        let (buf, uncompressed) = compress(self.dictionary_page_body())?;
        let dictionary = pages.write_page(CompressedPage::new(
            Page::DictionaryPage {
                buf,
                num_values: self.array.values().len() as u32,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            },
            uncompressed,
        ))?;
        total_compressed += dictionary.compressed_size as i64;
        total_uncompressed += dictionary.uncompressed_size as i64;

        let bit_width = self.bit_width();
        let rows = self.array.len();
        let per_page = self.rows_per_page(bit_width);
        let mut start = 0;
        while start < rows {
            let len = per_page.min(rows - start);
            let (buf, uncompressed) = compress(self.data_page_body(start, len, bit_width))?;
            let spec = pages.write_page(CompressedPage::new(
                Page::DataPage {
                    buf,
                    num_values: len as u32,
                    encoding: Encoding::RLE_DICTIONARY,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                },
                uncompressed,
            ))?;
            data_page_offset.get_or_insert(spec.offset as i64);
            total_compressed += spec.compressed_size as i64;
            total_uncompressed += spec.uncompressed_size as i64;
            data_pages += 1;
            if let Some(index) = offset_index.as_mut() {
                index.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
                index.append_row_count(len as i64);
            }
            start += len;
        }
        pages.close()?;

        let encodings = [Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY];
        let metadata = ColumnChunkMetaData::builder(self.descr.clone())
            .set_compression(self.properties.compression(path))
            .set_encodings_mask(EncodingMask::new_from_encodings(encodings.iter()))
            .set_page_encoding_stats(vec![
                PageEncodingStats {
                    page_type: PageType::DICTIONARY_PAGE,
                    encoding: Encoding::PLAIN,
                    count: 1,
                },
                PageEncodingStats {
                    page_type: PageType::DATA_PAGE,
                    encoding: Encoding::RLE_DICTIONARY,
                    count: data_pages,
                },
            ])
            .set_total_compressed_size(total_compressed)
            .set_total_uncompressed_size(total_uncompressed)
            .set_num_values(rows as i64)
            .set_data_page_offset(data_page_offset.unwrap_or(dictionary.offset as i64))
            .set_dictionary_page_offset(Some(dictionary.offset as i64))
            .build()?;
        let data = Bytes::from(sink.into_inner()?);
        Ok(CodedChunk {
            close: ColumnCloseResult {
                bytes_written: data.len() as u64,
                rows_written: rows as u64,
                metadata,
                bloom_filter: None,
                column_index: None,
                offset_index: offset_index.map(OffsetIndexBuilder::build),
            },
            data,
        })
    }

    /// `PLAIN` byte arrays: each value's length (u32, little-endian), then its bytes.
    fn dictionary_page_body(&self) -> Vec<u8> {
        let values = self.array.values().as_string::<i32>();
        let mut body = Vec::with_capacity(values.value_data().len() + 4 * values.len());
        for value in values.iter() {
            let value = value.unwrap_or_default().as_bytes();
            body.extend_from_slice(&(value.len() as u32).to_le_bytes());
            body.extend_from_slice(value);
        }
        body
    }

    /// Bits per code: enough for the largest index of the dictionary.
    fn bit_width(&self) -> u8 {
        let largest = self.array.values().len().saturating_sub(1) as u64;
        (u64::BITS - largest.leading_zeros()) as u8
    }

    /// Rows per data page: the properties' row limit, or fewer when the
    /// codes would pass the page byte limit first.
    fn rows_per_page(&self, bit_width: u8) -> usize {
        let path = self.descr.path();
        let by_bytes =
            self.properties.column_data_page_size_limit(path) * 8 / usize::from(bit_width.max(1));
        self.properties
            .column_data_page_row_count_limit(path)
            .min(by_bytes)
            .max(1)
    }

    /// A v1 data page of rows `start..start + len`: definition levels (a
    /// 4-byte length, then RLE) when the column is nullable, then the bit
    /// width and the RLE/bit-packed codes of the non-null rows.
    fn data_page_body(&self, start: usize, len: usize, bit_width: u8) -> Vec<u8> {
        let keys = self.array.keys().slice(start, len);
        let mut body = Vec::with_capacity(len * usize::from(bit_width) / 8 + 64);
        // A null buffer without nulls (what slicing or filtering can leave)
        // writes like no buffer at all.
        let nulls = keys.nulls().filter(|nulls| nulls.null_count() > 0);
        let codes: Vec<u8> = match nulls {
            Some(_) => keys.iter().flatten().map(|code| code as u8).collect(),
            None => keys.values().iter().map(|&code| code as u8).collect(),
        };
        if self.descr.max_def_level() > 0 {
            body.extend_from_slice(&[0; 4]);
            match nulls {
                Some(nulls) => {
                    let levels: Vec<u8> = nulls.iter().map(u8::from).collect();
                    hybrid_rle::encode(&levels, 1, &mut body);
                }
                None => hybrid_rle::repeated(1, len, 1, &mut body),
            }
            let level_bytes = (body.len() - 4) as u32;
            body[..4].copy_from_slice(&level_bytes.to_le_bytes());
        }
        body.push(bit_width);
        hybrid_rle::encode(&codes, bit_width, &mut body);
        body
    }
}

/// The codec of one column chunk's pages, as parquet itself compresses them
/// (one of the codecs [`CodedColumn::applies`] accepts); a zstd context is
/// made once per chunk rather than per page.
enum PageCodec {
    Uncompressed,
    Snappy(Box<snap::raw::Encoder>),
    Lz4Raw,
    Zstd(zstd::bulk::Compressor<'static>),
}

impl PageCodec {
    fn new(compression: Compression) -> Result<Self, ParquetError> {
        Ok(match compression {
            Compression::UNCOMPRESSED => Self::Uncompressed,
            Compression::SNAPPY => Self::Snappy(Box::new(snap::raw::Encoder::new())),
            Compression::LZ4_RAW => Self::Lz4Raw,
            Compression::ZSTD(level) => {
                Self::Zstd(zstd::bulk::Compressor::new(level.compression_level())?)
            }
            other => {
                return Err(ParquetError::NYI(format!(
                    "{other} for a dictionary column written from its codes"
                )));
            }
        })
    }

    fn compress(&mut self, page: Vec<u8>) -> Result<Bytes, ParquetError> {
        let compressed = match self {
            Self::Uncompressed => page,
            Self::Snappy(encoder) => encoder
                .compress_vec(&page)
                .map_err(|e| ParquetError::External(Box::new(e)))?,
            Self::Lz4Raw => lz4_flex::block::compress(&page),
            Self::Zstd(compressor) => compressor.compress(&page)?,
        };
        Ok(Bytes::from(compressed))
    }
}

#[cfg(test)]
mod tests;
