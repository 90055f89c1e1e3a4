//! Reading a profile from TOML: the one path for the built-in profile and for
//! users' scenario files.

use std::fmt;

use super::Profile;

/// Why a scenario cannot be used. The message is one line and names the key
/// (and, for TOML errors, the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// Not TOML, or not the shape of a profile: bad syntax, an unknown or
    /// missing key, a value of the wrong type.
    Parse {
        /// 1-based line of the offending text, when the parser knows it.
        line: Option<usize>,
        /// That line, trimmed: it names the key, which type errors do not.
        text: String,
        message: String,
    },
    /// A value the generators cannot use.
    Invalid {
        /// Path of the key, e.g. `cards.validity_years` or
        /// `categories[3] (online).share`.
        key: String,
        message: String,
    },
}

impl ProfileError {
    pub(crate) fn invalid(key: impl fmt::Display, message: impl fmt::Display) -> Self {
        Self::Invalid {
            key: key.to_string(),
            message: message.to_string(),
        }
    }

    fn from_toml(error: &toml::de::Error, text: &str) -> Self {
        // toml reports the line, the key and a source excerpt over several
        // lines; keep its message and say where in one line.
        let message = error.message().trim().to_string();
        match error.span() {
            Some(span) => {
                let line = text[..span.start].matches('\n').count() + 1;
                let source = text.lines().nth(line - 1).unwrap_or("").trim();
                Self::Parse {
                    line: Some(line),
                    text: source.to_string(),
                    message,
                }
            }
            None => Self::Parse {
                line: None,
                text: String::new(),
                message,
            },
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse {
                line: Some(line),
                text,
                message,
            } => write!(f, "line {line} `{text}`: {message}"),
            Self::Parse { message, .. } => f.write_str(message),
            Self::Invalid { key, message } => write!(f, "invalid profile: {key}: {message}"),
        }
    }
}

impl std::error::Error for ProfileError {}

impl Profile {
    /// Reads and validates a profile from a TOML scenario; the built-in
    /// profile goes through here too.
    pub fn from_toml_str(text: &str) -> Result<Self, ProfileError> {
        let profile: Self = toml::from_str(text).map_err(|e| ProfileError::from_toml(&e, text))?;
        profile.validate()?;
        Ok(profile)
    }

    /// The profile as a TOML scenario that [`Profile::from_toml_str`] reads
    /// back identically (without the built-in file's comments).
    pub fn to_toml_string(&self) -> String {
        toml::to_string_pretty(self).expect("a profile serialises to TOML")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_round_trips_through_toml_exactly() {
        let default = Profile::korean_default();
        let text = default.to_toml_string();
        assert_eq!(Profile::from_toml_str(&text).unwrap(), default);
    }

    #[test]
    fn toml_errors_are_one_line_naming_the_line_and_key() {
        let text = Profile::korean_default().to_toml_string().replacen(
            "credit_card_share =",
            "credit_card_shares =",
            1,
        );
        let err = Profile::from_toml_str(&text).unwrap_err();
        let message = err.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.starts_with("line "), "{message}");
        assert!(message.contains("credit_card_shares"), "{message}");
        assert!(matches!(err, ProfileError::Parse { line: Some(_), .. }));

        let wrong_type = Profile::korean_default().to_toml_string().replacen(
            "validity_years = ",
            "validity_years = \"five\" # ",
            1,
        );
        let message = Profile::from_toml_str(&wrong_type).unwrap_err().to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("validity_years"), "{message}");
    }

    #[test]
    fn invalid_values_name_the_key() {
        let mut p = Profile::korean_default();
        p.credit_card_share = 1.5;
        let err = Profile::from_toml_str(&p.to_toml_string()).unwrap_err();
        assert_eq!(
            err,
            ProfileError::invalid("credit_card_share", "1.5 is not in [0, 1]")
        );
        assert_eq!(
            err.to_string(),
            "invalid profile: credit_card_share: 1.5 is not in [0, 1]"
        );
    }
}
