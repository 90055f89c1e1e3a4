//! Fraud as cases with ground truth.
//!
//! A *case* is one fraudulent process: a lost card used in shops for a few
//! hours, a card skimmed at a petrol station and cashed out weeks later, a
//! tester merchant probing stolen numbers, a merchant charging cards it
//! should not, a cardholder disputing a purchase they made. Each case is a
//! pure function of (seed, case id), see [`cases`]: its kind and start come
//! from the [`schedule`] (the fraud rate, the mix and their drift), and its
//! victim, merchant, device, intended row times and label from its own
//! random stream.
//!
//! The rows of `transactions` are ordered by time and each row's time is
//! fixed by its position, so a case cannot choose times freely. Instead it
//! *claims* the rows at its intended times: the timeline is inverted to
//! find the row at a given time, and a claim on a row already taken moves
//! to the next free one. The plan keeps every claim sorted by row (16 bytes
//! a claim, so memory grows with the number of cases, not with the rows),
//! the rows each case ended up with, and the cards blocked when the issuer
//! learned of a case (see [`blocks`]). Building it derives every case once;
//! generating a row looks its claim up and derives that case again.
//!
//! The plan is built from the [`World`] but not kept by it: a
//! [`WorldWithFraud`] holds the world, the profile's fraud kinds and the
//! plan, so the world knows nothing of fraud and the tables that need fraud
//! (`transactions`, `cards`, `fraud_cases`) take this holder.

pub mod blocks;
pub mod cases;
mod claim_index;
pub mod devices;
pub mod schedule;
pub mod table;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use self::blocks::{BlockIndex, BlockRequest};
use self::cases::{Case, CaseContext, ChildOf, FraudKinds};
use self::claim_index::ClaimIndex;
use self::schedule::CaseSchedule;
use crate::changes::index::CustomerHistory;
use crate::date_range::{DatasetRange, DateRange};
use crate::error::CoreError;
use crate::profile::FraudType;
use crate::seed::{Domain, EntityHash};
use crate::timeline::{LocalMicros, Timeline};
use crate::world::World;

/// A world and the fraud derived from it. The fraud kinds are compiled when
/// this is made, so a profile whose fraud does not compile fails before any
/// row; the plan is built on first use, because only tables with fraud or
/// replacement cards need it.
#[derive(Debug)]
pub struct WorldWithFraud {
    world: Arc<World>,
    kinds: FraudKinds,
    /// The dataset's date ranges: the world's, then any appended.
    ranges: Vec<DatasetRange>,
    plan: OnceLock<FraudPlan>,
    history: OnceLock<CustomerHistory>,
}

impl WorldWithFraud {
    /// The fraud of a dataset of one range, the world's.
    pub fn new(world: Arc<World>) -> Result<Self, CoreError> {
        Self::with_appended(world, &[])
    }

    /// The fraud of a dataset grown by `appended` ranges (date range, rows)
    /// after the world's own: each range has its own cases, numbered on
    /// from the range before, and a card blocked in one range stays blocked.
    pub fn with_appended(
        world: Arc<World>,
        appended: &[(DateRange, u64)],
    ) -> Result<Self, CoreError> {
        let kinds = FraudKinds::compile(&world.profile)?;
        let first = (world.options.range, world.options.rows);
        let ranges = DatasetRange::chain(first, appended)?;
        Ok(Self {
            world,
            kinds,
            ranges,
            plan: OnceLock::new(),
            history: OnceLock::new(),
        })
    }

    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// The dataset's date ranges, the world's first.
    pub fn ranges(&self) -> &[DatasetRange] {
        &self.ranges
    }

    /// The last date range: the one an append writes.
    pub fn last_range(&self) -> &DatasetRange {
        self.ranges.last().expect("a dataset has a range")
    }

