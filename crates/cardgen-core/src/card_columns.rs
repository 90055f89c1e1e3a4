//! The columns of a card, shared by `cards`, `cards_history` and
//! `cards_changes`: its number in masked forms (in full only when asked
//! for; never a CVV), its owner, kind, product, validity, limit and status.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, Date32Array, Int64Array};
use arrow_schema::{DataType, Field};

use crate::arrays::{dictionary_column, dictionary_type, string_values};
use crate::error::CoreError;
use crate::fraud::WorldWithFraud;
use crate::pan::{BIN_DIGITS, Pan, PanMask, Permutation, synthetic_bin};
use crate::population::CardFacts;
use crate::seed::{Domain, EntityHash, stream_key};
use crate::world::World;

/// A card's status, in dictionary order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i8)]
pub enum CardStatus {
    Active = 0,
    /// Blocked by the issuer after a fraud case; its owner pays with its replacement.
    Blocked = 1,
    /// Past its printed expiry and not renewed (an extra card; a main card is
    /// renewed): its owner pays with the main card.
    Expired = 2,
    /// Reported lost or stolen by its holder (a lost-or-stolen fraud case):
    /// blocked, and its owner pays with its replacement.
    Lost = 3,
    /// Closed by its holder (an extra card): its owner pays with the main card.
    Closed = 4,
}

/// The status dictionary, in [`CardStatus`] order.
pub const CARD_STATUSES: [&str; 5] = ["active", "blocked", "expired", "lost", "closed"];

/// Card `id`'s facts and, for a replacement of a card blocked after fraud,
/// the card it replaces (its facts are the replaced card's, issued at the block).
pub fn card_row(fraud: &WorldWithFraud, id: u64) -> (CardFacts, Option<u64>) {
    let world = fraud.world();
    let population = world.sizes.cards;
    if id < population {
        return (world.card_details(id), None);
    }
    let blocks = fraud.plan().blocks();
    let original = blocks.replaced()[(id - population) as usize];
    let mut card = world.card_details(original);
    let blocked = blocks.get(original).expect("a replaced card is blocked");
    card.owner.issued_day = blocked.at.epoch_day();
    card.expires_day = card.owner.expires_day();
    (card, Some(original))
}

/// The dictionaries and number permutations of the card columns.
pub struct CardVocabulary {
    emit_pan: bool,
    mask: PanMask,
    issuers: ArrayRef,
    brands: ArrayRef,
    kinds: ArrayRef,
    products: ArrayRef,
    statuses: ArrayRef,
    /// `[brand]`: the keyed permutation of the brand's account numbers
    /// (BINs are six digits, so the account space is fixed per brand).
    accounts: Vec<Permutation>,
}

impl CardVocabulary {
    pub fn new(world: &World, emit_pan: bool, mask: PanMask) -> Self {
        let cards = &world.profile.cards;
        Self {
            emit_pan,
            mask,
            issuers: string_values(cards.issuers.iter().map(|x| x.name.as_str())),
            brands: string_values(cards.brands.iter().map(|x| x.name.as_str())),
            kinds: string_values(["credit", "check"]),
            products: string_values(cards.products.iter().map(|x| x.name.as_str())),
            statuses: string_values(CARD_STATUSES),
            accounts: cards
                .brands
                .iter()
                .enumerate()
                .map(|(i, brand)| {
                    let account_digits = brand.length - BIN_DIGITS - 1;
                    Permutation::new(
                        stream_key(world.seed(), Domain::CardNumber, 1 << 32 | i as u64),
                        10u64.pow(account_digits),
                    )
                })
                .collect(),
        }
    }

    pub fn emit_pan(&self) -> bool {
        self.emit_pan
    }

    pub fn mask(&self) -> PanMask {
        self.mask
    }

    /// The columns of `cards`, which the card change tables begin with.
    pub fn fields(&self) -> Vec<Field> {
        let mut fields = vec![
            Field::new("card_id", DataType::Int64, false),
            Field::new("customer_id", DataType::Int64, false),
            Field::new("issuer", dictionary_type(), false),
            Field::new("brand", dictionary_type(), false),
            Field::new("card_kind", dictionary_type(), false),
            Field::new("product", dictionary_type(), false),
            Field::new("bin", DataType::Utf8, false),
        ];
        if self.emit_pan {
            fields.push(Field::new("pan", DataType::Utf8, false));
        }
        fields.extend([
            Field::new("pan_masked", DataType::Utf8, false),
            Field::new("pan_last4", DataType::Utf8, false),
            Field::new("issued_at", DataType::Date32, false),
            Field::new("expires_at", DataType::Date32, false),
            Field::new("credit_limit", DataType::Int64, true),
            Field::new("is_main_card", DataType::Boolean, false),
            // A replacement for a card blocked after fraud names that card.
            Field::new("replaces_card_id", DataType::Int64, true),
            Field::new("status", dictionary_type(), false),
        ]);
        fields
    }

