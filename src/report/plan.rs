//! Draft action plans (åtgärdsplan) in Swedish: one per supplier with at least one deviation
//! in the quarter. Deviations with one cause are grouped under one heading (their area of the
//! year's account: the check-in figures together, the registration flags together), each
//! group with a table of requirement and values per month, its evidence in tables (staff,
//! clients, example visits), and empty fields for the supplier. Built once as a `Plan` and
//! written as a `Document`, so the Markdown and the Word file say the same.

use crate::config::MunicipalityConfig;
use crate::model::evidence::Ranked;
use crate::model::{Area, Evidence, Figure, Metric, Status};
use crate::month::evidence::{EvidenceRow, Kind};
use crate::month::payment::PaymentRow;
use crate::month::sample::AnswerSummary;
use crate::period::quarter::{Deviation, EvidenceTotals, QuarterData};
use crate::report::document::Document;
use crate::report::document::Properties;
use crate::report::labels::{
    escalation_reasons_sv, escalation_rules_sv, figure_label, format_sv, kronor_sv, minutes_sv, percent_sv, requirement_sv,
};

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
    /// The municipality that sends the plan (`[municipality]`).
    pub sender: MunicipalityConfig,
    /// Why the municipality intends a deeper follow-up (SPEC §9), when it does: the rules, and
    /// one short line per reason.
    pub deeper_followup: Option<(String, Vec<String>)>,
    pub groups: Vec<Group>,
    /// The verification sample's answers per month where read back (SPEC §11): month, the
    /// random part's answered and unconfirmed visits, the risk part's.
    pub sample_checks: Vec<[String; 5]>,
    /// The payment basis (SPEC §10), when the supplier has questioned or unsupported time in
    /// the quarter.
    pub payment: Option<PaymentSection>,
}

/// What the registrations mean for the payment: per month the registered, questioned and
/// unsupported time, and per reason the questioned visits with examples.
pub struct PaymentSection {
    /// Whether the months were run with an hourly rate (the kronor columns).
    pub kronor: bool,
    /// Whether some month was run with invoices (the invoice columns).
    pub invoices: bool,
    /// (month, registered, questioned, share, questioned kronor, invoiced, unsupported,
    /// unsupported kronor); `–` where a value is missing.
    pub months: Vec<[String; 8]>,
    /// (reason, visits, minutes, kronor) over the quarter.
    pub reasons: Vec<[String; 4]>,
    /// (month, visit id, reason, minutes): a few questioned visits per reason.
    pub examples: Vec<[String; 4]>,
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
    /// (month, visit id, check-in and staff member, the visits it is paired with).
    pub examples: Vec<[String; 4]>,
}

/// The plan of one supplier, or `None` when it has no deviation in the quarter.
pub fn build_plan(q: &QuarterData, supplier: &str, sender: &MunicipalityConfig, made: &str, reply_by: &str) -> Option<Plan> {
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
    let deeper_followup = q.followup_of(supplier).and_then(|f| {
        let why = escalation_reasons_sv(f);
        (!why.is_empty()).then(|| (escalation_rules_sv(f), why))
    });
    Some(Plan {
        supplier: supplier.to_string(),
        quarter: q.quarter.to_string(),
        months: q.months.map(|m| m.to_string()),
        made: made.to_string(),
        reply_by: reply_by.to_string(),
        sender: sender.clone(),
        deeper_followup,
        groups,
        sample_checks: sample_checks(q, supplier),
        payment: payment_section(q, supplier),
    })
}

