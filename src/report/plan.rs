//! Draft action plans (åtgärdsplan) in Swedish: one per supplier with at least one deviation
//! in the quarter. Deviations with one cause are grouped under one heading (their area of the
//! year's account: the check-in figures together, the registration flags together), each
//! group with a table of requirement and values per month, its evidence in tables (staff,
//! clients, example visits), and empty fields for the supplier. Built once as a `Plan` and
//! written as a `Document`, so the Markdown and the Word file say the same.

use crate::model::evidence::Ranked;
use crate::model::{Area, Evidence, Figure, Metric, Status};
use crate::month::evidence::{EvidenceRow, Kind};
use crate::period::quarter::{Deviation, EvidenceTotals, QuarterData};
use crate::report::document::Document;
use crate::report::labels::{escalation_reason_sv, figure_label, format_sv, requirement_sv};

/// How many staff and clients an evidence table names per month.
const NAMED: usize = 5;
/// How many example visits an evidence block names.
const EXAMPLES: usize = 10;

/// The fields the supplier fills in for each group of deviations.
pub const FIELDS: [&str; 5] = ["Orsak", "Åtgärd", "Ansvarig", "Klart senast", "Uppföljning"];

pub struct Plan {
    pub supplier: String,
    pub quarter: String,
    /// The quarter's months, as the tables head them.
    pub months: [String; 3],
    pub made: String,
    /// The date the supplier is asked to reply by (`[plan] reply_days` after `made`).
    pub reply_by: String,
    /// Why the municipality intends a deeper follow-up (SPEC §9), when it does.
    pub deeper_followup: Option<String>,
    pub groups: Vec<Group>,
}

impl Plan {
    /// The number of deviating metrics.
    pub fn deviations(&self) -> usize {
        self.groups.iter().map(|g| g.rows.len()).sum()
    }
}

/// The deviations of one area, with their evidence.
pub struct Group {
    pub area: Area,
    pub rows: Vec<Row>,
    pub evidence: Vec<EvidenceBlock>,
}

/// One deviating metric: the requirement, the supplier's value per month (marked where it
/// deviates), the municipality's in the quarter's last month run, and the streak.
pub struct Row {
    pub metric: Metric,
    pub requirement: String,
    pub months: [String; 3],
    pub municipality: String,
    pub streak: u32,
}

/// The evidence behind one cause (shared by the metrics it explains).
pub struct EvidenceBlock {
    pub title: String,
    /// What is wrong with each example visit (the flag, or the cause).
    pub reason: String,
    /// Totals per deviating month.
    pub counts: Vec<String>,
    /// What the weight column of the tables holds.
    pub weight: String,
    /// (month, staff member, weight).
    pub staff: Vec<[String; 3]>,
    /// (month, client pseudonym, weight).
    pub clients: Vec<[String; 3]>,
    /// (month, absence, weight).
    pub absences: Vec<[String; 3]>,
    /// (month, visit id, check-in and staff member).
    pub examples: Vec<[String; 3]>,
}

/// The plan of one supplier, or `None` when it has no deviation in the quarter.
pub fn build_plan(q: &QuarterData, supplier: &str, made: &str, reply_by: &str) -> Option<Plan> {
    let deviations = q.deviations(supplier);
    if deviations.is_empty() {
        return None;
    }
    let mut areas: Vec<Area> = deviations.iter().map(|d| d.metric.area()).collect();
    areas.sort();
    areas.dedup();
    let groups = areas
        .into_iter()
        .map(|area| {
            let members: Vec<&Deviation> = deviations.iter().filter(|d| d.metric.area() == area).collect();
            let rows = members.iter().map(|d| row(q, supplier, d)).collect();
            let mut seen: Vec<Evidence> = Vec::new();
            let mut evidence = Vec::new();
            for d in &members {
                let Some(key) = Evidence::of(d.metric) else { continue };
                if !seen.contains(&key) {
                    seen.push(key);
                    evidence.push(evidence_block(q, supplier, key, &members));
                }
            }
            Group { area, rows, evidence }
        })
        .collect();
    let deeper_followup = q
        .followup_of(supplier)
        .and_then(escalation_reason_sv)
        .map(|why| format!("Kommunen avser att inleda en fördjupad uppföljning av utföraren eftersom {why}."));
    Some(Plan {
        supplier: supplier.to_string(),
        quarter: q.quarter.to_string(),
        months: q.months.map(|m| m.to_string()),
        made: made.to_string(),
        reply_by: reply_by.to_string(),
        deeper_followup,
        groups,
    })
}

