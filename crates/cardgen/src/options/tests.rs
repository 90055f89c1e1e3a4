use super::*;
use crate::Error;

fn options(pairs: &[(&str, &str)]) -> Result<GenerateOptions, Error> {
    GenerateOptions::from_pairs(pairs.iter().copied())
}

/// The setting a bad set of options is refused for, by `set` or `validate`.
fn refused(pairs: &[(&str, &str)]) -> (Setting, String) {
    let err = match options(pairs) {
        Ok(options) => Error::from(options.validate().expect_err("refused")),
        Err(err) => err,
    };
    let Error::Spec(spec) = err else {
        panic!("{pairs:?} gave {err}")
    };
    (spec.setting(), spec.to_string())
}

#[test]
fn every_key_is_a_setting_and_is_accepted() {
    for key in GenerateOptions::KEYS {
        let setting = Setting::from_key(key).expect(key);
        assert!(settable(setting), "{key}");
    }
}

#[test]
fn values_are_read_as_people_write_them_with_the_defaults_elsewhere() {
    let options = options(&[
        ("rows", "2.5k"),
        ("batch_rows", "1k"),
        ("emit_pan", "true"),
        ("overwrite", "false"),
        ("start", "2024-03-01"),
        ("max_memory", "512MiB"),
        ("pan_mask", "pci"),
        ("compression", "zstd:3"),
    ])
    .unwrap();
    options.validate().unwrap();
    assert_eq!(
        (options.spec().rows(), options.batch_rows()),
        (2_500, 1_000)
    );
    assert!(options.spec().emit_pan() && !options.overwrite());
    assert_eq!(options.spec().start().to_string(), "2024-03-01");
    assert_eq!(options.max_memory(), 512 << 20);
    assert_eq!(options.spec().pan_mask(), PanMask::Pci);
    assert_eq!(options.compression(), Codec::Zstd(3));
    assert_eq!(options.spec().seed(), crate::DEFAULT_SEED);
    assert_eq!(options.spec().days(), crate::DEFAULT_DAYS);
    assert_eq!(options.out(), DEFAULT_OUT);
    assert!(options.lake().is_none());
}

#[test]
fn each_bad_value_names_its_key_and_says_what_is_accepted() {
    for (pairs, setting, needle) in [
        (
            &[("rows", "lots")][..],
            Setting::Rows,
            "rows = lots: `lots` is not",
        ),
        (&[("rows", "-5")], Setting::Rows, "negative"),
        (&[("days", "0")], Setting::Days, "days = 0 is out of range"),
        (
            &[("days", "2000")],
            Setting::Days,
            "longer than cards stay valid",
        ),
        (&[("threads", "0")], Setting::Threads, "accepted: 1 to 1024"),
        (&[("threads", "5000")], Setting::Threads, "1 to 1024"),
        (
            &[("batch_rows", "100M")],
            Setting::BatchRows,
            "1 to 4000000",
        ),
        (&[("pan_mask", "stars")], Setting::PanMask, "kr-receipt"),
        (&[("emit_pan", "yes")], Setting::EmitPan, "true or false"),
        (
            &[("compression", "zstd:99")],
            Setting::Compression,
            "1 to 22",
        ),
        (&[("start", "2025-02-30")], Setting::Start, "YYYY-MM-DD"),
        (
            &[("max_memory", "3B")],
            Setting::MaxMemory,
            "3 bytes is out of range",
        ),
        (
            &[("max_memory", "1,5G")],
            Setting::MaxMemory,
            "KiB/MiB/GiB/TiB",
        ),
        (
            &[("partition_by", "week")],
            Setting::PartitionBy,
            "day, month, none",
        ),
        (&[("seed", "-1")], Setting::Seed, "whole number"),
        (
            &[("max_in_flight", "1000"), ("batch_rows", "1M")],
            Setting::MaxInFlight,
            "max_memory",
        ),
    ] {
        let (got, message) = refused(pairs);
        assert_eq!(got, setting, "{pairs:?}: {message}");
        assert!(message.contains(needle), "{pairs:?}: {message}");
        assert!(!message.contains("--"), "{pairs:?}: {message}");
    }
}

#[test]
fn an_unknown_key_is_refused_with_the_accepted_ones() {
    let err = options(&[("row", "10")]).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOption { key, accepted } if key == "row" && accepted.contains("rows")),
        "{err}"
    );
    assert!(options(&[("row_range", "1")]).is_err(), "not a run's");
}

#[test]
fn parts_rules_live_here() {
    let (setting, message) = refused(&[("part", "3"), ("out", "lake/")]);
    assert_eq!(setting, Setting::Part);
    assert!(message.contains("needs `parts`"), "{message}");
    let (setting, message) = refused(&[("parts", "4"), ("part", "4"), ("out", "lake/")]);
    assert_eq!(setting, Setting::Part);
    assert!(message.contains("0 to 3"), "{message}");
    let (setting, message) = refused(&[("partition_by", "day")]);
    assert_eq!(setting, Setting::PartitionBy);
    assert!(message.contains("names a .parquet file"), "{message}");
    let (setting, _) = refused(&[("target_file_size", "1k"), ("out", "lake/")]);
    assert_eq!(setting, Setting::TargetFileSize);
    let lake = options(&[("parts", "8"), ("part", "5"), ("out", "s3://b/x/")])
        .unwrap()
        .lake()
        .unwrap();
    assert_eq!((lake.parts, lake.part), (8, Some(5)));
}

#[test]
fn out_names_a_file_by_its_extension_locally_and_on_object_storage() {
    assert!(names_a_file("data/t.parquet"));
    assert!(names_a_file("s3://bucket/x/T.PARQUET"));
    assert!(!names_a_file("data/"));
    assert!(!names_a_file("s3://bucket/prefix"));
}

#[test]
fn the_memory_budget_caps_the_batches_in_flight() {
    // 16 threads would keep 32 batches of 4M rows (256 MB each) in flight;
    // 1 GB holds 3 of them.
    let options = options(&[
        ("threads", "16"),
        ("batch_rows", "4M"),
        ("max_memory", "1G"),
    ])
    .unwrap();
    assert_eq!(options.credits().unwrap(), 3);
    let plenty = options.clone().with_max_memory(1 << 40);
    assert_eq!(plenty.credits().unwrap(), 32);
}
