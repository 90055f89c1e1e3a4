//! `cardgen generate` for programs that embed it, such as the Python
//! package: options come as `(key, value)` pairs named like the flags in
//! snake case (`batch_rows` for `--batch-rows`) and go through the flags'
//! own parsers and defaults, so the program writes exactly the files the
//! command line writes for the same options. Errors name the key, never a
//! flag, in the library's words where the library has them.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::error::{ContextKind, ContextValue};
use clap::{CommandFactory, Parser};

use cardgen::SpecError;

use crate::args::{Cli, Command, GenerateArgs};
use crate::generate::{dataset_spec, execute};
use crate::signals::Signals;
use crate::summary::Written;
use crate::{Interrupted, UsageError};

/// Options that are switches: `true` turns one on, `false` leaves it off.
const SWITCHES: [&str; 2] = ["emit_pan", "overwrite"];
/// Flags of `generate` that make no sense without a terminal.
const NOT_EMBEDDED: [&str; 1] = ["no_progress"];

/// Why options or a run were refused, or a run did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedError {
    /// `key` is not an option of `generate`.
    Unknown { key: String, accepted: Vec<String> },
    /// Bad input: the message starts with the option to fix (`days = 0 …`).
    Invalid {
        key: Option<String>,
        message: String,
    },
    /// The stop flag was set; partial files have been removed.
    Interrupted { cleaned: String },
    /// The run failed: one line naming the file and the cause.
    Failed(String),
}

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmbedError::Unknown { key, accepted } => write!(
                f,
                "unknown option `{key}`; accepted: {}",
                accepted.join(", ")
            ),
            EmbedError::Invalid { message, .. } | EmbedError::Failed(message) => {
                f.write_str(message)
            }
            EmbedError::Interrupted { cleaned } => write!(f, "interrupted; {cleaned}"),
        }
    }
}

impl std::error::Error for EmbedError {}

/// The keys `generate` accepts: its flags in snake case, in the order
/// `cardgen generate --help` lists them.
pub fn generate_keys() -> Vec<String> {
    let cli = Cli::command();
    let generate = cli
        .find_subcommand("generate")
        .expect("the generate subcommand");
    generate
        .get_arguments()
        .filter(|arg| !arg.is_hide_set() && !arg.is_global_set())
        .filter_map(|arg| arg.get_long())
        .map(key_of_flag)
        .filter(|key| !NOT_EMBEDDED.contains(&key.as_str()))
        .collect()
}

/// `batch-rows` (or `--batch-rows`) → `batch_rows`.
fn key_of_flag(flag: &str) -> String {
    flag.trim_start_matches('-').replace('-', "_")
}

/// Parses `(key, value)` options as `cardgen generate` parses its flags;
/// an option not given takes the flag's default.
pub fn generate_args(options: &[(String, String)]) -> Result<GenerateArgs, EmbedError> {
    let accepted = generate_keys();
    let mut argv = vec!["cardgen".to_string(), "generate".to_string()];
    for (key, value) in options {
        if !accepted.contains(key) {
            return Err(EmbedError::Unknown {
                key: key.clone(),
                accepted,
            });
        }
        let flag = format!("--{}", key.replace('_', "-"));
        if SWITCHES.contains(&key.as_str()) {
            match value.trim().to_ascii_lowercase().as_str() {
                "true" => argv.push(flag),
                "false" => {}
                _ => {
                    return Err(EmbedError::Invalid {
                        key: Some(key.clone()),
                        message: format!("{key} = {value}: expected true or false"),
                    });
                }
            }
        } else {
            // `--flag=value`: a value starting with `-` stays a value.
            argv.push(format!("{flag}={value}"));
        }
    }
    match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Generate(args),
            ..
        }) => Ok(args),
        Ok(_) => unreachable!("the argv names the generate subcommand"),
        Err(err) => Err(clap_error(&err)),
    }
}

/// A clap error as `key = value: what is wrong`.
fn clap_error(err: &clap::Error) -> EmbedError {
    let text = |kind| match err.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    // `--rows <ROWS>` → `rows`.
    let key = text(ContextKind::InvalidArg)
        .and_then(|arg| arg.split_whitespace().next().map(key_of_flag));
    let value = text(ContextKind::InvalidValue).unwrap_or_default();
    let accepted = match err.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(values)) => Some(values.join(", ")),
        _ => None,
    };
    let reason = std::error::Error::source(err).map(|e| e.to_string());
    let message = match (&key, reason, accepted) {
        (Some(key), Some(reason), _) => format!("{key} = {value}: {reason}"),
        (Some(key), None, Some(accepted)) => {
            format!("{key} = {value} is not accepted; accepted: {accepted}")
        }
        _ => {
            let rendered = err.render().to_string();
            let first = rendered.lines().find(|l| !l.trim().is_empty());
            in_keys(
                first
                    .unwrap_or("invalid options")
                    .trim_start_matches("error: "),
            )
        }
    };
    EmbedError::Invalid { key, message }
}

