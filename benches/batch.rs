//! One batch: generating it, and encoding it with each codec.

use std::hint::black_box;
use std::sync::Arc;

use cardgen_core::{
    BatchSpec, DateRange, TableGenerator, TransactionGenerator, World, WorldWithFraud,
};
use cardgen_pipeline::Codec;
use cardgen_pipeline::encode::RowGroupEncoder;
use cardgen_pipeline::properties::writer_properties;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: u64 = 100_000;

fn generator() -> TransactionGenerator {
    let range = DateRange {
        start: "2025-01-01".parse().unwrap(),
        days: 365,
    };
    let world = World::with_default_profile(42, 10_000_000, range).unwrap();
    TransactionGenerator::new(Arc::new(WorldWithFraud::new(world).unwrap())).unwrap()
}

fn batch() -> BatchSpec {
    BatchSpec {
        index: 7,
        first_row: 7 * ROWS,
        rows: ROWS,
    }
}

fn generate_batch(c: &mut Criterion) {
    let generator = generator();
    let mut group = c.benchmark_group("generate");
    group.throughput(Throughput::Elements(ROWS));
    group.bench_function("transactions_100k", |b| {
        b.iter(|| black_box(generator.generate(&batch()).unwrap()))
    });
    group.finish();
}

fn encode_batch(c: &mut Criterion) {
    let generator = generator();
    let records = generator.generate(&batch()).unwrap();
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Elements(ROWS));
    for codec in [Codec::None, Codec::Snappy, Codec::Zstd(1), Codec::Lz4] {
        let properties = writer_properties(&generator, codec, &[]);
        let encoder = RowGroupEncoder::discarding(generator.schema(), properties).unwrap();
        group.bench_function(format!("transactions_100k_{codec}"), |b| {
            b.iter(|| black_box(encoder.encode(7, &records).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, generate_batch, encode_batch);
criterion_main!(benches);
