use super::*;
use crate::customers::CustomerModel;
use crate::population::PopulationSizes;

const FIRST_DAY: i64 = 20_089; // 2025-01-01

fn model() -> (CustomerChanges, CustomerModel) {
    let profile = Profile::korean_default();
    let sizes = PopulationSizes::derive(&profile, 0, 365, Some(100_000), None);
    (
        CustomerChanges::new(7, &profile, FIRST_DAY).unwrap(),
        CustomerModel::new(7, &profile, &sizes).unwrap(),
    )
}

#[test]
fn a_customer_on_any_day_is_its_version_of_that_day() {
    let (changes, customers) = model();
    let mut versions = Vec::new();
    let through = FIRST_DAY + 3 * YEAR_DAYS;
    for id in 0..3_000 {
        let base = customers.facts(id);
        changes.versions(id, base, FIRST_DAY, through, &mut versions);
        assert_eq!(
            changes.count_versions(id, FIRST_DAY, through),
            versions.len() as u64
        );
        assert!(versions.windows(2).all(|w| w[0].day < w[1].day));
        for day in (FIRST_DAY - 1..=through).step_by(17) {
            let expected = versions
                .iter()
                .rev()
                .find(|v| v.day <= day)
                .map_or(base, |v| v.facts);
            assert_eq!(
                changes.on(id, base, day),
                expected,
                "customer {id} on {day}"
            );
        }
    }
}

#[test]
fn a_window_lists_the_versions_after_its_start_with_their_full_traits() {
    let (changes, customers) = model();
    let (mut all, mut part) = (Vec::new(), Vec::new());
    let (after, through) = (FIRST_DAY + 200, FIRST_DAY + 500);
    for id in 0..3_000 {
        let base = customers.facts(id);
        changes.versions(id, base, FIRST_DAY, through, &mut all);
        changes.versions(id, base, after, through, &mut part);
        let expected: Vec<_> = all.iter().filter(|v| v.day > after).copied().collect();
        assert_eq!(part, expected);
        assert_eq!(
            changes.count_versions(id, after, through),
            part.len() as u64
        );
    }
}

#[test]
fn customers_change_at_the_profiles_yearly_rates() {
    let (changes, customers) = model();
    let profile = Profile::korean_default();
    let n = 100_000;
    let end = FIRST_DAY + YEAR_DAYS;
    let (mut moved, mut income, mut segment) = (0, 0, 0);
    for id in 0..n {
        let base = customers.facts(id);
        let now = changes.on(id, base, end);
        moved += u32::from(now.home_region != base.home_region);
        income += u32::from(now.income_band != base.income_band);
        segment += u32::from(now.persona != base.persona);
        assert!(usize::from(now.income_band) < profile.income_bands.len());
        assert_eq!(
            now.spend,
            spend_table(&profile)[usize::from(now.persona)][usize::from(now.income_band)]
        );
    }
    let share = |count: u32| f64::from(count) / n as f64;
    let c = &profile.changes;
    for (what, got, rate) in [
        ("moves", share(moved), c.move_rate),
        ("income changes", share(income), c.income_change_rate),
        ("segment changes", share(segment), c.segment_change_rate),
    ] {
        assert!((got - rate).abs() < 0.004, "{what}: {got} vs {rate}");
    }
}

#[test]
fn nothing_changes_on_the_first_day_or_before() {
    let (changes, customers) = model();
    for id in 0..1_000 {
        let base = customers.facts(id);
        assert_eq!(changes.on(id, base, FIRST_DAY), base);
        assert_eq!(changes.count_versions(id, FIRST_DAY - 10, FIRST_DAY), 0);
    }
}
