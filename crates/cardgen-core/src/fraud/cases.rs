//! One case, derived from (seed, case id) alone: its kind, victim,
//! merchant and device, the times its rows are meant to happen, and when
//! the issuer learns of it.
//!
//! A case only says what it *means* to do; [`super::FraudPlan`] turns the
//! intended times into rows of the `transactions` table, and the row model
//! decides each attempt's merchant, amount and outcome.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, Poisson};

use super::blocks::BlockRequest;
use super::devices::{self, Devices};
use super::schedule::CaseSchedule;
use crate::error::CoreError;
use crate::merchants::MerchantRef;
use crate::profile::{FraudScenario, FraudType, Profile};
use crate::sampling::WeightedChoice;
use crate::seed::{Domain, EntityHash, StreamRng, stream_key};
use crate::timeline::{LocalMicros, MICROS_PER_DAY, MICROS_PER_HOUR, Timeline};
use crate::world::{ActiveCard, World};

/// How the issuer learned of a case: an index into [`crate::profile::LABEL_SOURCES`].
pub const CARDHOLDER_REPORT: u8 = 0;
pub const ISSUER_DETECTION: u8 = 1;
pub const CHARGEBACK: u8 = 2;

/// Share of card-not-present attempts moved to between midnight and six.
const NIGHT_SHARE: f64 = 0.2;

/// Cases in a row of ids that share a fraudster's device.
const CASES_PER_DEVICE: u64 = 3;

/// One intended row of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub at: LocalMicros,
    /// A genuine purchase at the point of compromise (a counterfeit case's
    /// first event), not a fraudulent one.
    pub visit: bool,
}

/// A fraud case as derived from its id.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: u64,
    pub kind: FraudType,
    pub parent: Option<u64>,
    /// The card under attack, for kinds with one victim.
    pub victim: Option<ActiveCard>,
    /// Point of compromise (counterfeit), tester (card testing) or the
    /// colluding merchant.
    pub merchant: Option<MerchantRef>,
    /// When the issuer learns of the case; `None` if it never does.
    pub report: Option<LocalMicros>,
    pub label_source: Option<u8>,
    /// Whether learning of it blocks the victim's card.
    pub blocks_card: bool,
    /// The fraudster's device, for card-not-present rows.
    pub device: Option<i64>,
    pub events: Vec<Event>,
}

impl Case {
    /// When the issuer learns of a case that ends with a block: its report.
    fn block_at(&self) -> Option<LocalMicros> {
        match (self.blocks_card, self.victim) {
            (true, Some(_)) => self.report,
            _ => None,
        }
    }

    /// The block of the victim's card the case requests, if any: none for a
    /// card its holder closed (or that expired) before the report, which the
    /// issuer has no reason to block or replace.
    pub fn block(&self) -> Option<BlockRequest> {
        let at = self.block_at()?;
        let victim = self.victim?;
        victim
            .card
            .valid_on(at.epoch_day())
            .then_some(BlockRequest {
                card: victim.id,
                at,
                lost: self.kind == FraudType::LostStolen,
            })
    }
}

/// A child case: a card that passed a card test, used later online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildOf {
    pub parent: u32,
    pub event: u16,
}

/// The profile's fraud kinds, compiled for sampling.
#[derive(Debug, Clone)]
pub struct FraudKinds {
    scenarios: [Option<FraudScenario>; 7],
    /// Per kind: the categories it buys in.
    categories: [Option<WeightedChoice<u8>>; 7],
    undetected_share: f64,
    tested_card_reuse_share: f64,
}

