//! `tidkoll year`: the committee's annual account from the year's stored months (SPEC §9).

use anyhow::{Context, Result};

use crate::cli::YearArgs;
use crate::config::Config;
use crate::error::usage;
use crate::period::year::YearData;
use crate::report::document::{to_markdown, Block};
use crate::report::docx::write_docx;
use crate::report::followup::{write_areas_csv, write_quarters_csv, write_year_csv};
use crate::report::year::{write_year_workbook, year_document, year_page, year_summary};
use crate::store::{clean_leftovers, not_saved, StagedMonth};

/// A year as given on the command line: four digits.
pub fn parse_year(text: &str) -> Result<i32> {
    let t = text.trim();
    match t.parse::<i32>() {
        Ok(year) if t.len() == 4 && (1900..=9999).contains(&year) => Ok(year),
        _ => Err(usage(format!("--year: '{t}' är inget år (skriv ÅÅÅÅ, till exempel 2025)"))),
    }
}

pub fn run(args: &YearArgs) -> Result<()> {
    let year = parse_year(&args.year)?;
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let y = YearData::load(&args.out, year, config.map(|c| c.escalation))?;
    if !y.missing.is_empty() {
        let months: Vec<String> = y.missing.iter().map(|m| m.to_string()).collect();
        eprintln!("tidkoll: {} saknas (inte körda) och ingår inte i årsrapporten; de namnges i varje fil", months.join(", "));
    }
    let saving = || not_saved(&year, &args.out);
    let staged = StagedMonth::named(&args.out, &year.to_string())?;
    let dir = staged.dir.clone();
    write_year_csv(&dir.join("year.csv"), &y.year_rows()).with_context(saving)?;
    write_areas_csv(&dir.join("areas.csv"), &y.area_rows()).with_context(saving)?;
    write_quarters_csv(&dir.join("quarters.csv"), &y.quarter_rows()).with_context(saving)?;
    let made = chrono::Local::now().date_naive().to_string();
    let doc = year_document(&y, &made)?;
    // The charts beside the Markdown, which links to them (the Word file holds them itself).
    for block in &doc.blocks {
        if let Block::Image { file, png, .. } = block {
            let path = dir.join(file);
            std::fs::write(&path, png).with_context(|| format!("{} kan inte skrivas", path.display())).with_context(saving)?;
        }
    }
    let md = dir.join("arsrapport.md");
    std::fs::write(&md, to_markdown(&doc)).with_context(|| format!("{} kan inte skrivas", md.display())).with_context(saving)?;
    write_docx(&doc, &dir.join("arsrapport.docx")).with_context(saving)?;
    write_year_workbook(&dir.join("arsrapport.xlsx"), &y, &doc).with_context(saving)?;
    let html = dir.join("arsrapport.html");
    std::fs::write(&html, year_page(&y, &doc)?).with_context(|| format!("{} kan inte skrivas", html.display())).with_context(saving)?;
    let result = staged.publish().with_context(saving)?;
    clean_leftovers(&args.out);
    if args.quiet {
        super::say(&format!("{}\n", result.display()))?;
    } else {
        super::say(&year_summary(&y, &result))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_year;

    #[test]
    fn years_are_four_digits() {
        assert_eq!(parse_year("2025").unwrap(), 2025);
        for bad in ["25", "2025-01", "abcd", "20255", "0999"] {
            assert!(parse_year(bad).is_err(), "{bad}");
        }
    }
}
