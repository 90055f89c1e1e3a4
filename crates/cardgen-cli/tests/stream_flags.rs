#![cfg(feature = "stream")]
//! `cardgen stream`'s flags are the library's stream keys: every default
//! the help states is the library's, and every flag given reaches it.

use cardgen::stream::StreamOptions;
use cardgen_cli::args::{Cli, Command};
use cardgen_cli::flags::stated_defaults;
use clap::{CommandFactory, Parser};

/// The `stream` subcommand's value flags, as `--long` names.
fn stream_flags() -> Vec<String> {
    let cli = Cli::command();
    let command = cli.find_subcommand("stream").expect("stream").clone();
    command
        .get_arguments()
        .filter(|a| !a.is_global_set())
        .filter_map(|a| a.get_long())
        .filter(|long| !["help", "print-schema"].contains(long))
        .map(str::to_string)
        .collect()
}

/// Each `[default: X]` that `stream --help` states is the library's:
/// setting X changes nothing.
#[test]
fn the_defaults_the_help_states_are_the_librarys() {
    let cli = Cli::command();
    let command = cli.find_subcommand("stream").expect("stream");
    let default = StreamOptions::default();
    let mut checked = 0;
    for (key, stated) in stated_defaults(command) {
        let long = key.replace('_', "-");
        let mut options = StreamOptions::default();
        if options.set(&key, &stated).is_err() {
            continue; // "all cores", "replay, …": prose, not a value
        }
        if key == "batch_rows" {
            // Given or not, the same rows at once.
            assert_eq!(options.stream_batch_rows(), default.stream_batch_rows());
        } else {
            assert!(
                format!("{options:?}") == format!("{default:?}"),
                "--{long} [default: {stated}] is not the library's default"
            );
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} defaults checked");
}

/// A flag that `StreamArgs::pairs` left out would be parsed and then ignored.
#[test]
fn every_stream_flag_reaches_the_library() {
    let flags = stream_flags();
    let mut keys: Vec<String> = flags.iter().map(|f| f.replace('-', "_")).collect();
    keys.sort();
    let mut accepted: Vec<String> = StreamOptions::KEYS
        .iter()
        .map(ToString::to_string)
        .collect();
    accepted.sort();
    assert_eq!(keys, accepted, "the flags are the library's keys");

    let mut line = vec!["cardgen".to_string(), "stream".to_string()];
    for flag in &flags {
        line.push(format!("--{flag}"));
        line.push("x".to_string());
    }
    let cli = Cli::try_parse_from(&line).expect("every flag parses");
    let Command::Stream(args) = cli.command else {
        panic!("not the stream subcommand");
    };
    let mut passed: Vec<String> = args
        .pairs()
        .into_iter()
        .map(|(k, _)| k.to_string())
        .collect();
    passed.sort();
    assert_eq!(passed, keys, "every flag is passed on");
}
