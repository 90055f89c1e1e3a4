//! Rows that fraud cases claimed: each kind's signature on the row.
//!
//! Fraud follows its kind rather than the victim's habits: a lost card buys
//! resellable goods in shops far from home, a counterfeit card is swiped
//! (magstripe fallback) far from home, compromised details buy online from
//! a device the victim never used, a tester tries a few hundred won, a
//! colluding merchant charges round sums. Amounts stay near the victim's
//! own (modest multipliers), and attempts are often declined, always so
//! once the card is blocked. A counterfeit case's first row is the victim's
//! genuine visit to the merchant where the card was skimmed.

use rand::RngExt;

use super::columns::{FraudTruth, Row};
use super::{Claim, TransactionGenerator};
use crate::fraud::cases::Case;
use crate::merchants::MerchantRef;
use crate::profile::{Channel, EntryMode, FraudType};
use crate::seed::StreamRng;
use crate::timeline::LocalMicros;
use crate::world::ActiveCard;

/// Share of counterfeit swipes that fall back to the magnetic stripe.
const MAGSTRIPE_FALLBACK_SHARE: f64 = 0.25;
/// Share of lost-card and counterfeit purchases made outside the victim's
/// home and work regions; the rest happen nearby.
const FAR_FROM_HOME_SHARE: f64 = 0.5;

impl TransactionGenerator {
    /// Row `row` (at `local`), which `claim` took for a case, with its
    /// truth (none for a genuine visit at a point of compromise). Rare: kept
    /// out of line so that the genuine path stays compact.
    #[cold]
    #[inline(never)]
    pub(super) fn case_row(
        &self,
        row: u64,
        local: LocalMicros,
        claim: Claim,
    ) -> (Row, Option<FraudTruth>) {
        let world = &*self.world;
        let plan = self.fraud.plan();
        let case = plan.case(world, u64::from(claim.case));
        let (card, tested, mut rng) =
            plan.with_context(world, case.id, |context| match case.kind {
                FraudType::CardTesting => {
                    let (card, approved, rng) = context.test_attempt(&case, claim.event);
                    (card, Some(approved), rng)
                }
                FraudType::MerchantCollusion => {
                    let day = case.events[usize::from(claim.event)].at.epoch_day();
                    let (card, rng) = context.attempt_card(case.id, claim.event, day);
                    (card, None, rng)
                }
                _ => (
                    case.victim.expect("single-victim kinds have a victim"),
                    None,
                    context.event_rng(case.id, claim.event),
                ),
            });
        if claim.visit {
            return (
                self.compromise_visit(row, local, &case, card, &mut rng),
                None,
            );
        }
        let mut out = self.fraud_sale(row, local, &case, card, &mut rng);
        out.card_id = card.id as i64;
        out.customer_id = card.card.customer_id as i64;
        let declined = match tested {
            Some(approved) => !approved,
            None => rng.random::<f64>() < plan.kinds().scenario(case.kind).decline_rate,
        };
        let day = local.epoch_day();
        // An extra card its holder closed, or that expired, while the case
        // went on (a main card is renewed under its id, so it stays valid).
        let ended = card.id != card.card.customer_id && !card.card.valid_on(day);
        out.response_code = if plan.is_blocked(card.id, local) {
            self.model.blocked_card_code
        } else if ended && day >= card.card.closes_day {
            self.model.closed_card_code
        } else if ended {
            self.model.expired_card_code
        } else if declined {
            self.model
                .declines(out.channel != Channel::CardPresent as i8)
                .reasons
                .sample(&mut rng)
        } else {
            0
        };
        out.is_fraud = true;
        let truth = FraudTruth {
            case_id: case.id as i64,
            kind: case.kind as i8,
            label_ts: case
                .report
                .map(|report| self.timeline.to_utc_micros(report).max(out.event_ts)),
        };
        (out, Some(truth))
    }

