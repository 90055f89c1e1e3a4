//! Writes a small dataset (nine tables) to a directory and prints what it wrote.
//!
//! ```sh
//! cargo run --release -p cardgen --example quickstart -- OUT_DIR
//! ```

use std::path::PathBuf;

use cardgen::{DatasetSpec, GenerateOptions, NoProgress, ReadOptions, Table, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: quickstart OUT_DIR");
        std::process::exit(2);
    };

    // 100,000 transactions over the first quarter of 2025; the population is
    // derived from the rows and the scenario (the built-in Korean one).
    let spec = DatasetSpec::new(100_000).with_seed(42).with_days(90);
    let dataset = spec.build()?;
    let sizes = dataset.sizes();
    println!(
        "dataset: seed {}, {} transactions from {} over {} days; {} customers, {} cards, {} merchants",
        spec.seed(),
        spec.rows(),
        spec.start(),
        spec.days(),
        sizes.customers,
        sizes.cards,
        sizes.merchants
    );

    // Every table to OUT_DIR/<table>.parquet (existing files are refused),
    // through the write path the command line and Python use.
    let options = GenerateOptions::default()
        .with_spec(spec.clone())
        .with_out(out.to_string_lossy());
    for file in generate(&options, &NoProgress)?.files {
        println!(
            "wrote {:>9} rows, {:>10} bytes: {}",
            file.rows, file.bytes, file.location
        );
    }

    // The same rows as Arrow batches, without files: the first purchases.
    let options = ReadOptions {
        batch_rows: 5,
        ..ReadOptions::default()
    };
    let first = dataset
        .batches(Table::Transactions, 0..5, &options)?
        .next()
        .expect("one batch")?;
    println!(
        "first {} transactions, {} columns: {}",
        first.num_rows(),
        first.num_columns(),
        first
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