impl FraudKinds {
    pub fn compile(profile: &Profile) -> Result<Self, CoreError> {
        let fraud = &profile.fraud;
        let mut scenarios: [Option<FraudScenario>; 7] = Default::default();
        let mut categories: [Option<WeightedChoice<u8>>; 7] = Default::default();
        for (kind, scenario) in &fraud.scenarios {
            scenarios[*kind as usize] = Some(scenario.clone());
            if scenario.categories.values().any(|w| *w > 0.0) {
                let pairs = scenario.categories.iter().map(|(key, w)| {
                    let index = profile.category_index(key).ok_or_else(|| {
                        CoreError::InvalidProfile(format!(
                            "fraud.scenarios.{}.categories.{key}: no such category",
                            kind.name()
                        ))
                    })?;
                    Ok((index as u8, *w))
                });
                let pairs = pairs.collect::<Result<Vec<_>, CoreError>>()?;
                let what = format!("fraud.scenarios.{}.categories", kind.name());
                categories[*kind as usize] = Some(WeightedChoice::new(&what, pairs)?);
            }
        }
        Ok(Self {
            scenarios,
            categories,
            undetected_share: fraud.undetected_share,
            tested_card_reuse_share: fraud.tested_card_reuse_share,
        })
    }

    /// The knobs of `kind`; kinds missing from the profile never occur, and
    /// get neutral values here.
    pub fn scenario(&self, kind: FraudType) -> &FraudScenario {
        static NEUTRAL: std::sync::OnceLock<FraudScenario> = std::sync::OnceLock::new();
        self.scenarios[kind as usize].as_ref().unwrap_or_else(|| {
            NEUTRAL.get_or_init(|| FraudScenario {
                share: 0.0,
                rows_per_case: 1.0,
                duration_hours: 1.0,
                amount_multiplier: 1.0,
                decline_rate: 0.5,
                label_delay_min_days: 1.0,
                label_delay_mean_days: 1.0,
                categories: Default::default(),
            })
        })
    }

    /// A category `kind` buys in, if it has any.
    pub fn category(&self, kind: FraudType, rng: &mut StreamRng) -> Option<usize> {
        self.categories[kind as usize]
            .as_ref()
            .map(|c| usize::from(c.sample(rng)))
    }

    pub fn tested_card_reuse_share(&self) -> f64 {
        self.tested_card_reuse_share
    }
}

/// What deriving a case needs.
pub struct CaseContext<'a> {
    pub world: &'a World,
    /// The timeline and case schedule of the case's date range.
    pub timeline: &'a Timeline,
    pub schedule: &'a CaseSchedule,
    /// The id of the range's first case: base case `id` is the schedule's
    /// `id - first_case`-th.
    pub first_case: u64,
    pub kinds: &'a FraudKinds,
    /// Points of compromise open per week, shared by that week's counterfeit victims.
    pub breaches_per_week: u64,
}

