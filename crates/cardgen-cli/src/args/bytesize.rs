//! Parsing byte sizes the way people write them: `512MiB`, `2GB`, `1.5G`.
//!
//! Units are case-insensitive. `K`, `M`, `G`, `T` (with or without a trailing
//! `B`) are decimal SI units, powers of 1000; `KiB`, `MiB`, `GiB`, `TiB` (or
//! `Ki`, `Mi`, `Gi`, `Ti`) are binary units, powers of 1024; a bare `B`, or no
//! unit, means bytes. So `1G` = `1GB` = 1,000,000,000 bytes and `1GiB` =
//! 1,073,741,824 bytes. A lowercase `b` is bytes too, never bits.
//!
//! The number may have a fraction (`1.5G`); the result is rounded down to a
//! whole byte. `_` may separate digits (`1_000_000_000`); `,` is refused, as
//! it reads as a decimal comma in many places. A space may stand between the
//! number and the unit (`"512 MiB"`). Exponents, signs, `inf` and `nan` are
//! refused.

/// Accepted forms, for error messages.
pub const ACCEPTED: &str = "a byte size like 512MiB, 2GB, 1G, 800M, 1.5G or 1000000000 \
     (K/M/G/T = powers of 1000, KiB/MiB/GiB/TiB = powers of 1024, B = bytes; any case)";

/// Parses a byte size (see the module documentation).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let fail = || format!("`{text}` is not {ACCEPTED}");
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let split = cleaned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(cleaned.len());
    let (number, unit) = cleaned.split_at(split);
    let multiplier = unit_multiplier(unit.trim_start()).ok_or_else(fail)?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(fail());
    }
    // Exact arithmetic: 1.5G is 1,500,000,000 bytes, not a float near it.
    let too_large = || format!("`{text}` is too large; {ACCEPTED}");
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let mut bytes = whole.checked_mul(multiplier).ok_or_else(too_large)?;
    if !fraction.is_empty() {
        // Digits past the 20th are below a billionth of a byte even in TiB.
        let digits = &fraction[..fraction.len().min(20)];
        let numerator: u128 = digits.parse().map_err(|_| fail())?;
        let denominator = 10u128.pow(digits.len() as u32);
        bytes = bytes
            .checked_add(numerator * multiplier / denominator)
            .ok_or_else(too_large)?;
    }
    u64::try_from(bytes).map_err(|_| too_large())
}

/// Bytes per unit, or `None` for an unknown unit.
fn unit_multiplier(unit: &str) -> Option<u128> {
    let unit = unit.to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let (prefix, binary) = match unit.strip_suffix('i') {
        Some(prefix) if !prefix.is_empty() => (prefix, true),
        Some(_) => return None,
        None => (unit, false),
    };
    let power = match prefix {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        _ => return None,
    };
    let base: u128 = if binary { 1024 } else { 1000 };
    Some(base.pow(power))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    const TIB: u64 = 1024 * GIB;

    #[test]
    fn common_spellings() {
        for (text, expected) in [
            ("1000000000", 1_000_000_000),
            ("1_000_000_000", 1_000_000_000),
            ("0", 0),
            ("512", 512),
            ("512B", 512),
            ("512b", 512),
            ("1K", 1_000),
            ("1kb", 1_000),
            ("800M", 800_000_000),
            ("800m", 800_000_000),
            ("2GB", 2_000_000_000),
            ("2gb", 2_000_000_000),
            ("1G", 1_000_000_000),
            ("1.5G", 1_500_000_000),
            ("1.5g", 1_500_000_000),
            (".5G", 500_000_000),
            ("2.G", 2_000_000_000),
            ("3T", 3_000_000_000_000),
            ("1KiB", KIB),
            ("512MiB", 512 * MIB),
            ("512mib", 512 * MIB),
            ("512Mi", 512 * MIB),
            ("1GiB", GIB),
            ("1.5GiB", GIB + GIB / 2),
            ("2TiB", 2 * TIB),
            ("512 MiB", 512 * MIB),
            ("  2G  ", 2_000_000_000),
        ] {
            assert_eq!(parse_bytes(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn fractions_round_down_to_a_whole_byte() {
        assert_eq!(parse_bytes("1.0001K"), Ok(1_000));
        assert_eq!(parse_bytes("1.1MiB"), Ok(1_153_433));
        assert_eq!(
            parse_bytes("0.123456789012345678901234567890123G"),
            Ok(123_456_789)
        );
    }

    #[test]
    fn rejects_what_is_not_a_byte_size() {
        for text in [
            "", " ", "lots", "G", "GiB", ".", "-1G", "+1G", "1e9", "1,000", "1,5G", "1.2.3G", "1X",
            "1iB", "1i", "1bb", "1 G B", "1KB2", "inf", "nan", "0x10", "1P", "1PiB",
        ] {
            let err = parse_bytes(text).expect_err(text);
            assert!(err.contains("512MiB"), "{text}: {err}");
        }
    }

    #[test]
    fn rejects_what_does_not_fit_in_64_bits() {
        assert_eq!(parse_bytes("18446744073709551615"), Ok(u64::MAX));
        for text in [
            "18446744073709551616",
            "20000000T",
            "99999999999999999999999999999999999999999",
        ] {
            let err = parse_bytes(text).expect_err(text);
            assert!(err.contains("too large"), "{text}: {err}");
        }
    }
}
