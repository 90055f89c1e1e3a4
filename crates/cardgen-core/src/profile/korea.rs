//! The Korean-market default profile: KRW, 17 province-level regions, Korean
//! issuers, holidays and the daily, weekly and monthly rhythms of Korean card
//! spending. Figures are the starting values of the project's domain notes
//! (docs/realism.md), not calibrated against any issuer's data.

use std::collections::BTreeMap;

use super::*;

fn s(value: &str) -> String {
    value.to_string()
}

fn map<K: Ord + Clone, V: Copy>(pairs: &[(K, V)]) -> BTreeMap<K, V> {
    pairs.iter().cloned().collect()
}

fn strings(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|&(k, v)| (s(k), v)).collect()
}

fn lognormal(median: f64, sigma: f64, unit: i64) -> AmountModel {
    AmountModel {
        median,
        sigma,
        unit,
        point_masses: Vec::new(),
    }
}

fn masses(pairs: &[(i64, f64)]) -> Vec<PointMass> {
    pairs
        .iter()
        .map(|&(amount, probability)| PointMass {
            amount,
            probability,
        })
        .collect()
}

/// A 24-hour curve that is `base` everywhere and `peak` in the given hours.
fn hours(base: f64, peaks: &[(u32, u32, f64)]) -> [f64; 24] {
    let mut curve = [base; 24];
    for &(from, to, weight) in peaks {
        // Hours `from` up to (not including) `to`, wrapping past midnight.
        let (end, mut h) = (to % 24, from % 24);
        loop {
            curve[h as usize] = weight;
            h = (h + 1) % 24;
            if h == end {
                break;
            }
        }
    }
    curve
}

/// People are mostly asleep from 1 to 6.
fn daytime(mut curve: [f64; 24]) -> [f64; 24] {
    for (h, w) in curve.iter_mut().enumerate() {
        let night = [0.15, 0.08, 0.05, 0.04, 0.06, 0.15, 0.4];
        if h <= 6 {
            *w *= night[h];
        }
    }
    curve
}

struct Spec {
    key: &'static str,
    mccs: &'static [i16],
    share: f64,
    amount: AmountModel,
    hours: [f64; 24],
    online: f64,
    channels: &'static [(Channel, f64)],
    regulars: u32,
}

