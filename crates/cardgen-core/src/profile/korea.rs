//! The Korean-market default profile: KRW, 17 province-level regions and the
//! daily, weekly and monthly rhythms of Korean card spending. Figures are the
//! starting values of the project's domain notes (see docs), not calibrated
//! against any issuer's data.

use super::*;

fn s(value: &str) -> String {
    value.to_string()
}

fn lognormal(median: f64, sigma: f64, unit: i64) -> AmountModel {
    AmountModel {
        point_masses: Vec::new(),
        median,
        sigma,
        unit,
    }
}

fn offline(key: &str, mccs: &[i16], share: f64, amount: AmountModel) -> Category {
    Category {
        key: s(key),
        mccs: mccs.to_vec(),
        share,
        amount,
        online_merchant_share: 0.0,
        online_channels: Vec::new(),
    }
}

fn with_online(mut category: Category, share: f64, channels: &[(Channel, f64)]) -> Category {
    category.online_merchant_share = share;
    category.online_channels = channels.to_vec();
    category
}

fn categories() -> Vec<Category> {
    use Channel::*;
    let shop_online = [(Ecommerce, 0.7), (MobileWallet, 0.3)];
    vec![
        offline("restaurant", &[5812], 20.0, lognormal(18_000.0, 0.8, 100)),
        offline("convenience", &[5499], 14.0, lognormal(6_000.0, 0.7, 10)),
        offline(
            "cafe_fastfood",
            &[5814, 5462],
            10.0,
            lognormal(8_000.0, 0.6, 100),
        ),
        with_online(
            offline(
                "online",
                &[5999, 5969, 5964],
                14.0,
                lognormal(30_000.0, 1.1, 10),
            ),
            1.0,
            &shop_online,
        ),
        offline("grocery", &[5411], 8.0, lognormal(45_000.0, 0.85, 10)),
        offline(
            "transport",
            &[4111, 4131, 4121],
            7.0,
            AmountModel {
                point_masses: vec![(1_250, 0.10), (1_400, 0.30), (1_500, 0.20), (1_650, 0.10)],
                median: 12_000.0,
                sigma: 0.5,
                unit: 100,
            },
        ),
        offline(
            "fuel",
            &[5541, 5542],
            3.0,
            AmountModel {
                point_masses: vec![
                    (30_000, 0.10),
                    (50_000, 0.20),
                    (70_000, 0.10),
                    (100_000, 0.10),
                ],
                median: 60_000.0,
                sigma: 0.5,
                unit: 1,
            },
        ),
        offline(
            "medical",
            &[8011, 8062, 8021, 5912],
            5.0,
            lognormal(12_000.0, 1.0, 100),
        ),
        with_online(
            offline(
                "fashion_beauty",
                &[5651, 5691, 5977],
                4.0,
                lognormal(45_000.0, 0.95, 100),
            ),
            0.2,
            &shop_online,
        ),
        offline("bar", &[5813], 2.0, lognormal(45_000.0, 0.85, 100)),
        with_online(
            offline(
                "bills",
                &[4814, 4900, 6300],
                3.0,
                lognormal(55_000.0, 0.4, 10),
            ),
            0.6,
            &[(Recurring, 0.9), (Moto, 0.1)],
        ),
        with_online(
            offline(
                "digital",
                &[5815, 5816, 5817, 5818, 4899],
                3.0,
                lognormal(10_000.0, 0.9, 10),
            ),
            1.0,
            &[(Recurring, 0.5), (Ecommerce, 0.4), (MobileWallet, 0.1)],
        ),
        offline(
            "leisure",
            &[7832, 7922, 7941, 7997],
            2.0,
            lognormal(22_000.0, 0.8, 100),
        ),
        offline("education", &[8299], 1.0, lognormal(250_000.0, 0.6, 1000)),
        with_online(
            offline(
                "travel",
                &[4511, 7011, 4722],
                1.5,
                lognormal(150_000.0, 1.0, 100),
            ),
            0.5,
            &[(Ecommerce, 0.8), (MobileWallet, 0.2)],
        ),
        offline("department", &[5311], 1.0, lognormal(80_000.0, 1.1, 100)),
        with_online(
            offline(
                "electronics_home",
                &[5732, 5722, 5712],
                0.5,
                lognormal(350_000.0, 1.05, 1000),
            ),
            0.3,
            &shop_online,
        ),
        offline(
            "beauty_service",
            &[7230],
            1.0,
            lognormal(30_000.0, 0.75, 1000),
        ),
    ]
}

