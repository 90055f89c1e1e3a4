//! Scenario files: the profile as TOML, read with every unknown key and bad
//! value reported by name.

use cardgen_core::profile::GLOBAL_FRAUD_SHARES;

use crate::args::FraudPresetArg;

/// `cardgen config`.
pub fn run(args: &crate::args::ConfigArgs) -> anyhow::Result<()> {
    if args.print_default {
        match args.fraud_preset {
            FraudPresetArg::Korea => print!("{}", default_toml()),
            FraudPresetArg::Global => print!("{}", global_fraud_toml()),
        }
    }
    if let Some(path) = &args.check {
        crate::flags::load_scenario(Some(path))?;
        println!("{}: OK", path.display());
    }
    Ok(())
}

/// The built-in profile as shipped: the TOML file with its comments.
pub fn default_toml() -> String {
    cardgen_core::profile::KOREAN_DEFAULT_TOML.to_string()
}

/// The built-in profile with the `global` fraud mix: each
/// `[fraud.scenarios.KIND]` section's `share` line replaced, comments kept.
pub fn global_fraud_toml() -> String {
    let mut text = default_toml();
    for (kind, share) in GLOBAL_FRAUD_SHARES {
        let header = format!("[fraud.scenarios.{}]\n", kind.name());
        let Some(start) = text.find(&header) else {
            continue;
        };
        let line_start = start + header.len();
        if let Some(end) = text[line_start..].find('\n')
            && text[line_start..].starts_with("share = ")
        {
            text.replace_range(
                line_start..line_start + end,
                &format!("share = {share}  # the `global` preset"),
            );
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardgen_core::Profile;

    #[test]
    fn the_global_preset_changes_only_the_fraud_shares() {
        let global = Profile::from_toml_str(&global_fraud_toml()).unwrap();
        let mut expected = Profile::korean_default();
        for (kind, share) in GLOBAL_FRAUD_SHARES {
            expected.fraud.scenarios.get_mut(&kind).unwrap().share = share;
        }
        assert_eq!(global, expected);
        assert_ne!(global, Profile::korean_default());
    }

    #[test]
    fn the_printed_default_reads_back_identically() {
        assert_eq!(
            Profile::from_toml_str(&default_toml()).unwrap(),
            Profile::korean_default()
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let default = default_toml();
        let unknown = default.replacen("credit_card_share", "credit_card_shares", 1);
        let err = Profile::from_toml_str(&unknown).unwrap_err().to_string();
        assert!(err.contains("credit_card_shares"), "{err}");
        let share = Profile::korean_default().credit_card_share;
        let line = format!("credit_card_share = {share:?}");
        assert!(default.contains(&line), "the default has no `{line}`");
        let bad = default.replacen(&line, "credit_card_share = 1.5", 1);
        let err = Profile::from_toml_str(&bad).unwrap_err().to_string();
        assert!(err.contains("credit_card_share"), "{err}");
    }
}
