//! `tidkoll investigate`: one supplier over a month or a quarter, from its figures down to the
//! visits behind them.

use anyhow::{Context, Result};

use crate::cli::InvestigateArgs;
use crate::commands::quarter::folder_names;
use crate::commands::year::parse_year;
use crate::error::usage;
use crate::model::ALL;
use crate::period::investigate::{Investigation, Period};
use crate::report::investigation::{html_page, terminal_report, write_exports};
use crate::store::{clean_leftovers, StagedMonth};

/// The folder under OUT that holds investigations.
pub const INVESTIGATIONS: &str = "utredningar";

/// The supplier's folder name as the quarter names it among the period's suppliers: its safe
/// form, with a hash of its id when another supplier of the period has the same safe form.
fn investigation_folder(inv: &Investigation) -> String {
    let suppliers: std::collections::BTreeSet<&str> =
        inv.stored.iter().flat_map(|m| m.figures.iter().map(|f| f.supplier_id.as_str())).filter(|s| *s != ALL).collect();
    let suppliers: Vec<String> = suppliers.into_iter().map(str::to_string).collect();
    let names = folder_names(&suppliers);
    let i = suppliers.iter().position(|s| *s == inv.supplier).expect("the supplier was checked to be of the period");
    names[i].clone()
}

pub fn run(args: &InvestigateArgs) -> Result<()> {
    let period = match (&args.month, &args.quarter, &args.year) {
        (Some(m), None, None) => Period::Month(m.parse().map_err(|e: String| usage(format!("--month: {e}")))?),
        (None, Some(q), None) => Period::Quarter(q.parse().map_err(|e: String| usage(format!("--quarter: {e}")))?),
        (None, None, Some(y)) => Period::Year(parse_year(y)?),
        _ => return Err(usage("ange en av --month ÅÅÅÅ-MM, --quarter ÅÅÅÅ-Qn eller --year ÅÅÅÅ")),
    };
    let inv = Investigation::load(&args.out, &args.supplier, period)?;
    let parent = args.out.join(INVESTIGATIONS);
    let staged = StagedMonth::named(&parent, &format!("{}-{period}", investigation_folder(&inv)))?;
    let page = html_page(&inv)?;
    let html = staged.dir.join("utredning.html");
    let saving = || format!("utredningen kunde inte sparas i {} (en tidigare utredning är orörd)", parent.display());
    std::fs::write(&html, page).with_context(|| format!("{} kan inte skrivas", html.display())).with_context(saving)?;
    write_exports(&inv, &staged.dir).with_context(saving)?;
    let result = staged.publish().with_context(saving)?;
    clean_leftovers(&parent);
    if args.quiet {
        super::say(&format!("{}\n", result.display()))?;
    } else {
        super::say(&terminal_report(&inv, &result))?;
    }
    Ok(())
}