fn regions() -> Vec<Region> {
    // (code, name, share of residents, weight for placing merchants)
    let table: [(&str, &str, f64, f64); 17] = [
        ("11", "Seoul", 18.2, 26.0),
        ("26", "Busan", 6.4, 6.4),
        ("27", "Daegu", 4.6, 4.4),
        ("28", "Incheon", 5.8, 5.0),
        ("29", "Gwangju", 2.8, 2.7),
        ("30", "Daejeon", 2.8, 2.7),
        ("31", "Ulsan", 2.2, 2.0),
        ("36", "Sejong", 0.8, 0.6),
        ("41", "Gyeonggi", 26.6, 22.0),
        ("51", "Gangwon", 3.0, 3.0),
        ("43", "Chungbuk", 3.1, 2.8),
        ("44", "Chungnam", 4.2, 3.8),
        ("52", "Jeonbuk", 3.4, 3.1),
        ("46", "Jeonnam", 3.5, 3.1),
        ("47", "Gyeongbuk", 5.0, 4.5),
        ("48", "Gyeongnam", 6.3, 5.7),
        ("50", "Jeju", 1.3, 2.2),
    ];
    table
        .iter()
        .map(|&(code, name, population_share, merchant_weight)| Region {
            code: s(code),
            name: s(name),
            population_share,
            merchant_weight,
        })
        .collect()
}

fn codes(table: &[(&str, f64)]) -> Vec<(String, f64)> {
    table.iter().map(|&(code, w)| (s(code), w)).collect()
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
        categories: categories(),
        regions: regions(),
        hour_weights: [
            1.5, 0.9, 0.6, 0.4, 0.3, 0.4, 1.0, 2.5, 4.0, 4.5, 5.0, 6.5, 9.0, 7.5, 5.5, 5.2, 5.2,
            5.8, 7.7, 8.3, 7.0, 5.2, 3.8, 2.2,
        ],
        weekday_weights: [0.95, 0.97, 0.98, 1.00, 1.10, 1.08, 0.92],
        payday: PaydayEffect {
            first_day: 25,
            last_day: 27,
            multiplier: 1.10,
        },
        offline_channels: vec![(CardPresent, 0.82), (MobileWallet, 0.18)],
        card_present_entry: vec![(Chip, 0.55), (Contactless, 0.43), (Magstripe, 0.02)],
        declines: DeclineModel {
            card_present_rate: 0.02,
            card_not_present_rate: 0.05,
            card_present_reasons: codes(&[
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
            card_not_present_reasons: codes(&[
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
            probability_by_amount: vec![
                (50_000, 0.05),
                (100_000, 0.15),
                (300_000, 0.35),
                (1_000_000, 0.60),
            ],
            months: vec![
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
            ],
        },
        spend_tiers: vec![
            (0.7, 25.0),
            (0.9, 35.0),
            (1.1, 25.0),
            (1.5, 12.0),
            (2.2, 3.0),
        ],
        credit_card_share: 0.62,
        foreign_online_merchant_share: 0.08,
        fraud: FraudModel {
            rate: 0.0015,
            slot_days: 7,
            txns_per_attacked_card: 6.0,
            categories: vec![
                (s("online"), 40.0),
                (s("electronics_home"), 20.0),
                (s("digital"), 15.0),
                (s("fashion_beauty"), 10.0),
                (s("convenience"), 10.0),
                (s("travel"), 5.0),
            ],
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
    }
}
