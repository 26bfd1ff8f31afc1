//! Draft action plans (åtgärdsplan) in Swedish: one per supplier with at least one deviation
//! in the quarter, one section per deviation with the requirement, the value per month, the
//! evidence, and empty fields for the supplier to fill in. Built once as a `Plan`, written as
//! Markdown here and as Word in `docx`.

use std::fmt::Write as _;

use crate::analysis::MemberRow;
use crate::evidence::{EvidenceRow, Kind};
use crate::model::{Evidence, Figure, Metric, Status, Tally};
use crate::quarter::{example_visits, Deviation, QuarterData};
use crate::report::labels::{escalation_reason_sv, figure_label, format_sv, requirement_sv, status_sv, streak_sv};
use crate::report::markdown_text;

/// How many staff and clients a section names per month.
const NAMED: usize = 5;
/// How many example visits a section names.
const EXAMPLES: usize = 10;

/// The fields the supplier fills in for each deviation.
pub const FIELDS: [&str; 5] = ["Orsak", "Åtgärd", "Ansvarig", "Klart senast", "Uppföljning"];

pub struct Plan {
    pub supplier: String,
    pub quarter: String,
    pub made: String,
    /// Why the municipality intends a deeper follow-up (SPEC §9), when it does.
    pub deeper_followup: Option<String>,
    pub sections: Vec<Section>,
}

pub struct Section {
    /// The metric, e.g. `checkin_rate` or `flag_rate.adjacent`.
    pub metric: Metric,
    pub title: String,
    /// Requirement text, per month when the months were judged differently.
    pub requirement: String,
    /// One line per month: value, status and the municipality-wide value.
    pub months: Vec<String>,
    /// How many months in a row the deviation has lasted.
    pub streak: String,
    /// Counts and the staff and clients that contribute most, per deviating month.
    pub evidence: Vec<String>,
    pub examples: Vec<String>,
}

/// The plan of one supplier, or `None` when it has no deviation in the quarter.
pub fn build_plan(q: &QuarterData, supplier: &str, made: &str) -> Option<Plan> {
    let deviations = q.deviations(supplier);
    if deviations.is_empty() {
        return None;
    }
    let sections = deviations.iter().map(|d| section(q, supplier, d)).collect();
    let deeper_followup = q
        .followup_of(supplier)
        .and_then(escalation_reason_sv)
        .map(|why| format!("Kommunen avser att inleda en fördjupad uppföljning av utföraren eftersom {why}."));
    Some(Plan { supplier: supplier.to_string(), quarter: q.quarter.to_string(), made: made.to_string(), deeper_followup, sections })
}

fn section(q: &QuarterData, supplier: &str, d: &Deviation) -> Section {
    let figure = d.metric;
    let texts: Vec<(usize, String)> =
        (0..3).filter(|i| q.has_month(*i)).map(|i| (i, requirement_sv(figure, q.requirement(figure, i)))).collect();
    let requirement = if texts.windows(2).all(|w| w[0].1 == w[1].1) {
        texts.first().map(|t| t.1.clone()).unwrap_or_default()
    } else {
        texts.iter().map(|(i, t)| format!("{}: {t}", q.months[*i])).collect::<Vec<_>>().join("; ")
    };
    let months = (0..3)
        .map(|i| {
            let month = q.months[i];
            if !q.has_month(i) {
                return format!("{month}: månaden saknas (ej körd)");
            }
            let cell = d.cells[i];
            let all = d.municipality[i];
            format!(
                "{month}: {} – {} (hela kommunen: {})",
                format_sv(figure, cell.value),
                status_sv(cell.status),
                format_sv(figure, all.value)
            )
        })
        .collect();
    let mut evidence = Vec::new();
    for i in 0..3 {
        if d.cells[i].status != Status::Deviation {
            continue;
        }
        let mut line = format!("{}:", q.months[i]);
        if let Some(counts) = Evidence::of(figure).and_then(|e| counts_sv(q, supplier, e, i)) {
            write!(line, " {counts}.").unwrap();
        }
        for (kind, what) in [
            (Kind::Staff, "Personal som bidrar mest"),
            (Kind::Client, "Kunder som bidrar mest"),
            (Kind::Absence, "Frånvaro som besöken registrerades under"),
        ] {
            let named: Vec<String> =
                d.evidence[i].iter().filter(|e| e.kind == kind).take(NAMED).map(|e| format!("{} ({})", e.id, weight_sv(e))).collect();
            if !named.is_empty() {
                let separator = if kind == Kind::Absence { "; " } else { ", " };
                write!(line, " {what}: {}.", named.join(separator)).unwrap();
            }
        }
        evidence.push(line);
    }
    let streak = q.followup_of(supplier).and_then(|f| f.metric(figure)).map_or(0, |m| m.streak_months);
    Section {
        metric: figure,
        title: figure_label(figure),
        requirement,
        months,
        streak: streak_sv(streak, q.months[2]),
        evidence,
        examples: example_visits(d, EXAMPLES).into_iter().map(str::to_string).collect(),
    }
}

