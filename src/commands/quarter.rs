//! `tidkoll quarter`: the quarterly matrix (internal and per supplier) and draft action plans,
//! read from the three stored months.

use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::bytes_map::HashMap;
use crate::cli::QuarterArgs;
use crate::config::{Config, MunicipalityConfig};
use crate::error::usage;
use crate::model::Quarter;
use crate::period::followup::Recommendation;
use crate::period::quarter::QuarterData;
use crate::report::document::to_markdown;
use crate::report::docx::write_docx;
use crate::report::excel_text;
use crate::report::followup::{write_followup_csv, write_recommendations_csv};
use crate::report::html::matrix_page;
use crate::report::labels::{escalation_reasons_sv, figure_label};
use crate::report::matrix_csv::write_matrix_csv;
use crate::report::plan::{build_plan, plan_document};
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
    } else if is_windows_device(&s) {
        // `CON`, `NUL`, `COM1` … name devices on Windows, where such a folder cannot be opened.
        format!("{s}_")
    } else {
        s
    }
}

/// Whether `name` is one of the names Windows keeps for devices (any case).
fn is_windows_device(name: &str) -> bool {
    let upper = name.to_uppercase();
    let numbered = |prefix: &str| {
        upper.strip_prefix(prefix).is_some_and(|n| matches!(n, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"))
    };
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL") || numbered("COM") || numbered("LPT")
}

/// Folder names longer than this are cut and told apart by a hash of the supplier id.
const MAX_FOLDER_CHARS: usize = 60;

/// The first `hex` hex digits of the SHA-256 of a supplier id: tells apart suppliers whose
/// names make the same folder name.
fn id_hash(supplier: &str, hex: usize) -> String {
    use sha2::{Digest, Sha256};
    crate::privacy::hex(&Sha256::digest(supplier.as_bytes()))[..hex].to_string()
}

/// The safe form of a supplier id cut to 60 characters, with a hash of the id when it was cut.
fn short_slug(supplier: &str) -> String {
    let safe = slug(supplier);
    if safe.chars().count() <= MAX_FOLDER_CHARS {
        return safe;
    }
    let cut: String = safe.chars().take(MAX_FOLDER_CHARS).collect();
    format!("{cut}-{}", id_hash(supplier, 8))
}

/// Folder names for the suppliers of a quarter: each its safe form, unless two suppliers'
/// safe forms are the same (also where the file system ignores case, as on Windows); then
/// each of them gets a hash of its id. So no folder carries another supplier's name.
pub fn folder_names(suppliers: &[String]) -> Vec<String> {
    let mut names: Vec<String> = suppliers.iter().map(|s| short_slug(s)).collect();
    for hex in [8, 16, 64] {
        let mut seen: HashMap<String, usize> = HashMap::default();
        for n in &names {
            *seen.entry(n.to_lowercase()).or_default() += 1;
        }
        if seen.values().all(|&c| c == 1) {
            break;
        }
        for (name, supplier) in names.iter_mut().zip(suppliers) {
            if seen[&name.to_lowercase()] > 1 {
                let cut: String = slug(supplier).chars().take(MAX_FOLDER_CHARS).collect();
                *name = format!("{cut}-{}", id_hash(supplier, hex));
            }
        }
    }
    names
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
    let today = chrono::Local::now().date_naive();
    let made = today.to_string();
    let reply_days = q.config(2).or_else(|| q.config(1)).or_else(|| q.config(0)).map_or(30, |c| c.plan.reply_days);
    let reply_days = config.as_ref().map_or(reply_days, |c| c.plan.reply_days);
    let reply_by = (today + chrono::Duration::days(i64::from(reply_days))).to_string();
    // The sender: the configuration given to `quarter`, else the one the last month was run with.
    let latest = q.config(2).or_else(|| q.config(1)).or_else(|| q.config(0));
    let sender = config.as_ref().or(latest).map(|c| c.municipality.clone()).unwrap_or_default();
    let slugs = folder_names(&q.suppliers);
    // The municipality's files beside the suppliers' (the internal workbook alone is a large
    // part of the work with hundreds of suppliers).
    let (internal, outputs) = rayon::join(
        || -> Result<()> {
            write_matrix_workbook(&dir.join("matrix.xlsx"), &q, &all)?;
            write_matrix_csv(&dir.join("matrix.csv"), &q)?;
            write_followup_csv(&dir.join("followup.csv"), &q.followup)?;
            write_recommendations_csv(&dir.join("recommendations.csv"), &q.followup)?;
            let page = matrix_page(&q)?;
            std::fs::write(dir.join("matrix.html"), page).with_context(|| format!("{} kan inte skrivas", dir.join("matrix.html").display()))
        },
        || -> Result<Vec<SupplierOutput>> {
            q.suppliers
                .par_iter()
                .zip(slugs.par_iter())
                .map(|(supplier, slug)| write_supplier(&q, &dir, supplier, slug, &sender, &made, &reply_by))
                .collect()
        },
    );
    internal.with_context(saving)?;
    let outputs = outputs.with_context(saving)?;
    write_index(&dir.join(SUPPLIER_DIR).join("index.csv"), &q, &slugs, &outputs).with_context(saving)?;
    let result = staged.publish().with_context(saving)?;
    clean_leftovers(&args.out);

    if args.quiet {
        super::say(&format!("{}\n", result.display()))?;
    } else {
        super::say(&summary(&q, &outputs, &result))?;
    }
    Ok(())
}

/// `leverantorer/index.csv`: which folder is which supplier's, so that the right folder goes to
/// the right supplier.
fn write_index(path: &Path, q: &QuarterData, folders: &[String], outputs: &[SupplierOutput]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("{} kan inte skapas", path.display()))?;
    w.write_record(["folder", "supplier_id", "action_plan", "recommendation"])?;
    for ((supplier, folder), output) in q.suppliers.iter().zip(folders).zip(outputs) {
        let recommendation = q.followup_of(supplier).map_or("", |f| f.recommendation.id());
        let plan = if output.deviations > 0 { "1" } else { "0" };
        w.write_record([&excel_text(folder), &excel_text(supplier), plan, recommendation])?;
    }
    w.flush().with_context(|| format!("{} kan inte skrivas", path.display()))
}

/// The supplier's own workbook and, when it has deviations, its action plan.
fn write_supplier(
    q: &QuarterData,
    dir: &Path,
    supplier: &str,
    slug: &str,
    sender: &MunicipalityConfig,
    made: &str,
    reply_by: &str,
) -> Result<SupplierOutput> {
    let folder = dir.join(SUPPLIER_DIR).join(slug);
    std::fs::create_dir_all(&folder).with_context(|| format!("{} kan inte skapas", folder.display()))?;
    write_matrix_workbook(&folder.join(format!("matris-{slug}.xlsx")), q, &[supplier])?;
    let plan = build_plan(q, supplier, sender, made, reply_by);
    if let Some(plan) = &plan {
        let doc = plan_document(plan);
        let md = folder.join(format!("atgardsplan-{slug}.md"));
        std::fs::write(&md, to_markdown(&doc)).with_context(|| format!("{} kan inte skrivas", md.display()))?;
        write_docx(&doc, &folder.join(format!("atgardsplan-{slug}.docx")))?;
    }
    Ok(SupplierOutput { supplier: supplier.to_string(), deviations: plan.map_or(0, |p| p.deviations()) })
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
            s.push_str(&format!("  {}:\n", f.supplier));
            for why in escalation_reasons_sv(f) {
                s.push_str(&format!("    {why}\n"));
            }
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
    use super::{folder_names, slug};

    #[test]
    fn folder_names_are_one_to_one_and_never_another_suppliers_name() {
        let suppliers: Vec<String> = ["A B", "A B 2", "A-B", "A-B-2", "a-b", "Trygg Vård AB", "Omsorg/Norr"].map(String::from).to_vec();
        let names = folder_names(&suppliers);
        let lower: std::collections::BTreeSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(lower.len(), suppliers.len(), "{names:?}");
        for (name, supplier) in names.iter().zip(&suppliers) {
            // A folder carrying a supplier's exact name is that supplier's.
            if let Some(other) = suppliers.iter().find(|s| s.to_lowercase() == name.to_lowercase()) {
                assert_eq!(other, supplier, "{names:?}");
            }
        }
        // Without a clash the safe form stands.
        assert_eq!(names[5..], ["Trygg-Vård-AB", "Omsorg_Norr"]);
        // A B, A-B and a-b clash (a-b only where case is ignored): all three get the hash.
        for i in [0, 2, 4] {
            assert_eq!(names[i].len(), "A-B-".len() + 8, "{names:?}");
        }
        assert!(names[1].starts_with("A-B-2-") && names[3].starts_with("A-B-2-"), "{names:?}");
        let long = "Ö".repeat(245);
        let cut = folder_names(&[long.clone(), "Ö".repeat(244)]);
        assert_eq!(cut[0].chars().count(), 60 + 1 + 8);
        assert_ne!(cut[0], cut[1]);
    }

    #[test]
    fn slugs_keep_swedish_letters() {
        assert_eq!(slug("Trygg Vård AB"), "Trygg-Vård-AB");
        assert_eq!(slug("A/B: C"), "A_B_-C");
        assert_eq!(slug("  "), "utforare");
        for device in ["CON", "nul", "Com1", "LPT9", "COM²", "aux"] {
            assert_eq!(slug(device), format!("{device}_"), "a Windows device name");
        }
        for name in ["CONTO", "COM10", "NULL", "LPT", "Con AB"] {
            assert!(!slug(name).ends_with('_'), "{name}");
        }
    }
}
