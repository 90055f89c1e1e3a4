//! The progress bar: rows done, rows per second and time left, on stderr.

use cardgen_pipeline::{BatchReport, Observer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct ProgressBarObserver {
    bar: ProgressBar,
}

impl ProgressBarObserver {
    pub fn new(total_rows: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total_rows), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows  {per_sec}  ETA {eta}",
            )
            .expect("valid template"),
        );
        Self { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for ProgressBarObserver {
    fn batch_written(&self, report: &BatchReport) {
        self.bar.inc(report.rows);
    }
}
