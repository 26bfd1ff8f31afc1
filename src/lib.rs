//! tidkoll: monthly follow-up of home-care time registrations (see SPEC and README).

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod evidence;
pub mod figures;
pub mod flags;
pub mod followup;
pub mod generate;
pub mod ingest;
pub mod investigate;
pub mod model;
pub mod privacy;
pub mod quarter;
pub mod report;
pub mod store;
pub mod year;
