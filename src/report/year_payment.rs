//! The year's payment basis in the committee's account (SPEC §10): the questioned time and
//! kronor per supplier and for the whole municipality, and the invoiced time without support
//! where invoices were given. It formats the sums `period::year` hands it.

use crate::model::{Questioned, YearMonth};
use crate::period::year::{YearData, YearPayment};
use crate::report::document::Document;
use crate::report::labels::{join_sv, kronor_sv, minutes_sv, percent_sv, thousands, whole_minutes};

/// The municipality's row in the tables.
const MUNICIPALITY: &str = "Hela kommunen";

fn months_sv(months: &[YearMonth]) -> String {
    join_sv(&months.iter().map(YearMonth::to_string).collect::<Vec<_>>())
}

/// The sentences that open the report's summary: the year's questioned time and kronor, then
/// the invoiced time without support where invoices were given.
pub fn summary_points(p: &YearPayment) -> Vec<String> {
    if !p.is_stored() {
        return vec!["Ersättningsunderlaget saknas: årets månader sparades innan tidkoll räknade det; kör månaderna igen för att få det."
            .to_string()];
    }
    let t = &p.total;
    // A sum over fewer months than the basis covers says so.
    let of_months = |n: u32| if n < t.months { format!(" för {n} av {} månader", t.months) } else { String::new() };
    let kronor = |k: Option<i64>| k.map(|k| format!(", motsvarande {}{}", kronor_sv(k), of_months(t.kronor_months))).unwrap_or_default();
    let mut points = vec![format!(
        "Ifrågasatt tid under året: {} av {} registrerad tid ({}){} – tid som registreringarna inte stöder.",
        minutes_sv(t.questioned),
        minutes_sv(t.registered),
        percent_sv(t.questioned, t.registered),
        kronor(t.questioned_kronor)
    )];
    if let (Some(invoiced), Some(excess)) = (t.invoiced, t.invoice_excess) {
        points.push(format!(
            "Fakturerad tid utan stöd i registreringarna{}: {} av {} fakturerad tid ({}){}.",
            of_months(t.invoice_months),
            minutes_sv(excess),
            minutes_sv(invoiced),
            percent_sv(excess, invoiced),
            kronor(t.invoice_excess_kronor)
        ));
    }
    points
}

/// Which months the sums cover and what they lack, in words.
fn coverage_sv(y: &YearData) -> String {
    let p = &y.payment;
    let with: Vec<YearMonth> = y.stored.iter().copied().filter(|m| !p.without_basis.contains(m)).collect();
    let mut parts = vec![format!("Summorna gäller {} av årets 12 månader: {}.", with.len(), months_sv(&with))];
    if !y.missing.is_empty() {
        parts.push(format!("Månader som saknas (inte körda, ingår inte): {}.", months_sv(&y.missing)));
    }
    if !p.without_basis.is_empty() {
        parts.push(format!(
            "Sparade utan ersättningsunderlag (innan tidkoll räknade det; kör dem igen för att få det): {}.",
            months_sv(&p.without_basis)
        ));
    }
    if p.total.kronor_months == 0 {
        parts.push("Inga belopp i kronor: ange timpriset ([payment] hourly_rate) i inställningsfilen när månaderna körs.".to_string());
    } else if !p.without_rate.is_empty() {
        parts.push(format!("Utan timpris, så utan belopp i kronor: {}.", months_sv(&p.without_rate)));
    }
    if !p.without_invoices.is_empty() && p.total.invoice_months > 0 {
        parts.push(format!("Utan fakturafil, så utan jämförelse med fakturerad tid: {}.", months_sv(&p.without_invoices)));
    }
    parts.join(" ")
}

/// Whole minutes for a table cell (`12 345`), the unit in the column's header.
fn minutes_cell(hundredths: i64) -> String {
    thousands(whole_minutes(hundredths))
}

fn optional_cell(value: Option<i64>, shown: fn(i64) -> String) -> String {
    value.map_or("–".to_string(), shown)
}

