//! The investigation of one supplier as text for the terminal, a self-contained HTML page with
//! charts, and CSV exports for Excel (Swedish Excel: `;`, decimal comma, UTF-8 with BOM).

mod exports;
mod page;
mod terminal;

pub use exports::write_exports;
pub use page::html_page;
pub use terminal::terminal_report;

use crate::model::{Figure, Flag, Metric, Questioned};
use crate::month::payment::PaymentRow;
use crate::period::investigate::Investigation;
use crate::period::payment_sum::PaymentSum;
use crate::report::labels::{kronor_sv, minutes_sv, percent_sv};

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

/// Minutes kept in hundredths with two decimals and a decimal comma (`30,50`), exact.
fn hundredths_sv(value: i64) -> String {
    crate::model::payment::hundredths_text(value).replace('.', ",")
}

/// One column of the payment basis: a stored month's row or the period's sum; `None` where
/// the month has no payment basis (stored before it) or lacks the input or the rate.
struct PaymentCells {
    registered: Option<i64>,
    questioned: Option<i64>,
    per_reason: [Option<i64>; Questioned::COUNT],
    invoiced: Option<i64>,
    excess: Option<i64>,
    kronor: Option<i64>,
    excess_kronor: Option<i64>,
}

impl PaymentCells {
    fn of_month(row: Option<&PaymentRow>) -> PaymentCells {
        PaymentCells {
            registered: row.map(|r| r.registered),
            questioned: row.map(|r| r.questioned),
            per_reason: Questioned::ALL.map(|q| row.map(|r| r.per_reason[q as usize])),
            invoiced: row.and_then(|r| r.invoiced),
            excess: row.and_then(|r| r.invoice_excess),
            kronor: row.and_then(|r| r.questioned_kronor),
            excess_kronor: row.and_then(|r| r.invoice_excess_kronor),
        }
    }

    fn of_sum(sum: &PaymentSum) -> PaymentCells {
        PaymentCells {
            registered: Some(sum.registered),
            questioned: Some(sum.questioned),
            per_reason: Questioned::ALL.map(|q| Some(sum.per_reason[q as usize])),
            invoiced: sum.invoiced,
            excess: sum.invoice_excess,
            kronor: sum.questioned_kronor,
            excess_kronor: sum.invoice_excess_kronor,
        }
    }
}

/// The supplier's payment basis as rows of a label and one cell per stored month, then the
/// period's sum when it has more than one month: what the page's summary and the terminal
/// show. The kronor rows only with an hourly rate, the invoice rows only with invoices.
fn payment_rows(inv: &Investigation) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let p = &inv.payment;
    let mut heads: Vec<String> = inv.stored.iter().map(|m| m.month.to_string()).collect();
    let mut columns: Vec<PaymentCells> = p.months.iter().map(|r| PaymentCells::of_month(r.as_ref())).collect();
    if inv.stored.len() > 1 {
        heads.push(format!("Hela perioden ({})", inv.period));
        columns.push(PaymentCells::of_sum(&p.total));
    }
    let minutes = |v: Option<i64>| v.map_or("–".to_string(), minutes_sv);
    let kronor = |v: Option<i64>| v.map_or("–".to_string(), kronor_sv);
    let row = |label: &str, cell: &dyn Fn(&PaymentCells) -> String| (label.to_string(), columns.iter().map(cell).collect());
    let mut rows = vec![
        row("Registrerad tid", &|c| minutes(c.registered)),
        row("Ifrågasatt tid", &|c| match (c.questioned, c.registered) {
            (Some(q), Some(r)) => format!("{} ({})", minutes_sv(q), percent_sv(q, r)),
            _ => "–".to_string(),
        }),
    ];
    for q in Questioned::ALL {
        rows.push(row(&format!("varav {}", q.label().to_lowercase()), &|c| minutes(c.per_reason[q as usize])));
    }
    if p.total.kronor_months > 0 {
        rows.push(row("Ifrågasatt belopp", &|c| kronor(c.kronor)));
    }
    if p.total.invoice_months > 0 {
        rows.push(row("Fakturerad tid", &|c| minutes(c.invoiced)));
        rows.push(row("Fakturerad tid utan stöd i registreringarna", &|c| minutes(c.excess)));
        if p.total.kronor_months > 0 {
            rows.push(row("Fakturerat utan stöd, belopp", &|c| kronor(c.excess_kronor)));
        }
    }
    (heads, rows)
}

/// What the payment basis lacks over the period, in words: months stored before it, months
/// without an hourly rate or without invoices. Empty when nothing is missing.
/// The questioned visits per reason, for the reasons that have some: "Besök under kundens
/// frånvaro 70 besök, 2 920 min".
fn questioned_counts(p: &crate::period::investigate::Payment) -> Vec<String> {
    p.per_reason().into_iter().filter(|(_, n, _)| *n > 0).map(|(q, n, m)| format!("{} {n} besök, {}", q.label(), minutes_sv(m))).collect()
}

fn payment_gaps(inv: &Investigation) -> Vec<String> {
    let p = &inv.payment;
    let months_where = |keep: &dyn Fn(&PaymentRow) -> bool| -> Vec<String> {
        inv.stored.iter().zip(&p.months).filter(|(_, r)| r.as_ref().is_some_and(keep)).map(|(m, _)| m.month.to_string()).collect()
    };
    let mut gaps = Vec::new();
    let before: Vec<String> = inv.stored.iter().zip(&p.months).filter(|(_, r)| r.is_none()).map(|(m, _)| m.month.to_string()).collect();
    if !before.is_empty() {
        gaps.push(format!(
            "{} sparades utan ersättningsunderlag (före den versionen av tidkoll); kör månaden igen för att få det",
            before.join(", ")
        ));
    }
    let no_rate = months_where(&|r| r.questioned_kronor.is_none());
    if !no_rate.is_empty() {
        gaps.push(format!("{}: inget timpris ([payment] hourly_rate), så inga belopp i kronor", no_rate.join(", ")));
    }
    if p.total.invoice_months > 0 {
        let no_invoices = months_where(&|r| r.invoiced.is_none());
        if !no_invoices.is_empty() {
            gaps.push(format!("{}: ingen fakturafil (--invoices), så ingen jämförelse med fakturerad tid", no_invoices.join(", ")));
        }
    }
    gaps
}

/// The histogram bins of valid visit lengths: 5-minute bins up to 120 minutes, then one more.
pub fn duration_bins(durations: &[f64]) -> Vec<(String, f64)> {
    let mut bins = [0u64; 25];
    for d in durations {
        bins[((d / 5.0).floor() as usize).min(24)] += 1;
    }
    bins.iter().enumerate().map(|(i, n)| (if i == 24 { "120+".to_string() } else { (i * 5).to_string() }, *n as f64)).collect()
}