fn categories() -> Vec<Category> {
    use Channel::*;
    const SHOP_ONLINE: &[(Channel, f64)] = &[(Ecommerce, 0.7), (MobileWallet, 0.3)];
    let specs = [
        Spec {
            key: "restaurant",
            mccs: &[5812],
            share: 20.0,
            amount: lognormal(18_000.0, 0.8, 100),
            hours: daytime(hours(1.0, &[(11, 14, 6.0), (17, 21, 5.0), (21, 23, 2.0)])),
            online: 0.0,
            channels: &[],
            regulars: 6,
        },
        Spec {
            key: "convenience",
            mccs: &[5499],
            share: 14.0,
            amount: lognormal(6_000.0, 0.7, 10),
            hours: hours(
                2.0,
                &[
                    (0, 2, 1.5),
                    (2, 6, 0.6),
                    (7, 9, 3.0),
                    (12, 13, 3.0),
                    (18, 23, 3.0),
                ],
            ),
            online: 0.0,
            channels: &[],
            regulars: 3,
        },
        Spec {
            key: "cafe_fastfood",
            mccs: &[5814, 5462],
            share: 10.0,
            amount: lognormal(8_000.0, 0.6, 100),
            hours: daytime(hours(1.0, &[(8, 10, 4.0), (12, 15, 5.0), (15, 18, 2.0)])),
            online: 0.0,
            channels: &[],
            regulars: 4,
        },
        Spec {
            key: "online",
            mccs: &[5999, 5969, 5964],
            share: 14.0,
            amount: lognormal(30_000.0, 1.1, 10),
            hours: daytime(hours(2.0, &[(10, 12, 4.0), (12, 21, 3.0), (21, 24, 5.0)])),
            online: 1.0,
            channels: SHOP_ONLINE,
            regulars: 3,
        },
        Spec {
            key: "grocery",
            mccs: &[5411],
            share: 8.0,
            amount: lognormal(45_000.0, 0.85, 10),
            hours: daytime(hours(0.5, &[(10, 20, 4.0), (20, 22, 2.0)])),
            online: 0.0,
            channels: &[],
            regulars: 2,
        },
        Spec {
            key: "transport",
            mccs: &[4111, 4131, 4121],
            share: 7.0,
            amount: AmountModel {
                median: 12_000.0,
                sigma: 0.5,
                unit: 100,
                point_masses: masses(&[(1_250, 0.10), (1_400, 0.30), (1_500, 0.20), (1_650, 0.10)]),
            },
            hours: hours(
                1.0,
                &[(7, 9, 6.0), (17, 19, 6.0), (23, 2, 2.0), (2, 5, 0.3)],
            ),
            online: 0.0,
            channels: &[],
            regulars: 2,
        },
        Spec {
            key: "fuel",
            mccs: &[5541, 5542],
            share: 3.0,
            amount: AmountModel {
                median: 60_000.0,
                sigma: 0.5,
                unit: 1,
                point_masses: masses(&[
                    (30_000, 0.10),
                    (50_000, 0.20),
                    (70_000, 0.10),
                    (100_000, 0.10),
                ]),
            },
            hours: daytime(hours(1.0, &[(8, 19, 3.0)])),
            online: 0.0,
            channels: &[],
            regulars: 2,
        },
        Spec {
            key: "medical",
            mccs: &[8011, 8062, 8021, 5912],
            share: 5.0,
            amount: lognormal(12_000.0, 1.0, 100),
            hours: hours(0.1, &[(9, 18, 4.0), (18, 20, 1.0)]),
            online: 0.0,
            channels: &[],
            regulars: 2,
        },
        Spec {
            key: "fashion_beauty",
            mccs: &[5651, 5691, 5977],
            share: 4.0,
            amount: lognormal(45_000.0, 0.95, 100),
            hours: daytime(hours(0.5, &[(13, 21, 4.0), (21, 23, 2.0)])),
            online: 0.2,
            channels: SHOP_ONLINE,
            regulars: 2,
        },
        Spec {
            key: "bar",
            mccs: &[5813],
            share: 2.0,
            amount: lognormal(45_000.0, 0.85, 100),
            hours: hours(0.2, &[(19, 24, 5.0), (0, 2, 3.0), (2, 4, 1.0)]),
            online: 0.0,
            channels: &[],
            regulars: 2,
        },
        Spec {
            key: "bills",
            mccs: &[4814, 4900, 6300],
            share: 3.0,
            amount: lognormal(55_000.0, 0.4, 10),
            hours: hours(1.0, &[(0, 6, 6.0)]),
            online: 0.6,
            channels: &[(Recurring, 0.9), (Moto, 0.1)],
            regulars: 3,
        },
        Spec {
            key: "digital",
            mccs: &[5815, 5816, 5817, 5818, 4899],
            share: 3.0,
            amount: lognormal(10_000.0, 0.9, 10),
            hours: daytime(hours(1.0, &[(19, 24, 2.0)])),
            online: 1.0,
            channels: &[(Recurring, 0.5), (Ecommerce, 0.4), (MobileWallet, 0.1)],
            regulars: 3,
        },
        Spec {
            key: "leisure",
            mccs: &[7832, 7922, 7941, 7997],
            share: 2.0,
            amount: lognormal(22_000.0, 0.8, 100),
            hours: daytime(hours(0.5, &[(13, 17, 2.0), (17, 22, 4.0)])),
            online: 0.0,
            channels: &[],
            regulars: 2,
        },
        Spec {
            key: "education",
            mccs: &[8299],
            share: 1.0,
            amount: lognormal(250_000.0, 0.6, 1000),
            hours: daytime(hours(0.5, &[(10, 20, 3.0)])),
            online: 0.0,
            channels: &[],
            regulars: 1,
        },
        Spec {
            key: "travel",
            mccs: &[4511, 7011, 4722],
            share: 1.5,
            amount: lognormal(150_000.0, 1.0, 100),
            hours: daytime(hours(1.0, &[(9, 23, 2.0)])),
            online: 0.5,
            channels: &[(Ecommerce, 0.8), (MobileWallet, 0.2)],
            regulars: 1,
        },
        Spec {
            key: "department",
            mccs: &[5311],
            share: 1.0,
            amount: lognormal(80_000.0, 1.1, 100),
            hours: hours(0.05, &[(10, 11, 1.0), (11, 20, 4.0), (20, 21, 1.0)]),
            online: 0.0,
            channels: &[],
            regulars: 1,
        },
        Spec {
            key: "electronics_home",
            mccs: &[5732, 5722, 5712],
            share: 0.5,
            amount: lognormal(350_000.0, 1.05, 1000),
            hours: daytime(hours(0.5, &[(11, 21, 3.0)])),
            online: 0.3,
            channels: SHOP_ONLINE,
            regulars: 1,
        },
        Spec {
            key: "beauty_service",
            mccs: &[7230],
            share: 1.0,
            amount: lognormal(30_000.0, 0.75, 1000),
            hours: hours(0.05, &[(10, 20, 3.0), (20, 21, 1.0)]),
            online: 0.0,
            channels: &[],
            regulars: 1,
        },
    ];
    specs
        .into_iter()
        .map(|spec| Category {
            key: s(spec.key),
            mccs: spec.mccs.to_vec(),
            share: spec.share,
            amount: spec.amount,
            hour_weights: spec.hours,
            online_merchant_share: spec.online,
            online_channels: map(spec.channels),
            regular_merchants: spec.regulars,
        })
        .collect()
}