/// The section on the payment basis: per supplier and for the municipality the registered and
/// questioned time and the kronor with an hourly rate; with invoices the invoiced time and the
/// part without support; then the questioned time per reason.
pub fn payment_section(doc: &mut Document, y: &YearData) {
    let p = &y.payment;
    doc.heading(2, "Ersättningsunderlag");
    if !p.is_stored() {
        doc.paragraph("Årets månader sparades innan tidkoll räknade ersättningsunderlaget; kör månaderna igen för att få det.");
        return;
    }
    doc.paragraph(format!(
        "Ifrågasatt tid är giltig besökstid som registreringarna inte stöder: besök under kundens frånvaro, den senare av två dubbelregistreringar, samma personals senare besök när den är hos två kunder samtidigt och manuella registreringar utan orsak (varje besök en gång, för det första skälet). Fakturerad tid utan stöd är den fakturerade tiden per kund och månad utöver kundens besökstid som inte ifrågasätts. Årets värden är summan av det som redovisades varje månad, avrundat till hela minuter; hela kommunens rad är summan av månadernas rader för hela kommunen. {}",
        coverage_sv(y)
    ));
    let kronor = p.total.kronor_months > 0;
    let scopes = || p.suppliers.iter().map(|(s, sum)| (s.as_str(), sum)).chain(std::iter::once((MUNICIPALITY, &p.total)));
    let mut header = vec!["Utförare", "Registrerad tid (min)", "Ifrågasatt tid (min)", "Andel ifrågasatt"];
    if kronor {
        header.push("Ifrågasatt (kr)");
    }
    let rows = scopes()
        .map(|(name, s)| {
            let mut cells =
                vec![name.to_string(), minutes_cell(s.registered), minutes_cell(s.questioned), percent_sv(s.questioned, s.registered)];
            if kronor {
                cells.push(optional_cell(s.questioned_kronor, thousands));
            }
            cells
        })
        .collect();
    doc.table("Ersättning", &header, rows);
    if p.total.invoice_months > 0 {
        doc.paragraph(
            "Fakturakontroll: den fakturerade tiden och den del av den som besöken inte stöder (– = ingen faktura för utföraren).",
        );
        let mut header = vec!["Utförare", "Fakturerad tid (min)", "Utan stöd (min)", "Andel utan stöd"];
        if kronor {
            header.push("Utan stöd (kr)");
        }
        let rows = scopes()
            .map(|(name, s)| {
                let mut cells = vec![
                    name.to_string(),
                    optional_cell(s.invoiced, minutes_cell),
                    optional_cell(s.invoice_excess, minutes_cell),
                    match (s.invoice_excess, s.invoiced) {
                        (Some(excess), Some(invoiced)) => percent_sv(excess, invoiced),
                        _ => "–".to_string(),
                    },
                ];
                if kronor {
                    cells.push(optional_cell(s.invoice_excess_kronor, thousands));
                }
                cells
            })
            .collect();
        doc.table("Fakturakontroll", &header, rows);
    }
    doc.paragraph("Den ifrågasatta tiden per skäl.");
    let reasons: Vec<String> = Questioned::ALL.iter().map(|q| format!("{} (min)", q.label())).collect();
    let mut header = vec!["Utförare"];
    header.extend(reasons.iter().map(String::as_str));
    header.push("Ifrågasatt tid (min)");
    let rows = scopes()
        .map(|(name, s)| {
            let mut cells = vec![name.to_string()];
            cells.extend(Questioned::ALL.map(|q| minutes_cell(s.per_reason[q as usize])));
            cells.push(minutes_cell(s.questioned));
            cells
        })
        .collect();
    doc.table("Ifrågasatt per skäl", &header, rows);
}

/// The year's payment basis on one line of the terminal, or nothing without one.
pub fn terminal_line(p: &YearPayment) -> Option<String> {
    p.is_stored().then(|| summary_points(p).join(" "))
}
