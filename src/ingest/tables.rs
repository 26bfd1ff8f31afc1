//! The three input tables of SPEC §2: each row checked and typed, or rejected with a reason.

use anyhow::Result;

use super::chunk::{Kept, LocalNames, Name};
use super::names::{addon_id, client_id, intern_addon, intern_client, intern_supplier, supplier_id};
use super::rows::{scan, Reason, Row};
use super::source::Source;
use super::time::{parse_date, parse_stamp, resolve_check_in, Stamp};
use super::Ingested;
use crate::config::Config;
use crate::model::input::{AbsenceColumn as Ab, AddonColumn as Ad, Column, GrantedColumn as Gr, InputKind, InvoiceColumn as In};
use crate::model::{Absence, AddonRow, ExactMinutes, FileAccount, GrantedRow, Ids, InvoiceRow, Reject};

use crate::model::{Problem, YearMonth};
use crate::privacy::Pseudonymizer;

pub(super) fn new_account(source: &Source, kind: InputKind) -> FileAccount {
    FileAccount {
        file: source.name.clone(),
        kind: kind.name().to_string(),
        sha256: String::new(),
        encoding: if source.workbook { "xlsx".to_string() } else { source.encoding.name().to_string() },
        delimiter: match source.delimiter {
            _ if source.workbook => String::new(),
            b'\t' => "tab".to_string(),
            d => (d as char).to_string(),
        },
        read: 0,
        accepted: 0,
        rejected: 0,
        duplicates: 0,
        outside_month: 0,
    }
}

/// How a table file is read: its account and what it holds.
pub type ReadTable = fn(&Source, u16, &Reading) -> Result<(FileAccount, TableFile)>;

/// What every table file is read with: the run's configuration and pseudonyms, and the
/// month's ids once the visits are read.
pub struct Reading<'a> {
    pub config: &'a Config,
    pub pseudonyms: &'a Pseudonymizer,
    pub ids: &'a Ids,
}

/// One table file read beside the others once the visits are read: its rows with the suppliers,
/// clients and add-on codes the month already has under their ids, and those it has not yet
/// under a number of their own in the file (`NEW`), given ids when the file is added to the
/// month (`into_month`). The files are added one after another in the order they were given,
/// and each file's new names in the order they first appear, so every name has the id that
/// reading the files one after another gave it.
#[derive(Default)]
pub struct TableFile {
    granted: Vec<GrantedRow>,
    addons: Vec<AddonRow>,
    absences: Vec<Absence>,
    invoices: Vec<InvoiceRow>,
    rejects: Vec<Reject>,
    seen: Interned,
}

/// The numbers from `NEW` up are names new to the month, numbered within their file.
const NEW: u32 = 1 << 31;

impl TableFile {
    /// The file's rows and rejects added to the month's, its new names given ids in `out.ids`.
    pub fn into_month(self, pseudonyms: &Pseudonymizer, out: &mut Ingested) {
        let Interned { new_suppliers, new_clients, new_addons, .. } = self.seen;
        let ids = &mut out.ids;
        let suppliers = new_suppliers.to_global(|name| intern_supplier(&mut ids.suppliers, pseudonyms, name));
        let clients = new_clients.to_global(|name| intern_client(ids, pseudonyms, name));
        let addons = new_addons.to_global(|code| intern_addon(&mut ids.addons, pseudonyms, code));
        let id = |new: &[u32], id: u32| if id >= NEW { new[(id - NEW) as usize] } else { id };
        let (supplier, client) = (|s: u32| id(&suppliers, s), |c: u32| id(&clients, c));
        out.granted.extend(self.granted.into_iter().map(|g| GrantedRow { supplier: supplier(g.supplier), client: client(g.client), ..g }));
        out.invoices.extend(self.invoices.into_iter().map(|i| InvoiceRow {
            supplier: supplier(i.supplier),
            client: client(i.client),
            ..i
        }));
        out.addons.extend(self.addons.into_iter().map(|a| AddonRow {
            supplier: supplier(a.supplier),
            client: client(a.client),
            addon: id(&addons, a.addon),
            ..a
        }));
        out.absences.extend(self.absences.into_iter().map(|a| Absence { client: client(a.client), ..a }));
        out.rejects.extend(self.rejects);
    }
}

