//! `tidkoll generate`: example exports with known deviations.

use anyhow::{Context, Result};

use crate::cli::GenerateArgs;
use crate::error::usage;
use crate::generate::{generate_month, swedish_config, Dialect};
use crate::model::YearMonth;

pub fn run(args: &GenerateArgs) -> Result<()> {
    let months: Vec<YearMonth> =
        args.months.iter().map(|m| m.parse().map_err(|e: String| usage(format!("--months: {e}")))).collect::<Result<_>>()?;
    if args.visits == 0 {
        return Err(usage("--visits måste vara minst 1"));
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("{} kan inte skapas", args.out.display()))?;
    let dialect = Dialect::from(args.dialect);
    let config = match dialect {
        Dialect::Swedish => swedish_config(),
        Dialect::Canonical => "# Configuration for the canonical example export: the built-in defaults suffice.\n".to_string(),
    };
    if !args.no_extras {
        let path = args.out.join("tidkoll.toml");
        std::fs::write(&path, config).with_context(|| format!("{} kan inte skrivas", path.display()))?;
    }
    for &month in &months {
        let first = *months.iter().min().expect("a month is being generated");
        let files = generate_month(&args.out, month, dialect, args.shape.into(), args.visits, args.seed, !args.no_extras, first)?;
        super::say(&format!("{month}: {} besök i {}\n", files.visit_count, files.visits.display()))?;
        for path in files.granted.iter().chain(&files.addons).chain(&files.absences).chain(&files.invoices) {
            super::say(&format!("         {}\n", path.display()))?;
        }
    }
    Ok(())
}
