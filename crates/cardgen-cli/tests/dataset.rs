//! The star schema: keys that resolve, numbers that validate, business rules
//! that hold, on a fixed-seed dataset of two million transactions.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int8Type, Int16Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use cardgen_core::Profile;
use cardgen_core::pan::luhn_valid;
use common::{cardgen, read_batches};

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// Generated once for all tests in this file.
fn dataset() -> &'static Path {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    &FIXTURE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("dataset");
            cardgen()
                .args([
                    "generate",
                    "--rows",
                    "2M",
                    "--days",
                    "120",
                    "--start",
                    "2025-01-01",
                    "--seed",
                    "77",
                ])
                .args(["--emit-pan", "-q", "--out"])
                .arg(&path)
                .assert()
                .success();
            Fixture { _dir: dir, path }
        })
        .path
}

fn table(name: &str) -> Vec<RecordBatch> {
    read_batches(&dataset().join(format!("{name}.parquet")))
}

fn values<T: ArrowPrimitiveType>(batches: &[RecordBatch], column: &str) -> Vec<T::Native> {
    batches
        .iter()
        .flat_map(|b| {
            b.column_by_name(column)
                .unwrap()
                .as_primitive::<T>()
                .values()
                .to_vec()
        })
        .collect()
}

fn i64s(batches: &[RecordBatch], column: &str) -> Vec<i64> {
    values::<Int64Type>(batches, column)
}

