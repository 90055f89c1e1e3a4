//! Scenario files: the default prints as TOML and reads back; edits change
//! the data; unknown keys and bad values are refused by name.

mod common;

use cardgen_core::Profile;
use common::{assert_one_line_error, cardgen, files_in, read_batches};

fn default_toml() -> String {
    let output = cardgen()
        .args(["config", "--print-default"])
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn an_edited_scenario_changes_the_data_and_verifies_with_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("euro.toml");
    let p = Profile::korean_default();
    let edited = default_toml()
        .replacen(
            &format!("code = \"{}\"", p.home_currency.code),
            "code = \"EUR\"",
            1,
        )
        .replacen(
            &format!("timezone = \"{}\"", p.timezone),
            "timezone = \"Europe/Lisbon\"",
            1,
        )
        .replacen(
            &format!("utc_offset_seconds = {}", p.utc_offset_seconds),
            "utc_offset_seconds = 0",
            1,
        );
    assert_ne!(edited, default_toml(), "the edit must apply");
    std::fs::write(&scenario, edited).unwrap();
    let out = dir.path().join("data");
    cardgen()
        .args(["generate", "--rows", "50000", "-q", "--config"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let txns = read_batches(&out.join("transactions.parquet"));
    let schema = txns[0].schema();
    assert_eq!(
        schema
            .field_with_name("event_ts")
            .unwrap()
            .data_type()
            .to_string(),
        "Timestamp(µs, \"Europe/Lisbon\")"
    );
    let verify = |config: Option<&std::path::Path>| {
        let mut cmd = cardgen();
        cmd.args(["verify", "--deep"]).arg(&out);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        cmd.output().unwrap()
    };
    assert!(verify(Some(&scenario)).status.success());
    let without = verify(None);
    assert_eq!(
        without.status.code(),
        Some(1),
        "deep verify without the scenario must fail"
    );
    assert!(String::from_utf8_lossy(&without.stdout).contains("--config"));
}

/// (what to replace in the default, replacement, text the error must
/// contain); the default's lines are written from the built-in profile.
fn bad_scenarios() -> Vec<(String, &'static str, &'static str)> {
    let p = Profile::korean_default();
    let share = format!("credit_card_share = {:?}", p.credit_card_share);
    vec![
        (
            share.clone(),
            "credit_card_shares = 0.5",
            "credit_card_shares",
        ),
        (
            share.clone(),
            "credit_card_share = 1.5",
            "credit_card_share",
        ),
        (share, "credit_card_share = \"many\"", "credit_card_share"),
        (
            format!("code = \"{}\"", p.home_currency.code),
            "code = \"won\"",
            "home_currency.code",
        ),
        (
            format!("validity_years = {}", p.cards.validity_years),
            "validity_years = 0",
            "cards.validity_years",
        ),
        (
            format!("rate = {:?}", p.fraud.rate),
            "rate = -1.0",
            "fraud.rate",
        ),
        (
            format!("cancel_rate = {:?}", p.reversals.cancel_rate),
            "cancel_rate = 0.9",
            "reversals",
        ),
        (
            format!("repeat_share = {:?}", p.locality.repeat_share),
            "repeat_share = 7.5",
            "locality.repeat_share",
        ),
        (
            format!("date = \"{}\"", p.holidays.dates[0].date),
            "date = \"2024-13-01\"",
            "holidays.dates[0].date",
        ),
        (
            format!("first_day = {}", p.payday.first_day),
            "first_day = 40",
            "payday",
        ),
        (
            format!("max_customers = {}", p.population.max_customers),
            "max_customers = 0",
            "population.max_customers",
        ),
    ]
}

#[test]
fn bad_scenarios_are_refused_naming_the_key_and_nothing_is_written() {
    let default = default_toml();
    for (from, to, key) in bad_scenarios() {
        assert!(default.contains(&from), "the default has no `{from}`");
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("bad.toml");
        std::fs::write(&scenario, default.replacen(&from, to, 1)).unwrap();
        let out = dir.path().join("out");
        let output = cardgen()
            .args(["generate", "--rows", "1000", "--config"])
            .arg(&scenario)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_one_line_error(&output, 2, &["--config", key], to);
        assert_eq!(
            files_in(dir.path()),
            vec!["bad.toml"],
            "{to}: wrote something"
        );
    }
}

#[test]
fn config_check_reports_ok_or_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, default_toml()).unwrap();
    let output = cardgen()
        .args(["config", "--check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(output.status.success());
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        default_toml().replacen("weekday_weights", "weekday_weight", 1),
    )
    .unwrap();
    let output = cardgen()
        .args(["config", "--check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("weekday_weight"));
}
