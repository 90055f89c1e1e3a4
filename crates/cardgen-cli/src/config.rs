//! Scenario files: the profile as TOML, read with every unknown key and bad
//! value reported by name.

use std::path::Path;

use cardgen_core::Profile;

use crate::UsageError;

/// `cardgen config`.
pub fn run(args: &crate::args::ConfigArgs) -> anyhow::Result<()> {
    if args.print_default {
        print!("{}", default_toml());
    }
    if let Some(path) = &args.check {
        load(path)?;
        println!("{}: OK", path.display());
    }
    Ok(())
}

/// The built-in profile as shipped: the TOML file with its comments.
pub fn default_toml() -> String {
    cardgen_core::profile::KOREAN_DEFAULT_TOML.to_string()
}

/// Reads and checks a scenario file; errors name the file and the key.
pub fn load(path: &Path) -> Result<Profile, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("--config {}: {e}", path.display())))?;
    Profile::from_toml_str(&text)
        .map_err(|e| UsageError(format!("--config {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

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
