//! The library names settings by key (`days = 0 …`, `` `overwrite` ``);
//! the command line says them as flags (`--days 0 …`, `--overwrite`). This
//! is the one place that maps them, and reads the scenario `--config` names.

use std::path::Path;

use cardgen::{Scenario, Setting, SpecError};
use cardgen_pipeline::BudgetError;

use crate::UsageError;

/// The scenario `--config` names (read once), or the built-in one.
pub fn load_scenario(config: Option<&Path>) -> Result<Scenario, UsageError> {
    match config {
        None => Ok(Scenario::built_in()),
        Some(path) => Scenario::from_file(path).map_err(|e| usage_error(&e)),
    }
}

/// The flag that sets `setting`.
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Seed => "--seed",
        Setting::Rows => "--rows",
        Setting::Start => "--start",
        Setting::Days => "--days",
        Setting::Customers => "--customers",
        Setting::Merchants => "--merchants",
        Setting::Config => "--config",
        Setting::PanMask => "--pan-mask",
        Setting::BatchRows => "--batch-rows",
        Setting::Threads => "--threads",
        Setting::MaxInFlight => "--max-in-flight",
        Setting::MaxMemory => "--max-memory",
        Setting::Out => "--out",
        Setting::RowRange => "--rows",
        Setting::Table => "--table",
        Setting::Parts => "--parts",
        Setting::Part => "--part",
        Setting::PartitionBy => "--partition-by",
        Setting::TargetFileSize => "--target-file-size",
        Setting::Writers => "--writers",
        Setting::TableFormat => "--table-format",
        Setting::Catalog => "--catalog",
        Setting::Append => "--append",
        Setting::Compression => "--compression",
        Setting::Overwrite => "--overwrite",
        Setting::EmitPan => "--emit-pan",
        Setting::To => "--to",
        Setting::LabelsTo => "--labels-to",
        Setting::Format => "--format",
        Setting::Speed => "--speed",
        Setting::Rate => "--rate",
        Setting::LateShare => "--late-share",
        Setting::LateDelay => "--late-delay",
        Setting::FromRow => "--from-row",
        Setting::Resume => "--resume",
        _ => "an option",
    }
}

/// The library's message in the command line's words: every `key = value`
/// becomes `--flag value`, every `` `key` `` becomes `--flag`, and a hint
/// says what to change.
pub fn usage_error(err: &SpecError) -> UsageError {
    if let SpecError::Profile { reason } = err {
        return UsageError(format!("--config {reason}"));
    }
    let mut message = keys_to_flags(&err.to_string());
    if !message.starts_with("--") {
        message = format!("{}: {message}", flag(err.setting()));
    }
    let hint = match err {
        SpecError::Budget { source, .. } => match source {
            BudgetError::InFlightOverBudget { .. } => "; lower one of them or raise --max-memory",
            BudgetError::BatchOverBudget { .. } => "; lower --batch-rows or raise --max-memory",
            BudgetError::TooManyRowGroups { .. } => "; raise --batch-rows",
            _ => "",
        },
        _ => "",
    };
    UsageError(format!("{message}{hint}"))
}

/// The library's words in the command line's: `key = value` becomes
/// `--flag value` and `` `key` `` becomes `--flag`.
pub fn keys_to_flags(text: &str) -> String {
    let mut message = text.to_string();
    for setting in Setting::ALL {
        message = replace_key(&message, setting);
        message = message.replace(&format!("`{}`", setting.key()), flag(setting));
    }
    message
}

/// `key = ` → `--flag `, where `key` is a whole word (`rows` is not the
/// end of `batch_rows`).
fn replace_key(message: &str, setting: Setting) -> String {
    let pattern = format!("{} = ", setting.key());
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(&pattern) {
        let whole_word = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        out.push_str(&rest[..at]);
        if whole_word {
            out.push_str(flag(setting));
            out.push(' ');
        } else {
            out.push_str(&pattern);
        }
        rest = &rest[at + pattern.len()..];
    }
    out.push_str(rest);
    out
}

/// Each flag of `command` whose help states `[default: X]`, as
/// `(key, X)`: the key in the library's words (`batch_rows`), X as the help
/// says it (a value, or prose such as "all cores"). Tests check each
/// against the library's default.
pub fn stated_defaults(command: &clap::Command) -> Vec<(String, String)> {
    command
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            let help = arg.get_help()?.to_string();
            let stated = help
                .split("[default: ")
                .nth(1)?
                .split([']', ';'])
                .next()?
                .to_string();
            Some((long.replace('-', "_"), stated))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cardgen::DatasetSpec;

    #[test]
    fn every_option_of_a_manifest_names_the_flag_that_sets_it() {
        let dataset = DatasetSpec::new(1_000).build().unwrap();
        let manifest = dataset
            .lake_manifest(
                &cardgen::LakeOptions::default(),
                &cardgen::WriteOptions::default(),
            )
            .unwrap();
        for key in manifest.options.keys().filter(|k| *k != "version") {
            let setting = cardgen::setting_of_manifest_key(key);
            assert_ne!(setting, Setting::Out, "{key}");
            assert!(flag(setting).starts_with("--"), "{key}");
        }
    }

    #[test]
    fn every_setting_has_a_flag() {
        for setting in Setting::ALL {
            assert!(flag(setting).starts_with("--"), "{setting}");
        }
    }

    #[test]
    fn keys_become_flags() {
        let err = DatasetSpec::new(10).with_days(2000).validate().unwrap_err();
        let UsageError(text) = usage_error(&err);
        assert!(text.starts_with("--days 2000 is longer"), "{text}");
        let err = cardgen_pipeline::budget::credits_for(2, 1_000_000, Some(1000), 1 << 30)
            .map_err(SpecError::from)
            .unwrap_err();
        let UsageError(text) = usage_error(&err);
        assert!(
            text.starts_with("--max-in-flight 1000 with --batch-rows 1000000"),
            "{text}"
        );
        assert!(text.contains("--max-memory"), "{text}");
        let err = SpecError::Invalid {
            setting: Setting::Out,
            value: "x.parquet".into(),
            reason: "already exists; pass `overwrite` to replace it".into(),
        };
        let UsageError(text) = usage_error(&err);
        assert_eq!(
            text,
            "--out x.parquet: already exists; pass --overwrite to replace it"
        );
    }
}
