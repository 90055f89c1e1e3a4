//! The scenario a dataset is generated from: a [`Profile`] and the label
//! that records it in file metadata.
//!
//! The built-in Korean profile is labelled by its name; a scenario file by
//! its path and a CRC-32 of its content, so that `verify` can tell whether it
//! is handed the scenario a file was made with, even from another directory.

use std::path::Path;
use std::sync::Arc;

use cardgen_core::Profile;

use crate::setting::SpecError;

/// A validated profile and its label.
#[derive(Debug, Clone)]
pub struct Scenario {
    profile: Arc<Profile>,
    label: String,
}

impl PartialEq for Scenario {
    /// Same label and profile; a shared profile (the built-in one) is not
    /// compared field by field.
    fn eq(&self, other: &Self) -> bool {
        self.label == other.label
            && (Arc::ptr_eq(&self.profile, &other.profile) || self.profile == other.profile)
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Self::built_in()
    }
}

impl Scenario {
    /// The built-in Korean profile, labelled by its name (`korean_default`).
    pub fn built_in() -> Self {
        let profile = Profile::korean_default_shared();
        Self {
            label: profile.name.clone(),
            profile,
        }
    }

    /// A scenario file (TOML, see `cardgen config --print-default`), read and
    /// checked; the error names the file, the line and the key.
    pub fn from_file(path: &Path) -> Result<Self, SpecError> {
        let fail = |reason: String| SpecError::Profile {
            reason: format!("{}: {reason}", path.display()),
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let profile = parse_profile(&text).map_err(fail)?;
        let label = format!(
            "file:{} crc32={:08x}",
            path.display(),
            profile_crc(&profile)
        );
        Ok(Self {
            profile: Arc::new(profile),
            label,
        })
    }

    /// A scenario given as TOML text.
    pub fn from_toml(text: &str) -> Result<Self, SpecError> {
        let profile = parse_profile(text).map_err(|reason| SpecError::Profile { reason })?;
        Self::from_profile(profile)
    }

    /// A profile built in code; it is validated here and labelled by its
    /// name and content.
    pub fn from_profile(profile: Profile) -> Result<Self, SpecError> {
        profile.validate().map_err(|e| SpecError::Profile {
            reason: e.to_string(),
        })?;
        let label = format!("{} crc32={:08x}", profile.name, profile_crc(&profile));
        Ok(Self {
            profile: Arc::new(profile),
            label,
        })
    }

    pub fn profile(&self) -> &Arc<Profile> {
        &self.profile
    }

    /// How the scenario is recorded in file metadata (`cardgen.profile`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether a file whose metadata records `recorded` was made with this
    /// scenario: the same label, or a scenario file with the same content.
    pub fn matches_label(&self, recorded: &str) -> bool {
        self.label == recorded
            || (crc_of(&self.label).is_some() && crc_of(&self.label) == crc_of(recorded))
    }
}

fn crc_of(label: &str) -> Option<&str> {
    label.rsplit_once("crc32=").map(|(_, crc)| crc)
}

/// A fingerprint of a profile's content, to tell scenarios apart.
pub fn profile_crc(profile: &Profile) -> u32 {
    crc32fast::hash(
        toml::to_string(profile)
            .expect("the profile serialises")
            .as_bytes(),
    )
}

/// Parses and validates a scenario; the error is one line naming the line and key.
fn parse_profile(text: &str) -> Result<Profile, String> {
    Profile::from_toml_str(text).map_err(|e| e.to_string())
}
