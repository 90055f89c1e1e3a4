//! Row counts as people write them: `100M`, `1e8`, `100_000_000`.

/// Accepted forms, for error messages.
pub const ACCEPTED: &str =
    "a whole number like 100000000, 100_000_000, 100M, 2.5k, 1e8 (suffixes k, M, G/B)";

/// Parses a non-negative whole count. Suffixes are decimal: k = 10^3,
/// M = 10^6, G or B = 10^9; `_` and `,` separators are ignored.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect();
    let fail = || format!("`{text}` is not {ACCEPTED}");
    if cleaned.is_empty() {
        return Err(fail());
    }
    if cleaned.starts_with('-') {
        return Err(format!("`{text}` is negative; expected {ACCEPTED}"));
    }
    let (number, multiplier) = match cleaned.char_indices().last() {
        Some((i, 'k' | 'K')) => (&cleaned[..i], 1e3),
        Some((i, 'm' | 'M')) => (&cleaned[..i], 1e6),
        Some((i, 'g' | 'G' | 'b' | 'B')) => (&cleaned[..i], 1e9),
        _ => (cleaned.as_str(), 1.0),
    };
    if multiplier == 1.0 && number.bytes().all(|b| b.is_ascii_digit()) {
        return number.parse::<u64>().map_err(|_| fail());
    }
    if !number
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+'))
    {
        return Err(fail());
    }
    let value = number.parse::<f64>().map_err(|_| fail())? * multiplier;
    if !value.is_finite() || value > u64::MAX as f64 {
        return Err(format!("`{text}` is too large"));
    }
    if value.fract() != 0.0 {
        return Err(format!("`{text}` is not a whole number of rows"));
    }
    Ok(value as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_spellings() {
        for (text, expected) in [
            ("0", 0),
            ("1", 1),
            ("100000000", 100_000_000),
            ("100_000_000", 100_000_000),
            ("100,000,000", 100_000_000),
            ("100M", 100_000_000),
            ("100m", 100_000_000),
            ("2.5k", 2_500),
            ("1e8", 100_000_000),
            ("1.5e3", 1_500),
            ("1G", 1_000_000_000),
            ("3B", 3_000_000_000),
            ("10K", 10_000),
        ] {
            assert_eq!(parse_count(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_count() {
        for text in [
            "", "abc", "-5", "1.5", "1e-3", "10X", "M", "1e400", "nan", "inf", "0x10",
        ] {
            assert!(parse_count(text).is_err(), "{text} should fail");
        }
        assert!(parse_count("-5").unwrap_err().contains("negative"));
    }
}
