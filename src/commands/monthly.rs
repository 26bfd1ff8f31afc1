//! `tidkoll monthly`: read the exports, compute the month, store it, print the summary.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::MonthlyArgs;
use crate::config::Config;
use crate::engine::groups::{Groups, MonthGroups};
use crate::error::{refused, usage};
use crate::ingest::{self, busiest_of, check_reject_rates, select_month, Ingested, InputPaths, MonthData};
use crate::model::{split_key, FileAccount, Reject, YearMonth, ALL};
use crate::month::analysis::{analyse_grouped, MonthAnalysis};
use crate::privacy::{KeySource, Pseudonymizer};
use crate::report::terminal::{accounting_table, monthly_summary};
use crate::store::manifest::{write_manifest, Accounting, InputPath, Manifest, StageSeconds};
use crate::store::sample::{keep_sample, SAMPLE_DIR};
use crate::store::{clean_leftovers, not_saved, write_month, write_rejects_csv, write_visits_table, StagedMonth};
use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// What the run was given, checked.
struct Setup {
    config: Config,
    month: Option<YearMonth>,
    pseudonyms: Pseudonymizer,
    key_source: KeySource,
}

fn setup(args: &MonthlyArgs) -> Result<Setup> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let month: Option<YearMonth> = match &args.month {
        Some(m) => {
            let month: YearMonth = m.parse().map_err(|e: String| usage(format!("--month: {e}")))?;
            let years = crate::model::plausible_years();
            if !years.contains(&month.year) {
                return Err(usage(format!("--month: {month} ligger utanför åren {}–{}; kontrollera året", years.start(), years.end())));
            }
            Some(month)
        }
        None => None,
    };
    let (pseudonyms, key_source) = Pseudonymizer::load(&config.privacy.pseudonym_key_env, &args.out)?;
    if let KeySource::CreatedFile(path) = &key_source {
        eprintln!("tidkoll: skapade pseudonymnyckeln {} – spara den; samma nyckel ger samma pseudonymer kommande månader", path.display());
    }
    for warning in pseudonyms.warnings(&key_source) {
        eprintln!("tidkoll: varning: {warning}");
    }
    Ok(Setup { config, month, pseudonyms, key_source })
}

/// Reads the inputs; a file over the reject limit refuses the run with every reject written
/// to `OUT/refused-rejects.csv`.
fn read_inputs(args: &MonthlyArgs, setup: &Setup, bar: &ProgressBar) -> Result<Ingested> {
    let inputs = InputPaths {
        visits: &args.visits,
        granted: args.granted.as_deref(),
        addons: args.addons.as_deref(),
        absences: args.absences.as_deref(),
        invoices: args.invoices.as_deref(),
    };
    let ingested = ingest::read_all(&inputs, &setup.config, &setup.pseudonyms)?;
    let refused_rejects = args.out.join("refused-rejects.csv");
    if let Err(e) = check_reject_rates(&ingested, &setup.config, &refused_rejects) {
        bar.finish_and_clear();
        std::fs::create_dir_all(&args.out).with_context(|| format!("resultatmappen {} kan inte skapas", args.out.display()))?;
        // A new file, never one a link there points to: the rejects go where the officer looks.
        let _ = std::fs::remove_file(&refused_rejects);
        write_rejects_csv(&refused_rejects, &ingested.rejects)?;
        eprint!("Inläsning:\n{}", accounting_table(&ingested.files));
        return Err(e);
    }
    Ok(ingested)
}

