//! The command line writes the golden bytes: the fixed dataset whose
//! hashes crates/cardgen/tests/golden pins, through the same write path.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::generate;
use sha2::{Digest, Sha256};

fn sha256(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).expect("readable"));
    digest.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[test]
fn generate_writes_the_golden_bytes() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cardgen/tests/golden/sha256.txt");
    let committed = std::fs::read_to_string(&golden).expect("the golden hashes");
    let dir = tempfile::tempdir().unwrap();
    let out = generate(
        dir.path(),
        "golden",
        &[
            "--rows",
            "60000",
            "--seed",
            "20251126",
            "--days",
            "120",
            "--emit-pan",
            "--pan-mask",
            "kr-receipt",
            "--batch-rows",
            "16384",
            "--threads",
            "3",
        ],
    );
    for line in committed.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, table) = line.split_once("  ").expect("`hash  table` lines");
        let file = out.join(format!("{table}.parquet"));
        assert_eq!(sha256(&file), hash, "{table}");
    }
}
