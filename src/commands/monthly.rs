//! `tidkoll monthly`: read the exports, compute the month, store it, print the summary.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::analysis::analyse;
use crate::cli::MonthlyArgs;
use crate::config::Config;
use crate::error::{refused, usage};
use crate::ingest::{self, busiest_of, check_reject_rates, select_month, visits_per_month, InputPaths};
use crate::model::YearMonth;
use crate::model::ALL;
use crate::privacy::{KeySource, Pseudonymizer};
use crate::report::terminal::{accounting_table, monthly_summary};
use crate::store::{clean_leftovers, not_saved, write_manifest, write_month, write_rejects_csv, write_visits_table, StagedMonth};

/// A spinner with the current stage on stderr, only when stderr is a terminal.
fn progress(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub fn run(args: &MonthlyArgs) -> Result<()> {
    let started = Instant::now();
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let month: Option<YearMonth> = match &args.month {
        Some(m) => Some(m.parse().map_err(|e: String| usage(format!("--month: {e}")))?),
        None => None,
    };
    let (pseudonyms, key_source) = Pseudonymizer::load(&config.privacy.pseudonym_key_env, &args.out)?;
    if let KeySource::CreatedFile(path) = &key_source {
        eprintln!("tidkoll: skapade pseudonymnyckeln {} – spara den; samma nyckel ger samma pseudonymer kommande månader", path.display());
    }

    let bar = progress(args.quiet);
    bar.set_message("läser indatafiler");
    let inputs = InputPaths { visits: &args.visits, granted: args.granted.as_deref(), addons: args.addons.as_deref() };
    let ingested = ingest::read_all(&inputs, &config, &pseudonyms)?;
    let read_seconds = started.elapsed().as_secs_f64();

    let refused_rejects = args.out.join("refused-rejects.csv");
    if let Err(e) = check_reject_rates(&ingested, &config, &refused_rejects) {
        bar.finish_and_clear();
        std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create the output directory {}", args.out.display()))?;
        write_rejects_csv(&refused_rejects, &ingested.rejects)?;
        eprint!("Inläsning:\n{}", accounting_table(&ingested.files));
        return Err(e);
    }
    let per_month = visits_per_month(&ingested.visits);
    let month = match month.or_else(|| busiest_of(&per_month)) {
        Some(m) => m,
        None => {
            bar.finish_and_clear();
            eprint!("Inläsning:\n{}", accounting_table(&ingested.files));
            return Err(refused(
                "no visit could be read, so there is no month to analyse; check the visits files (rejects are listed above), or give --month YYYY-MM to store an empty month",
            ));
        }
    };

    let (data, files, rejects) = select_month(ingested, month);
    if data.visits.is_empty() && !args.quiet {
        let list: Vec<String> = per_month.iter().map(|(m, n)| format!("{m}: {n}")).collect();
        eprintln!(
            "tidkoll: obs: inga besök hör till {month}; månaden sparas tom (alla nyckeltal saknas).{}",
            if list.is_empty() {
                String::new()
            } else {
                format!(" De godkända besöken hör till andra månader ({}) – ange rätt --month.", list.join(", "))
            }
        );
    }
    bar.set_message(format!("beräknar nyckeltal och flaggor för {month} ({} besök)", data.visits.len()));
    let mut per_supplier: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for v in &data.visits {
        *per_supplier.entry(data.ids.suppliers.name(v.supplier).to_string()).or_default() += 1;
    }
    let visits_total = data.visits.len();
    let staged = StagedMonth::new(&args.out, month)?;
    let saving = || not_saved(&month, &args.out);
    // The visits table needs no figure, so it is written while the figures are computed.
    let analysed_at = Instant::now();
    let (analysis, visit_table) = rayon::join(
        || analyse(&data, &config),
        || {
            let table_started = Instant::now();
            write_visits_table(&staged.dir, &data.visits, &data.ids).map(|()| table_started.elapsed().as_secs_f64())
        },
    );
    let visits_table_seconds = visit_table.with_context(saving)?;
    let analyse_seconds = analysed_at.elapsed().as_secs_f64();
    for f in analysis.figures.iter().filter(|f| f.supplier_id != ALL) {
        per_supplier.entry(f.supplier_id.clone()).or_insert(0);
    }
    let written_at = Instant::now();

    bar.set_message("skriver resultat");
    write_month(&staged.dir, &analysis, &rejects).with_context(saving)?;
    let manifest = json!({
        "program": "tidkoll",
        "version": env!("CARGO_PKG_VERSION"),
        "month": month.to_string(),
        "created": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "config_file": args.config.as_ref().map(|p| p.display().to_string()),
        "config": config,
        "pseudonym_key": match &key_source {
            KeySource::Environment(name) => format!("environment variable {name}"),
            KeySource::File(p) | KeySource::CreatedFile(p) => format!("file {}", p.display()),
        },
        "inputs": files,
        "accounting": {
            "visits_analysed": visits_total,
            "suppliers": per_supplier.len(),
            "rejected": files.iter().map(|f| f.rejected).sum::<u64>(),
            "duplicates": files.iter().map(|f| f.duplicates).sum::<u64>(),
            "flag_rows": analysis.flags.len(),
        },
        "seconds": started.elapsed().as_secs_f64(),
        // `figures_and_flags` includes writing visits.parquet, which runs beside it
        // (`visits_table` alone); `write` is the other tables.
        "stage_seconds": {
            "read": read_seconds,
            "figures_and_flags": analyse_seconds,
            "visits_table": visits_table_seconds,
            "write": written_at.elapsed().as_secs_f64(),
        },
    });
    write_manifest(&staged.dir, &manifest).with_context(saving)?;
    let result_dir = staged.publish().with_context(saving)?;
    bar.finish_and_clear();

    if !args.quiet {
        let mut rows: Vec<(String, usize)> = per_supplier.into_iter().collect();
        rows.push((ALL.to_string(), visits_total));
        print!("{}", monthly_summary(month, &files, &analysis.figures, &rows, &result_dir));
    } else {
        println!("{}", result_dir.display());
    }
    let _ = std::fs::remove_file(&refused_rejects);
    clean_leftovers(&args.out);
    // The run ends here: handing tens of millions of small allocations back one by one would
    // cost seconds on a national month, and the process exit frees them at once.
    std::mem::forget(data);
    std::mem::forget(analysis);
    Ok(())
}
