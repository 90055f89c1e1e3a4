//! The closing summary line and the process's peak memory.

use std::time::Duration;

use thousands::Separable;

/// Peak resident set size of this process in bytes (Linux `VmHWM`), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// e.g. `10,000,000 rows → data/x.parquet: 312.4 MB in 2.91 s (3.44M rows/s, 107.3 MB/s), peak RSS 180 MB`
pub fn summary_line(
    path: &str,
    rows: u64,
    bytes: u64,
    elapsed: Duration,
    peak_rss: Option<u64>,
) -> String {
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let rss = peak_rss.map_or_else(
        || "unknown".to_string(),
        |b| format!("{:.0} MB", b as f64 / 1e6),
    );
    format!(
        "{} rows → {path}: {:.1} MB in {seconds:.2} s ({:.2}M rows/s, {:.1} MB/s), peak RSS {rss}",
        thousands(rows),
        bytes as f64 / 1e6,
        rows as f64 / seconds / 1e6,
        bytes as f64 / seconds / 1e6,
    )
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    n.separate_with_commas()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_readable_line() {
        let line = summary_line(
            "x.parquet",
            10_000_000,
            312_400_000,
            Duration::from_secs(2),
            Some(180_000_000),
        );
        assert_eq!(
            line,
            "10,000,000 rows → x.parquet: 312.4 MB in 2.00 s (5.00M rows/s, 156.2 MB/s), peak RSS 180 MB"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
    }

    #[test]
    fn peak_rss_is_readable_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().unwrap() > 0);
        }
    }
}