    /// The attempt itself: merchant, channel, amount and device by kind.
    fn fraud_sale(
        &self,
        row: u64,
        local: LocalMicros,
        case: &Case,
        card: ActiveCard,
        rng: &mut StreamRng,
    ) -> Row {
        let world = &*self.world;
        let profile = &*world.profile;
        let customer = card.customer;
        let kind = case.kind;
        let multiplier = self.fraud.plan().kinds().scenario(kind).amount_multiplier;
        let scale = f64::from(customer.spend) * multiplier;
        let (merchant, category) = match kind {
            FraudType::CardTesting | FraudType::MerchantCollusion => {
                let merchant = case.merchant.expect("the case's merchant");
                let category = usize::from(world.merchant(merchant.id()).category);
                (merchant, category)
            }
            FraudType::FriendlyFraud => {
                let category = world.category_for(customer.persona, local.hour(), rng);
                let merchant =
                    self.merchant(card.card.customer_id, &customer, category, false, rng);
                (merchant, category)
            }
            FraudType::LostStolen | FraudType::Counterfeit => {
                let category = self.fraud.plan().kinds().category(kind, rng).unwrap_or(0);
                (self.far_merchant(category, &customer, rng), category)
            }
            FraudType::CnpCompromise | FraudType::AccountTakeover => {
                let category = self.fraud.plan().kinds().category(kind, rng).unwrap_or(0);
                let merchant = match world.online_merchant(category, rng) {
                    Some(online) => online,
                    None => self.far_merchant(category, &customer, rng),
                };
                (merchant, category)
            }
        };
        let mut out = self.sale(
            row,
            local,
            merchant,
            category,
            scale,
            card.card.is_credit,
            rng,
        );
        match kind {
            FraudType::LostStolen | FraudType::Counterfeit if !merchant.is_online() => {
                let fallback = if kind == FraudType::Counterfeit {
                    MAGSTRIPE_FALLBACK_SHARE
                } else {
                    0.0
                };
                self.swipe(&mut out, fallback, rng);
            }
            FraudType::MerchantCollusion => {
                // Round sums: up to ten of the category's price units.
                let unit = profile.categories[category].amount.unit.max(1) * 10;
                out.amount = (out.amount + unit - 1) / unit * unit;
            }
            _ => {}
        }
        out.device_id = if out.channel == Channel::CardPresent as i8 {
            None
        } else if kind == FraudType::FriendlyFraud || case.device.is_none() {
            self.own_device(card.card.customer_id, out.channel, row, local)
        } else {
            case.device
        };
        out
    }

    /// The victim's genuine purchase at the merchant where the card is skimmed.
    fn compromise_visit(
        &self,
        row: u64,
        local: LocalMicros,
        case: &Case,
        card: ActiveCard,
        rng: &mut StreamRng,
    ) -> Row {
        let world = &*self.world;
        let merchant: MerchantRef = case.merchant.expect("a point of compromise");
        let category = usize::from(world.merchant(merchant.id()).category);
        let scale = f64::from(card.customer.spend);
        let mut out = self.sale(
            row,
            local,
            merchant,
            category,
            scale,
            card.card.is_credit,
            rng,
        );
        out.card_id = card.id as i64;
        out.customer_id = card.card.customer_id as i64;
        if !merchant.is_online() {
            self.swipe(&mut out, 0.0, rng);
        }
        out.device_id = self.own_device(card.card.customer_id, out.channel, row, local);
        if self.fraud.plan().is_blocked(card.id, local) {
            out.response_code = self.model.blocked_card_code;
        }
        out
    }

    /// Makes `out` a payment with the card at the terminal: magnetic-stripe
    /// fallback with probability `fallback` (no draw when it is 0), else
    /// the profile's card-present entry modes.
    fn swipe(&self, out: &mut Row, fallback: f64, rng: &mut StreamRng) {
        out.channel = Channel::CardPresent as i8;
        out.entry_mode = if fallback > 0.0 && rng.random::<f64>() < fallback {
            EntryMode::Magstripe as i8
        } else {
            self.model.entry_mode(Channel::CardPresent, rng) as i8
        };
    }

    /// A merchant of `category`, outside the customer's home and work
    /// regions (when the profile has others) most of the time.
    fn far_merchant(
        &self,
        category: usize,
        customer: &crate::customers::CustomerFacts,
        rng: &mut StreamRng,
    ) -> MerchantRef {
        let profile = &*self.world.profile;
        if rng.random::<f64>() >= FAR_FROM_HOME_SHARE {
            let region = if rng.random::<f64>() < profile.locality.work_share {
                customer.work_region
            } else {
                customer.home_region
            };
            return self.world.merchant_in(category, region, rng);
        }
        let mut region = 0;
        for _ in 0..4 {
            region = crate::population::pick(
                rng.random(),
                profile.regions.iter().map(|r| r.merchant_weight),
            ) as u8;
            if region != customer.home_region && region != customer.work_region {
                break;
            }
        }
        self.world.merchant_in(category, region, rng)
    }
}