/// The supplier's payment basis over the quarter, or `None` when no month has questioned or
/// unsupported time (or none was run with the payment basis).
fn payment_section(q: &QuarterData, supplier: &str) -> Option<PaymentSection> {
    let rows: Vec<(usize, &PaymentRow)> = (0..3).filter_map(|i| Some((i, q.payment(supplier, i)?))).collect();
    if !rows.iter().any(|(_, p)| p.questioned > 0 || p.invoice_excess.is_some_and(|e| e > 0)) {
        return None;
    }
    let dash = || "–".to_string();
    let kronor = |k: Option<i64>| k.map(kronor_sv).unwrap_or_else(dash);
    let minutes = |m: Option<i64>| m.map(minutes_sv).unwrap_or_else(dash);
    let months = rows
        .iter()
        .map(|(i, p)| {
            [
                q.months[*i].to_string(),
                minutes_sv(p.registered),
                minutes_sv(p.questioned),
                percent_sv(p.questioned, p.registered),
                kronor(p.questioned_kronor),
                minutes(p.invoiced),
                minutes(p.invoice_excess),
                kronor(p.invoice_excess_kronor),
            ]
        })
        .collect();
    let kronor_given = rows.iter().any(|(_, p)| p.questioned_kronor.is_some());
    let with_basis: Vec<usize> = rows.iter().map(|(i, _)| *i).collect();
    let sums = q.questioned_by_reason(supplier, &with_basis);
    let reasons = sums
        .iter()
        .map(|s| {
            let money = if kronor_given { kronor_sv(s.kronor) } else { dash() };
            [s.reason.label().to_string(), s.visits.to_string(), minutes_sv(s.hundredths), money]
        })
        .collect();
    let examples = sums
        .iter()
        .flat_map(|s| with_basis.iter().map(move |&i| (s.reason, i)))
        .flat_map(|(reason, i)| {
            q.questioned(supplier, i)
                .filter(move |v| v.reason == reason)
                .take(EXAMPLES_PER_REASON)
                .map(move |v| [q.months[i].to_string(), v.visit_id.clone(), reason.label().to_string(), minutes_sv(v.minutes)])
        })
        .collect();
    Some(PaymentSection { kronor: kronor_given, invoices: rows.iter().any(|(_, p)| p.invoiced.is_some()), months, reasons, examples })
}

/// How many questioned visits per reason and month the plan names.
const EXAMPLES_PER_REASON: usize = 3;

/// The rows of the plan's section on the verification sample: a month per row where its
/// answers have been read back.
fn sample_checks(q: &QuarterData, supplier: &str) -> Vec<[String; 5]> {
    let answered = |p: Option<&AnswerSummary>| p.map_or("–".to_string(), |p| format!("{} av {}", p.answered, p.sampled));
    let unconfirmed = |p: Option<&AnswerSummary>| {
        p.filter(|p| p.answered > 0)
            .map(|p| format!("{} ({})", p.not_confirmed, percent_sv(i64::from(p.not_confirmed), i64::from(p.answered))))
            .unwrap_or_else(|| "–".to_string())
    };
    (0..3)
        .filter_map(|i| {
            let (random, risk) = q.sample_answers(supplier, i)?;
            Some([q.months[i].to_string(), answered(random), unconfirmed(random), answered(risk), unconfirmed(risk)])
        })
        .collect()
}

/// The plan's section on the verification sample, when the supplier has answers.
fn sample_section(doc: &mut Document, plan: &Plan) {
    if plan.sample_checks.is_empty() {
        return;
    }
    doc.heading(2, "Kontrollsamtal med kunder");
    doc.paragraph(
        "Kommunen har ringt kunder om ett stickprov av era registrerade besök och frågat om besöken ägde rum. Hälften av besöken valdes slumpmässigt; \
andelen som kunderna inte bekräftade där skattar hur vanligt det är bland alla era besök. Den andra hälften valdes bland besök med flaggor och \
ifrågasatt tid och visar inte hur vanligt det är. Med få svar är skattningen osäker; den är underlag för samtal, inget krav.",
    );
    doc.table(
        "",
        &["Månad", "Slumpurval: besvarade", "Slumpurval: ej bekräftade", "Riskurval: besvarade", "Riskurval: ej bekräftade"],
        plan.sample_checks.iter().map(|r| r.to_vec()).collect(),
    );
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
    let mut per_month_examples: Vec<Vec<[String; 4]>> = Vec::new();
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
        let related = |id: &str| key.flag().map_or_else(String::new, |flag| q.related(i, supplier, flag, id).join(", "));
        let examples = rows(Kind::Visit).map(|e| [month.clone(), e.id.clone(), e.detail.clone().unwrap_or_default(), related(&e.id)]);
        per_month_examples.push(paired(examples.collect()));
    }
    block.examples = spread(per_month_examples);
    block
}

