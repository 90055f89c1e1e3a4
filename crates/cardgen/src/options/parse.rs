//! Option values as people write them: row counts (`10M`), byte sizes
//! (`512MiB`), dates, codecs, switches. Each parser checks the form only
//! and says what is accepted; ranges are checked once, by
//! [`GenerateOptions::validate`](super::GenerateOptions::validate).

use cardgen_core::pan::PanMask;
use cardgen_pipeline::Codec;
use chrono::NaiveDate;

use crate::lake::PartitionBy;

pub use super::count::parse_count as count;

/// Accepted byte sizes, for error messages.
pub const BYTES_ACCEPTED: &str = "a byte size like 512MiB, 2GB, 1G, 800M, 1.5G or 1000000000 \
     (K/M/G/T = powers of 1000, KiB/MiB/GiB/TiB = powers of 1024, B = bytes; any case)";

/// A byte size: `K`, `M`, `G`, `T` (with or without `B`) are powers of
/// 1000, `KiB`, `MiB`, `GiB`, `TiB` powers of 1024, a bare `B` or no unit
/// bytes, in any case; `_` may separate digits. The `bytesize` crate reads
/// the number and unit; exponents, signs and decimal commas are refused.
pub fn bytes(text: &str) -> Result<u64, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let refused = || format!("`{text}` is not {BYTES_ACCEPTED}");
    // bytesize reads `1e9` as a unit `e9` (refused) but would take `+1`.
    if !cleaned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Err(refused());
    }
    cleaned
        .parse::<bytesize::ByteSize>()
        .map(|size| size.as_u64())
        .map_err(|_| refused())
}

/// A whole number from 0 to `u64::MAX`; `_` may separate digits.
pub fn seed(text: &str) -> Result<u64, String> {
    text.trim()
        .replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a whole number from 0 to {}", u64::MAX))
}

/// A date in the form YYYY-MM-DD.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date in the form YYYY-MM-DD"))
}

/// `true` or `false`, in any case.
pub fn switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{text}` is not true or false")),
    }
}

/// A Parquet codec: snappy, zstd, zstd:LEVEL, lz4, none.
pub fn codec(text: &str) -> Result<Codec, String> {
    text.parse()
}

/// day, month or none.
pub fn partition_by(text: &str) -> Result<PartitionBy, String> {
    text.trim().parse()
}

/// How `cards.pan_masked` shows card numbers: kr-receipt, pci or last4
/// (`_` and `-` alike).
pub fn pan_mask(text: &str) -> Result<PanMask, String> {
    let name = text.trim().to_ascii_lowercase().replace('-', "_");
    PanMask::from_name(&name)
        .ok_or_else(|| format!("`{text}` is not one of kr-receipt, pci, last4"))
}

/// A count that fits `T` (threads, parts, …), as [`count`] reads it.
pub fn small_count<T: TryFrom<u64>>(text: &str) -> Result<T, String> {
    let value = count(text)?;
    T::try_from(value).map_err(|_| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_in_decimal_and_binary_units() {
        for (text, expected) in [
            ("512MiB", 512 << 20),
            ("2GB", 2_000_000_000),
            ("1G", 1_000_000_000),
            ("800M", 800_000_000),
            ("1GiB", 1 << 30),
            ("1gib", 1 << 30),
            ("1000000000", 1_000_000_000),
            ("1_000_000_000", 1_000_000_000),
            ("1.5G", 1_500_000_000),
            ("512 MiB", 512 << 20),
            ("3B", 3),
            ("1TiB", 1 << 40),
        ] {
            assert_eq!(bytes(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn byte_sizes_refuse_what_is_not_one() {
        for text in ["", "lots", "512XB", "1e9", "1,5G", "-1", "+1G", "G"] {
            let err = bytes(text).expect_err(text);
            assert!(err.contains("KiB/MiB/GiB/TiB"), "{text}: {err}");
        }
    }

    #[test]
    fn switches_dates_masks_and_seeds() {
        assert_eq!(switch("True"), Ok(true));
        assert_eq!(switch("false"), Ok(false));
        assert!(switch("yes").unwrap_err().contains("true or false"));
        assert!(date("2025-02-30").is_err());
        assert_eq!(date("2024-03-01").unwrap().to_string(), "2024-03-01");
        assert_eq!(pan_mask("kr-receipt"), Ok(PanMask::KrReceipt));
        assert_eq!(pan_mask("last4"), Ok(PanMask::Last4));
        assert!(pan_mask("stars").unwrap_err().contains("kr-receipt"));
        assert_eq!(seed("1_000"), Ok(1_000));
        assert!(seed("-1").is_err());
        assert_eq!(small_count::<u32>("5k"), Ok(5_000));
        assert!(small_count::<u32>("5G").is_err());
    }
}
