//! tidkoll: monthly follow-up of home-care time registrations (see SPEC and README).
//!
//! The layers, from the bottom: `model` (domain types, imports nothing of tidkoll but
//! `bytes_map`), `engine` (how the month's visits are placed and walked in parallel), `ingest`
//! (exports to visits), `month` (one month's tallies, figures, flags and evidence), `store`
//! (a month written and read back), `period` (the work over stored months: follow-up,
//! quarter, year, investigation), `report` (formatting only) and `commands` (one per
//! subcommand).

pub mod bytes_map;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod month;
pub mod period;
pub mod privacy;
pub mod report;
pub mod store;
