//! How fast can the single writer thread go? Encodes row groups of the
//! `transactions` table first (on this thread, timed: the generation plus
//! encoding rate of one core), then times only appending them to one file
//! (what the writer thread does: copy, checksum, write) and the commit
//! (footer and fsync). The ratio of the two rates is the core count at
//! which one writer would cap a run.
//!
//! ```sh
//! cargo run --release -p cardgen-pipeline --example writer_ceiling -- OUT_DIR [ROW_GROUPS]
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use cardgen_core::{
    BatchPlan, DateRange, TableGenerator, TransactionGenerator, World, WorldWithFraud,
};
use cardgen_pipeline::Codec;
use cardgen_pipeline::encode::RowGroupEncoder;
use cardgen_pipeline::output::ParquetFileOutput;
use cardgen_pipeline::properties::writer_properties;
use cardgen_pipeline::storage::LocalStorage;

const BATCH_ROWS: u64 = 250_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: writer_ceiling OUT_DIR [ROW_GROUPS]");
        std::process::exit(2);
    };
    let groups: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(48);
    let range = DateRange {
        start: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date"),
        days: 365,
    };
    // The default population of a 100M-row dataset; rows from its start.
    let world = World::with_default_profile(42, 100_000_000, range)?;
    let generator = TransactionGenerator::new(Arc::new(WorldWithFraud::new(world)?))?;
    let plan = BatchPlan::new(groups * BATCH_ROWS, BATCH_ROWS)?;
    let path = dir.join("writer-ceiling.parquet");
    println!(
        "# {groups} row groups of {BATCH_ROWS} rows, Snappy, one file in {}",
        dir.display()
    );
    for rep in 1..=3 {
        let properties = writer_properties(&generator, Codec::default(), &[]);
        let encoder = RowGroupEncoder::discarding(generator.schema(), properties.clone())?;
        let upload = Box::new(LocalStorage::create_file(&path)?);
        let location = path.display().to_string();
        let mut output =
            ParquetFileOutput::start(upload, location, generator.schema(), properties)?;
        let started = Instant::now();
        let encoded = plan
            .batches()
            .map(|batch| {
                let records = generator.generate(&batch)?;
                Ok(encoder.encode(batch.index, &records)?)
            })
            .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
        let produce = started.elapsed().as_secs_f64();
        let bytes: u64 = encoded.iter().map(|g| g.bytes).sum();
        let started = Instant::now();
        for group in encoded {
            output.append(group)?;
        }
        let append = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let size = output.commit()?.bytes;
        let commit = started.elapsed().as_secs_f64();
        let mb = bytes as f64 / 1e6;
        let rows = plan.total_rows() as f64;
        let (core_mb_s, writer_mb_s) = (mb / produce, mb / append);
        println!(
            "rep {rep}: generate+encode on 1 core {:.2}M rows/s = {core_mb_s:.1} MB/s; \
             append {mb:.1} MB in {append:.3} s = {writer_mb_s:.0} MB/s; \
             commit (footer + fsync) {commit:.3} s; file {:.1} MB; \
             one writer caps the run at {:.0} cores",
            rows / produce / 1e6,
            size as f64 / 1e6,
            writer_mb_s / core_mb_s
        );
    }
    std::fs::remove_file(&path)?;
    Ok(())
}
