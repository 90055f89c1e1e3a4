//! Card numbers: BIN + account digits + Luhn check digit, unique by
//! construction, with the masked forms receipts and logs use.
//!
//! The account digits of card `i` are a keyed permutation of `i` over the
//! brand's account space (a 4-round Feistel network on the next power of two,
//! cycle-walking back into range), so numbers are deterministic, look random,
//! never repeat within a BIN and need no set of issued numbers. BINs are
//! synthetic: six digits inside the brand's prefix ranges; they may collide
//! with real issued ranges, but the accounts are not real.

/// The Luhn check digit for `digits` (the number without its check digit):
/// from the right, double every second digit starting with the rightmost,
/// subtract 9 from results above 9, and pick the digit that makes the sum a
/// multiple of 10.
pub fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

/// Whether a full number (check digit last) passes the Luhn check.
pub fn luhn_valid(number: &str) -> bool {
    let bytes = number.as_bytes();
    bytes.len() >= 2
        && bytes.iter().all(u8::is_ascii_digit)
        && luhn_check_digit(&bytes[..bytes.len() - 1]) == bytes[bytes.len() - 1]
}

pub use crate::permutation::Permutation;

/// A card number and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pan {
    pub digits: String,
}

impl Pan {
    /// `bin` (6 digits) + `account` zero-padded to fill `length - 7` digits + check digit.
    pub fn new(bin: &str, account: u64, length: usize) -> Self {
        let mut digits = String::with_capacity(length);
        digits.push_str(bin);
        let account_digits = length - bin.len() - 1;
        digits.push_str(&format!("{account:0account_digits$}"));
        let check = luhn_check_digit(digits.as_bytes());
        digits.push(char::from(check));
        Self { digits }
    }

    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    /// Korean receipt style: the number in its printed groups (see
    /// [`print_groups`]) joined by `-`, with the last group that ends before
    /// the last four digits masked, so that the last four always show:
    /// `1234-5678-****-3456` (16 digits), `3782-******-10005` (Amex, 4-6-5),
    /// `6212-3456-****-7890-123` (19 digits).
    pub fn mask_kr_receipt(&self) -> String {
        let d = &self.digits;
        let groups = print_groups(d.len());
        let last4_start = d.len() - 4;
        let mut out = String::with_capacity(d.len() + groups.len());
        let mut start = 0;
        for (i, &len) in groups.iter().enumerate() {
            let end = start + len;
            if i > 0 {
                out.push('-');
            }
            let next_end = groups.get(i + 1).map(|next| end + next);
            // Masked: this group ends before the last four and the next does not.
            if end <= last4_start && next_end.is_none_or(|e| e > last4_start) {
                out.extend(std::iter::repeat_n('*', len));
            } else {
                out.push_str(&d[start..end]);
            }
            start = end;
        }
        out
    }

    /// PCI DSS style: the first six and last four digits, the rest masked.
    pub fn mask_pci(&self) -> String {
        let d = &self.digits;
        format!("{}{}{}", &d[..6], "*".repeat(d.len() - 10), self.last4())
    }

    /// Only the last four digits.
    pub fn mask_last4(&self) -> String {
        format!("{}{}", "*".repeat(self.digits.len() - 4), self.last4())
    }
}

/// How a card number of `length` digits is grouped where it is printed,
/// group lengths from the left.
///
/// - 14 digits (Diners Club): 4-6-4.
/// - 15 digits (American Express): 4-6-5.
/// - 16 digits (Visa, Mastercard, JCB, UnionPay, local brands): 4-4-4-4.
/// - 19 digits (UnionPay debit, Maestro): 4-4-4-4-3. Neither ISO/IEC 7812
///   nor the schemes fix a layout for 19 digits; 4-4-4-4-3 is the one most
///   19-digit cards and card-entry forms use: the familiar 16-digit rhythm
///   with the three extra digits as a last group. (Some issuers print 6-13,
///   BIN then account, which is harder to read back.)
/// - Other lengths (13, 17, 18), which have no common layout: groups of four,
///   the digits left over joined to the last group (13 is 4-4-5, 17 4-4-4-5).
pub fn print_groups(length: usize) -> Vec<usize> {
    match length {
        14 => vec![4, 6, 4],
        15 => vec![4, 6, 5],
        19 => vec![4, 4, 4, 4, 3],
        _ => {
            let mut groups = vec![4; length / 4];
            match groups.last_mut() {
                Some(last) => *last += length % 4,
                None => groups.push(length),
            }
            groups
        }
    }
}

/// How `pan_masked` shows a card number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanMask {
    #[default]
    KrReceipt,
    Pci,
    Last4,
}

impl PanMask {
    /// Every mask style.
    pub const ALL: [PanMask; 3] = [PanMask::KrReceipt, PanMask::Pci, PanMask::Last4];

    /// The style named `name` (as [`Self::name`] gives it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            PanMask::KrReceipt => "kr_receipt",
            PanMask::Pci => "pci",
            PanMask::Last4 => "last4",
        }
    }

    pub fn apply(self, pan: &Pan) -> String {
        match self {
            PanMask::KrReceipt => pan.mask_kr_receipt(),
            PanMask::Pci => pan.mask_pci(),
            PanMask::Last4 => pan.mask_last4(),
        }
    }
}

/// Digits of a bank identification number.
pub const BIN_DIGITS: u32 = 6;

