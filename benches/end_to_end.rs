//! A small end-to-end run: 1M rows on all cores to a Parquet file.

use std::sync::Arc;

use cardgen_core::{BatchPlan, DateRange, TransactionGenerator, World, WorldWithFraud};
use cardgen_pipeline::{NoObserver, RunOptions, write_parquet};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: u64 = 1_000_000;

fn end_to_end(c: &mut Criterion) {
    let range = DateRange {
        start: "2025-01-01".parse().unwrap(),
        days: 365,
    };
    let world = World::with_default_profile(42, ROWS, range).unwrap();
    let generator =
        TransactionGenerator::new(Arc::new(WorldWithFraud::new(world).unwrap())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.parquet");
    let mut run = RunOptions::new(std::thread::available_parallelism().map_or(1, |n| n.get()));
    run.overwrite = true;
    let plan = BatchPlan::new(ROWS, 250_000).unwrap();
    let mut group = c.benchmark_group("end_to_end");
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(10);
    group.bench_function("transactions_1m_all_cores", |b| {
        b.iter(|| write_parquet(&generator, plan, &path, &run, &NoObserver).unwrap())
    });
    group.finish();
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
