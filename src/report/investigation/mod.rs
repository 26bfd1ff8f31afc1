//! The investigation of one supplier as text for the terminal, a self-contained HTML page with
//! charts, and CSV exports for Excel (Swedish Excel: `;`, decimal comma, UTF-8 with BOM).

mod exports;
mod page;
mod terminal;

pub use exports::write_exports;
pub use page::html_page;
pub use terminal::terminal_report;

use crate::model::{Figure, Flag, Metric};

const CHECKIN: Metric = Metric::Figure(Figure::CheckinRate);

/// How many rows the terminal shows per ranked list and of the flagged visits.
const TOP: usize = 10;
const FLAGGED_SHOWN: usize = 20;

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0).replace('.', ",")
}

/// A number for Swedish Excel: decimal comma, full precision.
fn sv_number(v: f64) -> String {
    v.to_string().replace('.', ",")
}

fn opt_number(v: Option<f64>) -> String {
    v.map(sv_number).unwrap_or_default()
}

fn yes(b: bool) -> &'static str {
    if b {
        "ja"
    } else {
        "nej"
    }
}

fn flag_summary(flags: &std::collections::BTreeMap<Flag, u32>) -> String {
    flags.iter().map(|(f, n)| format!("{} {n}", f.label())).collect::<Vec<_>>().join(", ")
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// The histogram bins of valid visit lengths: 5-minute bins up to 120 minutes, then one more.
pub fn duration_bins(durations: &[f64]) -> Vec<(String, f64)> {
    let mut bins = [0u64; 25];
    for d in durations {
        bins[((d / 5.0).floor() as usize).min(24)] += 1;
    }
    bins.iter().enumerate().map(|(i, n)| (if i == 24 { "120+".to_string() } else { (i * 5).to_string() }, *n as f64)).collect()
}