fn opt_i64s(batches: &[RecordBatch], column: &str) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(column)
                .unwrap()
                .as_primitive::<Int64Type>();
            (0..a.len())
                .map(|i| a.is_valid(i).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn i32_dates(batches: &[RecordBatch], column: &str) -> Vec<i32> {
    values::<Date32Type>(batches, column)
}

fn strs(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            let c = b.column_by_name(column).unwrap();
            (0..c.len())
                .map(|i| {
                    if c.is_null(i) {
                        return None;
                    }
                    Some(match c.data_type() {
                        arrow_schema::DataType::Dictionary(_, _) => {
                            let d = c.as_dictionary::<Int8Type>();
                            d.values()
                                .as_string::<i32>()
                                .value(d.keys().value(i) as usize)
                                .to_string()
                        }
                        _ => c.as_string::<i32>().value(i).to_string(),
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn unique<T: std::hash::Hash + Eq>(values: &[T]) -> bool {
    values.iter().collect::<HashSet<_>>().len() == values.len()
}

#[test]
fn every_key_is_unique_and_every_foreign_key_resolves() {
    let (txns, customers, cards, merchants) = (
        table("transactions"),
        table("customers"),
        table("cards"),
        table("merchants"),
    );
    let customer_ids = i64s(&customers, "customer_id");
    let card_ids = i64s(&cards, "card_id");
    let merchant_ids = i64s(&merchants, "merchant_id");
    let txn_ids = i64s(&txns, "txn_id");
    assert_eq!(txn_ids.len(), 2_000_000);
    for (name, ids) in [
        ("txn_id", &txn_ids),
        ("customer_id", &customer_ids),
        ("card_id", &card_ids),
        ("merchant_id", &merchant_ids),
    ] {
        assert!(unique(ids), "{name} repeats");
    }
    let (customers_set, cards_set, merchants_set): (HashSet<_>, HashSet<_>, HashSet<_>) = (
        customer_ids.iter().collect(),
        card_ids.iter().collect(),
        merchant_ids.iter().collect(),
    );
    assert!(
        i64s(&txns, "card_id").iter().all(|c| cards_set.contains(c)),
        "unknown card"
    );
    assert!(
        i64s(&txns, "customer_id")
            .iter()
            .all(|c| customers_set.contains(c)),
        "unknown customer"
    );
    assert!(
        i64s(&txns, "merchant_id")
            .iter()
            .all(|m| merchants_set.contains(m)),
        "unknown merchant"
    );
    assert!(
        i64s(&cards, "customer_id")
            .iter()
            .all(|c| customers_set.contains(c)),
        "card of an unknown customer"
    );
    let txn_set: HashSet<i64> = txn_ids.iter().copied().collect();
    assert!(
        opt_i64s(&txns, "orig_txn_id")
            .iter()
            .flatten()
            .all(|o| txn_set.contains(o)),
        "dangling orig_txn_id"
    );
}

#[test]
fn fact_rows_agree_with_their_dimensions() {
    let (txns, cards, merchants) = (table("transactions"), table("cards"), table("merchants"));
    let owner: HashMap<i64, i64> = i64s(&cards, "card_id")
        .into_iter()
        .zip(i64s(&cards, "customer_id"))
        .collect();
    let validity: HashMap<i64, (i32, i32)> = i64s(&cards, "card_id")
        .into_iter()
        .zip(
            i32_dates(&cards, "issued_at")
                .into_iter()
                .zip(i32_dates(&cards, "expires_at")),
        )
        .collect();
    let credit: HashMap<i64, bool> = i64s(&cards, "card_id")
        .into_iter()
        .zip(
            strs(&cards, "card_kind")
                .into_iter()
                .map(|k| k.as_deref() == Some("credit")),
        )
        .collect();
    let m_ids = i64s(&merchants, "merchant_id");
    let m_mcc: Vec<i16> = values::<Int16Type>(&merchants, "mcc");
    let m_cat = strs(&merchants, "category");
    let m_region = strs(&merchants, "region_code");
    let merchant: HashMap<i64, usize> = m_ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();

    let card_ids = i64s(&txns, "card_id");
    let customer_ids = i64s(&txns, "customer_id");
    let merchant_ids = i64s(&txns, "merchant_id");
    let dates = i32_dates(&txns, "event_date");
    let amounts = i64s(&txns, "amount");
    let currency = strs(&txns, "currency");
    let category = strs(&txns, "category");
    let region = strs(&txns, "merchant_region");
    let mcc: Vec<i16> = values::<Int16Type>(&txns, "mcc");
    let installments: Vec<i8> = values::<Int8Type>(&txns, "installment_months");
    let codes = strs(&txns, "response_code");
    let profile = Profile::korean_default();
    let (home, min_amount) = (&profile.home_currency.code, profile.installments.min_amount);
    let approved: Vec<bool> = txns
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name("is_approved").unwrap().as_boolean();
            (0..a.len()).map(|i| a.value(i)).collect::<Vec<_>>()
        })
        .collect();
    for i in 0..card_ids.len() {
        assert_eq!(
            owner[&card_ids[i]], customer_ids[i],
            "row {i}: customer is not the card's owner"
        );
        let (issued, expires) = validity[&card_ids[i]];
        assert!(
            (issued..=expires).contains(&dates[i]),
            "row {i}: card used outside its validity"
        );
        let m = merchant[&merchant_ids[i]];
        assert_eq!(mcc[i], m_mcc[m], "row {i}: mcc");
        assert_eq!(category[i], m_cat[m], "row {i}: category");
        assert_eq!(region[i], m_region[m], "row {i}: merchant_region");
        if installments[i] > 0 {
            assert!(credit[&card_ids[i]], "row {i}: instalments on a check card");
            assert!(
                currency[i].as_ref() != Some(home) || amounts[i] >= min_amount,
                "row {i}: instalments below {min_amount} {home}"
            );
        }
        assert_eq!(approved[i], codes[i].as_deref() == Some("00"), "row {i}");
        assert!(amounts[i] > 0);
    }
}

#[test]
fn cancels_and_refunds_follow_an_approved_purchase_of_the_same_card() {
    let txns = table("transactions");
    let kinds = strs(&txns, "txn_type");
    let orig = opt_i64s(&txns, "orig_txn_id");
    let ts: Vec<i64> = values::<TimestampMicrosecondType>(&txns, "event_ts");
    let cards = i64s(&txns, "card_id");
    let merchants = i64s(&txns, "merchant_id");
    let amounts = i64s(&txns, "amount");
    let codes = strs(&txns, "response_code");
    let mut reversals = 0;
    for i in 0..kinds.len() {
        match (kinds[i].as_deref(), orig[i]) {
            (Some("purchase"), None) => {}
            (Some("cancel" | "refund"), Some(o)) => {
                let o = o as usize;
                assert!(
                    o < i && ts[o] <= ts[i],
                    "row {i}: reversal before its original"
                );
                assert_eq!(kinds[o].as_deref(), Some("purchase"));
                assert_eq!(
                    codes[o].as_deref(),
                    Some("00"),
                    "row {i}: reverses a declined purchase"
                );
                assert_eq!(
                    (cards[o], merchants[o], amounts[o]),
                    (cards[i], merchants[i], amounts[i])
                );
                reversals += 1;
            }
            other => panic!("row {i}: txn_type/orig_txn_id {other:?}"),
        }
    }
    let share = f64::from(reversals) / kinds.len() as f64;
    let rates = Profile::korean_default().reversals;
    let target = rates.cancel_rate + rates.refund_rate;
    assert!(
        (0.6 * target..1.4 * target).contains(&share),
        "reversal share {share}, target {target}"
    );
}

#[test]
fn card_numbers_are_unique_luhn_valid_and_masked_by_the_rules() {
    let cards = table("cards");
    let pans: Vec<String> = strs(&cards, "pan")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert!(unique(&pans), "PANs repeat");
    let brands = strs(&cards, "brand");
    let masked = strs(&cards, "pan_masked");
    let last4 = strs(&cards, "pan_last4");
    let bins = strs(&cards, "bin");
    let profile = Profile::korean_default();
    let mut seen: HashSet<(String, usize)> = HashSet::new();
    for i in 0..pans.len() {
        let pan = &pans[i];
        assert!(luhn_valid(pan), "{pan} fails Luhn");
        seen.insert((brands[i].clone().unwrap(), pan.len()));
        assert_eq!(last4[i].as_deref(), Some(&pan[pan.len() - 4..]));
        assert_eq!(bins[i].as_deref(), Some(&pan[..6]));
        // kr_receipt: the printed groups, the one before the last four masked.
        let expected_masked = match brands[i].as_deref() {
            Some("amex") => format!("{}-******-{}", &pan[..4], &pan[10..]),
            Some("unionpay") => format!(
                "{}-{}-****-{}-{}",
                &pan[..4],
                &pan[4..8],
                &pan[12..16],
                &pan[16..]
            ),
            _ => format!("{}-{}-****-{}", &pan[..4], &pan[4..8], &pan[12..]),
        };
        assert_eq!(masked[i].as_deref(), Some(expected_masked.as_str()));
        assert!(
            expected_masked
                .replace('-', "")
                .ends_with(last4[i].as_deref().unwrap())
        );
        let brand = profile
            .cards
            .brands
            .iter()
            .find(|b| Some(&b.name) == brands[i].as_ref())
            .unwrap();
        assert_eq!(pan.len(), brand.length as usize, "{}", brand.name);
    }
    for brand in &profile.cards.brands {
        assert!(
            seen.iter().any(|(b, _)| *b == brand.name),
            "no {} card in the fixture",
            brand.name
        );
    }
}

#[test]
fn every_mask_shows_the_last_four_of_every_brand() {
    let dir = tempfile::tempdir().unwrap();
    for mask in ["kr-receipt", "pci", "last4"] {
        let out = dir.path().join(mask);
        cardgen()
            .args(["generate", "--rows", "50k", "--days", "30", "--emit-pan"])
            .args(["--pan-mask", mask, "-q", "--out"])
            .arg(&out)
            .assert()
            .success();
        let cards = read_batches(&out.join("cards.parquet"));
        let (pans, brands) = (strs(&cards, "pan"), strs(&cards, "brand"));
        let (masked, last4) = (strs(&cards, "pan_masked"), strs(&cards, "pan_last4"));
        let mut seen = HashSet::new();
        for i in 0..pans.len() {
            let (pan, masked) = (pans[i].as_deref().unwrap(), masked[i].as_deref().unwrap());
            let brand = brands[i].as_deref().unwrap();
            seen.insert(brand);
            let what = format!("{mask} {brand} {pan}: {masked}");
            // The last four digits; 19-digit numbers print them across a `-`.
            let digits = masked.replace('-', "");
            assert_eq!(
                Some(&digits[digits.len() - 4..]),
                last4[i].as_deref(),
                "{what}"
            );
            let groups: Vec<usize> = masked.split('-').map(str::len).collect();
            let expected: &[usize] = match (mask, brand) {
                ("kr-receipt", "amex") => &[4, 6, 5],
                ("kr-receipt", "unionpay") => &[4, 4, 4, 4, 3],
                ("kr-receipt", _) => &[4, 4, 4, 4],
                _ => &[pan.len()],
            };
            assert_eq!(groups, expected, "{what}");
            assert_eq!(digits.len(), pan.len(), "{what}");
            assert!(
                digits
                    .chars()
                    .zip(pan.chars())
                    .all(|(m, c)| m == '*' || m == c),
                "{what}"
            );
        }
        assert_eq!(seen.len(), 6, "{mask}: brands seen {seen:?}");
    }
}

#[test]
fn without_emit_pan_no_full_number_is_written() {
    let dir = tempfile::tempdir().unwrap();
    cardgen()
        .args(["generate", "--rows", "20000", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let cards = read_batches(&dir.path().join("cards.parquet"));
    assert!(cards[0].schema().field_with_name("pan").is_err());
    assert!(
        cards[0]
            .schema()
            .fields()
            .iter()
            .all(|f| !f.name().contains("cvv") && !f.name().contains("cvc"))
    );
}

#[test]
fn every_table_is_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    for threads in ["1", "3"] {
        cardgen()
            .args([
                "generate",
                "--rows",
                "300k",
                "--batch-rows",
                "50k",
                "--seed",
                "5",
                "--threads",
                threads,
                "-q",
                "--out",
            ])
            .arg(dir.path().join(threads))
            .assert()
            .success();
    }
    for table in ["transactions", "customers", "cards", "merchants"] {
        let a = std::fs::read(dir.path().join("1").join(format!("{table}.parquet"))).unwrap();
        let b = std::fs::read(dir.path().join("3").join(format!("{table}.parquet"))).unwrap();
        assert!(a == b, "{table} differs between 1 and 3 threads");
    }
}