impl CaseContext<'_> {
    fn rng(&self, domain: Domain, id: u64) -> StreamRng {
        StreamRng::seed_from_u64(stream_key(self.world.seed(), domain, id))
    }

    /// The random stream of event `event` of case `case`, for its row.
    pub fn event_rng(&self, case: u64, event: u16) -> StreamRng {
        self.rng(Domain::FraudEvent, case << 16 | u64::from(event))
    }

    /// Base case `id` (`first_case` to `first_case` + [`CaseSchedule::cases`]).
    pub fn base(&self, id: u64) -> Case {
        let hash = EntityHash::new(self.world.seed(), Domain::FraudCase, id);
        let (quantile, kind) =
            self.schedule
                .place(id - self.first_case, hash.unit(0), hash.unit(1));
        let start = self.timeline.local_at(quantile);
        let mut rng = self.rng(Domain::FraudCase, id);
        let scenario = self.kinds.scenario(kind);
        let mut case = Case {
            id,
            kind,
            parent: None,
            victim: None,
            merchant: None,
            report: None,
            label_source: None,
            blocks_card: false,
            device: None,
            events: Vec::new(),
        };
        let mut first = start;
        match kind {
            FraudType::Counterfeit => {
                // Skimmed at a visit days to weeks before the cash-out.
                let lag = (3.0 + 18.0 * rng.random::<f64>()) * MICROS_PER_DAY as f64;
                let range_start = self.timeline.start_local();
                let mut visit = LocalMicros(start.0 - lag as i64);
                if visit < range_start {
                    visit = LocalMicros(range_start.0 + (start.0 - range_start.0) / 2);
                }
                first = visit;
                case.merchant = Some(self.breach_merchant(visit, hash.bits(2)));
                case.events.push(Event {
                    at: visit,
                    visit: true,
                });
            }
            FraudType::CardTesting => {
                case.merchant = Some(self.online_merchant(kind, &mut rng));
                case.device = Some(self.device(devices::TESTER, id / CASES_PER_DEVICE));
            }
            FraudType::MerchantCollusion => {
                case.merchant = Some(self.offline_merchant(kind, &mut rng));
            }
            FraudType::CnpCompromise => {
                case.device = Some(self.device(devices::CNP_RING, id / CASES_PER_DEVICE));
            }
            FraudType::AccountTakeover => case.device = Some(self.device(devices::TAKEOVER, id)),
            FraudType::LostStolen | FraudType::FriendlyFraud => {}
        }
        if !matches!(kind, FraudType::CardTesting | FraudType::MerchantCollusion) {
            case.victim = Some(self.victim(first.epoch_day(), &mut rng));
        }
        case.blocks_card = matches!(
            kind,
            FraudType::LostStolen
                | FraudType::Counterfeit
                | FraudType::CnpCompromise
                | FraudType::AccountTakeover
        );
        self.schedule_events(&mut case, start, scenario, &mut rng);
        self.label(&mut case, start, scenario, &mut rng);
        stop_after_block(&mut case);
        case
    }

    /// The child case `id` of card-testing case `parent`, whose test
    /// `test` (approved, on card `card` at `tested_at`) it follows.
    pub fn child(&self, id: u64, parent: &Case, card: ActiveCard, tested_at: LocalMicros) -> Case {
        let mut rng = self.rng(Domain::FraudCase, id);
        let kind = FraudType::CnpCompromise;
        let scenario = self.kinds.scenario(kind);
        let lag = (1.0 + 9.0 * rng.random::<f64>()) * MICROS_PER_DAY as f64;
        let start = LocalMicros(tested_at.0 + lag as i64);
        let mut case = Case {
            id,
            kind,
            parent: Some(parent.id),
            victim: Some(card),
            merchant: parent.merchant,
            report: None,
            label_source: None,
            blocks_card: true,
            device: parent.device,
            events: Vec::new(),
        };
        self.schedule_events(&mut case, start, scenario, &mut rng);
        self.label(&mut case, start, scenario, &mut rng);
        stop_after_block(&mut case);
        case
    }

    /// Attempt `event` of a card-testing or collusion case: the card it
    /// tries (another each time), and the stream positioned after that draw.
    pub fn attempt_card(&self, case: u64, event: u16, day: i64) -> (ActiveCard, StreamRng) {
        let mut rng = self.event_rng(case, event);
        (self.victim(day, &mut rng), rng)
    }

    /// Whether test `event` of card-testing case `case` is approved (before
    /// any block), with the card and the stream after both draws.
    pub fn test_attempt(&self, case: &Case, event: u16) -> (ActiveCard, bool, StreamRng) {
        let day = case.events[usize::from(event)].at.epoch_day();
        let (card, mut rng) = self.attempt_card(case.id, event, day);
        let decline_rate = self.kinds.scenario(FraudType::CardTesting).decline_rate;
        let approved = rng.random::<f64>() >= decline_rate;
        (card, approved, rng)
    }

    /// A card in use on `day` that stays valid the next day too (rows may
    /// slip past midnight), chosen by its owner's activity.
    fn victim(&self, day: i64, rng: &mut StreamRng) -> ActiveCard {
        let world = self.world;
        let card = world.active_card(day, rng);
        if card.card.valid_on(day + 1) {
            return card;
        }
        let owner = card.card.customer_id;
        ActiveCard {
            id: owner,
            card: world.card(owner),
            customer: card.customer,
        }
    }

    /// The rows' intended times: the first at `start`, the others spread
    /// over an exponential duration; card-not-present fraud leans to the night.
    fn schedule_events(
        &self,
        case: &mut Case,
        start: LocalMicros,
        scenario: &FraudScenario,
        rng: &mut StreamRng,
    ) {
        let extra = scenario.rows_per_case - 1.0;
        let n = if extra > 0.0 {
            let draw: f64 = Poisson::new(extra).map_or(0.0, |p| p.sample(rng));
            1 + (draw as u64).min((scenario.rows_per_case * 10.0) as u64)
        } else {
            1
        };
        let n = n.min(u64::from(u16::MAX) - 1);
        let exp: f64 = Exp1.sample(rng);
        let span = scenario.duration_hours * exp.min(5.0) * MICROS_PER_HOUR as f64;
        let night = matches!(
            case.kind,
            FraudType::CnpCompromise | FraudType::AccountTakeover | FraudType::CardTesting
        );
        let mut times = Vec::with_capacity(n as usize);
        times.push(start);
        for _ in 1..n {
            let mut at = LocalMicros(start.0 + (rng.random::<f64>() * span) as i64);
            if night && rng.random::<f64>() < NIGHT_SHARE {
                // The same day, between midnight and six.
                let midnight = at.epoch_day() * MICROS_PER_DAY;
                let shifted =
                    midnight + (rng.random::<f64>() * 6.0 * MICROS_PER_HOUR as f64) as i64;
                if shifted >= start.0 {
                    at = LocalMicros(shifted);
                }
            }
            times.push(at);
        }
        times.sort_unstable();
        case.events
            .extend(times.into_iter().map(|at| Event { at, visit: false }));
    }

    /// Whether and when the issuer learns of the case, and how.
    fn label(
        &self,
        case: &mut Case,
        start: LocalMicros,
        scenario: &FraudScenario,
        rng: &mut StreamRng,
    ) {
        let detected = rng.random::<f64>();
        let exp: f64 = Exp1.sample(rng);
        let source = rng.random::<f64>();
        if case.kind != FraudType::FriendlyFraud && detected < self.kinds.undetected_share {
            return;
        }
        let days = scenario.label_delay_min_days + scenario.label_delay_mean_days * exp;
        case.report = Some(LocalMicros(start.0 + (days * MICROS_PER_DAY as f64) as i64));
        case.label_source = Some(match case.kind {
            FraudType::LostStolen => CARDHOLDER_REPORT,
            FraudType::FriendlyFraud => CHARGEBACK,
            FraudType::CardTesting => ISSUER_DETECTION,
            FraudType::MerchantCollusion if source < 0.5 => CHARGEBACK,
            FraudType::Counterfeit if source < 0.5 => CARDHOLDER_REPORT,
            FraudType::CnpCompromise if source < 0.6 => CARDHOLDER_REPORT,
            FraudType::AccountTakeover if source < 0.7 => CARDHOLDER_REPORT,
            _ => ISSUER_DETECTION,
        });
    }

    /// A fraudster's device: `ring` identifies it among `kind`'s.
    fn device(&self, kind: u64, ring: u64) -> i64 {
        Devices::new(self.world.seed()).fraudster(kind, ring)
    }

    /// The merchant where week's breach `which` skims cards.
    fn breach_merchant(&self, visit: LocalMicros, which: u64) -> MerchantRef {
        let week = visit.epoch_day().div_euclid(7) as u64;
        let breach = which % self.breaches_per_week.max(1);
        let mut rng = self.rng(Domain::FraudBreach, week << 20 | breach);
        self.offline_merchant(FraudType::Counterfeit, &mut rng)
    }

    fn offline_merchant(&self, kind: FraudType, rng: &mut StreamRng) -> MerchantRef {
        let profile = &*self.world.profile;
        let category = self.kinds.category(kind, rng).unwrap_or(0);
        let region = crate::population::pick(
            rng.random(),
            profile.regions.iter().map(|r| r.merchant_weight),
        ) as u8;
        self.world.merchant_in(category, region, rng)
    }

    fn online_merchant(&self, kind: FraudType, rng: &mut StreamRng) -> MerchantRef {
        let category = self.kinds.category(kind, rng).unwrap_or(0);
        match self.world.online_merchant(category, rng) {
            Some(merchant) => merchant,
            None => self.offline_merchant(kind, rng),
        }
    }
}

/// A fraudster gives up on a card once it is declined as blocked: one
/// attempt after the block stays, the later ones are dropped.
fn stop_after_block(case: &mut Case) {
    if let Some(block) = case.block_at()
        && let Some(first_after) = case.events.iter().position(|e| e.at >= block)
    {
        case.events.truncate(first_after + 1);
    }
}