fn regions() -> Vec<Region> {
    // (code, name, share of residents, weight as a workplace, weight for merchants)
    let table: [(&str, &str, f64, f64, f64); 17] = [
        ("11", "Seoul", 18.2, 30.0, 26.0),
        ("26", "Busan", 6.4, 6.4, 6.4),
        ("27", "Daegu", 4.6, 4.4, 4.4),
        ("28", "Incheon", 5.8, 4.5, 5.0),
        ("29", "Gwangju", 2.8, 2.8, 2.7),
        ("30", "Daejeon", 2.8, 2.9, 2.7),
        ("31", "Ulsan", 2.2, 2.3, 2.0),
        ("36", "Sejong", 0.8, 1.0, 0.6),
        ("41", "Gyeonggi", 26.6, 19.0, 22.0),
        ("51", "Gangwon", 3.0, 2.8, 3.0),
        ("43", "Chungbuk", 3.1, 3.0, 2.8),
        ("44", "Chungnam", 4.2, 4.2, 3.8),
        ("52", "Jeonbuk", 3.4, 3.2, 3.1),
        ("46", "Jeonnam", 3.5, 3.3, 3.1),
        ("47", "Gyeongbuk", 5.0, 4.8, 4.5),
        ("48", "Gyeongnam", 6.3, 6.0, 5.7),
        ("50", "Jeju", 1.3, 1.3, 2.2),
    ];
    table
        .iter()
        .map(
            |&(code, name, population_share, work_weight, merchant_weight)| Region {
                code: s(code),
                name: s(name),
                population_share,
                work_weight,
                merchant_weight,
            },
        )
        .collect()
}

