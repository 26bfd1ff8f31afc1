//! The action plan as a Word document (opens and edits in Word and LibreOffice).

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use docx_rs::{Docx, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow, WidthType};

use crate::report::plan::{Plan, FIELDS};

fn text(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s))
}

fn labelled(label: &str, value: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(format!("{label} ")).bold()).add_run(Run::new().add_text(value))
}

fn heading(level: usize, s: &str) -> Paragraph {
    Paragraph::new().style(&format!("Heading{level}")).add_run(Run::new().add_text(s))
}

/// A two-column table of labels and (possibly empty) values.
fn form(rows: &[(&str, &str)]) -> Table {
    let rows = rows
        .iter()
        .map(|(label, value)| {
            TableRow::new(vec![
                TableCell::new().width(2600, WidthType::Dxa).add_paragraph(Paragraph::new().add_run(Run::new().add_text(*label).bold())),
                TableCell::new().width(6400, WidthType::Dxa).add_paragraph(text(value)),
            ])
        })
        .collect();
    Table::new(rows).set_grid(vec![2600, 6400]).width(9000, WidthType::Dxa)
}

pub fn write_docx(plan: &Plan, path: &Path) -> Result<()> {
    let mut doc = Docx::new()
        .add_style(Style::new("Heading1", StyleType::Paragraph).name("Heading 1").size(32).bold().outline_lvl(0))
        .add_style(Style::new("Heading2", StyleType::Paragraph).name("Heading 2").size(26).bold().outline_lvl(1))
        .add_paragraph(heading(1, &format!("Åtgärdsplan – {}", plan.supplier)))
        .add_table(form(&[
            ("Utförare", &plan.supplier),
            ("Kvartal", &plan.quarter),
            ("Upprättad", &plan.made),
            ("Diarienummer / referens", ""),
        ]))
        .add_paragraph(text(&format!(
            "Uppföljningen av tidsregistreringarna för {} visar {} avvikelse{} från avtalets krav. Utföraren ombeds fylla i orsak, åtgärd, ansvarig, när åtgärden ska vara klar och hur den följs upp för varje avvikelse.",
            plan.quarter,
            plan.sections.len(),
            if plan.sections.len() == 1 { "" } else { "r" }
        )));
    if let Some(text) = &plan.deeper_followup {
        doc = doc.add_paragraph(labelled("Fördjupad uppföljning:", text));
    }
    for (n, s) in plan.sections.iter().enumerate() {
        doc = doc.add_paragraph(heading(2, &format!("{}. {}", n + 1, s.title))).add_paragraph(labelled("Krav:", &s.requirement));
        doc = doc.add_paragraph(labelled("Uppmätt värde per månad:", ""));
        for m in &s.months {
            doc = doc.add_paragraph(text(&format!("• {m}")));
        }
        doc = doc.add_paragraph(text(&s.streak));
        if !s.evidence.is_empty() {
            doc = doc.add_paragraph(labelled("Underlag:", ""));
            for e in &s.evidence {
                doc = doc.add_paragraph(text(&format!("• {e}")));
            }
        }
        if !s.examples.is_empty() {
            doc = doc.add_paragraph(labelled("Exempel på besök (besöks-id):", &s.examples.join(", ")));
        }
        let fields: Vec<(&str, &str)> = FIELDS.iter().map(|f| (*f, "")).collect();
        doc = doc.add_paragraph(labelled("Fylls i av utföraren:", "")).add_table(form(&fields)).add_paragraph(text(""));
    }
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    doc.build().pack(file).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