    /// The dataset's fraud cases, their rows and the cards they block;
    /// derived on first use (a fraction of a second per billion rows).
    pub fn plan(&self) -> &FraudPlan {
        self.plan
            .get_or_init(|| FraudPlan::build(&self.world, self.kinds.clone(), &self.ranges))
    }

    /// Rows of the `cards` table: the population's cards, then one
    /// replacement per blocked card.
    /// The rows of the customer change tables; counted on first use (a
    /// hash or two per customer and range).
    pub fn customer_history(&self) -> &CustomerHistory {
        self.history.get_or_init(|| {
            CustomerHistory::build(
                self.world.changes(),
                self.world.sizes.customers,
                &self.ranges,
            )
        })
    }

    pub fn card_rows(&self) -> u64 {
        self.world.sizes.cards + self.plan().blocks().replaced().len() as u64
    }
}

/// A row taken by a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub row: u64,
    pub case: u32,
    /// The case's event (intended row) this row plays.
    pub event: u16,
    /// The event is a genuine visit at the point of compromise.
    pub visit: bool,
}

/// One date range's share of the plan: its timeline, its case schedule and
/// the ids of its cases (base cases, then children of card tests).
#[derive(Debug)]
pub struct RangeCases {
    pub range: DatasetRange,
    timeline: Timeline,
    schedule: CaseSchedule,
    breaches_per_week: u64,
    first_case: u64,
    children: Vec<ChildOf>,
    /// Replacement cards made for blocks of the ranges before this one.
    first_replacement: u64,
}

impl RangeCases {
    fn new(world: &World, range: DatasetRange, first_case: u64) -> Self {
        let timeline = Timeline::new(&world.profile, range.range);
        let schedule = CaseSchedule::new(&world.profile.fraud, &timeline, range.rows);
        let weeks = (f64::from(range.range.days) / 7.0).max(1.0);
        let counterfeit_share = {
            let fraud = &world.profile.fraud;
            let total: f64 = fraud.scenarios.values().map(|s| s.share).sum();
            fraud
                .scenarios
                .get(&FraudType::Counterfeit)
                .map_or(0.0, |s| {
                    s.share / s.rows_per_case.max(1.0) / total.max(1e-12)
                })
        };
        // About four victims per point of compromise.
        let breaches_per_week =
            ((schedule.cases() as f64 * counterfeit_share / weeks / 4.0).ceil() as u64).max(1);
        Self {
            range,
            timeline,
            schedule,
            breaches_per_week,
            first_case,
            children: Vec::new(),
            first_replacement: 0,
        }
    }

    /// The ids of the range's cases.
    pub fn case_ids(&self) -> Range<u64> {
        self.first_case..self.first_case + self.schedule.cases() + self.children.len() as u64
    }

    /// The range's timeline.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    fn context<'a>(&'a self, world: &'a World, kinds: &'a FraudKinds) -> CaseContext<'a> {
        CaseContext {
            world,
            timeline: &self.timeline,
            schedule: &self.schedule,
            first_case: self.first_case,
            kinds,
            breaches_per_week: self.breaches_per_week,
        }
    }
}

/// What deriving one range's cases found.
#[derive(Default)]
struct Assigned {
    claims: Vec<Claim>,
    block_requests: Vec<BlockRequest>,
}

/// Every case of a dataset, the rows they claim and the cards they block.
#[derive(Debug)]
pub struct FraudPlan {
    kinds: FraudKinds,
    /// Per date range, in order.
    ranges: Vec<RangeCases>,
    claims: Vec<Claim>,
    claim_index: ClaimIndex,
    /// Per case: the first and last row of its fraudulent events, if any.
    spans: Vec<Option<(u64, u64)>>,
    /// The row of each case's point of compromise: a counterfeit case's
    /// visit, a child's test at its parent.
    compromise_rows: HashMap<u32, u64>,
    blocks: BlockIndex,
}