/// The month to analyse: `--month`, else the month most visits belong to. A month given
/// that none of the accepted visits belongs to is refused: the files are another month's, and
/// storing the month empty would replace a good one. Without any accepted visit, a month given
/// is stored empty (with a warning).
fn choose_month(args: &MonthlyArgs, given: Option<YearMonth>, ingested: &Ingested, bar: &ProgressBar) -> Result<YearMonth> {
    let per_month = ingested.visits_per_month();
    let Some(month) = given.or_else(|| busiest_of(&per_month)) else {
        bar.finish_and_clear();
        eprint!("Inläsning:\n{}", accounting_table(&ingested.files));
        return Err(refused(
            "inget besök kunde läsas, så det finns ingen månad att räkna på; kontrollera besöksfilerna (de avvisade raderna redovisas ovan), eller ange --month ÅÅÅÅ-MM för att spara en tom månad",
        ));
    };
    if !per_month.contains_key(&month) {
        let list: Vec<String> = per_month.iter().map(|(m, n)| format!("{m}: {n}")).collect();
        if !list.is_empty() {
            bar.finish_and_clear();
            return Err(refused(format!(
                "inga besök i filerna hör till {month} (--month); de godkända besöken hör till andra månader ({}). Ange rätt --month eller filerna för {month}. Inget har sparats, och en tidigare sparad {month} är orörd.",
                list.join(", ")
            )));
        }
        if !args.quiet {
            eprintln!("tidkoll: obs: inga besök hör till {month}; månaden sparas tom (alla nyckeltal saknas).");
        }
    }
    Ok(month)
}

/// Performed visits per supplier id, with every supplier of the figures (some have none).
/// Counted from the groups by client, which hold every performed visit once and lie together
/// by supplier.
fn visits_per_supplier(data: &MonthData, by_client: &Groups, analysis: &MonthAnalysis) -> BTreeMap<String, usize> {
    let mut counts = vec![0usize; data.ids.suppliers.names.len()];
    for g in &by_client.groups {
        counts[split_key(g.key).0 as usize] += by_client.visits(g).len();
    }
    let mut per_supplier: BTreeMap<String, usize> = BTreeMap::new();
    for (id, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
        *per_supplier.entry(data.ids.suppliers.name(id as u32).to_string()).or_default() += n;
    }
    for f in analysis.figures.iter().filter(|f| f.supplier_id != ALL) {
        per_supplier.entry(f.supplier_id.clone()).or_insert(0);
    }
    per_supplier
}

/// The month computed and stored.
struct Stored {
    analysis: MonthAnalysis,
    per_supplier: BTreeMap<String, usize>,
    dir: PathBuf,
}