/// The suppliers and clients of one file by the raw bytes of their field: a file repeats a
/// supplier and a client row after row, so each spelling is checked and normalised once (valid
/// text, Unicode normalisation, the reserved names, the personnummer's core), not on every row.
/// Names the month does not have yet are numbered from `NEW` in the order they first appear.
#[derive(Default)]
struct Interned {
    suppliers: Kept<u32>,
    clients: Kept<u32>,
    new_suppliers: LocalNames,
    new_clients: LocalNames,
    new_addons: LocalNames,
}

impl Interned {
    fn supplier(&mut self, name: Name, ids: &Ids) -> u32 {
        let new = &mut self.new_suppliers;
        name.number_with(&mut self.suppliers, |text| supplier_id(&ids.suppliers, text).unwrap_or_else(|| NEW + new.id(text)))
    }

    fn client(&mut self, name: Name, ids: &Ids) -> u32 {
        let new = &mut self.new_clients;
        name.number_with(&mut self.clients, |text| client_id(ids, text).unwrap_or_else(|| NEW + new.id(text)))
    }

    fn addon(&mut self, code: &str, ids: &Ids) -> u32 {
        addon_id(&ids.addons, code).unwrap_or_else(|| NEW + self.new_addons.id(code))
    }
}

fn parse_month<C: Column>(row: &Row<C>, col: C) -> Result<YearMonth, Reason> {
    let text = row.required(col)?;
    text.parse().map_err(|e: String| Reason::new(col.name(), Problem::NotAMonth, e))
}

/// The largest granted or invoiced minutes a row may hold.
const MAX_MINUTES: f64 = 1e9;

/// A row's minutes of granted or invoiced time: required, not negative, and not beyond what
/// fixed-point minutes hold (a billion minutes, 1,900 years, is no month's time).
fn exact_minutes<C: Column>(row: &Row<C>, col: C) -> Result<ExactMinutes, Reason> {
    row.required(col)?;
    let minutes = row.number(col)?.unwrap_or_default();
    if minutes < 0.0 {
        return Err(Reason::new(col.name(), Problem::Negative, format!("{minutes} är negativt")));
    }
    if minutes > MAX_MINUTES {
        return Err(Reason::new(col.name(), Problem::TooLarge, format!("{minutes} är mer än {MAX_MINUTES} minuter")));
    }
    Ok(ExactMinutes::from_minutes(minutes))
}

/// Reads a table file of columns `C`, each row given to `accept` with what the file holds so far.
fn read_table<C: Column>(
    source: &Source,
    with: &Reading,
    mut accept: impl FnMut(&Row<C>, &mut TableFile) -> Result<(), Reason>,
) -> Result<(FileAccount, TableFile)> {
    let mut account = new_account(source, C::KIND);
    let (mut table, mut rejects) = (TableFile::default(), Vec::new());
    scan(source, with.config.columns.of(C::KIND), with.pseudonyms, &mut account, &mut rejects, |row, _| accept(row, &mut table))?;
    table.rejects = rejects;
    Ok((account, table))
}

pub fn read_granted(source: &Source, file: u16, with: &Reading) -> Result<(FileAccount, TableFile)> {
    read_table(source, with, |row: &Row<Gr>, table| {
        let supplier = Name::of_repeated(&mut table.seen.suppliers, row.raw(Gr::SupplierId), || row.supplier(Gr::SupplierId))?;
        let client = Name::of(&table.seen.clients, row.raw(Gr::ClientId), || row.name(Gr::ClientId))?;
        let month = parse_month(row, Gr::Month)?;
        let minutes = exact_minutes(row, Gr::GrantedMinutes)?;
        table.granted.push(GrantedRow {
            supplier: table.seen.supplier(supplier, with.ids),
            client: table.seen.client(client, with.ids),
            month,
            minutes,
            file,
        });
        Ok(())
    })
}

