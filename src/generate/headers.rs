//! The generated files' header lines and the Swedish dialect's configuration, derived from the
//! input kinds' column tables: a column added to a table is named here or does not compile.

use crate::model::input::{AbsenceColumn, AddonColumn, Column, GrantedColumn, InvoiceColumn, VisitColumn};
use crate::model::InputKind;

use super::Dialect;

/// The Swedish export's name of a visits column.
fn swedish_visits(c: VisitColumn) -> &'static str {
    match c {
        VisitColumn::VisitId => "Besöks-ID",
        VisitColumn::SupplierId => "Utförare",
        VisitColumn::ClientId => "Kund",
        VisitColumn::StaffId => "Personal",
        VisitColumn::CheckIn => "Start",
        VisitColumn::CheckOut => "Slut",
        VisitColumn::CheckInMethod => "Kvittens in",
        VisitColumn::CheckOutMethod => "Kvittens ut",
        VisitColumn::Services => "Insatser",
        VisitColumn::PlannedMinutes => "Planerad tid (min)",
        VisitColumn::Area => "Område",
        VisitColumn::ManualReason => "Orsak",
        VisitColumn::Status => "Status",
    }
}

fn swedish_granted(c: GrantedColumn) -> &'static str {
    match c {
        GrantedColumn::SupplierId => "Utförare",
        GrantedColumn::ClientId => "Kund",
        GrantedColumn::Month => "Månad",
        GrantedColumn::GrantedMinutes => "Beviljad tid (min)",
    }
}

fn swedish_addons(c: AddonColumn) -> &'static str {
    match c {
        AddonColumn::SupplierId => "Utförare",
        AddonColumn::ClientId => "Kund",
        AddonColumn::Month => "Månad",
        AddonColumn::Addon => "Tilläggstjänst",
        AddonColumn::Quantity => "Antal",
        AddonColumn::ReportedOn => "Rapporterad",
    }
}

fn swedish_invoices(c: InvoiceColumn) -> &'static str {
    match c {
        InvoiceColumn::SupplierId => "Utförare",
        InvoiceColumn::ClientId => "Kund",
        InvoiceColumn::Month => "Månad",
        InvoiceColumn::InvoicedMinutes => "Fakturerad tid (min)",
    }
}

/// A case system's own names, which tidkoll recognises without configuration (each one of the
/// column's built-in aliases).
fn swedish_absences(c: AbsenceColumn) -> &'static str {
    match c {
        AbsenceColumn::ClientId => "Personnummer",
        AbsenceColumn::AbsentFrom => "Från",
        AbsenceColumn::AbsentTo => "Till",
        AbsenceColumn::Reason => "Orsak",
    }
}

/// The names of the columns of `C` in `dialect`.
fn names<C: Column>(all: &[C], dialect: Dialect, swedish: fn(C) -> &'static str) -> Vec<&'static str> {
    all.iter()
        .map(|&c| match dialect {
            Dialect::Canonical => c.name(),
            Dialect::Swedish => swedish(c),
        })
        .collect()
}

/// The header line of a generated file of `kind`.
pub fn header(kind: InputKind, dialect: Dialect) -> String {
    let names = match kind {
        InputKind::Visits => names(VisitColumn::ALL, dialect, swedish_visits),
        InputKind::Granted => names(GrantedColumn::ALL, dialect, swedish_granted),
        InputKind::Addons => names(AddonColumn::ALL, dialect, swedish_addons),
        InputKind::Absences => names(AbsenceColumn::ALL, dialect, swedish_absences),
        InputKind::Invoices => names(InvoiceColumn::ALL, dialect, swedish_invoices),
    };
    names.join(match dialect {
        Dialect::Canonical => ",",
        Dialect::Swedish => ";",
    })
}

/// The configuration that reads the Swedish dialect: its encoding and delimiter, and the
/// renamed columns of every kind whose names tidkoll does not recognise by itself.
pub fn swedish_config() -> String {
    let mut toml = String::from(
        "# Configuration for the Swedish-dialect example export (tidkoll generate --dialect swedish).\n[input]\nencoding = \"windows-1252\"\ndelimiter = \";\"\n",
    );
    let mut table = |kind: InputKind, pairs: Vec<(&str, &str)>| {
        toml.push_str(&format!("\n[columns.{kind}]\n"));
        for (canonical, swedish) in pairs {
            toml.push_str(&format!("{canonical} = \"{swedish}\"\n"));
        }
    };
    table(InputKind::Visits, VisitColumn::ALL.iter().map(|&c| (c.name(), swedish_visits(c))).collect());
    table(InputKind::Granted, GrantedColumn::ALL.iter().map(|&c| (c.name(), swedish_granted(c))).collect());
    table(InputKind::Addons, AddonColumn::ALL.iter().map(|&c| (c.name(), swedish_addons(c))).collect());
    table(InputKind::Invoices, InvoiceColumn::ALL.iter().map(|&c| (c.name(), swedish_invoices(c))).collect());
    toml.push_str(
        "\n[municipality]\nname = \"Exempelby kommun\"\nunit = \"Vård- och omsorgsförvaltningen\"\ncontact_name = \"Anna Exempel\"\ncontact_email = \"uppfoljning@exempelby.se\"\ncontact_phone = \"010-123 45 67\"\n",
    );
    toml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_swedish_absence_names_are_recognised_without_configuration() {
        for &c in AbsenceColumn::ALL {
            assert!(c.describe().aliases.contains(&swedish_absences(c)), "{c:?}");
        }
    }

    #[test]
    fn headers_follow_the_column_tables() {
        assert_eq!(
            header(InputKind::Visits, Dialect::Canonical),
            "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes,area,manual_reason,status"
        );
        assert_eq!(header(InputKind::Granted, Dialect::Swedish), "Utförare;Kund;Månad;Beviljad tid (min)");
        assert_eq!(header(InputKind::Absences, Dialect::Swedish), "Personnummer;Från;Till;Orsak");
        assert_eq!(header(InputKind::Invoices, Dialect::Swedish), "Utförare;Kund;Månad;Fakturerad tid (min)");
    }
}