/// Computes the month, writes its tables and manifest into a staged directory and publishes
/// it in place of an earlier run.
fn compute_and_store(
    args: &MonthlyArgs,
    setup: &Setup,
    data: &MonthData,
    files: &[FileAccount],
    rejects: &[Reject],
    timer: Timer,
) -> Result<Stored> {
    let month = data.month;
    let staged = StagedMonth::new(&args.out, month)?;
    let saving = || not_saved(&month, &args.out);
    // The visits table needs no figure, so it is written while the figures are computed, and
    // the other tables are written as soon as the figures are ready, beside the end of the
    // visits table. Both share the month's visits grouped by client, sorted once.
    let analysed_at = Instant::now();
    let groups = MonthGroups::new(&data.visits, data.performed);
    let (by_client, others) = (Arc::clone(&groups.clients), Arc::clone(&groups.others));
    let ((analysis, figures_and_flags, written), visit_table) = rayon::join(
        || {
            let analysis = analyse_grouped(data, &setup.config, groups);
            let figures_and_flags = analysed_at.elapsed().as_secs_f64();
            let written_at = Instant::now();
            let written = write_month(&staged.dir, &analysis, rejects).map(|()| written_at.elapsed().as_secs_f64());
            (analysis, figures_and_flags, written)
        },
        || {
            let table_started = Instant::now();
            write_visits_table(&staged.dir, &data.visits, &data.ids, &by_client, &others).map(|()| table_started.elapsed().as_secs_f64())
        },
    );
    let visits_table = visit_table.with_context(saving)?;
    let write = written.with_context(saving)?;
    let per_supplier = visits_per_supplier(data, &by_client, &analysis);
    drop((by_client, others));
    let manifest = Manifest {
        program: "tidkoll",
        version: env!("CARGO_PKG_VERSION"),
        month: month.to_string(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        config_file: args.config.as_ref().map(|p| p.display().to_string()),
        config: setup.config.clone(),
        pseudonym_key_fingerprint: setup.pseudonyms.fingerprint(),
        pseudonym_key: match &setup.key_source {
            KeySource::Environment(name) => format!("environment variable {name}"),
            KeySource::File(p) | KeySource::CreatedFile(p) => format!("file {}", p.display()),
        },
        inputs: files.to_vec(),
        input_paths: input_paths(args, &setup.pseudonyms),
        accounting: Accounting {
            visits_analysed: data.visits.len(),
            suppliers: per_supplier.len(),
            rejected: files.iter().map(|f| f.rejected).sum(),
            duplicates: files.iter().map(|f| f.duplicates).sum(),
            flag_rows: analysis.flags.len(),
        },
        seconds: timer.started.elapsed().as_secs_f64(),
        stage_seconds: StageSeconds { read: timer.read, figures_and_flags, visits_table, write },
    };
    write_manifest(&staged.dir, &manifest).with_context(saving)?;
    if keep_sample(&args.out.join(month.to_string()), &staged.dir).with_context(saving)? {
        eprintln!(
            "tidkoll: stickprovet för kontrollsamtal i {month}/{SAMPLE_DIR}/ (och svaren) följer med till den nya körningen; har besöken ändrats och ingen ringt än, dra det igen med `tidkoll sample --month {month}`"
        );
    }
    let dir = staged.publish().with_context(saving)?;
    Ok(Stored { analysis, per_supplier, dir })
}

/// The inputs as the run was given them, for the manifest.
fn input_paths(args: &MonthlyArgs, pseudonyms: &Pseudonymizer) -> Vec<InputPath> {
    let given = args.visits.iter().map(|p| ("visits", p)).chain(
        [("granted", &args.granted), ("addons", &args.addons), ("absences", &args.absences), ("invoices", &args.invoices)]
            .into_iter()
            .filter_map(|(kind, p)| Some((kind, p.as_ref()?))),
    );
    given.map(|(kind, p)| InputPath { kind, path: pseudonyms.scrub(&p.display().to_string()) }).collect()
}

/// When the run started and how long the read took.
#[derive(Clone, Copy)]
struct Timer {
    started: Instant,
    read: f64,
}

/// Has the allocator map blocks of 4 MiB and more for themselves, and hand them back when
/// freed. glibc starts at 128 KiB and raises the threshold to the size of each mapped block
/// freed, up to 32 MiB; after the read it stands so high that blocks of 4–32 MiB freed by the
/// flags and tallies stay with the process while the rows are made and written beside the
/// month's visits, where the run's memory is at its highest.
fn map_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of the allocator's thresholds.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

pub fn run(args: &MonthlyArgs) -> Result<()> {
    let started = Instant::now();
    map_large_blocks();
    let setup = setup(args)?;
    let bar = progress(args.quiet);
    bar.set_message("läser indatafiler");
    let ingested = read_inputs(args, &setup, &bar)?;
    let timer = Timer { started, read: started.elapsed().as_secs_f64() };
    let month = choose_month(args, setup.month, &ingested, &bar)?;
    let (data, files, rejects) = select_month(ingested, month);
    bar.set_message(format!("beräknar nyckeltal och flaggor för {month} ({} besök)", data.visits.len()));
    let stored = compute_and_store(args, &setup, &data, &files, &rejects, timer)?;
    bar.finish_and_clear();

    let _ = std::fs::remove_file(args.out.join("refused-rejects.csv"));
    clean_leftovers(&args.out);
    if !args.quiet {
        let mut rows: Vec<(String, usize)> = stored.per_supplier.into_iter().collect();
        rows.push((ALL.to_string(), data.performed));
        super::say(&monthly_summary(month, &files, &stored.analysis.figures, &stored.analysis.payment, &rows, &stored.dir))?;
    } else {
        super::say(&format!("{}\n", stored.dir.display()))?;
    }
    // The run ends here: handing tens of millions of small allocations back one by one would
    // cost seconds on a national month, and the process exit frees them at once.
    std::mem::forget(data);
    std::mem::forget(stored.analysis);
    Ok(())
}