fn row(q: &QuarterData, supplier: &str, d: &Deviation) -> Row {
    let metric = d.metric;
    let texts: Vec<(usize, String)> =
        (0..3).filter(|i| q.has_month(*i)).map(|i| (i, requirement_sv(metric, q.requirement(metric, i)))).collect();
    let requirement = if texts.windows(2).all(|w| w[0].1 == w[1].1) {
        texts.first().map(|t| t.1.clone()).unwrap_or_default()
    } else {
        texts.iter().map(|(i, t)| format!("{}: {t}", q.months[*i])).collect::<Vec<_>>().join("; ")
    };
    let months = [0, 1, 2].map(|i| {
        if !q.has_month(i) {
            return "ej körd".to_string();
        }
        let cell = d.cells[i];
        let value = format_sv(metric, cell.value);
        if cell.status == Status::Deviation {
            format!("{value} (avvikelse)")
        } else {
            value
        }
    });
    let latest = (0..3).rev().find(|i| q.has_month(*i)).unwrap_or(2);
    let municipality = format!("{} ({})", format_sv(metric, d.municipality[latest].value), q.months[latest]);
    let streak = q.followup_of(supplier).and_then(|f| f.metric(metric)).map_or(0, |m| m.streak_months);
    Row { metric, requirement, months, municipality, streak }
}

/// The evidence of one cause over the months in which a metric it explains deviates.
fn evidence_block(q: &QuarterData, supplier: &str, key: Evidence, members: &[&Deviation]) -> EvidenceBlock {
    let explained: Vec<&&Deviation> = members.iter().filter(|d| Evidence::of(d.metric) == Some(key)).collect();
    let mut block = EvidenceBlock {
        title: evidence_title(key),
        reason: example_reason(key),
        counts: Vec::new(),
        weight: weight_header(key),
        staff: Vec::new(),
        clients: Vec::new(),
        absences: Vec::new(),
        examples: Vec::new(),
    };
    let mut per_month_examples: Vec<Vec<[String; 3]>> = Vec::new();
    for i in 0..3 {
        let Some(d) = explained.iter().find(|d| d.cells[i].status == Status::Deviation) else { continue };
        let month = q.months[i].to_string();
        if let Some(counts) = counts_sv(q, supplier, key, i) {
            block.counts.push(format!("{month}: {counts}."));
        }
        let rows = |kind: Kind| d.evidence[i].iter().filter(move |e| e.kind == kind);
        let table = |kind: Kind, n: usize| -> Vec<[String; 3]> {
            rows(kind).take(n).map(|e| [month.clone(), e.id.clone(), weight_sv(e)]).collect()
        };
        block.staff.extend(table(Kind::Staff, NAMED));
        block.clients.extend(table(Kind::Client, NAMED));
        block.absences.extend(table(Kind::Absence, NAMED));
        per_month_examples.push(rows(Kind::Visit).map(|e| [month.clone(), e.id.clone(), e.detail.clone().unwrap_or_default()]).collect());
    }
    // Example visits taken in turn from each deviating month.
    let longest = per_month_examples.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..longest {
        for month in &per_month_examples {
            if let Some(example) = month.get(k) {
                if block.examples.len() < EXAMPLES && !block.examples.iter().any(|e| e[1] == example[1]) {
                    block.examples.push(example.clone());
                }
            }
        }
    }
    block
}

/// What a kind of evidence is about, as a heading.
fn evidence_title(key: Evidence) -> String {
    key.def().title.into_owned()
}

/// What is wrong with an example visit of a kind of evidence.
fn example_reason(key: Evidence) -> String {
    key.def().example_reason.map(|r| r.into_owned()).unwrap_or_default()
}

/// The weight column's header for a kind of evidence.
fn weight_header(key: Evidence) -> String {
    key.def().weight_heading.into()
}

/// An evidence row's weight as its table cell: a count, or for completion the client's rate.
fn weight_sv(e: &EvidenceRow) -> String {
    let v = e.value.unwrap_or(0.0);
    let count = || format!("{}", v.round() as u64);
    match e.kind {
        Kind::Client if e.evidence.def().ranked == Ranked::ClientsByCompletion => {
            format_sv(Metric::Figure(Figure::CompletionRate), Some(v))
        }
        Kind::Staff | Kind::Client | Kind::Visit | Kind::Absence => count(),
    }
}

