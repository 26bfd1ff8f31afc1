//! The investigation as a self-contained HTML page with charts and the ranked tables.

use std::fmt::Write as _;

use anyhow::Result;

use super::{duration_bins, flag_summary, hundredths_sv, payment_gaps, payment_rows, pct, questioned_counts, yes, CHECKIN};
use crate::model::{Metric, YearMonth, ALL};
use crate::period::investigate::{Investigation, Period, GAP_MINUTES};
use crate::report::charts::{bars_chart, lines_chart, nothing_to_draw, Line};
use crate::report::html::{escape, status_class, STYLE};
use crate::report::labels::{escalation_reason_sv, figure_label, format_sv, is_share, join_sv, minutes_sv, requirement_sv, status_sv};
use crate::report::xlsx::MUNICIPALITY;

/// The page with every chart and the ranked tables.
pub fn html_page(inv: &Investigation) -> Result<String> {
    let mut h = String::new();
    let title = format!("Utredning av {} – {}", inv.supplier, inv.period);
    write!(h, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n", escape(&title), escape(&title))?;
    if !inv.missing.is_empty() {
        let missing: Vec<String> = inv.missing.iter().map(|m| m.to_string()).collect();
        writeln!(h, "<p>{} saknas (ej körd) och ingår inte.</p>", missing.join(", "))?;
    }

    // The answer first: what deviates, against what, beside the municipality, for how long.
    summary(&mut h, inv)?;
    payment_summary(&mut h, inv)?;
    let months: Vec<String> = inv.stored.iter().map(|m| m.month.to_string()).collect();
    figures_table(&mut h, inv, &months)?;
    implausible(&mut h, inv)?;
    questioned_table(&mut h, inv)?;
    unsupported_table(&mut h, inv)?;
    rankings(&mut h, inv)?;
    flagged_table(&mut h, inv)?;
    h.push_str("<h2>Diagram</h2>\n");
    distributions(&mut h, inv)?;
    figures_over_time(&mut h, inv, &months)?;
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

/// The summary that opens the page: each deviating figure with its value per month, the
/// requirement, the municipality's value and how many months in a row it has deviated; then
/// the recommendation (for a quarter).
fn summary(h: &mut String, inv: &Investigation) -> Result<()> {
    let latest = inv.stored.last().expect("a stored month");
    h.push_str("<h2 id=\"sammanfattning\">Sammanfattning: avvikelser</h2>\n");
    let Some(f) = inv.followup.as_ref().filter(|f| !f.metrics.is_empty()) else {
        h.push_str("<p>Inga avvikelser från kraven under perioden.</p>\n");
        return Ok(());
    };
    let months: Vec<String> = inv.stored.iter().map(|m| m.month.to_string()).collect();
    write!(h, "<table class=\"summary\"><tr><th>Nyckeltal</th><th>Krav</th>")?;
    for m in &months {
        write!(h, "<th>{m}</th>")?;
    }
    writeln!(h, "<th>Hela kommunen {}</th><th>Månader i följd till och med {}</th></tr>", latest.month, latest.month)?;
    for m in &f.metrics {
        let metric = m.metric;
        write!(
            h,
            "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td>",
            escape(&figure_label(metric)),
            escape(&requirement_sv(metric, latest.config.requirement(metric)))
        )?;
        for own in inv.series(&inv.supplier, metric) {
            let (class, title) = own.map_or(("missing", "saknas"), |r| (status_class(r.status), status_sv(r.status)));
            write!(h, "<td class=\"{class}\" title=\"{title}\">{}</td>", escape(&own.map_or("–".into(), |r| format_sv(metric, r.value))))?;
        }
        let all = inv.series(ALL, metric).last().copied().flatten();
        writeln!(h, "<td>{}</td><td>{}</td></tr>", escape(&all.map_or("–".into(), |r| format_sv(metric, r.value))), m.streak_months)?;
    }
    h.push_str("</table>\n");
    if matches!(inv.period, Period::Quarter(_)) {
        writeln!(
            h,
            "<p>Rekommendation: <b>{}</b>{}</p>",
            f.recommendation.label(),
            escalation_reason_sv(f).map(|w| format!(" – {}", escape(&w))).unwrap_or_default()
        )?;
    }
    Ok(())
}

/// The payment basis per month (SPEC §10): the registered time, the time the registrations
/// do not support per reason, the kronor, and the invoiced time without support.
fn payment_summary(h: &mut String, inv: &Investigation) -> Result<()> {
    h.push_str("<h2 id=\"ersattning\">Sammanfattning: ersättningsunderlag</h2>\n");
    if !inv.payment.is_stored() {
        h.push_str("<p>Periodens månader sparades utan ersättningsunderlag (före den versionen av tidkoll); kör månaderna igen för att få det.</p>\n");
        return Ok(());
    }
    let (heads, rows) = payment_rows(inv);
    h.push_str("<table class=\"summary\"><tr><th></th>");
    for head in &heads {
        write!(h, "<th>{}</th>", escape(head))?;
    }
    h.push_str("</tr>\n");
    for (label, cells) in rows {
        write!(h, "<tr><td class=\"name\">{}</td>", escape(&label))?;
        for cell in cells {
            write!(h, "<td>{}</td>", escape(&cell))?;
        }
        h.push_str("</tr>\n");
    }
    let sums = if inv.stored.len() > 1 { " Summorna för perioden är månadernas redovisade värden." } else { "" };
    writeln!(h, "</table>\n<p>Ifrågasatt tid är giltig besökstid som registreringarna inte stöder; varje besök räknas en gång, för det första skälet. Fakturerad tid utan stöd är den fakturerade tiden per kund utöver kundens besökstid som inte ifrågasätts.{sums}</p>")?;
    for gap in payment_gaps(inv) {
        writeln!(h, "<p>{}.</p>", escape(&gap))?;
    }
    Ok(())
}

/// Histograms of visit lengths and gaps, check-in rate per staff member, visits per day.
fn distributions(h: &mut String, inv: &Investigation) -> Result<()> {
    h.push_str("<h3>Fördelningar</h3>\n");
    // A histogram with nothing in it is said in words, not drawn as an empty grid.
    let empty = |bars: &[(String, f64)]| bars.iter().all(|b| b.1 == 0.0);
    let durations = duration_bins(&inv.durations);
    if empty(&durations) {
        h.push_str("<p>Besökslängd: inga besök med giltig tid under perioden.</p>\n");
    } else {
        let svg = bars_chart("Besökslängd", "Minuter (intervallets början)", "Antal besök", &durations, &[], None, false)?;
        writeln!(h, "<figure>{svg}<figcaption>Besök med giltig tid: {}</figcaption></figure>", inv.durations.len())?;
    }
    let gap_bars: Vec<(String, f64)> = inv.gap_bins.iter().enumerate().map(|(m, n)| (m.to_string(), *n as f64)).collect();
    if empty(&gap_bars) {
        writeln!(h, "<p>Mellanrum mellan besök hos samma kund: inga på högst {GAP_MINUTES} minuter under perioden.</p>")?;
    } else {
        gaps_chart(h, inv, &gap_bars)?;
    }
    staff_chart(h, inv)?;
    let days: Vec<(String, f64)> = inv.per_day.iter().map(|(d, n)| (d.format("%m-%d").to_string(), *n as f64)).collect();
    if empty(&days) {
        h.push_str("<p>Besök per dag: inga besök under perioden.</p>\n");
    } else {
        let svg = bars_chart("Besök per dag", "Datum", "Antal besök", &days, &[], None, false)?;
        writeln!(h, "<figure>{svg}</figure>")?;
    }
    Ok(())
}

/// The gaps between a client's visits, the ones that can be flagged in red.
fn gaps_chart(h: &mut String, inv: &Investigation, gap_bars: &[(String, f64)]) -> Result<()> {
    let params = &inv.stored.last().expect("a stored month").config.parameters;
    let flagged_bins: Vec<bool> = (0..=GAP_MINUTES).map(|m| (m as f64) <= params.adjacent_max_gap_minutes).collect();
    let svg = bars_chart(
        "Mellanrum mellan besök hos samma kund (0–10 min)",
        "Minuter mellan utkvittering och nästa inkvittering",
        "Antal",
        gap_bars,
        &flagged_bins,
        None,
        false,
    )?;
    writeln!(
        h,
        "<figure>{svg}<figcaption>Röda staplar: mellanrum som kan flaggas (högst {} min). Mätta mellanrum totalt: {}</figcaption></figure>",
        params.adjacent_max_gap_minutes, inv.gaps_measured
    )?;
    Ok(())
}

/// The check-in rate of every staff member judged, those below the requirement in red.
fn staff_chart(h: &mut String, inv: &Investigation) -> Result<()> {
    let latest = inv.stored.last().expect("a stored month");
    let params = &latest.config.parameters;
    let judged: Vec<_> = inv.staff.iter().filter(|r| r.judged).collect();
    if judged.is_empty() {
        writeln!(h, "<p>Kvittensgrad per personal: ingen personal med minst {} besök under perioden.</p>", params.min_visits)?;
        return Ok(());
    }
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
    Ok(())
}

/// One chart per figure: the supplier beside the municipality, with the requirement.
fn figures_over_time(h: &mut String, inv: &Investigation, months: &[String]) -> Result<()> {
    let latest = inv.stored.last().expect("a stored month");
    h.push_str("<h3>Nyckeltal över tid</h3>\n");
    let lines_of = |figure: Metric| {
        let own: Vec<Option<f64>> = inv.series(&inv.supplier, figure).iter().map(|r| r.and_then(|r| r.value)).collect();
        let all: Vec<Option<f64>> = inv.series(ALL, figure).iter().map(|r| r.and_then(|r| r.value)).collect();
        [Line { name: &inv.supplier, values: own, emphasised: false }, Line { name: MUNICIPALITY, values: all, emphasised: true }]
    };
    // A figure that is 0 (or missing) throughout gets a line of text instead of an empty grid.
    let (flat, drawn): (Vec<Metric>, Vec<Metric>) = Metric::matrix().partition(|&f| nothing_to_draw(&lines_of(f)));
    if !flat.is_empty() {
        let names: Vec<String> = flat.iter().map(|&f| figure_label(f)).collect();
        writeln!(
            h,
            "<p class=\"flat\">0 eller saknas för utföraren och hela kommunen alla månader (inget diagram): {}.</p>",
            escape(&join_sv(&names))
        )?;
    }
    for figure in drawn {
        let lines = lines_of(figure);
        let requirement = latest.config.requirement(figure);
        let svg = lines_chart(&figure_label(figure), months, &lines, requirement, is_share(figure))?;
        writeln!(h, "<figure>{svg}<figcaption>Krav: {}</figcaption></figure>", escape(&requirement_sv(figure, requirement)))?;
    }

    Ok(())
}

/// The figures per month, coloured by status.
fn figures_table(h: &mut String, inv: &Investigation, months: &[String]) -> Result<()> {
    h.push_str("<h2>Nyckeltal per månad</h2>\n<table><tr><th>Nyckeltal</th>");
    for m in months {
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
    h.push_str("</table>\n");
    Ok(())
}

/// Registrations that cannot all be true, one row each.
fn implausible(h: &mut String, inv: &Investigation) -> Result<()> {
    let im = &inv.implausible;
    if im.is_empty() {
        return Ok(());
    }
    h.push_str("<h2>Registreringar som inte kan stämma</h2>\n<table><tr><th>Vad</th><th>Vem</th><th>När</th><th>Omfattning</th></tr>\n");
    let mut row = |what: &str, who: &str, when: &str, size: String| {
        writeln!(
            h,
            "<tr><td class=\"name\">{what}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(who),
            escape(when),
            escape(&size)
        )
    };
    for d in &im.long_days {
        row("Orimligt lång arbetsdag", &d.staff_id, &d.date, format!("{:.0} minuter, {} besök", d.minutes, d.visits))?;
    }
    for (staff, days) in &im.days_without_rest {
        row("Arbete utan ledig dag", staff, &days.join(", "), format!("{} dagar", days.len()))?;
    }
    for (month, absence, visits) in &im.absences {
        row("Besök under kundens frånvaro", absence, &month.to_string(), format!("{visits} besök"))?;
    }
    for (month, client, granted) in &im.unserved {
        row("Kund utan besök", client, &month.to_string(), format!("{granted:.0} beviljade minuter"))?;
    }
    h.push_str("</table>\n");
    Ok(())
}

/// The staff and clients, worst first.
fn rankings(h: &mut String, inv: &Investigation) -> Result<()> {
    h.push_str("<h2>Personal, lägst kvittensgrad först</h2>\n<table><tr><th>Personal</th><th>Besök</th><th>Kvittensgrad</th><th>Under kravet</th><th>Flaggade besök</th><th>Flaggor</th></tr>\n");
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
    h.push_str("</table>\n");
    Ok(())
}

/// The questioned visits: per reason their number and minutes, then the first ones of every
/// month (`ifragasatta_besok.csv` holds them all).
fn questioned_table(h: &mut String, inv: &Investigation) -> Result<()> {
    let p = &inv.payment;
    if !p.is_stored() {
        return Ok(());
    }
    h.push_str("<h2>Ifrågasatta besök</h2>\n");
    if p.questioned.is_empty() {
        h.push_str("<p>Inga ifrågasatta besök under perioden.</p>\n");
        return Ok(());
    }
    let counts = questioned_counts(p);
    let (first_of_month, shown) = first_of_each_month(inv, &p.questioned, |v| v.month);
    writeln!(
        h,
        "<p>{} besök: {}. Alla finns i ifragasatta_besok.csv.{}</p>\n<table><tr><th>Månad</th><th>Skäl</th><th>Besök</th><th>Kund</th><th>Personal</th><th>Inkvittering</th><th>Minuter</th></tr>",
        p.questioned.len(),
        escape(&counts.join("; ")),
        escape(&shown)
    )?;
    for v in first_of_month {
        writeln!(
            h,
            "<tr><td>{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            v.month,
            v.reason.label(),
            escape(&v.visit_id),
            escape(&v.client_id),
            escape(&v.staff_id),
            v.check_in_local,
            hundredths_sv(v.minutes)
        )?;
    }
    h.push_str("</table>\n");
    Ok(())
}

/// The clients invoiced beyond their supported time, those without any first.
fn unsupported_table(h: &mut String, inv: &Investigation) -> Result<()> {
    let p = &inv.payment;
    if p.total.invoice_months == 0 {
        return Ok(());
    }
    h.push_str("<h2>Fakturerad tid utan stöd i registreringarna</h2>\n");
    if p.unsupported.is_empty() {
        h.push_str("<p>Ingen kund är fakturerad för mer tid än besöken stöder under perioden.</p>\n");
        return Ok(());
    }
    let (without, minutes) = p.unsupported_sum();
    writeln!(
        h,
        "<p>{} kunder och månader med fakturerad tid utöver besökstiden som inte ifrågasätts, sammanlagt {}; {without} av dem utan någon sådan besökstid (först). Alla finns i fakturerat_utan_stod.csv.</p>\n<table><tr><th>Månad</th><th>Kund</th><th>Fakturerade minuter</th><th>Minuter med stöd</th><th>Minuter utan stöd</th></tr>",
        p.unsupported.len(),
        minutes_sv(minutes)
    )?;
    for r in &p.unsupported {
        writeln!(
            h,
            "<tr><td>{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.month,
            escape(&r.client_id),
            hundredths_sv(r.invoiced),
            hundredths_sv(r.supported),
            hundredths_sv(r.excess)
        )?;
    }
    h.push_str("</table>\n");
    Ok(())
}

/// The most flagged visits the page shows of one month; `flaggade_besok.csv` holds them all.
const FLAGGED_PER_MONTH: usize = 100;

/// The rows a table of the page shows: the first `FLAGGED_PER_MONTH` of each stored month, in
/// month order, so that a year shows each of its months; and the sentence naming the months
/// cut short (empty when none is).
fn first_of_each_month<'a, T>(inv: &Investigation, rows: &'a [T], month_of: impl Fn(&T) -> YearMonth) -> (Vec<&'a T>, String) {
    let mut shown = Vec::new();
    let mut cut = Vec::new();
    for m in inv.stored.iter().map(|m| m.month) {
        let of_month: Vec<&T> = rows.iter().filter(|r| month_of(r) == m).collect();
        if of_month.len() > FLAGGED_PER_MONTH {
            cut.push(format!("{m}: {FLAGGED_PER_MONTH} av {}", of_month.len()));
        }
        shown.extend(of_month.into_iter().take(FLAGGED_PER_MONTH));
    }
    let note =
        if cut.is_empty() { String::new() } else { format!(" Sidan visar högst {FLAGGED_PER_MONTH} per månad ({}).", join_sv(&cut)) };
    (shown, note)
}

/// The flagged visits: the first ones of every month, so that a year shows each of its months.
fn flagged_table(h: &mut String, inv: &Investigation) -> Result<()> {
    let (first_of_month, shown) = first_of_each_month(inv, &inv.flagged, |f| f.month);
    writeln!(h, "<h2>Flaggade besök</h2>\n<p>{} rader; alla finns i flaggade_besok.csv.{}</p>\n<table><tr><th>Månad</th><th>Besök</th><th>Flagga</th><th>Hör ihop med</th><th>Kund</th><th>Personal</th><th>Inkvittering</th><th>Minuter</th></tr>", inv.flagged.len(), escape(&shown))?;
    for f in first_of_month {
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
    h.push_str("</table>\n");
    Ok(())
}
