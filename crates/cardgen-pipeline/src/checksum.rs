//! Row-group checksums: a CRC-32 of every row group's bytes, stored in the
//! file's metadata, so that `verify` can tell a flipped byte anywhere in the
//! data from a good file without regenerating anything. (Parquet's own page
//! CRCs are optional and not written by the Rust writer.)

use std::io::{self, Write};

use parquet::file::metadata::RowGroupMetaData;

/// Metadata key holding the comma-separated hex CRC-32 of each row group.
pub const ROW_GROUP_CRC_KEY: &str = "cardgen.row_group_crc32";

/// Passes writes through and hashes them once: `take` returns and resets
/// the CRC of the bytes since the last call; `whole` is the CRC of all
/// bytes, combined from the pieces rather than hashed a second time.
pub struct ChecksumWriter<W> {
    inner: W,
    /// The bytes since the last `take`.
    hasher: crc32fast::Hasher,
    /// The bytes before the last `take`.
    earlier: crc32fast::Hasher,
}

impl<W: Write> ChecksumWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: crc32fast::Hasher::new(),
            earlier: crc32fast::Hasher::new(),
        }
    }

    /// The CRC of everything written so far.
    pub fn whole(&self) -> u32 {
        let mut whole = self.earlier.clone();
        whole.combine(&self.hasher);
        whole.finalize()
    }

    /// The CRC of everything written since the last call.
    pub fn take(&mut self) -> u32 {
        let piece = std::mem::take(&mut self.hasher);
        self.earlier.combine(&piece);
        piece.finalize()
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for ChecksumWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The byte range `[start, end)` of a row group's column chunks in the file;
/// `None` if the metadata holds negative offsets or sizes.
pub fn row_group_byte_range(row_group: &RowGroupMetaData) -> Option<(u64, u64)> {
    let mut start = u64::MAX;
    let mut end = 0;
    for column in row_group.columns() {
        let offset = column
            .dictionary_page_offset()
            .unwrap_or(column.data_page_offset());
        let offset = u64::try_from(offset).ok()?;
        let length = u64::try_from(column.compressed_size()).ok()?;
        start = start.min(offset);
        end = end.max(offset.checked_add(length)?);
    }
    (start <= end).then_some((start, end))
}

pub fn format_crcs(crcs: &[u32]) -> String {
    crcs.iter()
        .map(|c| format!("{c:08x}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn parse_crcs(text: &str) -> Option<Vec<u32>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|c| u32::from_str_radix(c, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crcs_round_trip_through_text() {
        let crcs = vec![0, 0xdead_beef, 7];
        assert_eq!(parse_crcs(&format_crcs(&crcs)), Some(crcs));
        assert_eq!(parse_crcs(""), Some(vec![]));
        assert_eq!(parse_crcs("xyz"), None);
    }

    #[test]
    fn take_hashes_what_was_written_since_the_last_take() {
        let mut writer = ChecksumWriter::new(Vec::new());
        writer.write_all(b"header").unwrap();
        writer.take();
        writer.write_all(b"row group").unwrap();
        assert_eq!(writer.take(), crc32fast::hash(b"row group"));
        writer.write_all(b"footer").unwrap();
        assert_eq!(writer.whole(), crc32fast::hash(b"headerrow groupfooter"));
        assert_eq!(writer.into_inner(), b"headerrow groupfooter");
    }
}
