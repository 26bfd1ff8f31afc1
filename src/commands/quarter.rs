//! `tidkoll quarter`: the quarterly matrix (internal and per supplier) and draft action plans,
//! read from the three stored months.

use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::cli::QuarterArgs;
use crate::config::Config;
use crate::error::usage;
use crate::followup::Recommendation;
use crate::model::Quarter;
use crate::quarter::QuarterData;
use crate::report::docx::write_docx;
use crate::report::followup::{write_followup_csv, write_recommendations_csv};
use crate::report::html::matrix_page;
use crate::report::labels::{escalation_reason_sv, figure_label};
use crate::report::matrix_csv::write_matrix_csv;
use crate::report::plan::{build_plan, to_markdown};
use crate::report::xlsx::write_matrix_workbook;
use crate::store::{clean_leftovers, not_saved, StagedMonth};

/// The folder holding what is meant for one supplier.
pub const SUPPLIER_DIR: &str = "leverantorer";

/// A file-name-safe form of a supplier id: letters (å, ä, ö included), digits and `-`.
pub fn slug(supplier: &str) -> String {
    let s: String = supplier
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else if c.is_whitespace() {
                '-'
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "utforare".to_string()
    } else {
        s
    }
}

/// What was written for one supplier.
struct SupplierOutput {
    supplier: String,
    deviations: usize,
}

pub fn run(args: &QuarterArgs) -> Result<()> {
    let quarter: Quarter = args.quarter.parse().map_err(|e: String| usage(format!("--quarter: {e}")))?;
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let q = QuarterData::load(&args.out, quarter, args.allow_partial, config.as_ref().map(|c| c.escalation.clone()))?;
    if let (Some(path), Some(config)) = (&args.config, &config) {
        for note in q.requirement_differences(config) {
            eprintln!(
                "tidkoll: varning: kraven i {} skiljer sig från dem som månaden bedömdes med ({note}); matrisen visar månaderna som de bedömdes – kör om `tidkoll monthly --config {}` för att bedöma dem på nytt",
                path.display(),
                path.display()
            );
        }
    }
    for i in (0..3).filter(|i| !q.has_month(*i)) {
        eprintln!("tidkoll: {} saknas och markeras som saknad i alla resultat (--allow-partial)", q.months[i]);
    }

    let saving = || not_saved(&quarter, &args.out);
    let staged = StagedMonth::named(&args.out, &quarter.to_string())?;
    let dir = staged.dir.clone();
    let all: Vec<&str> = q.suppliers.iter().map(String::as_str).collect();
    write_matrix_workbook(&dir.join("matrix.xlsx"), &q, &all).with_context(saving)?;
    write_matrix_csv(&dir.join("matrix.csv"), &q).with_context(saving)?;
    write_followup_csv(&dir.join("followup.csv"), &q.followup).with_context(saving)?;
    write_recommendations_csv(&dir.join("recommendations.csv"), &q.followup).with_context(saving)?;
    let page = matrix_page(&q)?;
    std::fs::write(dir.join("matrix.html"), page)
        .with_context(|| format!("cannot write {}", dir.join("matrix.html").display()))
        .with_context(saving)?;

    let made = chrono::Local::now().date_naive().to_string();
    let mut slugs: Vec<String> = Vec::new();
    for s in &q.suppliers {
        let base = slug(s);
        let mut candidate = base.clone();
        let mut n = 2;
        while slugs.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        slugs.push(candidate);
    }
    let outputs: Vec<SupplierOutput> = q
        .suppliers
        .par_iter()
        .zip(slugs.par_iter())
        .map(|(supplier, slug)| write_supplier(&q, &dir, supplier, slug, &made))
        .collect::<Result<_>>()
        .with_context(saving)?;
    let result = staged.publish().with_context(saving)?;
    clean_leftovers(&args.out);

    if args.quiet {
        println!("{}", result.display());
    } else {
        print!("{}", summary(&q, &outputs, &result));
    }
    Ok(())
}