fn personas() -> Vec<Persona> {
    let persona =
        |name: &str, share: f64, spend: f64, activity: f64, mult: &[(&str, f64)]| Persona {
            name: s(name),
            share,
            spend_multiplier: spend,
            activity,
            category_multipliers: strings(mult),
        };
    vec![
        persona(
            "student",
            12.0,
            0.6,
            0.9,
            &[
                ("cafe_fastfood", 2.0),
                ("convenience", 1.8),
                ("digital", 1.8),
                ("online", 1.3),
                ("transport", 1.6),
                ("bar", 1.2),
                ("education", 0.2),
                ("department", 0.4),
                ("electronics_home", 0.5),
                ("fuel", 0.2),
                ("bills", 0.4),
            ],
        ),
        persona(
            "office_worker",
            38.0,
            1.0,
            1.2,
            &[
                ("restaurant", 1.3),
                ("cafe_fastfood", 1.3),
                ("transport", 1.3),
                ("bar", 1.4),
                ("online", 1.1),
            ],
        ),
        persona(
            "homemaker",
            15.0,
            1.0,
            1.0,
            &[
                ("grocery", 2.0),
                ("education", 2.5),
                ("medical", 1.3),
                ("department", 1.4),
                ("bar", 0.3),
                ("restaurant", 0.8),
                ("transport", 0.6),
            ],
        ),
        persona(
            "self_employed",
            15.0,
            1.2,
            1.1,
            &[
                ("fuel", 1.8),
                ("restaurant", 1.2),
                ("bills", 1.3),
                ("travel", 1.2),
            ],
        ),
        persona(
            "senior",
            20.0,
            0.8,
            0.7,
            &[
                ("medical", 2.5),
                ("grocery", 1.4),
                ("online", 0.5),
                ("digital", 0.4),
                ("bar", 0.5),
                ("cafe_fastfood", 0.6),
                ("education", 0.2),
            ],
        ),
    ]
}

fn holidays() -> Vec<Holiday> {
    // Korean public holidays 2024-2027, substitute holidays included; Seollal
    // and Chuseok (and their eves) are the major family holidays.
    let table: &[(&str, &str, bool)] = &[
        ("2024-01-01", "New Year's Day", false),
        ("2024-02-09", "Seollal", true),
        ("2024-02-10", "Seollal", true),
        ("2024-02-11", "Seollal", true),
        ("2024-02-12", "Seollal (substitute)", true),
        ("2024-03-01", "Independence Movement Day", false),
        ("2024-04-10", "National Assembly election", false),
        ("2024-05-05", "Children's Day", false),
        ("2024-05-06", "Children's Day (substitute)", false),
        ("2024-05-15", "Buddha's Birthday", false),
        ("2024-06-06", "Memorial Day", false),
        ("2024-08-15", "Liberation Day", false),
        ("2024-09-16", "Chuseok", true),
        ("2024-09-17", "Chuseok", true),
        ("2024-09-18", "Chuseok", true),
        ("2024-10-01", "Armed Forces Day", false),
        ("2024-10-03", "National Foundation Day", false),
        ("2024-10-09", "Hangeul Day", false),
        ("2024-12-25", "Christmas", false),
        ("2025-01-01", "New Year's Day", false),
        ("2025-01-27", "Temporary holiday", false),
        ("2025-01-28", "Seollal", true),
        ("2025-01-29", "Seollal", true),
        ("2025-01-30", "Seollal", true),
        ("2025-03-01", "Independence Movement Day", false),
        (
            "2025-03-03",
            "Independence Movement Day (substitute)",
            false,
        ),
        ("2025-05-05", "Children's Day / Buddha's Birthday", false),
        ("2025-05-06", "Substitute holiday", false),
        ("2025-06-03", "Presidential election", false),
        ("2025-06-06", "Memorial Day", false),
        ("2025-08-15", "Liberation Day", false),
        ("2025-10-03", "National Foundation Day", false),
        ("2025-10-05", "Chuseok", true),
        ("2025-10-06", "Chuseok", true),
        ("2025-10-07", "Chuseok", true),
        ("2025-10-08", "Chuseok (substitute)", true),
        ("2025-10-09", "Hangeul Day", false),
        ("2025-12-25", "Christmas", false),
        ("2026-01-01", "New Year's Day", false),
        ("2026-02-16", "Seollal", true),
        ("2026-02-17", "Seollal", true),
        ("2026-02-18", "Seollal", true),
        ("2026-03-01", "Independence Movement Day", false),
        (
            "2026-03-02",
            "Independence Movement Day (substitute)",
            false,
        ),
        ("2026-05-05", "Children's Day", false),
        ("2026-05-24", "Buddha's Birthday", false),
        ("2026-05-25", "Buddha's Birthday (substitute)", false),
        ("2026-06-03", "Local elections", false),
        ("2026-06-06", "Memorial Day", false),
        ("2026-08-15", "Liberation Day", false),
        ("2026-08-17", "Liberation Day (substitute)", false),
        ("2026-09-24", "Chuseok", true),
        ("2026-09-25", "Chuseok", true),
        ("2026-09-26", "Chuseok", true),
        ("2026-10-03", "National Foundation Day", false),
        ("2026-10-05", "National Foundation Day (substitute)", false),
        ("2026-10-09", "Hangeul Day", false),
        ("2026-12-25", "Christmas", false),
        ("2027-01-01", "New Year's Day", false),
        ("2027-02-06", "Seollal", true),
        ("2027-02-07", "Seollal", true),
        ("2027-02-08", "Seollal", true),
        ("2027-02-09", "Seollal (substitute)", true),
        ("2027-03-01", "Independence Movement Day", false),
        ("2027-05-05", "Children's Day", false),
        ("2027-05-13", "Buddha's Birthday", false),
        ("2027-06-06", "Memorial Day", false),
        ("2027-08-15", "Liberation Day", false),
        ("2027-08-16", "Liberation Day (substitute)", false),
        ("2027-09-14", "Chuseok", true),
        ("2027-09-15", "Chuseok", true),
        ("2027-09-16", "Chuseok", true),
        ("2027-10-03", "National Foundation Day", false),
        ("2027-10-04", "National Foundation Day (substitute)", false),
        ("2027-10-09", "Hangeul Day", false),
        ("2027-10-11", "Hangeul Day (substitute)", false),
        ("2027-12-25", "Christmas", false),
    ];
    table
        .iter()
        .map(|&(date, name, major)| Holiday {
            date: s(date),
            name: s(name),
            major,
        })
        .collect()
}