impl FraudPlan {
    /// Derives every case of `world`'s dataset over `ranges` and assigns
    /// their rows: each range's cases claim rows of that range only.
    pub fn build(world: &World, kinds: FraudKinds, ranges: &[DatasetRange]) -> Self {
        let mut plan = Self {
            kinds,
            ranges: Vec::with_capacity(ranges.len()),
            claims: Vec::new(),
            claim_index: ClaimIndex::default(),
            spans: Vec::new(),
            compromise_rows: HashMap::new(),
            blocks: BlockIndex::default(),
        };
        let mut block_requests = Vec::new();
        let mut blocked = std::collections::HashSet::new();
        let mut first_case = 0;
        for range in ranges {
            let mut cases = RangeCases::new(world, *range, first_case);
            cases.first_replacement = blocked.len() as u64;
            let mut assigned = plan.assign(world, &mut cases);
            // A card blocked in an earlier range stays blocked from then on:
            // its replacement's row of `cards` is written already.
            if !blocked.is_empty() {
                assigned
                    .block_requests
                    .retain(|request| !blocked.contains(&request.card));
            }
            blocked.extend(assigned.block_requests.iter().map(|request| request.card));
            block_requests.extend(assigned.block_requests);
            plan.claims.extend(assigned.claims);
            first_case = cases.case_ids().end;
            plan.ranges.push(cases);
        }
        plan.blocks = BlockIndex::new(block_requests, world.sizes.cards);
        plan.claim_index = ClaimIndex::new(&plan.claims, |claim| claim.row);
        plan
    }

    /// Derives the cases of one range, then claims their rows and records
    /// their spans and points of compromise.
    fn assign(&mut self, world: &World, range: &mut RangeCases) -> Assigned {
        let (first_row, rows) = (range.range.first_row, range.range.rows);
        let timeline = &range.timeline;
        let end = timeline.end_local();
        let base = range.schedule.cases();
        let reuse = self.kinds.tested_card_reuse_share();
        let mut assigned = Assigned::default();
        let mut children = Vec::new();
        let mut tested_rows = HashMap::new();
        {
            let context = range.context(world, &self.kinds);
            let add = |case: &Case, assigned: &mut Assigned| {
                for (event, e) in case.events.iter().enumerate() {
                    if e.at >= end {
                        break;
                    }
                    let quantile = timeline.quantile_of(e.at);
                    assigned.claims.push(Claim {
                        row: first_row + ((quantile * rows as f64) as u64).min(rows - 1),
                        case: case.id as u32,
                        event: event as u16,
                        visit: e.visit,
                    });
                }
                assigned.block_requests.extend(case.block());
            };
            let mut parents = Vec::new();
            for id in range.first_case..range.first_case + base {
                let case = context.base(id);
                add(&case, &mut assigned);
                if case.kind == FraudType::CardTesting {
                    parents.push(case);
                }
            }
            let mut next_id = range.first_case + base;
            for parent in &parents {
                let hash = EntityHash::new(world.seed(), Domain::FraudCase, parent.id);
                for (event, e) in parent.events.iter().enumerate() {
                    if e.at >= end {
                        break;
                    }
                    let (card, approved, _) = context.test_attempt(parent, event as u16);
                    if !approved || hash.unit(16 + event as u64) >= reuse {
                        continue;
                    }
                    let child = context.child(next_id, parent, card, e.at);
                    if child.events[0].at >= end {
                        continue;
                    }
                    add(&child, &mut assigned);
                    children.push(ChildOf {
                        parent: parent.id as u32,
                        event: event as u16,
                    });
                    tested_rows.insert((parent.id as u32, event as u16), next_id as u32);
                    next_id += 1;
                }
            }
        }
        // A claim on a taken row moves to the next free one; claims pushed
        // past the range's last row are dropped.
        let claims = &mut assigned.claims;
        claims.sort_unstable_by_key(|c| (c.row, c.case, c.event));
        let mut next_free = first_row;
        claims.retain_mut(|claim| {
            claim.row = claim.row.max(next_free);
            next_free = claim.row + 1;
            claim.row < first_row + rows
        });
        range.children = children;
        self.spans.resize(range.case_ids().end as usize, None);
        for claim in claims.iter() {
            if claim.visit {
                self.compromise_rows.insert(claim.case, claim.row);
                continue;
            }
            let span = &mut self.spans[claim.case as usize];
            *span = Some(span.map_or((claim.row, claim.row), |(first, _)| (first, claim.row)));
            if let Some(child) = tested_rows.get(&(claim.case, claim.event)) {
                self.compromise_rows.insert(*child, claim.row);
            }
        }
        assigned
    }