/// The totals behind a kind of evidence in month `i`, as a sentence.
fn counts_sv(q: &QuarterData, supplier: &str, evidence: Evidence, i: usize) -> Option<String> {
    Some(match q.evidence_totals(supplier, evidence, i)? {
        EvidenceTotals::Unverified { unverified, visits } => format!("{unverified} av {visits} besök saknar godkänd in- och utkvittering"),
        EvidenceTotals::Short { short, valid, limit_minutes } => {
            format!("{short} av {valid} besök med giltig tid var kortare än {limit_minutes} minuter")
        }
        EvidenceTotals::CompletionOutside { outside, judged } => {
            format!("{outside} av {judged} kunder med beviljad tid ligger utanför intervallet")
        }
        EvidenceTotals::Continuity { clients } => format!("{clients} kunder ingår i mätningen"),
        EvidenceTotals::Flagged { flagged, visits } => format!("{flagged:.0} av {visits} besök flaggade"),
        EvidenceTotals::Unserved { unserved, granted_clients } => {
            format!("{unserved} av {granted_clients} kunder med beviljad tid fick inget besök")
        }
        EvidenceTotals::ManualWithoutReason { without_reason, manual } => {
            format!("{without_reason} av {manual} manuella registreringar saknar orsak")
        }
    })
}

/// The plan as a document: the same text as Markdown and as Word.
pub fn plan_document(plan: &Plan) -> Document {
    let mut doc = Document::default();
    doc.heading(1, format!("Åtgärdsplan – {}", plan.supplier));
    doc.table(
        "",
        &["Uppgift", ""],
        vec![
            vec!["Utförare".into(), plan.supplier.clone()],
            vec!["Kvartal".into(), plan.quarter.clone()],
            vec!["Upprättad".into(), plan.made.clone()],
            vec!["Svar senast".into(), plan.reply_by.clone()],
            vec!["Diarienummer / referens".into(), String::new()],
        ],
    );
    let n = plan.deviations();
    let areas = plan.groups.len();
    doc.paragraph(format!(
        "Kommunen följer varje månad upp utförarens tidsregistrering mot kraven i avtalet. Uppföljningen för {} visar {n} avvikelse{} från avtalets krav inom {areas} område{}. Utföraren ombeds senast {} fylla i orsak, åtgärd, ansvarig, när åtgärden ska vara klar och hur den följs upp för varje område nedan, underteckna planen och skicka den till kommunen.",
        plan.quarter,
        if n == 1 { "" } else { "r" },
        if areas == 1 { "" } else { "n" },
        plan.reply_by
    ));
    if let Some(text) = &plan.deeper_followup {
        doc.paragraph(format!("Fördjupad uppföljning: {text}"));
    }
    for (k, group) in plan.groups.iter().enumerate() {
        doc.heading(2, format!("{}. {}", k + 1, group.area.label()));
        let mut header: Vec<&str> = vec!["Mått", "Krav"];
        header.extend(plan.months.iter().map(String::as_str));
        header.extend(["Hela kommunen", "Månader i följd"]);
        let rows = group
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![figure_label(r.metric), r.requirement.clone()];
                row.extend(r.months.iter().cloned());
                row.extend([r.municipality.clone(), r.streak.to_string()]);
                row
            })
            .collect();
        doc.table("", &header, rows);
        for block in &group.evidence {
            doc.heading(3, format!("Underlag: {}", block.title));
            if !block.counts.is_empty() {
                doc.bullets(block.counts.clone());
            }
            for (rows, who) in [(&block.staff, "Personal"), (&block.clients, "Kund (pseudonym)"), (&block.absences, "Frånvaro")] {
                if !rows.is_empty() {
                    let weight = if who == "Frånvaro" { "Besök under frånvaron" } else { block.weight.as_str() };
                    doc.table("", &["Månad", who, weight], rows.iter().map(|r| r.to_vec()).collect());
                }
            }
            if !block.examples.is_empty() {
                doc.paragraph("Exempel på besök:");
                let rows = block.examples.iter().map(|[month, id, detail]| {
                    let (when, staff) = detail.split_once(", ").unwrap_or((detail.as_str(), ""));
                    vec![month.clone(), id.clone(), when.to_string(), staff.to_string(), block.reason.clone()]
                });
                doc.table("", &["Månad", "Besöks-id", "Inkvittering", "Personal", "Avvikelse"], rows.collect());
            }
        }
        doc.heading(3, "Fylls i av utföraren");
        doc.table("", &["Fält", "Utförarens svar"], FIELDS.iter().map(|f| vec![f.to_string(), String::new()]).collect());
    }
    doc.heading(2, "Underskrifter");
    doc.table(
        "",
        &["", "Namn", "Datum", "Underskrift"],
        vec![
            vec!["För utföraren".into(), String::new(), String::new(), String::new()],
            vec!["För kommunen".into(), String::new(), String::new(), String::new()],
        ],
    );
    doc
}
