//! cardgen-core: deterministic synthetic card transactions, generated batch by
//! batch straight into Arrow arrays.
//!
//! This crate knows the domain (customers, cards, merchants, how people pay)
//! and nothing about threads or files. Its one promise: a batch's rows are a
//! pure function of the seed, the options and the batch's position. The
//! pipeline crate relies on that to generate batches on any thread, in any
//! order, and still write byte-identical files.
//!
//! - [`seed`]: turning one seed into independent random streams.
//! - [`profile`]: the market scenario as data.
//! - [`date_range`]: the days a dataset covers.
//! - [`timeline`]: placing rows in time along daily and weekly rhythms.
//! - [`row_clock`]: the time of any one row of `transactions`.
//! - [`permutation`]: keyed bijections of `0..n`, with their inverse.
//! - [`customers`]: customers and their activity as functions of the id.
//! - [`changes`]: customers' moves and other changes, and cards' limits and
//!   blocks, over time; the `*_history` and `*_changes` tables that list them.
//! - [`card_columns`]: a card's columns, shared by the card tables.
//! - [`merchants`]: merchants and their popularity as functions of the id.
//! - [`population`]: population sizes and cards.
//! - [`world`]: one dataset's population and shared lookup tables.
//! - [`fraud`]: fraud cases, the rows they claim and the cards they block,
//!   derived from a world and kept beside it ([`WorldWithFraud`]).
//! - [`pan`]: card numbers, Luhn and masks.
//! - [`dimensions`]: the `customers`, `cards` and `merchants` tables.
//! - [`plan`]: cutting a table into batches.
//! - [`transactions`]: the `transactions` fact table.

pub mod arrays;
pub mod card_columns;
pub mod changes;
pub mod customers;
pub mod date_range;
pub mod dimensions;
pub mod error;
pub mod fraud;
pub mod merchants;
pub mod pan;
pub mod permutation;
pub mod plan;
pub mod population;
pub mod profile;
pub mod reference;
pub mod row_clock;
pub mod sampling;
pub mod seed;
pub mod table;
pub mod timeline;
pub mod transactions;
pub mod world;

/// The Arrow crates this one builds on, for implementors of [`TableGenerator`].
pub use arrow_array;
pub use arrow_schema;
pub use date_range::{DatasetRange, DateRange};
pub use error::CoreError;
pub use fraud::WorldWithFraud;
pub use plan::{BatchPlan, BatchSpec};
pub use profile::{Profile, ProfileError};
pub use table::TableGenerator;
pub use transactions::TransactionGenerator;
pub use world::{World, WorldOptions};

/// The generator's version, recorded in every file it writes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
