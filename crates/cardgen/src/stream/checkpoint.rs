//! The small file a stream keeps up to date as its sinks confirm messages,
//! so that `resume` goes on after the last confirmed one.
//!
//! It holds the options that decide the messages (the dataset's
//! specification, the format, the late events, the sinks), the shift of
//! `start = now` (a resumed stream keeps its first run's), and the
//! [`Position`]: the last confirmed message's key and the row to generate
//! again from. It is replaced whole (written beside, then renamed), so a
//! stream killed at any instant leaves the old one or the new one.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::order::{Key, Position};
use crate::generate::setting_of_manifest_key;
use crate::setting::{Error, Setting, SpecError};

/// The checkpoint format's version.
const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    version: u32,
    /// `(key, value)` of every option that decides the messages.
    pub options: Vec<(String, String)>,
    /// Added to every time, in microseconds (`start = now`).
    pub shift_micros: i64,
    /// The last confirmed message's key.
    pub after: Option<Key>,
    pub from_row: u64,
    /// Messages confirmed, over every run.
    pub confirmed: u64,
    /// Bytes confirmed of the events file and of the labels file.
    pub events_bytes: u64,
    pub labels_bytes: u64,
}

impl Checkpoint {
    pub fn new(options: Vec<(String, String)>, shift_micros: i64) -> Self {
        Self {
            version: VERSION,
            options,
            shift_micros,
            after: None,
            from_row: 0,
            confirmed: 0,
            events_bytes: 0,
            labels_bytes: 0,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            after: self.after,
            from_row: self.from_row,
            confirmed: self.confirmed,
        }
    }

    pub fn set_position(&mut self, position: Position) {
        self.after = position.after;
        self.from_row = position.from_row;
        self.confirmed = position.confirmed;
    }

    /// The checkpoint at `path`, or `None` when there is none yet.
    pub fn read(path: &Path) -> Result<Option<Self>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(invalid(path, &e.to_string()).into()),
        };
        let checkpoint: Checkpoint = serde_json::from_str(&text)
            .map_err(|e| invalid(path, &format!("is not a stream checkpoint ({e})")))?;
        if checkpoint.version != VERSION {
            let reason = format!(
                "is a version {} checkpoint; this cardgen reads {VERSION}",
                checkpoint.version
            );
            return Err(invalid(path, &reason).into());
        }
        Ok(Some(checkpoint))
    }

    /// Refuses to go on with options that send other messages, naming the
    /// first option that differs.
    pub fn check_options(
        &self,
        path: &Path,
        options: &[(String, String)],
    ) -> Result<(), SpecError> {
        for (key, value) in options {
            let recorded = self.options.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            if recorded != Some(value) {
                let was = recorded.map_or("nothing".to_string(), |v| format!("{key} = {v}"));
                return Err(SpecError::DatasetDiffers {
                    setting: setting_of_manifest_key(key),
                    message: format!(
                        "{key} = {value}, but the stream checkpoint {} was written with {was}; pass the same options to resume, or start a new checkpoint",
                        path.display()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Replaces the file at `path` with this checkpoint.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let fail = |e: std::io::Error| Error::Sink {
            sink: path.display().to_string(),
            reason: format!("writing the checkpoint failed: {e}"),
        };
        let mut beside = path.as_os_str().to_owned();
        beside.push(".tmp");
        let beside = std::path::PathBuf::from(beside);
        let text = serde_json::to_string_pretty(self).expect("a checkpoint encodes");
        std::fs::write(&beside, text).map_err(fail)?;
        std::fs::rename(&beside, path).map_err(fail)
    }
}

fn invalid(path: &Path, reason: &str) -> SpecError {
    SpecError::Invalid {
        setting: Setting::Resume,
        value: path.display().to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_read_back_and_checked_against_the_options() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream.checkpoint");
        assert_eq!(Checkpoint::read(&path).unwrap(), None);
        let options = vec![("seed".to_string(), "42".to_string())];
        let mut checkpoint = Checkpoint::new(options.clone(), 0);
        checkpoint.set_position(Position {
            after: Some((5, 0, 7)),
            from_row: 3,
            confirmed: 8,
        });
        checkpoint.write(&path).unwrap();
        let read = Checkpoint::read(&path).unwrap().unwrap();
        assert_eq!(read, checkpoint);
        read.check_options(&path, &options).unwrap();
        let other = vec![("seed".to_string(), "7".to_string())];
        let err = read.check_options(&path, &other).unwrap_err();
        assert_eq!(err.setting(), Setting::Seed);
        assert!(
            err.to_string()
                .starts_with("seed = 7, but the stream checkpoint"),
            "{err}"
        );
        std::fs::write(&path, "not json").unwrap();
        assert!(
            Checkpoint::read(&path)
                .unwrap_err()
                .to_string()
                .starts_with("resume = ")
        );
    }
}
