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

/// The built-in profile as a TOML document.
pub fn default_toml() -> String {
    let body = toml::to_string_pretty(&Profile::korean_default()).expect("the profile serialises");
    format!(
        "# cardgen scenario file: the built-in Korean profile.\n\
         # Edit and pass with `cardgen generate --config FILE`. Amounts are in minor\n\
         # units of the home currency; weights need not sum to 1.\n\n{body}"
    )
}

/// Reads and checks a scenario file; errors name the file and the key.
pub fn load(path: &Path) -> Result<Profile, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("--config {}: {e}", path.display())))?;
    parse(&text).map_err(|e| UsageError(format!("--config {}: {e}", path.display())))
}

/// Parses and validates a scenario; the error is one line naming the key.
pub fn parse(text: &str) -> Result<Profile, String> {
    let profile: Profile = toml::from_str(text).map_err(|e| {
        // toml reports the line, the key and a source excerpt over several lines.
        let message = e.message().trim().to_string();
        match e.span() {
            Some(span) => {
                // The line itself names the key, which type errors do not.
                let line = text[..span.start].matches('\n').count() + 1;
                let source = text.lines().nth(line - 1).unwrap_or("").trim();
                format!("line {line} `{source}`: {message}")
            }
            None => message,
        }
    })?;
    profile.validate().map_err(|e| e.to_string())?;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_default_reads_back_identically() {
        assert_eq!(parse(&default_toml()).unwrap(), Profile::korean_default());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let default = default_toml();
        let unknown = default.replacen("credit_card_share", "credit_card_shares", 1);
        let err = parse(&unknown).unwrap_err();
        assert!(err.contains("credit_card_shares"), "{err}");
        let bad = default.replacen("credit_card_share = 0.62", "credit_card_share = 1.5", 1);
        let err = parse(&bad).unwrap_err();
        assert!(err.contains("credit_card_share"), "{err}");
    }
}