    /// Cases in the dataset, over every range: each range's base cases,
    /// then the children of its card tests.
    pub fn cases(&self) -> u64 {
        self.spans.len() as u64
    }

    /// The date ranges' cases, in order.
    pub fn ranges(&self) -> &[RangeCases] {
        &self.ranges
    }

    /// The range case `id` belongs to.
    pub fn range_of_case(&self, id: u64) -> &RangeCases {
        let i = self.ranges.partition_point(|r| r.case_ids().end <= id);
        &self.ranges[i.min(self.ranges.len() - 1)]
    }

    /// The range row `row` of `transactions` belongs to.
    pub fn range_of_row(&self, row: u64) -> &RangeCases {
        let i = self.ranges.partition_point(|r| r.range.end_row() <= row);
        &self.ranges[i.min(self.ranges.len() - 1)]
    }

    /// The replacement cards made by blocks of range `index`, numbered from
    /// 0 (their rows of `cards` follow the population's cards).
    pub fn replacements_of_range(&self, index: usize) -> Range<u64> {
        let first = self.ranges[index].first_replacement;
        let end = self
            .ranges
            .get(index + 1)
            .map_or(self.blocks.replaced().len() as u64, |r| r.first_replacement);
        first..end
    }

    /// Case `id`, derived again.
    pub fn case(&self, world: &World, id: u64) -> Case {
        let range = self.range_of_case(id);
        let context = range.context(world, &self.kinds);
        let base = range.first_case + range.schedule.cases();
        if id < base {
            return context.base(id);
        }
        let of = range.children[(id - base) as usize];
        let parent = context.base(u64::from(of.parent));
        let (card, _, _) = context.test_attempt(&parent, of.event);
        let tested_at = parent.events[usize::from(of.event)].at;
        context.child(id, &parent, card, tested_at)
    }

    /// Derives per-row draws of the events of case `id`; see [`CaseContext`].
    pub fn with_context<T>(
        &self,
        world: &World,
        id: u64,
        f: impl FnOnce(&CaseContext<'_>) -> T,
    ) -> T {
        f(&self.range_of_case(id).context(world, &self.kinds))
    }

    /// Every claim, sorted by row.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// The claim on `row`, if any.
    pub fn claim_at(&self, row: u64) -> Option<Claim> {
        let bucket = &self.claims[self.claim_index.bucket_of(row)];
        let i = bucket.partition_point(|c| c.row < row);
        bucket.get(i).filter(|c| c.row == row).copied()
    }

    /// The first and last row of case `id`'s fraud, if it has any.
    pub fn span(&self, id: u64) -> Option<(u64, u64)> {
        self.spans.get(id as usize).copied().flatten()
    }

    /// The row of case `id`'s point of compromise, if it has one.
    pub fn compromise_row(&self, id: u64) -> Option<u64> {
        self.compromise_rows.get(&(id as u32)).copied()
    }

    /// The profile's fraud kinds, compiled.
    pub fn kinds(&self) -> &FraudKinds {
        &self.kinds
    }

    pub fn blocks(&self) -> &BlockIndex {
        &self.blocks
    }

    /// Whether `card` is blocked at `at`.
    pub fn is_blocked(&self, card: u64, at: LocalMicros) -> bool {
        self.blocks.is_blocked(card, at)
    }
}
