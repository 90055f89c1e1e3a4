//! The same seed and options give the same bytes, whatever the thread count.

mod common;

use common::generate;

const SMALL_RUN: [&str; 6] = ["--rows", "300001", "--batch-rows", "40000", "--days", "30"];

#[test]
fn one_two_and_four_threads_write_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<Vec<u8>> = ["1", "2", "4"]
        .iter()
        .map(|threads| {
            let mut args = SMALL_RUN.to_vec();
            args.extend(["--threads", threads, "--seed", "7"]);
            let path = generate(dir.path(), &format!("t{threads}.parquet"), &args);
            std::fs::read(path).unwrap()
        })
        .collect();
    assert!(files[0].len() > 1_000_000, "suspiciously small file");
    assert!(files[0] == files[1], "1 and 2 threads differ");
    assert!(files[0] == files[2], "1 and 4 threads differ");
}

#[test]
fn the_batches_in_flight_do_not_change_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut tight = SMALL_RUN.to_vec();
    tight.extend(["--threads", "3", "--max-in-flight", "1"]);
    let mut loose = SMALL_RUN.to_vec();
    loose.extend(["--threads", "3", "--max-in-flight", "16"]);
    let a = std::fs::read(generate(dir.path(), "tight.parquet", &tight)).unwrap();
    let b = std::fs::read(generate(dir.path(), "loose.parquet", &loose)).unwrap();
    assert!(a == b);
}

#[test]
fn a_different_seed_gives_a_different_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed_1 = SMALL_RUN.to_vec();
    seed_1.extend(["--seed", "1"]);
    let mut seed_2 = SMALL_RUN.to_vec();
    seed_2.extend(["--seed", "2"]);
    let a = std::fs::read(generate(dir.path(), "s1.parquet", &seed_1)).unwrap();
    let b = std::fs::read(generate(dir.path(), "s2.parquet", &seed_2)).unwrap();
    assert!(a != b);
}