    /// The number of card `card_id` (whose facts are `card`): a BIN of its
    /// brand and issuer, then the keyed permutation of its id over the
    /// brand's account space, then Luhn.
    pub fn pan(&self, world: &World, card_id: u64, card: &CardFacts) -> Pan {
        let brand = &world.profile.cards.brands[usize::from(card.brand)];
        let h = EntityHash::new(world.seed(), Domain::Card, card_id);
        let prefix = &brand.prefixes[(h.bits(7) % brand.prefixes.len() as u64) as usize];
        // One BIN per (brand prefix, issuer): issuers own their ranges.
        let bin = synthetic_bin(
            prefix,
            stream_key(world.seed(), Domain::CardNumber, u64::from(card.issuer)),
        );
        debug_assert_eq!(bin.len(), BIN_DIGITS as usize);
        let accounts = &self.accounts[usize::from(card.brand)];
        Pan::new(
            &bin,
            accounts.apply(card_id % accounts.domain()),
            brand.length as usize,
        )
    }
}

/// One card's row: what [`CardColumns::push`] takes.
#[derive(Debug, Clone, Copy)]
pub struct CardImage {
    pub id: u64,
    pub facts: CardFacts,
    pub replaces: Option<u64>,
    pub is_main: bool,
    pub credit_limit: Option<i64>,
    pub status: CardStatus,
}

/// The columns of [`CardVocabulary::fields`], built row by row.
pub struct CardColumns<'a> {
    vocabulary: &'a CardVocabulary,
    ids: Vec<i64>,
    customer: Vec<i64>,
    issuer: Vec<i8>,
    brand: Vec<i8>,
    kind: Vec<i8>,
    product: Vec<i8>,
    bins: StringBuilder,
    pans: StringBuilder,
    masked: StringBuilder,
    last4: StringBuilder,
    issued: Vec<i32>,
    expires: Vec<i32>,
    limit: Int64Builder,
    main: Vec<bool>,
    replaces: Vec<Option<i64>>,
    status: Vec<i8>,
}

impl<'a> CardColumns<'a> {
    pub fn with_capacity(vocabulary: &'a CardVocabulary, n: usize) -> Self {
        let pan_rows = if vocabulary.emit_pan { n } else { 0 };
        Self {
            vocabulary,
            ids: Vec::with_capacity(n),
            customer: Vec::with_capacity(n),
            issuer: Vec::with_capacity(n),
            brand: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            product: Vec::with_capacity(n),
            bins: StringBuilder::with_capacity(n, n * 6),
            pans: StringBuilder::with_capacity(pan_rows, pan_rows * 16),
            masked: StringBuilder::with_capacity(n, n * 19),
            last4: StringBuilder::with_capacity(n, n * 4),
            issued: Vec::with_capacity(n),
            expires: Vec::with_capacity(n),
            limit: Int64Builder::with_capacity(n),
            main: Vec::with_capacity(n),
            replaces: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, world: &World, card: &CardImage) {
        let facts = &card.facts;
        let pan = self.vocabulary.pan(world, card.id, facts);
        self.ids.push(card.id as i64);
        self.customer.push(facts.owner.customer_id as i64);
        self.issuer.push(facts.issuer as i8);
        self.brand.push(facts.brand as i8);
        self.kind.push(i8::from(!facts.owner.is_credit));
        self.product.push(facts.product as i8);
        self.bins.append_value(&pan.digits[..6]);
        if self.vocabulary.emit_pan {
            self.pans.append_value(&pan.digits);
        }
        self.masked.append_value(self.vocabulary.mask.apply(&pan));
        self.last4.append_value(pan.last4());
        self.issued.push(facts.owner.issued_day as i32);
        self.expires.push(facts.expires_day as i32);
        self.limit.append_option(card.credit_limit);
        self.main.push(card.is_main);
        self.replaces.push(card.replaces.map(|o| o as i64));
        self.status.push(card.status as i8);
    }

    pub fn finish(mut self) -> Result<Vec<ArrayRef>, CoreError> {
        let v = self.vocabulary;
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(self.ids)),
            Arc::new(Int64Array::from(self.customer)),
            dictionary_column(self.issuer, &v.issuers)?,
            dictionary_column(self.brand, &v.brands)?,
            dictionary_column(self.kind, &v.kinds)?,
            dictionary_column(self.product, &v.products)?,
            Arc::new(self.bins.finish()),
        ];
        if v.emit_pan {
            columns.push(Arc::new(self.pans.finish()));
        }
        columns.extend([
            Arc::new(self.masked.finish()) as ArrayRef,
            Arc::new(self.last4.finish()),
            Arc::new(Date32Array::from(self.issued)),
            Arc::new(Date32Array::from(self.expires)),
            Arc::new(self.limit.finish()),
            Arc::new(BooleanArray::from(self.main)),
            Arc::new(Int64Array::from(self.replaces)),
            dictionary_column(self.status, &v.statuses)?,
        ]);
        Ok(columns)
    }
}
