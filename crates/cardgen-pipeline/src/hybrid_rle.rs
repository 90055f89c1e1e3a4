//! Parquet's RLE / bit-packing hybrid encoding, for codes of at most 8 bits.
//!
//! Dictionary indices and definition levels are stored as a sequence of runs:
//! a repeated run (a ULEB128 header `count << 1`, then the value in
//! `ceil(width / 8)` bytes) or a bit-packed run (header `groups << 1 | 1`,
//! then groups of 8 values packed least-significant bit first, `width` bytes
//! a group). Only the last bit-packed group may be padded, since the reader
//! knows how many values the page holds.
//!
//! parquet-rs has an encoder for this, but only behind its `experimental`
//! feature, which also builds its variant support and four more arrow crates;
//! the codes written here never exceed 8 bits, which keeps this one short.
//! The tests in `coded_chunk` read its output back with parquet's own reader.

/// Values per bit-packed group, fixed by the format.
const GROUP: usize = 8;

/// Appends `codes`, each below `1 << width` (`width` ≤ 8), to `out`.
///
/// Groups of 8 equal values become repeated runs, extended as long as the
/// value repeats; everything else is bit-packed.
pub fn encode(codes: &[u8], width: u8, out: &mut Vec<u8>) {
    debug_assert!(width <= 8);
    let mut literal_start = 0;
    let mut position = 0;
    while position + GROUP <= codes.len() {
        let value = codes[position];
        if codes[position..position + GROUP]
            .iter()
            .all(|&c| c == value)
        {
            let run = codes[position..]
                .iter()
                .take_while(|&&c| c == value)
                .count();
            // Whole groups only, unless the run reaches the end.
            let run = if position + run == codes.len() {
                run
            } else {
                run / GROUP * GROUP
            };
            bit_packed(&codes[literal_start..position], width, out);
            repeated(value, run, width, out);
            position += run;
            literal_start = position;
        } else {
            position += GROUP;
        }
    }
    bit_packed(&codes[literal_start..], width, out);
}

/// Appends one repeated run of `count` copies of `value`.
pub fn repeated(value: u8, count: usize, width: u8, out: &mut Vec<u8>) {
    if count == 0 {
        return;
    }
    uleb128((count as u64) << 1, out);
    if width > 0 {
        out.push(value);
    }
}

/// Appends `codes` as one bit-packed run, padding the last group with zeros.
fn bit_packed(codes: &[u8], width: u8, out: &mut Vec<u8>) {
    if codes.is_empty() {
        return;
    }
    let groups = codes.len().div_ceil(GROUP);
    uleb128(((groups as u64) << 1) | 1, out);
    for group in codes.chunks(GROUP) {
        let packed = group.iter().enumerate().fold(0u64, |acc, (i, &c)| {
            acc | (u64::from(c) << (i * usize::from(width)))
        });
        out.extend_from_slice(&packed.to_le_bytes()[..usize::from(width)]);
    }
}

fn uleb128(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_is_one_header_and_one_value() {
        let mut out = Vec::new();
        encode(&[3; 1000], 2, &mut out);
        // 1000 << 1 = 2000 = 0x7d0: ULEB128 d0 0f, then the value.
        assert_eq!(out, [0xd0, 0x0f, 3]);
    }

    #[test]
    fn mixed_values_are_packed_least_significant_bit_first() {
        let mut out = Vec::new();
        encode(&[1, 2, 3, 0, 1, 2, 3, 0, 1], 2, &mut out);
        // Two groups (the second padded): header 2 << 1 | 1, then 2 bytes a group.
        assert_eq!(out, [0x05, 0b0011_1001, 0b0011_1001, 0b0000_0001, 0]);
    }

    #[test]
    fn a_run_between_literals_keeps_whole_groups_apart() {
        let mut codes = vec![1, 0, 1, 0, 1, 0, 1, 0];
        codes.extend([2; 20]);
        codes.extend([1, 0, 1]);
        let mut out = Vec::new();
        encode(&codes, 2, &mut out);
        // literal group, a run of 16, then the rest (4 × 2 and 1, 0, 1) packed.
        assert_eq!(
            out,
            [
                0x03,
                0b0001_0001,
                0b0001_0001,
                0x20,
                2,
                0x03,
                0b1010_1010,
                0b0001_0001
            ]
        );
    }

    #[test]
    fn width_zero_writes_headers_only() {
        let mut out = Vec::new();
        encode(&[0; 5], 0, &mut out);
        assert_eq!(out, [0x03]);
    }
}
