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
pub mod devices;
pub mod schedule;
pub mod table;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use self::blocks::BlockIndex;
use self::cases::{Case, CaseContext, ChildOf, FraudKinds};
use self::schedule::CaseSchedule;
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
    plan: OnceLock<FraudPlan>,
}

impl WorldWithFraud {
    pub fn new(world: Arc<World>) -> Result<Self, CoreError> {
        let kinds = FraudKinds::compile(&world.profile)?;
        Ok(Self {
            world,
            kinds,
            plan: OnceLock::new(),
        })
    }

    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// The dataset's fraud cases, their rows and the cards they block;
    /// derived on first use (a fraction of a second per billion rows).
    pub fn plan(&self) -> &FraudPlan {
        self.plan
            .get_or_init(|| FraudPlan::build(&self.world, self.kinds.clone()))
    }

    /// Rows of the `cards` table: the population's cards, then one
    /// replacement per blocked card.
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

/// Every case of a dataset, the rows they claim and the cards they block.
#[derive(Debug)]
pub struct FraudPlan {
    timeline: Timeline,
    schedule: CaseSchedule,
    kinds: FraudKinds,
    breaches_per_week: u64,
    children: Vec<ChildOf>,
    claims: Vec<Claim>,
    /// Per case: the first and last row of its fraudulent events, if any.
    spans: Vec<Option<(u64, u64)>>,
    /// The row of each case's point of compromise: a counterfeit case's
    /// visit, a child's test at its parent.
    compromise_rows: HashMap<u32, u64>,
    blocks: BlockIndex,
}

impl FraudPlan {
    /// Derives every case of `world`'s dataset and assigns their rows.
    pub fn build(world: &World, kinds: FraudKinds) -> Self {
        let rows = world.options.rows;
        let timeline = Timeline::new(&world.profile, world.options.range);
        let schedule = CaseSchedule::new(&world.profile.fraud, &timeline, rows);
        let weeks = (f64::from(world.options.range.days) / 7.0).max(1.0);
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
        let mut plan = Self {
            timeline,
            schedule,
            kinds,
            breaches_per_week,
            children: Vec::new(),
            claims: Vec::new(),
            spans: Vec::new(),
            compromise_rows: HashMap::new(),
            blocks: BlockIndex::default(),
        };
        plan.assign(world);
        plan
    }

    fn context<'a>(&'a self, world: &'a World) -> CaseContext<'a> {
        CaseContext {
            world,
            timeline: &self.timeline,
            schedule: &self.schedule,
            kinds: &self.kinds,
            breaches_per_week: self.breaches_per_week,
        }
    }

    /// Derives the cases, then claims their rows and records their blocks.
    fn assign(&mut self, world: &World) {
        let rows = world.options.rows;
        let end = self.timeline.end_local();
        let base = self.schedule.cases();
        let reuse = self.kinds.tested_card_reuse_share();
        let mut claims = Vec::new();
        let mut block_requests = Vec::new();
        let mut children = Vec::new();
        let mut tested_rows = HashMap::new();
        {
            let context = self.context(world);
            let mut add = |case: &Case, claims: &mut Vec<Claim>| {
                for (event, e) in case.events.iter().enumerate() {
                    if e.at >= end {
                        break;
                    }
                    let quantile = self.timeline.quantile_of(e.at);
                    claims.push(Claim {
                        row: ((quantile * rows as f64) as u64).min(rows - 1),
                        case: case.id as u32,
                        event: event as u16,
                        visit: e.visit,
                    });
                }
                block_requests.extend(case.block());
            };
            let mut parents = Vec::new();
            for id in 0..base {
                let case = context.base(id);
                add(&case, &mut claims);
                if case.kind == FraudType::CardTesting {
                    parents.push(case);
                }
            }
            let mut next_id = base;
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
                    add(&child, &mut claims);
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
        // past the last row are dropped.
        claims.sort_unstable_by_key(|c| (c.row, c.case, c.event));
        let mut next_free = 0;
        claims.retain_mut(|claim| {
            claim.row = claim.row.max(next_free);
            next_free = claim.row + 1;
            claim.row < rows
        });
        let cases = base as usize + children.len();
        let mut spans: Vec<Option<(u64, u64)>> = vec![None; cases];
        let mut compromise_rows = HashMap::new();
        for claim in &claims {
            if claim.visit {
                compromise_rows.insert(claim.case, claim.row);
                continue;
            }
            let span = &mut spans[claim.case as usize];
            *span = Some(span.map_or((claim.row, claim.row), |(first, _)| (first, claim.row)));
            if let Some(child) = tested_rows.get(&(claim.case, claim.event)) {
                compromise_rows.insert(*child, claim.row);
            }
        }
        self.blocks = BlockIndex::new(block_requests, world.sizes.cards);
        self.children = children;
        self.claims = claims;
        self.spans = spans;
        self.compromise_rows = compromise_rows;
    }

    /// Cases in the dataset: base cases, then children of card tests.
    pub fn cases(&self) -> u64 {
        self.spans.len() as u64
    }

    /// Case `id`, derived again.
    pub fn case(&self, world: &World, id: u64) -> Case {
        let context = self.context(world);
        let base = self.schedule.cases();
        if id < base {
            return context.base(id);
        }
        let of = self.children[(id - base) as usize];
        let parent = context.base(u64::from(of.parent));
        let (card, _, _) = context.test_attempt(&parent, of.event);
        let tested_at = parent.events[usize::from(of.event)].at;
        context.child(id, &parent, card, tested_at)
    }

    /// Derives per-row draws of case events; see [`CaseContext`].
    pub fn with_context<T>(&self, world: &World, f: impl FnOnce(&CaseContext<'_>) -> T) -> T {
        f(&self.context(world))
    }

    /// Every claim, sorted by row.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// The claim on `row`, if any.
    pub fn claim_at(&self, row: u64) -> Option<Claim> {
        let i = self.claims.partition_point(|c| c.row < row);
        self.claims.get(i).filter(|c| c.row == row).copied()
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

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Whether `card` is blocked at `at`.
    pub fn is_blocked(&self, card: u64, at: LocalMicros) -> bool {
        self.blocks.is_blocked(card, at)
    }
}
