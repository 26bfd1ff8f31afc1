//! The investigation's CSV exports for Swedish Excel (`;`, decimal comma, UTF-8 with BOM).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{flag_summary, hundredths_sv, opt_number, sv_number, yes};
use crate::model::{Metric, Questioned, ALL};
use crate::period::investigate::Investigation;
use crate::report::excel_text;
use crate::report::labels::{figure_label, requirement_sv, status_sv};

fn excel_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    file.write_all("\u{feff}".as_bytes()).with_context(|| format!("{} kan inte skrivas", path.display()))?;
    Ok(csv::WriterBuilder::new().delimiter(b';').from_writer(file))
}

/// A function writing one export.
type Export = fn(&Investigation, &Path) -> Result<()>;

/// Writes the CSV exports and returns their paths.
pub fn write_exports(inv: &Investigation, dir: &Path) -> Result<Vec<PathBuf>> {
    let exports: [(&str, Export); 8] = [
        ("nyckeltal.csv", write_nyckeltal),
        ("personal.csv", write_personal),
        ("kunder.csv", write_kunder),
        ("flaggade_besok.csv", write_flaggade_besok),
        ("mellanrum.csv", write_mellanrum),
        ("ersattning.csv", write_ersattning),
        ("ifragasatta_besok.csv", write_ifragasatta_besok),
        ("fakturerat_utan_stod.csv", write_fakturerat_utan_stod),
    ];
    let mut written = Vec::new();
    for (name, write) in exports {
        let p = dir.join(name);
        write(inv, &p)?;
        written.push(p);
    }
    Ok(written)
}

fn write_nyckeltal(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record(["Nyckeltal", "Id", "Månad", "Värde", "Status", "Hela kommunen", "Krav"])?;
    for figure in Metric::matrix() {
        for ((own, all), month) in inv.series(&inv.supplier, figure).iter().zip(inv.series(ALL, figure)).zip(&inv.stored) {
            w.write_record([
                figure_label(figure),
                figure.id().to_string(),
                month.month.to_string(),
                opt_number(own.and_then(|r| r.value)),
                own.map_or("saknas", |r| status_sv(r.status)).to_string(),
                opt_number(all.and_then(|r| r.value)),
                requirement_sv(figure, month.config.requirement(figure)),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

fn write_personal(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record([
        "Rang",
        "Personal",
        "Besök",
        "Godkänt kvitterade",
        "Kvittensgrad",
        "Bedömd (minst antal besök)",
        "Under kravet",
        "Flaggade besök",
        "Flaggor",
    ])?;
    for (i, r) in inv.staff.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            excel_text(&r.staff_id).into_owned(),
            r.visits.to_string(),
            r.checked_in.to_string(),
            sv_number(r.checkin_rate),
            yes(r.judged).to_string(),
            yes(r.below_requirement).to_string(),
            r.flagged_visits.to_string(),
            flag_summary(&r.flags),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_kunder(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record([
        "Rang",
        "Kund",
        "Besök",
        "Kvittensgrad",
        "Olika personal",
        "Andel hos vanligaste personal",
        "Samma personal flaggad",
        "Beviljade minuter",
        "Utförandegrad",
        "Utanför intervallet",
        "Flaggade besök",
    ])?;
    for (i, c) in inv.clients.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            excel_text(&c.client_id).into_owned(),
            c.visits.to_string(),
            opt_number(c.checkin_rate),
            c.distinct_staff.to_string(),
            opt_number(c.top_staff_share),
            yes(c.single_staff).to_string(),
            opt_number(c.granted_minutes),
            opt_number(c.completion_rate),
            yes(c.completion_outside).to_string(),
            c.flagged_visits.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_flaggade_besok(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record(["Månad", "Besök", "Flagga", "Flagga (id)", "Hör ihop med", "Kund", "Personal", "Inkvittering (lokal tid)", "Minuter"])?;
    for f in &inv.flagged {
        w.write_record([
            f.month.to_string(),
            excel_text(&f.visit_id).into_owned(),
            f.flag.label().to_string(),
            f.flag.name().to_string(),
            excel_text(f.related_visit_id.as_deref().unwrap_or("")).into_owned(),
            excel_text(&f.client_id).into_owned(),
            excel_text(&f.staff_id).into_owned(),
            f.check_in_local.clone(),
            opt_number(f.minutes),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_mellanrum(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record(["Minuter (hela)", "Antal mellanrum"])?;
    for (m, n) in inv.gap_bins.iter().enumerate() {
        w.write_record([m.to_string(), n.to_string()])?;
    }
    w.flush()?;
    Ok(())
}

/// Hundredths of a minute for Excel, or empty where the month lacks the value.
fn opt_hundredths(v: Option<i64>) -> String {
    v.map(hundredths_sv).unwrap_or_default()
}

/// The payment basis per stored month (SPEC §10), minutes with two decimals and kronor whole,
/// as the months' `payment.csv` holds them; a month stored before it has no row.
fn write_ersattning(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    let mut header = vec!["Månad".to_string(), "Registrerade minuter".to_string(), "Ifrågasatta minuter".to_string()];
    header.extend(Questioned::ALL.map(|q| format!("Ifrågasatta minuter: {}", q.label())));
    header.extend(
        [
            "Minuter utöver beviljad tid",
            "Fakturerade minuter",
            "Fakturerade minuter utan stöd",
            "Ifrågasatt belopp (kr)",
            "Fakturerat utan stöd (kr)",
        ]
        .map(str::to_string),
    );
    w.write_record(&header)?;
    for (month, row) in inv.stored.iter().zip(&inv.payment.months) {
        let Some(r) = row else { continue };
        let mut record = vec![month.month.to_string(), hundredths_sv(r.registered), hundredths_sv(r.questioned)];
        record.extend(Questioned::ALL.map(|q| hundredths_sv(r.per_reason[q as usize])));
        record.extend([
            opt_hundredths(r.over_granted),
            opt_hundredths(r.invoiced),
            opt_hundredths(r.invoice_excess),
            r.questioned_kronor.map(|k| k.to_string()).unwrap_or_default(),
            r.invoice_excess_kronor.map(|k| k.to_string()).unwrap_or_default(),
        ]);
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

fn write_ifragasatta_besok(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record(["Månad", "Skäl", "Skäl (id)", "Besök", "Kund", "Personal", "Inkvittering (lokal tid)", "Minuter"])?;
    for v in &inv.payment.questioned {
        w.write_record([
            v.month.to_string(),
            v.reason.label().to_string(),
            v.reason.name().to_string(),
            excel_text(&v.visit_id).into_owned(),
            excel_text(&v.client_id).into_owned(),
            excel_text(&v.staff_id).into_owned(),
            v.check_in_local.clone(),
            hundredths_sv(v.minutes),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_fakturerat_utan_stod(inv: &Investigation, p: &Path) -> Result<()> {
    let mut w = excel_writer(p)?;
    w.write_record(["Månad", "Kund", "Fakturerade minuter", "Minuter med stöd", "Minuter utan stöd"])?;
    for r in &inv.payment.unsupported {
        w.write_record([
            r.month.to_string(),
            excel_text(&r.client_id).into_owned(),
            hundredths_sv(r.invoiced),
            hundredths_sv(r.supported),
            hundredths_sv(r.excess),
        ])?;
    }
    w.flush()?;
    Ok(())
}
