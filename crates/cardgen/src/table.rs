//! The tables of a dataset.

use std::fmt;
use std::str::FromStr;

use crate::setting::{Setting, SpecError};

/// One table of a cardgen dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Table {
    /// The fact table: one row per card authorisation.
    Transactions,
    /// One row per customer.
    Customers,
    /// One row per card, with its number in masked forms.
    Cards,
    /// One row per merchant.
    Merchants,
    /// One row per fraud case: the ground truth behind fraudulent transactions.
    FraudCases,
    /// Every version of every customer (SCD Type 2: `valid_from`,
    /// `valid_to`, `is_current`).
    CustomersHistory,
    /// The customers' change feed: one row per change with the new values.
    CustomersChanges,
    /// Every version of every card (SCD Type 2): limits and blocks.
    CardsHistory,
    /// The cards' change feed: cards issued and changed, with the new values.
    CardsChanges,
}

impl Table {
    /// Every table, in the order a dataset is written.
    pub const ALL: [Table; 9] = [
        Table::Transactions,
        Table::Customers,
        Table::Cards,
        Table::Merchants,
        Table::FraudCases,
        Table::CustomersHistory,
        Table::CustomersChanges,
        Table::CardsHistory,
        Table::CardsChanges,
    ];

    /// The table's name, as in file names and metadata: `transactions`, …
    pub fn name(self) -> &'static str {
        match self {
            Table::Transactions => "transactions",
            Table::Customers => "customers",
            Table::Cards => "cards",
            Table::Merchants => "merchants",
            Table::FraudCases => "fraud_cases",
            Table::CustomersHistory => "customers_history",
            Table::CustomersChanges => "customers_changes",
            Table::CardsHistory => "cards_history",
            Table::CardsChanges => "cards_changes",
        }
    }

    /// The file name of the table in a dataset directory: `transactions.parquet`, …
    pub fn file_name(self) -> String {
        format!("{}.parquet", self.name())
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Table {
    type Err = SpecError;

    fn from_str(name: &str) -> Result<Self, SpecError> {
        Table::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| SpecError::Invalid {
                setting: Setting::Table,
                value: name.to_string(),
                reason:
                    "not a table; accepted: transactions, customers, cards, merchants, fraud_cases, customers_history, customers_changes, cards_history, cards_changes"
                        .into(),
            })
    }
}