/// What an evidence row's weight means for the evidence, in Swedish.
fn weight_sv(e: &EvidenceRow) -> String {
    let v = e.value.unwrap_or(0.0);
    let n = v.round() as u64;
    if e.kind == Kind::Absence {
        return format!("{n} besök under frånvaron");
    }
    match e.evidence {
        Evidence::Unverified => format!("{n} besök utan godkänd kvittering"),
        Evidence::Short => format!("{n} korta besök"),
        Evidence::CompletionOutside => format!("utförandegrad {}", format_sv(Metric::Figure(Figure::CompletionRate), Some(v))),
        Evidence::UnreportedAddons => format!("{n} utförda tillägg ej rapporterade"),
        Evidence::LateReports => format!("{n} sena rapporter"),
        Evidence::Continuity => format!("{n} olika personal under mätperioden"),
        Evidence::Unserved => format!("{n} beviljade minuter utan besök"),
        Evidence::ManualWithoutReason => format!("{n} manuella registreringar utan orsak"),
        Evidence::Flagged(_) => format!("{n} flaggade besök"),
    }
}

/// Totals behind a kind of evidence in month `i`, folded from the supplier's stored tallies.
fn counts_sv(q: &QuarterData, supplier: &str, evidence: Evidence, i: usize) -> Option<String> {
    let sum = |rows: Vec<&MemberRow>| -> Tally { rows.iter().map(|m| &m.tally).sum() };
    let clients = q.members(supplier, i, false);
    let staff = sum(q.members(supplier, i, true));
    match evidence {
        Evidence::Unverified => Some(format!("{} av {} besök saknar godkänd in- och utkvittering", staff.unverified(), staff.visits)),
        Evidence::Short => {
            let limit = q.config(i).map_or(5.0, |c| c.parameters.short_visit_minutes);
            Some(format!("{} av {} besök med giltig tid var kortare än {limit} minuter", staff.short, staff.valid))
        }
        Evidence::CompletionOutside => {
            let range = q.requirement(Metric::Figure(Figure::CompletionRate), i).unwrap_or_default();
            let judged: Vec<bool> = clients.iter().filter_map(|c| c.tally.completion_within(range)).collect();
            let outside = judged.iter().filter(|inside| !**inside).count();
            Some(format!("{outside} av {} kunder med beviljad tid ligger utanför intervallet", judged.len()))
        }
        Evidence::Continuity => {
            let qualifying = sum(clients).continuity_clients;
            Some(format!("{qualifying} kunder ingår i mätningen"))
        }
        Evidence::Flagged(flag) => {
            let count = q.cells(supplier, Metric::FlagCount(flag))[i].value.unwrap_or(0.0);
            Some(format!("{count:.0} av {} besök flaggade", staff.visits))
        }
        Evidence::Unserved => {
            let granted = clients.iter().filter(|c| c.tally.granted.is_some_and(|g| g.is_positive())).count();
            Some(format!("{} av {granted} kunder med beviljad tid fick inget besök", sum(clients).unserved))
        }
        Evidence::ManualWithoutReason => {
            Some(format!("{} av {} manuella registreringar saknar orsak", staff.manual_without_reason(), staff.manual))
        }
        Evidence::UnreportedAddons | Evidence::LateReports => None,
    }
}

/// The plan as Markdown.
pub fn to_markdown(plan: &Plan) -> String {
    // Every text from the exports is escaped: a supplier or id cannot make a table cell, a
    // link or raw HTML.
    let t = |text: &str| markdown_text(text);
    let mut md = String::new();
    writeln!(md, "# Åtgärdsplan – {}\n", t(&plan.supplier)).unwrap();
    writeln!(md, "| | |\n|---|---|").unwrap();
    writeln!(md, "| Utförare | {} |", t(&plan.supplier)).unwrap();
    writeln!(md, "| Kvartal | {} |", plan.quarter).unwrap();
    writeln!(md, "| Upprättad | {} |", plan.made).unwrap();
    writeln!(md, "| Diarienummer / referens | |\n").unwrap();
    writeln!(
        md,
        "Uppföljningen av tidsregistreringarna för {} visar {} avvikelse{} från avtalets krav. Utföraren ombeds fylla i orsak, åtgärd, ansvarig, när åtgärden ska vara klar och hur den följs upp för varje avvikelse.\n",
        plan.quarter,
        plan.sections.len(),
        if plan.sections.len() == 1 { "" } else { "r" }
    )
    .unwrap();
    if let Some(text) = &plan.deeper_followup {
        writeln!(md, "**Fördjupad uppföljning:** {}\n", t(text)).unwrap();
    }
    for (n, s) in plan.sections.iter().enumerate() {
        writeln!(md, "## {}. {}\n", n + 1, t(&s.title)).unwrap();
        writeln!(md, "**Krav:** {}\n", t(&s.requirement)).unwrap();
        writeln!(md, "**Uppmätt värde per månad:**\n").unwrap();
        for m in &s.months {
            writeln!(md, "- {}", t(m)).unwrap();
        }
        writeln!(md, "\n{}", t(&s.streak)).unwrap();
        if !s.evidence.is_empty() {
            writeln!(md, "\n**Underlag:**\n").unwrap();
            for e in &s.evidence {
                writeln!(md, "- {}", t(e)).unwrap();
            }
        }
        if !s.examples.is_empty() {
            writeln!(md, "\n**Exempel på besök (besöks-id):** {}", t(&s.examples.join(", "))).unwrap();
        }
        writeln!(md, "\n| Fylls i av utföraren | |\n|---|---|").unwrap();
        for f in FIELDS {
            writeln!(md, "| {f} | |").unwrap();
        }
        md.push('\n');
    }
    md
}
