//! The three input tables of SPEC §2: each row checked and typed, or rejected with a reason.

use crate::hash::HashSet;

use anyhow::Result;

use super::rows::{scan, Reason, Row};
use super::source::Source;
use super::time::{local_of, parse_date, parse_stamp, resolve_check_in, resolve_check_out};
use super::{AddonRow, FileAccount, GrantedRow, Ids, Ingested, Visit, DUPLICATE_KIND};
use crate::config::{Config, ADDON_COLUMNS, GRANTED_COLUMNS, VISIT_COLUMNS};
use crate::method::{Method, MethodMap};
use crate::month::YearMonth;
use crate::privacy::{personnummer_spans, Pseudonymizer};

fn new_account(source: &Source, kind: &str) -> FileAccount {
    FileAccount {
        file: source.name.clone(),
        kind: kind.to_string(),
        sha256: String::new(),
        encoding: source.encoding.name().to_string(),
        delimiter: match source.delimiter {
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

fn intern_client(ids: &mut Ids, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    ids.clients.intern_with(raw, |id| pseudonyms.pseudonym(id))
}

/// Supplier ids are kept as they are, with any personnummer in them replaced.
fn intern_supplier(ids: &mut Ids, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    ids.suppliers.intern_with(raw, |id| pseudonyms.scrub(id))
}

/// Staff ids are kept as they are, unless one is shaped like a personnummer.
fn intern_staff(ids: &mut Ids, pseudonyms: &Pseudonymizer, raw: &str) -> u32 {
    ids.staff.intern_with(raw, |id| {
        if personnummer_spans(id.as_bytes()).is_empty() { id.to_string() } else { pseudonyms.pseudonym(id) }
    })
}

fn parse_month(row: &Row, col: usize) -> Result<YearMonth, Reason> {
    let text = row.required(col)?;
    text.parse().map_err(|e: String| Reason::new("month", "not a month", e))
}

/// Column positions in `VISIT_COLUMNS`.
mod vc {
    pub const VISIT_ID: usize = 0;
    pub const SUPPLIER: usize = 1;
    pub const CLIENT: usize = 2;
    pub const STAFF: usize = 3;
    pub const CHECK_IN: usize = 4;
    pub const CHECK_OUT: usize = 5;
    pub const IN_METHOD: usize = 6;
    pub const OUT_METHOD: usize = 7;
    pub const SERVICES: usize = 8;
    pub const PLANNED: usize = 9;
}

/// Reads visits files; remembers the visit ids of earlier files so later copies are reported.
pub struct VisitReader {
    methods: MethodMap,
    seen: HashSet<String>,
}

impl VisitReader {
    pub fn new(config: &Config) -> VisitReader {
        VisitReader { methods: MethodMap::new(config), seen: HashSet::default() }
    }

    fn method(&self, row: &Row, col: usize, name: &str) -> Result<Option<Method>, Reason> {
        match row.get(col)? {
            None => Ok(None),
            Some(value) => self.methods.parse(&value).map(Some).ok_or_else(|| {
                Reason::new(
                    name,
                    "unknown method",
                    format!("unknown method '{value}'; map it to nfc, lock, mobile or manual under [methods.aliases], e.g. \"{value}\" = \"manual\""),
                )
            }),
        }
    }

    pub fn read(
        &mut self,
        source: &Source,
        file: u16,
        config: &Config,
        pseudonyms: &Pseudonymizer,
        out: &mut Ingested,
    ) -> Result<FileAccount> {
        let mut account = new_account(source, "visits");
        let Ingested { ids, visits, rejects, .. } = out;
        scan(source, "visits", &VISIT_COLUMNS, &config.columns.visits, pseudonyms, &mut account, rejects, |row, line| {
            let supplier = row.required(vc::SUPPLIER)?;
            let client = row.required(vc::CLIENT)?;
            let staff = row.required(vc::STAFF)?;
            let in_stamp = parse_stamp(&row.required(vc::CHECK_IN)?).map_err(|e| Reason::new("check_in", "not a timestamp", e))?;
            let check_in = resolve_check_in(in_stamp).map_err(|e| Reason::new("check_in", "non-existent local time", e))?;
            let check_out = match row.get(vc::CHECK_OUT)? {
                None => None,
                Some(text) => {
                    let stamp = parse_stamp(&text).map_err(|e| Reason::new("check_out", "not a timestamp", e))?;
                    Some(resolve_check_out(stamp, check_in).map_err(|e| Reason::new("check_out", "non-existent local time", e))?)
                }
            };
            let in_method = self.method(row, vc::IN_METHOD, "check_in_method")?
                .ok_or_else(|| Reason::new("check_in_method", "missing value", "required value is empty"))?;
            let out_method = self.method(row, vc::OUT_METHOD, "check_out_method")?;
            let planned_minutes = row.number(vc::PLANNED)?;
            let mut services: Vec<u32> = match row.get(vc::SERVICES)? {
                None => Vec::new(),
                Some(text) => text.split('|').map(str::trim).filter(|s| !s.is_empty()).map(|s| ids.services.intern(s)).collect(),
            };
            services.sort_unstable();
            services.dedup();
            let visit_id = match row.get(vc::VISIT_ID)? {
                Some(id) => {
                    if !self.seen.insert(id.to_string()) {
                        return Err(Reason {
                            kind: DUPLICATE_KIND.into(),
                            detail: format!("{DUPLICATE_KIND} '{id}': an earlier row (this or an earlier file) has it; counted once"),
                        });
                    }
                    // A source id built from a personnummer must not reach any output.
                    pseudonyms.scrub(&id)
                }
                None => format!("{}:{line}", source.name),
            };
            visits.push(Visit {
                visit_id,
                supplier: intern_supplier(ids, pseudonyms, &supplier),
                client: intern_client(ids, pseudonyms, &client),
                staff: intern_staff(ids, pseudonyms, &staff),
                check_in,
                check_out,
                local_in: local_of(in_stamp, check_in),
                in_method,
                out_method,
                services: services.into_boxed_slice(),
                planned_minutes,
                file,
            });
            Ok(())
        })?;
        Ok(account)
    }
}

pub fn read_granted(source: &Source, file: u16, config: &Config, pseudonyms: &Pseudonymizer, out: &mut Ingested) -> Result<FileAccount> {
    let mut account = new_account(source, "granted");
    let Ingested { ids, granted, rejects, .. } = out;
    scan(source, "granted", &GRANTED_COLUMNS, &config.columns.granted, pseudonyms, &mut account, rejects, |row, _| {
        let supplier = row.required(0)?;
        let client = row.required(1)?;
        let month = parse_month(row, 2)?;
        row.required(3)?;
        let minutes = row.number(3)?.unwrap_or_default();
        if minutes < 0.0 {
            return Err(Reason::new("granted_minutes", "negative", format!("{minutes} is negative")));
        }
        granted.push(GrantedRow {
            supplier: intern_supplier(ids, pseudonyms, &supplier),
            client: intern_client(ids, pseudonyms, &client),
            month,
            minutes,
            file,
        });
        Ok(())
    })?;
    Ok(account)
}

pub fn read_addons(source: &Source, file: u16, config: &Config, pseudonyms: &Pseudonymizer, out: &mut Ingested) -> Result<FileAccount> {
    let mut account = new_account(source, "addons");
    let Ingested { ids, addons, rejects, .. } = out;
    scan(source, "addons", &ADDON_COLUMNS, &config.columns.addons, pseudonyms, &mut account, rejects, |row, _| {
        let supplier = row.required(0)?;
        let client = row.required(1)?;
        let month = parse_month(row, 2)?;
        let addon = row.required(3)?;
        row.required(4)?;
        let quantity = row.number(4)?.unwrap_or_default();
        if quantity < 0.0 {
            return Err(Reason::new("quantity", "negative", format!("{quantity} is negative")));
        }
        let reported_on = parse_date(&row.required(5)?).map_err(|e| Reason::new("reported_on", "not a date", e))?;
        addons.push(AddonRow {
            supplier: intern_supplier(ids, pseudonyms, &supplier),
            client: intern_client(ids, pseudonyms, &client),
            month,
            addon: ids.addons.intern(&addon),
            quantity,
            reported_on,
            file,
        });
        Ok(())
    })?;
    Ok(account)
}
