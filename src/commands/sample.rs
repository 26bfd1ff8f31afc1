//! `tidkoll sample`: the verification sample of a stored month (SPEC §11) — drawn into
//! `OUT/YYYY-MM/stickprov/`, or, with `--answers`, the filled call list read back into
//! `stickprov/svar.csv`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::SampleArgs;
use crate::config::{Config, MAX_SAMPLE_SIZE};
use crate::error::{refused, usage};
use crate::model::YearMonth;
use crate::period::sample::{answers_summary, read_answers_file};
use crate::report::sample::{answers_summary_text, draw_summary, write_call_list, DrawnHow};
use crate::store::read::{month_exists, monthly_command, read_figures};
use crate::store::sample::{
    draw_month, read_flag_sets, read_questioned, read_sample, write_answers_csv, write_sample_csv, DrawInputs, QuestionedVisits,
    SAMPLE_DIR, SAMPLE_XLSX,
};
use crate::store::{clean_leftovers, StagedMonth};

pub fn run(args: &SampleArgs) -> Result<()> {
    let month: YearMonth = args.month.parse().map_err(|e: String| usage(format!("--month: {e}")))?;
    if !month_exists(&args.out, month) {
        return Err(refused(format!(
            "månaden {month} finns inte i {}; gör den först med\n  {}",
            args.out.display(),
            monthly_command(&args.out, month)
        )));
    }
    match &args.answers {
        Some(answers) => read_back(args, month, answers),
        None => draw(args, month),
    }
}

fn draw(args: &SampleArgs, month: YearMonth) -> Result<()> {
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let stored = read_figures(&args.out, month)?;
    // `--size`, else the configuration given, else the one the month was run with.
    let size = args.size.unwrap_or_else(|| config.as_ref().unwrap_or(&stored.config).sample.size);
    if !(1..=MAX_SAMPLE_SIZE).contains(&size) {
        return Err(usage(format!("--size: {size} är inte ett antal besök per utförare 1–{MAX_SAMPLE_SIZE}")));
    }
    let seed = args.seed.clone().unwrap_or_else(|| month.to_string());
    if seed.is_empty() {
        return Err(usage("--seed: fröet är tomt; ange en text, t.ex. --seed 2025-03-omtag, eller utelämna --seed"));
    }
    let month_dir = args.out.join(month.to_string());
    let (flags, questioned) = rayon::join(|| read_flag_sets(&month_dir), || read_questioned(&month_dir));
    let inputs = DrawInputs {
        seed,
        size: size as usize,
        max_valid_minutes: stored.config.parameters.max_valid_minutes,
        flags: flags?,
        questioned: questioned?,
    };
    let drawing = draw_month(&month_dir, &inputs)?;
    let how = DrawnHow {
        month,
        seed: &inputs.seed,
        size: inputs.size,
        max_valid_minutes: inputs.max_valid_minutes,
        out: &args.out,
        questioned_not_stored: matches!(inputs.questioned, QuestionedVisits::NotStored),
        populations: &drawing.populations,
    };
    let saving = || format!("stickprovet för {month} kunde inte sparas i {} (ett tidigare stickprov är orört)", month_dir.display());
    let staged = StagedMonth::named(&month_dir, SAMPLE_DIR).with_context(saving)?;
    write_sample_csv(&staged.dir, &drawing.sample).with_context(saving)?;
    write_call_list(&staged.dir.join(SAMPLE_XLSX), &drawing.sample, &how).with_context(saving)?;
    let dir = staged.publish().with_context(saving)?;
    clean_leftovers(&month_dir);
    if args.quiet {
        super::say(&format!("{}\n", dir.display()))
    } else {
        super::say(&draw_summary(&drawing.sample, &how, &dir))
    }
}

fn read_back(args: &SampleArgs, month: YearMonth, answers: &Path) -> Result<()> {
    if args.size.is_some() || args.seed.is_some() {
        return Err(usage("--size och --seed gäller dragningen; med --answers läses svaren på det senast dragna stickprovet"));
    }
    if let Some(path) = &args.config {
        Config::load(path)?;
    }
    let sample = read_sample(&args.out, month)?;
    let answers = read_answers_file(answers, &sample)?;
    let rows = answers_summary(&sample, &answers);
    let path = write_answers_csv(&args.out, month, &rows)
        .with_context(|| format!("svaren för {month} kunde inte sparas i {}", args.out.display()))?;
    if args.quiet {
        super::say(&format!("{}\n", path.display()))
    } else {
        super::say(&answers_summary_text(month, &rows, &path))
    }
}