/// SPEC §2.6: what the supplier invoiced per client and month; a personnummer is one client in
/// any of its forms (`intern_client`).
pub fn read_invoices(source: &Source, file: u16, with: &Reading) -> Result<(FileAccount, TableFile)> {
    read_table(source, with, |row: &Row<In>, table| {
        let supplier = Name::of_repeated(&mut table.seen.suppliers, row.raw(In::SupplierId), || row.supplier(In::SupplierId))?;
        let client = Name::of(&table.seen.clients, row.raw(In::ClientId), || row.name(In::ClientId))?;
        let month = parse_month(row, In::Month)?;
        let minutes = exact_minutes(row, In::InvoicedMinutes)?;
        table.invoices.push(InvoiceRow {
            supplier: table.seen.supplier(supplier, with.ids),
            client: table.seen.client(client, with.ids),
            month,
            minutes,
            file,
        });
        Ok(())
    })
}

pub fn read_addons(source: &Source, file: u16, with: &Reading) -> Result<(FileAccount, TableFile)> {
    read_table(source, with, |row: &Row<Ad>, table| {
        let supplier = Name::of_repeated(&mut table.seen.suppliers, row.raw(Ad::SupplierId), || row.supplier(Ad::SupplierId))?;
        let client = Name::of(&table.seen.clients, row.raw(Ad::ClientId), || row.name(Ad::ClientId))?;
        let month = parse_month(row, Ad::Month)?;
        let addon = row.required(Ad::Addon)?;
        row.required(Ad::Quantity)?;
        let quantity = row.number(Ad::Quantity)?.unwrap_or_default();
        if quantity < 0.0 {
            return Err(Reason::new("quantity", Problem::Negative, format!("{quantity} är negativt")));
        }
        let reported_on = parse_date(&row.required(Ad::ReportedOn)?).map_err(|e| Reason::new("reported_on", Problem::NotADate, e))?;
        table.addons.push(AddonRow {
            supplier: table.seen.supplier(supplier, with.ids),
            client: table.seen.client(client, with.ids),
            month,
            addon: table.seen.addon(&addon, with.ids),
            quantity,
            reported_on,
            file,
        });
        Ok(())
    })
}

/// An absence's start or end: a date alone is 00:00 of that day (an end: of the next day), a
/// timestamp without offset is local time (ambiguous: the earlier instant; non-existent:
/// rejected).
fn absence_bound(text: &str, column: &'static str, is_end: bool) -> Result<i64, Reason> {
    let stamp = match parse_date(text) {
        Ok(date) => {
            let day = if is_end { date.succ_opt().unwrap_or(date) } else { date };
            Stamp::Local(day.and_hms_opt(0, 0, 0).expect("midnight"))
        }
        Err(_) => parse_stamp(text).map_err(|_| {
            Reason::new(
                column,
                Problem::NotADateOrTimestamp,
                format!("'{text}' är varken ett datum (ÅÅÅÅ-MM-DD) eller en tidpunkt (ÅÅÅÅ-MM-DD TT:MM)"),
            )
        })?,
    };
    resolve_check_in(stamp).map_err(|e| Reason::new(column, Problem::NonexistentLocalTime, e))
}

pub fn read_absences(source: &Source, file: u16, with: &Reading) -> Result<(FileAccount, TableFile)> {
    read_table(source, with, |row: &Row<Ab>, table| {
        let client = Name::of(&table.seen.clients, row.raw(Ab::ClientId), || row.name(Ab::ClientId))?;
        let from = absence_bound(&row.required(Ab::AbsentFrom)?, Ab::AbsentFrom.name(), false)?;
        let to = row.get(Ab::AbsentTo)?.map(|text| absence_bound(&text, Ab::AbsentTo.name(), true)).transpose()?;
        if to.is_some_and(|to| to < from) {
            return Err(Reason::new("absent_to", Problem::BeforeAbsentFrom, "frånvaron slutar innan den börjar"));
        }
        table.absences.push(Absence {
            client: table.seen.client(client, with.ids),
            from,
            to,
            reason: row.get(Ab::Reason)?.map(|r| with.pseudonyms.scrub(&r)).unwrap_or_default(),
            file,
        });
        Ok(())
    })
}
