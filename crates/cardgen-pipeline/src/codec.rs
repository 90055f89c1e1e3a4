//! Compression codecs accepted on the command line and how they map to Parquet.

use std::fmt;
use std::str::FromStr;

use parquet::basic::{Compression, ZstdLevel};

/// A page compression codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    None,
    #[default]
    Snappy,
    /// Zstandard at a level from 1 to 22.
    Zstd(i32),
    /// LZ4 without framing (Parquet's `LZ4_RAW`).
    Lz4,
}

impl Codec {
    pub const ACCEPTED: &'static str = "snappy, zstd, zstd:LEVEL (1-22), lz4, none";
    const DEFAULT_ZSTD_LEVEL: i32 = 1;

    pub fn to_parquet(self) -> Compression {
        match self {
            Codec::None => Compression::UNCOMPRESSED,
            Codec::Snappy => Compression::SNAPPY,
            Codec::Zstd(level) => {
                Compression::ZSTD(ZstdLevel::try_new(level).expect("level checked when parsed"))
            }
            Codec::Lz4 => Compression::LZ4_RAW,
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codec::None => f.write_str("none"),
            Codec::Snappy => f.write_str("snappy"),
            Codec::Zstd(level) => write!(f, "zstd:{level}"),
            Codec::Lz4 => f.write_str("lz4"),
        }
    }
}

impl FromStr for Codec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let (name, level) = match lower.split_once(':') {
            Some((name, level)) => (name, Some(level)),
            None => (lower.as_str(), None),
        };
        let unknown = || format!("unknown codec `{text}`; accepted: {}", Self::ACCEPTED);
        match (name, level) {
            ("none" | "uncompressed", None) => Ok(Codec::None),
            ("snappy", None) => Ok(Codec::Snappy),
            ("lz4" | "lz4_raw", None) => Ok(Codec::Lz4),
            ("zstd", None) => Ok(Codec::Zstd(Self::DEFAULT_ZSTD_LEVEL)),
            ("zstd", Some(level)) => match level.parse::<i32>() {
                Ok(n) if (1..=22).contains(&n) => Ok(Codec::Zstd(n)),
                _ => Err(format!(
                    "zstd level `{level}` is not a whole number from 1 to 22"
                )),
            },
            _ => Err(unknown()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_spellings_parse() {
        assert_eq!("snappy".parse(), Ok(Codec::Snappy));
        assert_eq!("ZSTD".parse(), Ok(Codec::Zstd(1)));
        assert_eq!("zstd:9".parse(), Ok(Codec::Zstd(9)));
        assert_eq!("lz4".parse(), Ok(Codec::Lz4));
        assert_eq!("none".parse(), Ok(Codec::None));
    }

    #[test]
    fn bad_spellings_say_what_is_accepted() {
        let err = "foo".parse::<Codec>().unwrap_err();
        assert!(err.contains("snappy") && err.contains("zstd"), "{err}");
        assert!("zstd:0".parse::<Codec>().is_err());
        assert!("zstd:23".parse::<Codec>().is_err());
        assert!("snappy:3".parse::<Codec>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for codec in [Codec::None, Codec::Snappy, Codec::Zstd(7), Codec::Lz4] {
            assert_eq!(codec.to_string().parse(), Ok(codec));
        }
    }
}