/// A synthetic 6-digit BIN starting with `prefix`, chosen by `pick`.
pub fn synthetic_bin(prefix: &str, pick: u64) -> String {
    let free = BIN_DIGITS as usize - prefix.len();
    if free == 0 {
        return prefix.to_string();
    }
    let tail = pick % 10u64.pow(free as u32);
    format!("{prefix}{tail:0free$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers_pass_luhn() {
        // Published test numbers of the card schemes.
        for number in [
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "3530111333300000",
            "6011111111111117",
        ] {
            assert!(luhn_valid(number), "{number}");
        }
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("37828224631000"));
    }

    #[test]
    fn generated_numbers_pass_luhn_at_every_length() {
        for length in 13..=19 {
            for account in [0, 1, 42, 99_999] {
                let pan = Pan::new("412345", account, length);
                assert_eq!(pan.digits.len(), length);
                assert!(luhn_valid(&pan.digits), "{}", pan.digits);
            }
        }
    }

    #[test]
    fn the_permutation_is_a_bijection() {
        let p = Permutation::new(7, 1000);
        let mut seen = vec![false; 1000];
        for i in 0..1000 {
            let j = p.apply(i) as usize;
            assert!(!seen[j]);
            seen[j] = true;
        }
        assert_ne!(p.apply(0), 0, "looks random, not the identity");
    }

    #[test]
    fn masks_follow_their_formats() {
        let pan = Pan::new("941234", 56_789, 16);
        let d = &pan.digits;
        assert_eq!(
            pan.mask_kr_receipt(),
            format!("{}-{}-****-{}", &d[..4], &d[4..8], &d[12..])
        );
        assert_eq!(pan.mask_pci(), format!("{}******{}", &d[..6], &d[12..]));
        assert_eq!(pan.mask_last4(), format!("************{}", &d[12..]));
        let amex = Pan::new("371234", 5, 15);
        let a = &amex.digits;
        assert_eq!(
            amex.mask_kr_receipt(),
            format!("{}-******-{}", &a[..4], &a[10..])
        );
        assert_eq!(amex.mask_pci(), format!("{}*****{}", &a[..6], &a[11..]));
        assert_eq!(amex.mask_last4(), format!("***********{}", &a[11..]));
        let long = Pan::new("621234", 5, 19);
        let l = &long.digits;
        assert_eq!(
            long.mask_kr_receipt(),
            format!("{}-{}-****-{}-{}", &l[..4], &l[4..8], &l[12..16], &l[16..])
        );
    }

    #[test]
    fn print_groups_follow_the_cards() {
        assert_eq!(print_groups(14), [4, 6, 4]);
        assert_eq!(print_groups(15), [4, 6, 5]);
        assert_eq!(print_groups(16), [4, 4, 4, 4]);
        assert_eq!(print_groups(19), [4, 4, 4, 4, 3]);
        assert_eq!(print_groups(13), [4, 4, 5]);
        for length in 13..=19 {
            assert_eq!(print_groups(length).iter().sum::<usize>(), length);
        }
    }

    /// Each masked form against the number: the same digits where shown, the
    /// last four always shown, something masked, and for `kr_receipt` the
    /// groups of the card's printed layout.
    fn check_masks(pan: &Pan, groups: &[usize]) {
        let d = &pan.digits;
        for mask in [PanMask::KrReceipt, PanMask::Pci, PanMask::Last4] {
            let masked = mask.apply(pan);
            let what = format!("{} {d}: {masked}", mask.name());
            let shown: Vec<char> = masked.chars().filter(|&c| c != '-').collect();
            assert_eq!(shown.len(), d.len(), "{what}");
            assert!(
                shown
                    .iter()
                    .zip(d.chars())
                    .all(|(&m, c)| m == '*' || m == c),
                "{what}: shows a digit that is not the number's"
            );
            assert!(shown.contains(&'*'), "{what}: nothing masked");
            let last4: String = shown[shown.len() - 4..].iter().collect();
            assert_eq!(last4, pan.last4(), "{what}: the last four are hidden");
            let lengths: Vec<usize> = masked.split('-').map(str::len).collect();
            match mask {
                PanMask::KrReceipt => assert_eq!(lengths, groups, "{what}: grouping"),
                PanMask::Pci | PanMask::Last4 => assert_eq!(lengths, [d.len()], "{what}"),
            }
        }
    }

    #[test]
    fn no_mask_hides_the_last_four_and_receipts_group_as_each_brand_prints() {
        let profile = crate::profile::Profile::korean_default();
        for brand in &profile.cards.brands {
            let groups: &[usize] = match brand.name.as_str() {
                "amex" => &[4, 6, 5],
                "unionpay" => &[4, 4, 4, 4, 3],
                "local" | "visa" | "mastercard" | "jcb" => &[4, 4, 4, 4],
                other => panic!("no expected grouping for brand {other}"),
            };
            let length = brand.length as usize;
            for prefix in &brand.prefixes {
                for (pick, account) in [(0, 0), (7, 1), (123, 987_654), (99_999, 55_555_555)] {
                    let account = account % 10u64.pow(length as u32 - 7);
                    let pan = Pan::new(&synthetic_bin(prefix, pick), account, length);
                    check_masks(&pan, groups);
                }
            }
        }
    }

    #[test]
    fn no_mask_hides_the_last_four_at_any_length() {
        for length in 13..=19 {
            for account in [0, 42, 99_999] {
                check_masks(&Pan::new("412345", account, length), &print_groups(length));
            }
        }
    }

    #[test]
    fn bins_keep_their_prefix() {
        assert_eq!(synthetic_bin("4", 12_345), "412345");
        assert_eq!(synthetic_bin("2221", 7), "222107");
        assert_eq!(synthetic_bin("941234", 9), "941234");
    }
}
