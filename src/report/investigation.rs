//! The investigation of one supplier as text for the terminal, a self-contained HTML page with
//! charts, and CSV exports for Excel (Swedish Excel: `;`, decimal comma, UTF-8 with BOM).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::investigate::{Investigation, GAP_MINUTES};
use crate::model::ALL;
use crate::model::{Figure, Flag, Metric, Status};
use crate::report::charts::{bars_chart, lines_chart, Line};
use crate::report::html::{escape, status_class, STYLE};

const CHECKIN: Metric = Metric::Figure(Figure::CheckinRate);
use crate::report::labels::{figure_label, format_sv, is_share, requirement_sv, status_sv};
use crate::report::xlsx::MUNICIPALITY;

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

/// The report for the terminal.
pub fn terminal_report(inv: &Investigation, files: &Path) -> String {
    let mut s = String::new();
    let months: Vec<String> = inv.stored.iter().map(|m| m.month.to_string()).collect();
    writeln!(s, "Utredning av {}, {} (månader: {})", inv.supplier, inv.period, months.join(", ")).unwrap();
    for m in &inv.missing {
        writeln!(s, "  {m} saknas (ej körd) och ingår inte").unwrap();
    }
    writeln!(s, "\nNyckeltal per månad; ! = avvikelse, inom parentes hela kommunen:").unwrap();
    write!(s, "{:<46}", "").unwrap();
    for m in &months {
        write!(s, "{m:>26}").unwrap();
    }
    writeln!(s, "   Krav").unwrap();
    let latest = inv.stored.last().expect("a stored month");
    for figure in Metric::matrix() {
        write!(s, "{:<46}", truncate(&figure_label(figure), 45)).unwrap();
        for (own, all) in inv.series(&inv.supplier, figure).iter().zip(inv.series(ALL, figure)) {
            let value = own.map_or("–".to_string(), |r| format_sv(figure, r.value));
            let mark = if own.is_some_and(|r| r.status == Status::Deviation) { "!" } else { " " };
            let municipality = all.map_or("–".to_string(), |r| format_sv(figure, r.value));
            write!(s, "{:>26}", format!("{value} {mark} ({municipality})")).unwrap();
        }
        writeln!(s, "   {}", requirement_sv(figure, latest.config.requirement(figure))).unwrap();
    }

    let min_visits = latest.config.parameters.min_visits;
    writeln!(s, "\nPersonal med lägst kvittensgrad (minst {min_visits} besök under perioden):").unwrap();
    if !inv.staff.iter().any(|r| r.judged) {
        writeln!(s, "  inga").unwrap();
    }
    for r in inv.staff.iter().filter(|r| r.judged).take(TOP) {
        let below = if r.below_requirement { "  under kravet" } else { "" };
        writeln!(
            s,
            "  {:<20} {:>6} besök  kvittensgrad {:>8}{below}  flaggade besök {}",
            r.staff_id,
            r.visits,
            pct(r.checkin_rate),
            r.flagged_visits
        )
        .unwrap();
    }
    let mut by_flags: Vec<_> = inv.staff.iter().filter(|r| r.flagged_visits > 0).collect();
    by_flags.sort_by(|a, b| b.flagged_visits.cmp(&a.flagged_visits).then_with(|| a.staff_id.cmp(&b.staff_id)));
    writeln!(s, "\nPersonal med flest flaggade besök:").unwrap();
    if by_flags.is_empty() {
        writeln!(s, "  inga").unwrap();
    }
    for r in by_flags.iter().take(TOP) {
        writeln!(s, "  {:<20} {:>4} flaggade av {:>5} besök  ({})", r.staff_id, r.flagged_visits, r.visits, flag_summary(&r.flags))
            .unwrap();
    }
    writeln!(s, "\nKunder med flest problem (utförandegrad utanför intervallet, samma personal, flaggade besök):").unwrap();
    for c in inv.clients.iter().filter(|c| c.problems() > 0).take(TOP) {
        let completion =
            c.completion_rate.map_or("–".to_string(), |r| format!("{}{}", pct(r), if c.completion_outside { " (utanför)" } else { "" }));
        let single =
            c.top_staff_share.map_or("–".to_string(), |sh| format!("{}{}", pct(sh), if c.single_staff { " (flaggad)" } else { "" }));
        writeln!(
            s,
            "  {:<20} {:>5} besök  utförandegrad {completion}  samma personal {single}  flaggade besök {}",
            c.client_id, c.visits, c.flagged_visits
        )
        .unwrap();
    }
    if !inv.clients.iter().any(|c| c.problems() > 0) {
        writeln!(s, "  inga").unwrap();
    }

    let counts = inv.flag_counts();
    writeln!(
        s,
        "\nFlaggade besök: {}",
        if counts.is_empty() {
            "inga".to_string()
        } else {
            counts.iter().map(|(f, n)| format!("{} {n}", f.label())).collect::<Vec<_>>().join(", ")
        }
    )
    .unwrap();
    for f in inv.flagged.iter().take(FLAGGED_SHOWN) {
        let related = f.related_visit_id.as_deref().map_or(String::new(), |r| format!(", hör ihop med {r}"));
        let minutes = f.minutes.map_or("ingen utkvittering".to_string(), |m| format!("{m:.0} min"));
        writeln!(
            s,
            "  {} {}  {}{related}  (kund {}, personal {}, {}, {minutes})",
            f.month,
            f.visit_id,
            f.flag.label(),
            f.client_id,
            f.staff_id,
            f.check_in_local
        )
        .unwrap();
    }
    if inv.flagged.len() > FLAGGED_SHOWN {
        writeln!(s, "  … och {} rader till i flaggade_besok.csv", inv.flagged.len() - FLAGGED_SHOWN).unwrap();
    }
    let gaps: u64 = inv.gap_bins.iter().sum();
    writeln!(
        s,
        "\nMellanrum mellan besök hos samma kund, 0–{GAP_MINUTES} minuter: {gaps} av {} (per minut: {})",
        inv.gaps_measured,
        inv.gap_bins.iter().enumerate().map(|(m, n)| format!("{m}: {n}")).collect::<Vec<_>>().join(", ")
    )
    .unwrap();
    writeln!(s, "\nResultat i {}:\n  utredning.html  diagram och tabeller (öppnas i webbläsaren)\n  nyckeltal.csv, personal.csv, kunder.csv, flaggade_besok.csv, mellanrum.csv  för Excel", files.display()).unwrap();
    s
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

/// The page with every chart and the ranked tables.
pub fn html_page(inv: &Investigation) -> Result<String> {
    let mut h = String::new();
    let title = format!("Utredning av {} – {}", inv.supplier, inv.period);
    write!(h, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n", escape(&title), escape(&title))?;
    for m in &inv.missing {
        writeln!(h, "<p>{m} saknas (ej körd) och ingår inte.</p>")?;
    }
    let latest = inv.stored.last().expect("a stored month");
    let params = &latest.config.parameters;

    h.push_str("<h2>Fördelningar</h2>\n");
    let svg = bars_chart("Besökslängd", "Minuter (intervallets början)", "Antal besök", &duration_bins(&inv.durations), &[], None, false)?;
    writeln!(h, "<figure>{svg}<figcaption>Besök med giltig tid: {}</figcaption></figure>", inv.durations.len())?;
    let gap_bars: Vec<(String, f64)> = inv.gap_bins.iter().enumerate().map(|(m, n)| (m.to_string(), *n as f64)).collect();
    let flagged_bins: Vec<bool> = (0..=GAP_MINUTES).map(|m| (m as f64) <= params.adjacent_max_gap_minutes).collect();
    let svg = bars_chart(
        "Mellanrum mellan besök hos samma kund (0–10 min)",
        "Minuter mellan utkvittering och nästa inkvittering",
        "Antal",
        &gap_bars,
        &flagged_bins,
        None,
        false,
    )?;
    writeln!(
        h,
        "<figure>{svg}<figcaption>Röda staplar: mellanrum som kan flaggas (högst {} min). Mätta mellanrum totalt: {}</figcaption></figure>",
        params.adjacent_max_gap_minutes, inv.gaps_measured
    )?;
    let judged: Vec<_> = inv.staff.iter().filter(|r| r.judged).collect();
    let staff_bars: Vec<(String, f64)> = judged.iter().map(|r| (r.staff_id.clone(), r.checkin_rate)).collect();
    let below: Vec<bool> = judged.iter().map(|r| r.below_requirement).collect();
    let requirement = latest.config.requirement(CHECKIN);
    let svg = bars_chart(
        "Kvittensgrad per personal",
        "Personal (lägst först)",
        "Kvittensgrad",
        &staff_bars,
        &below,
        requirement.and_then(|b| b.min),
        true,
    )?;
    writeln!(
        h,
        "<figure>{svg}<figcaption>Personal med minst {} besök; krav {}. Röda staplar: under kravet.</figcaption></figure>",
        params.min_visits,
        escape(&requirement_sv(CHECKIN, requirement))
    )?;
    let days: Vec<(String, f64)> = inv.per_day.iter().map(|(d, n)| (d.format("%m-%d").to_string(), *n as f64)).collect();
    let svg = bars_chart("Besök per dag", "Datum", "Antal besök", &days, &[], None, false)?;
    writeln!(h, "<figure>{svg}</figure>")?;

    h.push_str("<h2>Nyckeltal över tid</h2>\n");
    let months: Vec<String> = inv.stored.iter().map(|m| m.month.to_string()).collect();
    for figure in Metric::matrix() {
        let own: Vec<Option<f64>> = inv.series(&inv.supplier, figure).iter().map(|r| r.and_then(|r| r.value)).collect();
        let all: Vec<Option<f64>> = inv.series(ALL, figure).iter().map(|r| r.and_then(|r| r.value)).collect();
        let lines =
            [Line { name: &inv.supplier, values: own, emphasised: false }, Line { name: MUNICIPALITY, values: all, emphasised: true }];
        let requirement = latest.config.requirement(figure);
        let svg = lines_chart(&figure_label(figure), &months, &lines, requirement, is_share(figure))?;
        writeln!(h, "<figure>{svg}<figcaption>Krav: {}</figcaption></figure>", escape(&requirement_sv(figure, requirement)))?;
    }

    h.push_str("<h2>Nyckeltal per månad</h2>\n<table><tr><th>Nyckeltal</th>");
    for m in &months {
        write!(h, "<th>{m}</th><th>{m} hela kommunen</th>")?;
    }
    h.push_str("</tr>\n");
    for figure in Metric::matrix() {
        write!(h, "<tr><td class=\"name\">{}</td>", escape(&figure_label(figure)))?;
        for (own, all) in inv.series(&inv.supplier, figure).iter().zip(inv.series(ALL, figure)) {
            let (class, title) = own.map_or(("missing", "saknas"), |r| (status_class(r.status), status_sv(r.status)));
            write!(
                h,
                "<td class=\"{class}\" title=\"{title}\">{}</td><td>{}</td>",
                escape(&own.map_or("–".into(), |r| format_sv(figure, r.value))),
                escape(&all.map_or("–".into(), |r| format_sv(figure, r.value)))
            )?;
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<h2>Personal, lägst kvittensgrad först</h2>\n<table><tr><th>Personal</th><th>Besök</th><th>Kvittensgrad</th><th>Under kravet</th><th>Flaggade besök</th><th>Flaggor</th></tr>\n");
    for r in inv.staff.iter().take(50) {
        writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"name\">{}</td></tr>",
            escape(&r.staff_id),
            r.visits,
            pct(r.checkin_rate),
            yes(r.below_requirement),
            r.flagged_visits,
            escape(&flag_summary(&r.flags))
        )?;
    }
    h.push_str("</table>\n<h2>Kunder, flest problem först</h2>\n<table><tr><th>Kund</th><th>Besök</th><th>Olika personal</th><th>Samma personal</th><th>Utförandegrad</th><th>Flaggade besök</th></tr>\n");
    for c in inv.clients.iter().take(50) {
        let completion =
            c.completion_rate.map_or("–".to_string(), |r| format!("{}{}", pct(r), if c.completion_outside { " (utanför)" } else { "" }));
        let single =
            c.top_staff_share.map_or("–".to_string(), |sh| format!("{}{}", pct(sh), if c.single_staff { " (flaggad)" } else { "" }));
        writeln!(
            h,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.client_id),
            c.visits,
            c.distinct_staff,
            escape(&single),
            escape(&completion),
            c.flagged_visits
        )?;
    }
    writeln!(h, "</table>\n<h2>Flaggade besök</h2>\n<p>{} rader; alla finns i flaggade_besok.csv.</p>\n<table><tr><th>Månad</th><th>Besök</th><th>Flagga</th><th>Hör ihop med</th><th>Kund</th><th>Personal</th><th>Inkvittering</th><th>Minuter</th></tr>", inv.flagged.len())?;
    for f in inv.flagged.iter().take(200) {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.month,
            escape(&f.visit_id),
            f.flag.label(),
            escape(f.related_visit_id.as_deref().unwrap_or("")),
            escape(&f.client_id),
            escape(&f.staff_id),
            f.check_in_local,
            f.minutes.map_or(String::new(), |m| format!("{m:.0}"))
        )?;
    }
    h.push_str("</table>\n</body>\n</html>\n");
    Ok(h)
}

fn excel_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all("\u{feff}".as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(csv::WriterBuilder::new().delimiter(b';').from_writer(file))
}

/// Writes the CSV exports and returns their paths.
pub fn write_exports(inv: &Investigation, dir: &Path) -> Result<Vec<PathBuf>> {
    let path = |name: &str| dir.join(name);
    let mut written = Vec::new();

    let p = path("nyckeltal.csv");
    let mut w = excel_writer(&p)?;
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
    written.push(p);

    let p = path("personal.csv");
    let mut w = excel_writer(&p)?;
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
            r.staff_id.clone(),
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
    written.push(p);

    let p = path("kunder.csv");
    let mut w = excel_writer(&p)?;
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
            c.client_id.clone(),
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
    written.push(p);

    let p = path("flaggade_besok.csv");
    let mut w = excel_writer(&p)?;
    w.write_record(["Månad", "Besök", "Flagga", "Flagga (id)", "Hör ihop med", "Kund", "Personal", "Inkvittering (lokal tid)", "Minuter"])?;
    for f in &inv.flagged {
        w.write_record([
            f.month.to_string(),
            f.visit_id.clone(),
            f.flag.label().to_string(),
            f.flag.name().to_string(),
            f.related_visit_id.clone().unwrap_or_default(),
            f.client_id.clone(),
            f.staff_id.clone(),
            f.check_in_local.clone(),
            opt_number(f.minutes),
        ])?;
    }
    w.flush()?;
    written.push(p);

    let p = path("mellanrum.csv");
    let mut w = excel_writer(&p)?;
    w.write_record(["Minuter (hela)", "Antal mellanrum"])?;
    for (m, n) in inv.gap_bins.iter().enumerate() {
        w.write_record([m.to_string(), n.to_string()])?;
    }
    w.flush()?;
    written.push(p);
    Ok(written)
}
