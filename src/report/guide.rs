//! The part of the Swedish user guide (`docs/anvandarguide.md`) that is generated from the
//! registry: every key figure and flag in plain words with its default requirement and area,
//! so that the guide cannot drift from what the program computes. A test keeps the file equal
//! to it (`UPDATE_GUIDE=1 cargo test guide` rewrites it).

use std::fmt::Write as _;

use crate::config::Config;
use crate::model::{Figure, Flag, Metric};
use crate::report::labels::requirement_sv;
use crate::report::markdown_text;

/// Where the generated part begins and ends in the guide.
pub const BEGIN: &str = "<!-- genererat från registret: början -->";
pub const END: &str = "<!-- genererat från registret: slut -->";

/// The key figures and flags as Markdown tables, with the built-in requirements and limits.
pub fn metrics_markdown() -> String {
    let config = Config::default();
    let t = |text: &str| markdown_text(text);
    let mut md = String::new();
    md.push_str("### Nyckeltal\n\n| Nyckeltal | Id | Så räknas det | Krav som standard | Område i årsrapporten |\n|---|---|---|---|---|\n");
    for figure in Figure::ALL {
        let def = figure.def();
        let metric = Metric::Figure(figure);
        writeln!(
            md,
            "| {} | `{}` | {} | {} | {} |",
            t(def.label),
            def.id,
            t(def.description),
            t(&requirement_sv(metric, config.requirement(metric))),
            metric.area().label()
        )
        .expect("writing to a String");
    }
    md.push_str("\n### Flaggor\n\nVarje flagga räknas som antal flaggade besök (`flag.<namn>`) och per 1 000 besök (`flag_rate.<namn>`); det senare jämförs med gränsen.\n\n| Flagga | Namn | Vad som flaggas | Gräns som standard | Område i årsrapporten |\n|---|---|---|---|---|\n");
    for flag in Flag::ALL {
        let def = flag.def();
        let metric = Metric::FlagRate(flag);
        writeln!(
            md,
            "| {} | `{}` | {} | {} | {} |",
            t(def.label),
            def.name,
            t(def.description),
            t(&requirement_sv(metric, config.requirement(metric))),
            metric.area().label()
        )
        .expect("writing to a String");
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_guide_holds_the_registry_as_it_is() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/anvandarguide.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = text.split_once(BEGIN).expect("the guide has the begin marker");
        let (current, tail) = rest.split_once(END).expect("the guide has the end marker");
        let wanted = format!("\n{}", metrics_markdown());
        if current != wanted {
            if std::env::var("UPDATE_GUIDE").is_ok() {
                std::fs::write(&path, format!("{head}{BEGIN}{wanted}{END}{tail}")).unwrap();
                return;
            } else {
                panic!("docs/anvandarguide.md differs from the registry; run `UPDATE_GUIDE=1 cargo test guide` and commit it");
            }
        }
        for figure in Figure::ALL {
            assert!(text.contains(&format!("`{}`", figure.id())), "{}", figure.id());
        }
    }
}
