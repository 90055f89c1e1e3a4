//! When cases start and of which kind: the fraud rate and the mix, with
//! their drift, turned into a number of cases spread over the range.
//!
//! Time is measured as the timeline's row quantile, so that a case density
//! proportional to the rate makes fraud rows a fixed share of the rows
//! around them, busy hours and quiet ones alike. Base case `k` starts at
//! the point where the cumulative case count reaches `k + u` (`u` a uniform
//! of the case): cases are spread evenly, every month of a long range has
//! some, and case ids rise with their start.

use crate::profile::{FraudModel, FraudType};
use crate::timeline::Timeline;

/// One stretch of the range with a constant rate and mix.
#[derive(Debug, Clone)]
struct Segment {
    /// Row quantiles where the stretch starts and ends.
    start: f64,
    end: f64,
    /// Cases started before the stretch.
    cases_before: f64,
    /// Cases per unit of quantile.
    density: f64,
    /// Per kind (in [`FraudType::ALL`] order): the probability that a case
    /// started here is of that kind.
    kind_probability: [f64; 7],
}

/// The start and kind of every base case (children of card-testing cases
/// come on top, see [`super::FraudPlan`]).
#[derive(Debug, Clone)]
pub struct CaseSchedule {
    segments: Vec<Segment>,
    cases: u64,
}

impl CaseSchedule {
    /// The schedule of `rows` transactions over `timeline`.
    pub fn new(fraud: &FraudModel, timeline: &Timeline, rows: u64) -> Self {
        let days = f64::from(timeline.range().days);
        let mut bounds = vec![(0.0, 1.0, Default::default())];
        for drift in &fraud.drift {
            let at = timeline.start_local().0
                + (drift.at * days * crate::timeline::MICROS_PER_DAY as f64) as i64;
            bounds.push((
                timeline.quantile_of(crate::timeline::LocalMicros(at)),
                drift.rate_multiplier,
                drift.mix_multipliers.clone(),
            ));
        }
        let reuse = fraud.tested_card_reuse_share;
        let mut segments = Vec::with_capacity(bounds.len());
        let mut cases_before = 0.0;
        for (i, (start, rate_multiplier, mix)) in bounds.iter().enumerate() {
            let end = bounds.get(i + 1).map_or(1.0, |b| b.0);
            // Row share of each kind here, and rows per case.
            let mut share = [0.0; 7];
            let mut rows_per_case = [1.0; 7];
            for (kind, scenario) in &fraud.scenarios {
                share[*kind as usize] = scenario.share * mix.get(kind).copied().unwrap_or(1.0);
                rows_per_case[*kind as usize] = scenario.rows_per_case;
            }
            // Children of card testing are card-not-present cases too: they
            // take their rows out of that kind's share.
            if let Some(testing) = fraud.scenarios.get(&FraudType::CardTesting) {
                let cnp = FraudType::CnpCompromise as usize;
                let child_rows = share[FraudType::CardTesting as usize]
                    * (1.0 - testing.decline_rate)
                    * reuse
                    * rows_per_case[cnp];
                share[cnp] = (share[cnp] - child_rows).max(0.0);
            }
            let total_share: f64 = share.iter().sum();
            let cases_per_row_share: f64 =
                share.iter().zip(rows_per_case).map(|(s, m)| s / m).sum();
            let mut kind_probability = [0.0; 7];
            let mut density = 0.0;
            if total_share > 0.0 && cases_per_row_share > 0.0 {
                for (p, (s, m)) in kind_probability
                    .iter_mut()
                    .zip(share.iter().zip(rows_per_case))
                {
                    *p = s / m / cases_per_row_share;
                }
                let mean_rows_per_case = total_share / cases_per_row_share;
                density = rows as f64 * fraud.rate * rate_multiplier / mean_rows_per_case;
            }
            segments.push(Segment {
                start: *start,
                end,
                cases_before,
                density,
                kind_probability,
            });
            cases_before += density * (end - start);
        }
        Self {
            segments,
            cases: cases_before.floor() as u64,
        }
    }

    /// Base cases over the whole range.
    pub fn cases(&self) -> u64 {
        self.cases
    }

    /// The row quantile at which base case `case` starts, given its uniform
    /// `u`, and its kind given another uniform `v`.
    pub fn place(&self, case: u64, u: f64, v: f64) -> (f64, FraudType) {
        let target = case as f64 + u;
        let segment = self
            .segments
            .iter()
            .rev()
            .find(|s| s.density > 0.0 && s.cases_before <= target)
            .unwrap_or(&self.segments[0]);
        let quantile = if segment.density > 0.0 {
            (segment.start + (target - segment.cases_before) / segment.density)
                .clamp(segment.start, segment.end)
        } else {
            segment.start
        };
        let kind = crate::population::pick(v, segment.kind_probability.iter().copied());
        (quantile.min(1.0 - 1e-12), FraudType::ALL[kind])
    }
}
