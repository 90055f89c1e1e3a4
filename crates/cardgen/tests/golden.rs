//! The golden test: a small fixed dataset must keep its exact bytes.
//!
//! Any change to the draws — a `rand` or `rand_distr` upgrade, a refactor
//! that reorders random calls, a new default — changes the files and fails
//! here, loudly, with the table that changed. When a change is meant, refresh
//! the hashes on purpose and commit them with the change that explains why:
//!
//! ```sh
//! CARDGEN_BLESS=1 cargo test -p cardgen --test golden
//! ```

use std::fmt::Write as _;
use std::path::Path;

use cardgen::{DatasetSpec, GenerateOptions, NoProgress, PanMask, Table, default_start, generate};
use sha2::{Digest, Sha256};

const HASHES: &str = "tests/golden/sha256.txt";

fn sha256(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).expect("readable"));
    digest.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Every table of the fixed dataset, as `sha256  table` lines.
fn current_hashes(threads: usize) -> String {
    let dir = tempfile::tempdir().unwrap();
    let spec = DatasetSpec::new(60_000)
        .with_seed(20_251_126)
        .with_start(default_start())
        .with_days(120)
        .with_emit_pan(true)
        .with_pan_mask(PanMask::KrReceipt);
    // Through the one write path the command line and Python run.
    let options = GenerateOptions::default()
        .with_spec(spec)
        .with_out(dir.path().to_string_lossy())
        .with_batch_rows(16_384)
        .with_threads(Some(threads));
    generate(&options, &NoProgress).unwrap();
    Table::ALL
        .iter()
        .map(|t| format!("{}  {}\n", sha256(&dir.path().join(t.file_name())), t))
        .collect()
}

#[test]
fn the_fixed_dataset_keeps_its_bytes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(HASHES);
    let current = current_hashes(3);
    if std::env::var_os("CARDGEN_BLESS").is_some() {
        std::fs::write(&path, &current).unwrap();
        eprintln!("golden: wrote {HASHES}");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{HASHES}: {e}; create it with CARDGEN_BLESS=1 cargo test -p cardgen --test golden")
    });
    let changed: Vec<&str> = current
        .lines()
        .zip(committed.lines())
        .filter(|(now, then)| now != then)
        .map(|(now, _)| now.rsplit(' ').next().unwrap_or(now))
        .collect();
    assert!(
        changed.is_empty() && current.lines().count() == committed.lines().count(),
        "the bytes of {changed:?} changed.\nnow:\n{current}committed:\n{committed}\n\
         If the change is meant, refresh with CARDGEN_BLESS=1 cargo test -p cardgen --test golden \
         and say why in the commit."
    );
}

#[test]
fn the_fixed_dataset_does_not_depend_on_the_thread_count() {
    assert_eq!(current_hashes(1), current_hashes(2));
}
