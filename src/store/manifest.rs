//! `manifest.json`: what a stored month was made from (inputs with their hashes and row
//! accounting, the configuration in force, the program's version) and how long it took.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::config::Config;
use crate::model::FileAccount;

/// The manifest of one stored month. Written with its keys in alphabetical order at every
/// level, as a JSON object of sorted keys, so that two runs of the same month compare line by
/// line.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub program: &'static str,
    pub version: &'static str,
    pub month: String,
    /// UTC, to the second.
    pub created: String,
    pub config_file: Option<String>,
    pub config: Config,
    /// Where the pseudonym key came from (never the key).
    pub pseudonym_key: String,
    /// Months with different fingerprints were pseudonymised with different keys.
    pub pseudonym_key_fingerprint: String,
    pub inputs: Vec<FileAccount>,
    /// Each input as the run was given it (`--visits`, `--granted`, …): the path typed, so
    /// that a message can give the command that makes another month the same way.
    pub input_paths: Vec<InputPath>,
    pub accounting: Accounting,
    pub seconds: f64,
    pub stage_seconds: StageSeconds,
}

/// One input file as given on the command line: its kind (`visits`, `granted`, `addons`,
/// `absences`) and its path, scrubbed of personnummer.
#[derive(Debug, Serialize)]
pub struct InputPath {
    pub kind: &'static str,
    pub path: String,
}

/// The month's totals.
#[derive(Debug, Serialize)]
pub struct Accounting {
    pub visits_analysed: usize,
    pub suppliers: usize,
    pub rejected: u64,
    pub duplicates: u64,
    pub flag_rows: usize,
}

/// Seconds per stage. `figures_and_flags` is grouping the visits and computing the figures,
/// flags, drill-down and evidence; `visits_table` writing `visits.parquet`, which runs beside
/// them; `write` the other tables, written once the figures are ready, beside the end of
/// `visits.parquet`. The stages after the read take the longer of `figures_and_flags` +
/// `write` and the grouping + `visits_table`.
#[derive(Debug, Serialize)]
pub struct StageSeconds {
    pub read: f64,
    pub figures_and_flags: f64,
    pub visits_table: f64,
    pub write: f64,
}

/// Writes `manifest.json` into `dir`.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let path = dir.join("manifest.json");
    // Through a JSON value, whose objects keep their keys sorted.
    let value = serde_json::to_value(manifest).context("manifestet kan inte byggas")?;
    let mut file = fs::File::create(&path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    serde_json::to_writer_pretty(&mut file, &value)?;
    writeln!(file)?;
    file.sync_all().with_context(|| format!("{} kan inte skrivas", path.display()))
}
