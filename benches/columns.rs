//! Where Parquet encoding time goes, column by column: each column of a
//! table's batches encoded alone, as cardgen writes it (Snappy, its
//! encodings and statistics), then without compression, then also without
//! statistics. The differences split a column's time into compression,
//! statistics and the encoding itself (dictionary interning or plain values,
//! RLE/bit-packing, page assembly); `scripts/bench/profile_encode.sh` adds a
//! `perf` profile of the whole-batch encode that splits the last part.
//!
//! Run: `cargo bench -p cardgen-benches --bench columns [-- transactions|reference]`.
//! One thread, the minimum of `REPS` runs; prints a markdown table per table.

use std::sync::Arc;
use std::time::Instant;

use arrow_array::RecordBatch;
use cardgen_core::reference::ReferenceGenerator;
use cardgen_core::{
    BatchSpec, DateRange, TableGenerator, TransactionGenerator, World, WorldWithFraud,
};
use cardgen_pipeline::Codec;
use cardgen_pipeline::encode::RowGroupEncoder;
use cardgen_pipeline::properties::writer_properties;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

/// The batch size `cardgen generate` uses by default.
const BATCH_ROWS: u64 = 250_000;
const BATCHES: u64 = 4;
const REPS: usize = 3;

/// Makes the generator of one table.
type MakeTable = fn() -> Box<dyn TableGenerator>;

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tables: [(&str, MakeTable); 2] = [
        ("transactions", transactions),
        ("reference", || {
            Box::new(ReferenceGenerator::new(42, BATCH_ROWS * BATCHES))
        }),
    ];
    for (name, make) in tables {
        if wanted.is_empty() || wanted.iter().any(|w| w == name) {
            profile(name, make().as_ref());
        }
    }
}

fn transactions() -> Box<dyn TableGenerator> {
    let range = DateRange {
        start: "2025-01-01".parse().unwrap(),
        days: 365,
    };
    let world = World::with_default_profile(42, 10_000_000, range).unwrap();
    Box::new(TransactionGenerator::new(Arc::new(WorldWithFraud::new(world).unwrap())).unwrap())
}

/// The fastest of `REPS` runs of `f`, in seconds.
fn best(mut f: impl FnMut()) -> f64 {
    (0..REPS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Encodes every batch; returns the compressed bytes.
fn encode_all(encoder: &RowGroupEncoder, batches: &[RecordBatch]) -> u64 {
    let mut bytes = 0;
    for (i, batch) in batches.iter().enumerate() {
        bytes += std::hint::black_box(encoder.encode(i as u64, batch).unwrap()).bytes;
    }
    bytes
}

fn profile(name: &str, generator: &dyn TableGenerator) {
    let specs = (0..BATCHES).map(|index| BatchSpec {
        index,
        first_row: index * BATCH_ROWS,
        rows: BATCH_ROWS,
    });
    let start = Instant::now();
    let batches: Vec<RecordBatch> = specs.map(|s| generator.generate(&s).unwrap()).collect();
    let generate = start.elapsed().as_secs_f64();
    let rows = (BATCH_ROWS * BATCHES) as f64;
    let schema = generator.schema();
    let as_written = writer_properties(generator, Codec::Snappy, &[]);
    let uncompressed = writer_properties(generator, Codec::None, &[]);
    let no_statistics = strip_statistics(&uncompressed, &schema);
    let whole = RowGroupEncoder::discarding(schema.clone(), as_written.clone()).unwrap();
    let whole_seconds = best(|| {
        encode_all(&whole, &batches);
    });
    let per_m = |seconds: f64| seconds / rows * 1e9; // ms per 1M rows
    println!("\n## {name}: {rows} rows in {BATCHES} batches, 1 thread, best of {REPS}\n");
    println!(
        "generate {:.1} ms per 1M rows (one pass); whole-batch encode {:.1} ms per 1M rows\n",
        per_m(generate),
        per_m(whole_seconds)
    );
    println!(
        "| column | type | as written (ms/1M rows) | share | compression | statistics | encoding | dictionary | bytes/row |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut lines = Vec::new();
    let mut total = 0.0;
    for (i, field) in schema.fields().iter().enumerate() {
        let projected: Vec<RecordBatch> =
            batches.iter().map(|b| b.project(&[i]).unwrap()).collect();
        let one = projected[0].schema();
        let time = |properties: &WriterProperties| {
            let encoder = RowGroupEncoder::discarding(one.clone(), properties.clone()).unwrap();
            best(|| {
                encode_all(&encoder, &projected);
            })
        };
        let whole_encoder = RowGroupEncoder::discarding(one.clone(), as_written.clone()).unwrap();
        let bytes_per_row = encode_all(&whole_encoder, &projected) as f64 / rows;
        let (written, plain, bare) = (time(&as_written), time(&uncompressed), time(&no_statistics));
        total += written;
        let path = parquet::schema::types::ColumnPath::from(field.name().as_str());
        let dictionary = as_written.dictionary_enabled(&path);
        lines.push((
            field,
            written,
            written - plain,
            plain - bare,
            bare,
            dictionary,
            bytes_per_row,
        ));
    }
    for (field, written, compression, statistics, bare, dictionary, bytes_per_row) in lines {
        println!(
            "| {} | {} | {:.1} | {:.0}% | {:.1} | {:.1} | {:.1} | {} | {:.2} |",
            field.name(),
            field.data_type(),
            per_m(written),
            written / total * 100.0,
            per_m(compression),
            per_m(statistics),
            per_m(bare),
            if dictionary { "yes" } else { "no" },
            bytes_per_row,
        );
    }
    println!(
        "\nsum of the columns alone {:.1} ms per 1M rows (the whole batch: {:.1})",
        per_m(total),
        per_m(whole_seconds)
    );
}

/// `properties` with no statistics for any column of `schema`.
fn strip_statistics(
    properties: &WriterProperties,
    schema: &arrow_schema::Schema,
) -> WriterProperties {
    let mut builder = properties.clone().into_builder();
    builder = builder.set_statistics_enabled(EnabledStatistics::None);
    for field in schema.fields() {
        builder = builder.set_column_statistics_enabled(
            parquet::schema::types::ColumnPath::from(field.name().as_str()),
            EnabledStatistics::None,
        );
    }
    builder.build()
}