/// A library error as bad input: the message names its setting's key first.
pub fn spec_error(err: &SpecError) -> EmbedError {
    let key = err.setting().key();
    let text = err.to_string();
    let message = if text.starts_with(key) {
        text
    } else {
        format!("{key}: {text}")
    };
    EmbedError::Invalid {
        key: Some(key.to_string()),
        message,
    }
}

/// A command-line message in keys: every `--flag-name` becomes `flag_name`.
pub fn in_keys(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("--") {
        let starts_word = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "('`\"".contains(c));
        let name_len = rest[at + 2..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len() - at - 2);
        out.push_str(&rest[..at]);
        if starts_word && name_len > 0 {
            out.push_str(&rest[at + 2..at + 2 + name_len].replace('-', "_"));
        } else {
            out.push_str(&rest[at..at + 2 + name_len]);
        }
        rest = &rest[at + 2 + name_len..];
    }
    out.push_str(rest);
    out
}

/// The first key an error message names, if it starts with one.
fn leading_key(message: &str, keys: &[String]) -> Option<String> {
    let word: String = message
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
        .collect();
    keys.contains(&word).then_some(word)
}

/// Runs `generate` with `args` until it is done or `stop` is set, printing
/// nothing. The dataset's settings are checked by the library first, so
/// their errors carry its words (`days = 0 is out of range …`).
pub fn generate(args: &GenerateArgs, stop: Arc<AtomicBool>) -> Result<Written, EmbedError> {
    let spec = dataset_spec(args).map_err(|e| spec_error(&e))?;
    spec.validate().map_err(|e| spec_error(&e))?;
    let signals = Signals::detached(stop);
    execute(args, &signals, false, true).map_err(|err| {
        if let Some(interrupted) = err.downcast_ref::<Interrupted>() {
            return EmbedError::Interrupted {
                cleaned: interrupted.cleaned.clone(),
            };
        }
        let message = in_keys(&crate::one_line(&err));
        if err.downcast_ref::<UsageError>().is_some() {
            let key = leading_key(&message, &generate_keys());
            EmbedError::Invalid { key, message }
        } else {
            EmbedError::Failed(message)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(options: &[(&str, &str)]) -> Vec<(String, String)> {
        options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn invalid(options: &[(&str, &str)]) -> (Option<String>, String) {
        match generate_args(&pairs(options)) {
            Err(EmbedError::Invalid { key, message }) => (key, message),
            other => panic!("{options:?} gave {other:?}"),
        }
    }

    #[test]
    fn keys_are_the_visible_flags_in_snake_case() {
        let keys = generate_keys();
        for key in [
            "rows",
            "out",
            "seed",
            "batch_rows",
            "partition_by",
            "max_memory",
        ] {
            assert!(keys.contains(&key.to_string()), "{key} in {keys:?}");
        }
        for not_a_key in ["table", "quiet", "no_progress", "help"] {
            assert!(!keys.contains(&not_a_key.to_string()), "{not_a_key}");
        }
    }

    #[test]
    fn options_parse_like_the_flags_with_their_defaults() {
        let args = generate_args(&pairs(&[
            ("rows", "2.5k"),
            ("batch_rows", "1k"),
            ("emit_pan", "true"),
            ("overwrite", "false"),
            ("start", "2024-03-01"),
        ]))
        .unwrap();
        assert_eq!((args.rows, args.batch_rows), (2_500, 1_000));
        assert!(args.emit_pan && !args.overwrite);
        assert_eq!(args.start.to_string(), "2024-03-01");
        assert_eq!(args.seed, cardgen::DEFAULT_SEED);
        assert_eq!(args.days, 365);
    }

    #[test]
    fn bad_values_name_the_key_and_say_what_is_accepted() {
        let (key, message) = invalid(&[("rows", "lots")]);
        assert_eq!(key.as_deref(), Some("rows"));
        assert!(
            message.starts_with("rows = lots: `lots` is not"),
            "{message}"
        );
        let (key, message) = invalid(&[("pan_mask", "stars")]);
        assert_eq!(key.as_deref(), Some("pan_mask"));
        assert!(message.contains("kr-receipt"), "{message}");
        let (key, message) = invalid(&[("emit_pan", "yes")]);
        assert_eq!(key.as_deref(), Some("emit_pan"));
        assert!(message.contains("true or false"), "{message}");
        assert!(!message.contains("--"), "{message}");
    }

    #[test]
    fn unknown_keys_are_refused_with_the_accepted_ones() {
        let err = generate_args(&pairs(&[("row", "10")])).unwrap_err();
        let EmbedError::Unknown { key, accepted } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(key, "row");
        assert!(accepted.contains(&"rows".to_string()));
        assert!(err.to_string().starts_with("unknown option `row`"));
    }

    #[test]
    fn flags_in_messages_become_keys() {
        assert_eq!(
            in_keys("--out: x already exists; pass --overwrite to replace it"),
            "out: x already exists; pass overwrite to replace it"
        );
        assert_eq!(
            in_keys("lower --batch-rows or raise --max-memory (a--b stays)"),
            "lower batch_rows or raise max_memory (a--b stays)"
        );
        assert_eq!(in_keys("s3://b/--x/ and --"), "s3://b/--x/ and --");
    }
}