pub(super) fn profile() -> Profile {
    use Channel::*;
    use EntryMode::*;
    Profile {
        timezone: s("Asia/Seoul"),
        utc_offset_seconds: 9 * 3600,
        home_currency: Currency {
            code: s("KRW"),
            minor_units_per_major: 1,
            home_per_major: 1.0,
        },
        foreign_currency: Currency {
            code: s("USD"),
            minor_units_per_major: 100,
            home_per_major: 1_350.0,
        },
        credit_card_share: 0.62,
        foreign_online_merchant_share: 0.08,
        weekday_weights: [0.95, 0.97, 0.98, 1.00, 1.10, 1.08, 0.92],
        payday: PaydayEffect {
            first_day: 25,
            last_day: 27,
            multiplier: 1.10,
        },
        holidays: HolidayEffect {
            holiday_multiplier: 0.8,
            eve_days: 5,
            eve_multiplier: 1.15,
            dates: holidays(),
        },
        offline_channels: map(&[(CardPresent, 0.82), (MobileWallet, 0.18)]),
        card_present_entry: map(&[(Chip, 0.55), (Contactless, 0.43), (Magstripe, 0.02)]),
        locality: Locality {
            repeat_share: 0.75,
            home_or_work_share: 0.85,
            work_share: 0.35,
        },
        declines: DeclineModel {
            card_present_rate: 0.02,
            card_not_present_rate: 0.05,
            card_present_reasons: strings(&[
                ("51", 45.0),
                ("61", 5.0),
                ("05", 15.0),
                ("55", 5.0),
                ("14", 5.0),
                ("54", 4.0),
                ("57", 4.0),
                ("41", 2.0),
                ("59", 3.0),
                ("65", 1.0),
                ("91", 1.0),
            ]),
            card_not_present_reasons: strings(&[
                ("51", 45.0),
                ("61", 5.0),
                ("05", 15.0),
                ("14", 5.0),
                ("54", 4.0),
                ("N7", 5.0),
                ("57", 4.0),
                ("41", 2.0),
                ("59", 3.0),
                ("65", 1.0),
                ("91", 1.0),
            ]),
        },
        installments: InstallmentModel {
            min_amount: 50_000,
            probability_by_amount: [
                (50_000, 0.05),
                (100_000, 0.15),
                (300_000, 0.35),
                (1_000_000, 0.60),
            ]
            .iter()
            .map(|&(from, probability)| AmountProbability { from, probability })
            .collect(),
            months: [
                (2, 20.0),
                (3, 35.0),
                (4, 2.5),
                (5, 2.5),
                (6, 15.0),
                (10, 5.0),
                (12, 15.0),
                (18, 2.0),
                (24, 2.0),
                (36, 1.0),
            ]
            .iter()
            .map(|&(months, weight)| MonthsWeight { months, weight })
            .collect(),
        },
        reversals: ReversalModel {
            cancel_rate: 0.015,
            cancel_mean_minutes: 45.0,
            refund_rate: 0.01,
            refund_max_days: 14,
        },
        cards: CardModel {
            validity_years: 5,
            new_card_share: 0.1,
            brands: vec![
                Brand {
                    name: s("local"),
                    share: 45.0,
                    prefixes: vec![s("94")],
                    length: 16,
                },
                Brand {
                    name: s("visa"),
                    share: 25.0,
                    prefixes: vec![s("4")],
                    length: 16,
                },
                Brand {
                    name: s("mastercard"),
                    share: 20.0,
                    prefixes: vec![s("51"), s("52"), s("53"), s("54"), s("55"), s("2221")],
                    length: 16,
                },
                Brand {
                    name: s("amex"),
                    share: 3.0,
                    prefixes: vec![s("34"), s("37")],
                    length: 15,
                },
                Brand {
                    name: s("jcb"),
                    share: 4.0,
                    prefixes: vec![s("3528"), s("3589")],
                    length: 16,
                },
                Brand {
                    name: s("unionpay"),
                    share: 3.0,
                    prefixes: vec![s("62")],
                    length: 19,
                },
            ],
            issuers: [
                ("Shinhan", 18.0),
                ("Samsung", 16.0),
                ("Hyundai", 15.0),
                ("KB Kookmin", 15.0),
                ("Lotte", 8.0),
                ("Hana", 7.0),
                ("Woori", 7.0),
                ("NH Nonghyup", 7.0),
                ("BC", 7.0),
            ]
            .iter()
            .map(|&(name, share)| Issuer {
                name: s(name),
                share,
            })
            .collect(),
            products: [
                ("classic", 55.0, 3_000_000),
                ("gold", 30.0, 8_000_000),
                ("platinum", 15.0, 20_000_000),
            ]
            .iter()
            .map(|&(name, share, credit_limit)| Product {
                name: s(name),
                share,
                credit_limit,
            })
            .collect(),
        },
        fraud: FraudModel {
            rate: 0.0015,
            slot_days: 7,
            txns_per_attacked_card: 6.0,
            categories: strings(&[
                ("online", 40.0),
                ("electronics_home", 20.0),
                ("digital", 15.0),
                ("fashion_beauty", 10.0),
                ("convenience", 10.0),
                ("travel", 5.0),
            ]),
            amount_multiplier: 2.5,
            decline_rate: 0.15,
        },
        population: PopulationModel {
            txns_per_customer_per_day: 1.6,
            cards_per_customer: 1.8,
            customers_per_merchant: 40.0,
            activity_shape: 0.8,
            merchant_popularity_sigma: 1.2,
            max_customers: 5_000_000,
        },
        regions: regions(),
        personas: personas(),
        income_bands: [
            ("low", 25.0, 0.7),
            ("middle", 35.0, 0.9),
            ("upper_middle", 25.0, 1.1),
            ("high", 12.0, 1.5),
            ("top", 3.0, 2.2),
        ]
        .iter()
        .map(|&(name, share, spend_multiplier)| IncomeBand {
            name: s(name),
            share,
            spend_multiplier,
        })
        .collect(),
        categories: categories(),
    }
}
