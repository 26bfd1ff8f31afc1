//! Integration tests: the real binary on files in temporary directories.

mod cli;
mod common;
mod dataset;
mod determinism;
mod figures;
mod flags;
mod followup;
mod fuzz;
mod hostile;
mod ingest;
mod invariants;
mod investigate;
mod monthly;
mod oracle;
mod payment;
mod payment_reports;
mod plausibility;
mod quarter;
mod reliability;
mod sample;
mod status;
mod workbook;
