//! The progress bar: rows done, rows per second and time left, on stderr.

use std::fmt::Write as _;

use indicatif::{ProgressDrawTarget, ProgressState, ProgressStyle};

/// A bar over every row a run writes, fed by the library's progress
/// reports (`cardgen::Progress`) from the writer threads.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl Default for ProgressBar {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBar {
    pub fn new() -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows  {rate}  ETA {eta}",
            )
            .expect("valid template")
            .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&format_rate(state.per_sec()));
            }),
        );
        Self { bar }
    }

    /// The rows the run will write.
    pub fn start(&self, total_rows: u64) {
        self.bar.set_length(total_rows);
        self.bar.reset_elapsed();
    }

    pub fn advance(&self, rows: u64) {
        self.bar.inc(rows);
    }

    /// A line above the bar.
    pub fn println(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A rate in rows per second with three significant digits and a decimal
/// suffix, for the progress bar: `950 rows/s`, `45.6k rows/s`,
/// `4.56M rows/s`, `1.20G rows/s`. (The summary line always writes
/// millions: `4.81M rows/s`.)
pub fn format_rate(rows_per_sec: f64) -> String {
    const UNITS: [(&str, f64); 4] = [("", 1.0), ("k", 1e3), ("M", 1e6), ("G", 1e9)];
    let rate = if rows_per_sec.is_finite() && rows_per_sec > 0.0 {
        rows_per_sec
    } else {
        0.0
    };
    let mut text = String::new();
    for (i, &(suffix, scale)) in UNITS.iter().enumerate() {
        let x = rate / scale;
        // 999.5 would print as 1000 of this unit: use the next one.
        if x >= 999.5 && i + 1 < UNITS.len() {
            continue;
        }
        let _ = match (suffix, x) {
            ("", _) => write!(text, "{x:.0}"),
            (_, x) if x < 9.995 => write!(text, "{x:.2}{suffix}"),
            (_, x) if x < 99.95 => write!(text, "{x:.1}{suffix}"),
            _ => write!(text, "{x:.0}{suffix}"),
        };
        break;
    }
    text.push_str(" rows/s");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_three_significant_digits_and_a_suffix() {
        for (rate, expected) in [
            (4_555_154.200_7, "4.56M rows/s"),
            (0.0, "0 rows/s"),
            (0.4, "0 rows/s"),
            (7.0, "7 rows/s"),
            (950.2, "950 rows/s"),
            (999.4, "999 rows/s"),
            (999.6, "1.00k rows/s"),
            (1_234.0, "1.23k rows/s"),
            (45_612.0, "45.6k rows/s"),
            (456_123.0, "456k rows/s"),
            (999_700.0, "1.00M rows/s"),
            (9_996_000.0, "10.0M rows/s"),
            (12_345_678.0, "12.3M rows/s"),
            (123_456_789.0, "123M rows/s"),
            (1_200_000_000.0, "1.20G rows/s"),
            (5e12, "5000G rows/s"),
            (f64::NAN, "0 rows/s"),
            (f64::INFINITY, "0 rows/s"),
            (-3.0, "0 rows/s"),
            (-0.0, "0 rows/s"),
        ] {
            assert_eq!(format_rate(rate), expected, "{rate}");
        }
    }
}
