//! `tidkoll investigate`: one supplier over a month or a quarter, from its figures down to the
//! visits behind them.

use anyhow::{Context, Result};

use crate::cli::InvestigateArgs;
use crate::commands::quarter::slug;
use crate::commands::year::parse_year;
use crate::error::usage;
use crate::investigate::{Investigation, Period};
use crate::report::investigation::{html_page, terminal_report, write_exports};
use crate::store::{clean_leftovers, StagedMonth};

/// The folder under OUT that holds investigations.
pub const INVESTIGATIONS: &str = "utredningar";

pub fn run(args: &InvestigateArgs) -> Result<()> {
    let period = match (&args.month, &args.quarter, &args.year) {
        (Some(m), None, None) => Period::Month(m.parse().map_err(|e: String| usage(format!("--month: {e}")))?),
        (None, Some(q), None) => Period::Quarter(q.parse().map_err(|e: String| usage(format!("--quarter: {e}")))?),
        (None, None, Some(y)) => Period::Year(parse_year(y)?),
        _ => return Err(usage("give one of --month YYYY-MM, --quarter YYYY-Qn or --year YYYY")),
    };
    let inv = Investigation::load(&args.out, &args.supplier, period)?;
    let parent = args.out.join(INVESTIGATIONS);
    let staged = StagedMonth::named(&parent, &format!("{}-{period}", slug(&args.supplier)))?;
    let page = html_page(&inv)?;
    let html = staged.dir.join("utredning.html");
    let saving = || {
        format!(
            "the investigation could not be saved in {} (an earlier one is unchanged); free disk space there or give another --out",
            parent.display()
        )
    };
    std::fs::write(&html, page).with_context(|| format!("cannot write {}", html.display())).with_context(saving)?;
    write_exports(&inv, &staged.dir).with_context(saving)?;
    let result = staged.publish().with_context(saving)?;
    clean_leftovers(&parent);
    if args.quiet {
        println!("{}", result.display());
    } else {
        print!("{}", terminal_report(&inv, &result));
    }
    Ok(())
}