/// Example visits with each visit's partner, when it is an example too, right after it: the
/// two copies of a duplicate stand together.
fn paired(examples: Vec<[String; 4]>) -> Vec<[String; 4]> {
    let mut left: Vec<Option<[String; 4]>> = examples.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for k in 0..left.len() {
        let Some(example) = left[k].take() else { continue };
        let partners: Vec<String> = example[3].split(", ").filter(|p| !p.is_empty()).map(str::to_string).collect();
        out.push(example);
        for partner in partners {
            if let Some(slot) = left.iter_mut().find(|e| e.as_ref().is_some_and(|e| e[1] == partner)) {
                out.extend(slot.take());
            }
        }
    }
    out
}

/// At most `EXAMPLES` example visits over the deviating months, taken from each month in
/// turn so that every month is shown, and listed month by month. A visit and the partners
/// that follow it are taken together, so a pair is never cut in two.
fn spread(per_month: Vec<Vec<[String; 4]>>) -> Vec<[String; 4]> {
    let units: Vec<Vec<Vec<[String; 4]>>> = per_month
        .into_iter()
        .map(|month| {
            let mut units: Vec<Vec<[String; 4]>> = Vec::new();
            for example in month {
                match units.last_mut() {
                    Some(unit) if unit.iter().any(|e| e[3].split(", ").any(|p| p == example[1])) => unit.push(example),
                    _ => units.push(vec![example]),
                }
            }
            units
        })
        .collect();
    let mut taken = vec![0usize; units.len()];
    let mut count = 0;
    loop {
        let mut more = false;
        for (month, next) in units.iter().zip(taken.iter_mut()) {
            if let Some(unit) = month.get(*next) {
                if count + unit.len() <= EXAMPLES {
                    *next += 1;
                    count += unit.len();
                    more = true;
                }
            }
        }
        if !more {
            break;
        }
    }
    units.into_iter().zip(taken).flat_map(|(month, n)| month.into_iter().take(n).flatten()).collect()
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

/// The municipality's name as the letter names its sender: `[municipality] name`, or
/// "Kommunen" when none is set.
fn sender_name(sender: &MunicipalityConfig) -> &str {
    if sender.name.trim().is_empty() {
        "Kommunen"
    } else {
        sender.name.trim()
    }
}

/// The sender block at the top of the letter: unit, municipality and contact person, each
/// line only when set.
fn sender_lines(sender: &MunicipalityConfig) -> Vec<String> {
    let set = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let mut lines: Vec<String> = [set(&sender.unit), set(&sender.name)].into_iter().flatten().collect();
    if let Some(name) = set(&sender.contact_name) {
        lines.push(format!("Kontaktperson: {name}"));
    }
    if let Some(email) = set(&sender.contact_email) {
        lines.push(format!("E-post: {email}"));
    }
    if let Some(phone) = set(&sender.contact_phone) {
        lines.push(format!("Telefon: {phone}"));
    }
    lines
}

/// The closing: the greeting and who signs it, each line only when set.
fn closing_lines(sender: &MunicipalityConfig) -> Vec<String> {
    let set = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let mut lines = vec!["Med vänlig hälsning".to_string()];
    lines.extend(set(&sender.contact_name));
    let unit = [set(&sender.unit), Some(sender_name(sender).to_string())].into_iter().flatten().collect::<Vec<_>>().join(", ");
    lines.push(unit);
    let reach: Vec<String> = [set(&sender.contact_email), set(&sender.contact_phone)].into_iter().flatten().collect();
    if !reach.is_empty() {
        lines.push(reach.join(", "));
    }
    lines
}

/// The plan as a document: a letter from the municipality to the supplier, the same text as
/// Markdown and as Word.
/// The payment basis in a plan: the months' time and kronor, the questioned visits by reason,
/// examples.
fn payment_blocks(doc: &mut Document, p: &PaymentSection) {
    doc.heading(3, "Underlag: ersättningsunderlaget per månad");
    doc.paragraph(
        "Ett besök ifrågasätts, med hela sin tid, av den första av dessa orsaker: det gjordes under kundens frånvaro, det är den senare kopian av en dubbelregistrering, samma personal var samtidigt hos en annan kund (det senare besöket), eller det registrerades manuellt utan orsak.",
    );
    let mut columns: Vec<usize> = vec![0, 1, 2, 3];
    if p.kronor {
        columns.push(4);
    }
    if p.invoices {
        columns.extend([5, 6]);
        if p.kronor {
            columns.push(7);
        }
    }
    const HEADER: [&str; 8] = [
        "Månad",
        "Registrerad tid",
        "Ifrågasatt tid",
        "Andel",
        "Ifrågasatt belopp",
        "Fakturerad tid",
        "Fakturerat utan stöd",
        "Belopp utan stöd",
    ];
    let header: Vec<&str> = columns.iter().map(|&c| HEADER[c]).collect();
    doc.table("", &header, p.months.iter().map(|m| columns.iter().map(|&c| m[c].clone()).collect()).collect());
    if !p.reasons.is_empty() {
        let mut header = vec!["Orsak", "Besök", "Tid"];
        if p.kronor {
            header.push("Belopp");
        }
        let width = header.len();
        doc.table("", &header, p.reasons.iter().map(|r| r[..width].to_vec()).collect());
        doc.paragraph("Exempel på ifrågasatta besök:");
        doc.table("", &["Månad", "Besöks-id", "Orsak", "Tid"], p.examples.iter().map(|e| e.to_vec()).collect());
    }
}

pub fn plan_document(plan: &Plan) -> Document {
    let mut doc = Document::default();
    let sender = sender_name(&plan.sender);
    doc.properties = Properties {
        title: format!("Åtgärdsplan {} – {}", plan.quarter, plan.supplier),
        author: sender.to_string(),
        created: plan.made.clone(),
        running_header: format!("{sender} · Åtgärdsplan {} · {}", plan.quarter, plan.supplier),
    };
    let from = sender_lines(&plan.sender);
    if !from.is_empty() {
        doc.lines(from);
    }
    doc.lines(vec![format!("Datum: {}", plan.made), format!("Till: {}", plan.supplier)]);
    doc.heading(1, format!("Åtgärdsplan {} – {}", plan.quarter, plan.supplier));
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
    doc.paragraph("Hej!");
    let n = plan.deviations();
    let areas = plan.groups.len();
    doc.paragraph(format!(
        "{sender} följer varje månad upp utförarens tidsregistrering mot kraven i avtalet. Uppföljningen för {} visar {n} avvikelse{} från avtalets krav inom {areas} område{}. Vi ber er att senast {} fylla i orsak, åtgärd, ansvarig, när åtgärden ska vara klar och hur den följs upp för varje område nedan, underteckna planen och skicka den till oss.",
        plan.quarter,
        if n == 1 { "" } else { "r" },
        if areas == 1 { "" } else { "n" },
        plan.reply_by
    ));
    if let Some((rules, reasons)) = &plan.deeper_followup {
        doc.paragraph(format!(
            "Fördjupad uppföljning: {sender} avser att inleda en fördjupad uppföljning av utföraren. Den föreslås vid {rules}, och det gäller här:"
        ));
        doc.bullets(reasons.clone());
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
                let paired = block.examples.iter().any(|e| !e[3].is_empty());
                let rows = block.examples.iter().map(|[month, id, detail, related]| {
                    let (when, staff) = detail.split_once(", ").unwrap_or((detail.as_str(), ""));
                    let mut row = vec![month.clone(), id.clone(), when.to_string(), staff.to_string(), block.reason.clone()];
                    if paired {
                        row.push(related.clone());
                    }
                    row
                });
                let mut header = vec!["Månad", "Besöks-id", "Inkvittering", "Personal", "Avvikelse"];
                if paired {
                    header.push("Relaterat besök");
                }
                doc.table("", &header, rows.collect());
            }
        }
        if group.area == Area::Ersattning {
            if let Some(payment) = &plan.payment {
                payment_blocks(&mut doc, payment);
            }
        }
        doc.heading(3, "Fylls i av utföraren");
        doc.table("", &["Fält", "Utförarens svar"], FIELDS.iter().map(|f| vec![f.to_string(), String::new()]).collect());
    }
    // Questioned time without a deviation of the area is still the ground for the payment: told,
    // with nothing for the supplier to fill in.
    if let (Some(payment), false) = (&plan.payment, plan.groups.iter().any(|g| g.area == Area::Ersattning)) {
        doc.heading(2, format!("{}. Ersättning", plan.groups.len() + 1));
        doc.paragraph(
            "Kraven för ersättningsunderlaget är uppfyllda, men en del av den registrerade tiden stöds inte av registreringarna. Den redovisas här som underlag för ersättningen; ingen åtgärd begärs.",
        );
        payment_blocks(&mut doc, payment);
    }
    sample_section(&mut doc, plan);
    doc.lines(closing_lines(&plan.sender));
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
