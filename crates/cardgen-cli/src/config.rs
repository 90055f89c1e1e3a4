//! Scenario files: the profile as TOML, read with every unknown key and bad
//! value reported by name.

/// `cardgen config`.
pub fn run(args: &crate::args::ConfigArgs) -> anyhow::Result<()> {
    if args.print_default {
        print!("{}", default_toml());
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

#[cfg(test)]
mod tests {
    use super::*;
    use cardgen_core::Profile;

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