/// The supplier's own workbook and, when it has deviations, its action plan.
fn write_supplier(q: &QuarterData, dir: &Path, supplier: &str, slug: &str, made: &str) -> Result<SupplierOutput> {
    let folder = dir.join(SUPPLIER_DIR).join(slug);
    std::fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
    write_matrix_workbook(&folder.join(format!("matris-{slug}.xlsx")), q, &[supplier])?;
    let plan = build_plan(q, supplier, made);
    if let Some(plan) = &plan {
        let md = folder.join(format!("atgardsplan-{slug}.md"));
        std::fs::write(&md, to_markdown(plan)).with_context(|| format!("cannot write {}", md.display()))?;
        write_docx(plan, &folder.join(format!("atgardsplan-{slug}.docx")))?;
    }
    Ok(SupplierOutput { supplier: supplier.to_string(), deviations: plan.map_or(0, |p| p.sections.len()) })
}

fn summary(q: &QuarterData, outputs: &[SupplierOutput], result: &Path) -> String {
    let mut s = String::new();
    let months: Vec<String> =
        (0..3).map(|i| if q.has_month(i) { q.months[i].to_string() } else { format!("{} (saknas)", q.months[i]) }).collect();
    s.push_str(&format!("Kvartal {}: {} utförare, månader {}\n\n", q.quarter, q.suppliers.len(), months.join(", ")));
    let with: Vec<&SupplierOutput> = outputs.iter().filter(|o| o.deviations > 0).collect();
    let without: Vec<&str> = outputs.iter().filter(|o| o.deviations == 0).map(|o| o.supplier.as_str()).collect();
    s.push_str(&format!("Åtgärdsplan upprättad för {} utförare:\n", with.len()));
    for o in &with {
        s.push_str(&format!("  {:<32} {} avvikelse{}\n", o.supplier, o.deviations, if o.deviations == 1 { "" } else { "r" }));
    }
    if !without.is_empty() {
        s.push_str(&format!("Inga avvikelser, ingen åtgärdsplan: {}\n", without.join(", ")));
    }
    let deeper: Vec<_> = q.followup.iter().filter(|f| f.recommendation == Recommendation::DeeperFollowup).collect();
    if deeper.is_empty() {
        s.push_str("\nIngen utförare föreslås för fördjupad uppföljning.\n");
    } else {
        s.push_str(&format!("\nFöreslås för fördjupad uppföljning ({}):\n", deeper.len()));
        for f in deeper {
            s.push_str(&format!("  {}: {}\n", f.supplier, escalation_reason_sv(f).unwrap_or_default()));
        }
    }
    let streaks: Vec<String> = q
        .followup
        .iter()
        .flat_map(|f| f.metrics.iter().filter(|m| m.streak_months > 3).map(move |m| (f, m)))
        .map(|(f, m)| format!("  {}: {} – {} månader i följd", f.supplier, figure_label(m.metric), m.streak_months))
        .collect();
    if !streaks.is_empty() {
        s.push_str("Avvikelser som pågått längre än ett kvartal:\n");
        for line in streaks {
            s.push_str(&line);
            s.push('\n');
        }
    }
    s.push_str(&format!(
        "\nResultat i {}:\n  matrix.xlsx   intern matris med alla utförare\n  matrix.html   matris med diagram (öppnas i webbläsaren)\n  matrix.csv    matrisen för Excel och andra verktyg\n  followup.csv, recommendations.csv   avvikelsernas längd och rekommendation per utförare\n  {SUPPLIER_DIR}/   en mapp per utförare att skicka: egen matris och ev. åtgärdsplan (.docx, .md)\n",
        result.display()
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_keep_swedish_letters() {
        assert_eq!(slug("Trygg Vård AB"), "Trygg-Vård-AB");
        assert_eq!(slug("A/B: C"), "A_B_-C");
        assert_eq!(slug("  "), "utforare");
    }
}
