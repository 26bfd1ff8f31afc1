//! Reading the export files (SPEC §2) into validated, typed tables, with rejects and row
//! accounting: nothing is dropped without being counted and written down.

pub mod aliases;
mod chunk;
mod duplicates;
pub mod method;
mod names;
pub mod records;
pub mod rows;
pub mod source;
pub mod tables;
pub mod time;
pub mod visit_status;
pub mod visits;
mod workbook;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;

use crate::config::Config;
use crate::error::refused;
use crate::model::{
    Absence, AddonRow, FileAccount, GrantedRow, Ids, InputKind, InvoiceRow, MonthCounts, Problem, Reject, RejectKind, Visit, YearMonth,
};
use crate::privacy::Pseudonymizer;

/// The input files of a run, in the order given.
pub struct InputPaths<'a> {
    pub visits: &'a [PathBuf],
    pub granted: Option<&'a Path>,
    pub addons: Option<&'a Path>,
    pub absences: Option<&'a Path>,
    pub invoices: Option<&'a Path>,
}

/// Everything read from the input files, all months.
#[derive(Default)]
pub struct Ingested {
    pub ids: Ids,
    pub visits: Vec<Visit>,
    pub granted: Vec<GrantedRow>,
    pub addons: Vec<AddonRow>,
    pub absences: Vec<Absence>,
    pub invoices: Vec<InvoiceRow>,
    /// Whether an absences file was given (without one, `during_absence` is missing).
    pub absences_given: bool,
    /// Whether a granted-time file was given (`ALL`'s `over_granted_minutes` is then kept).
    pub granted_given: bool,
    /// Whether an invoices file was given (without one, `invoice_excess_share` is missing).
    pub invoices_given: bool,
    /// Whether an add-ons file was given (without one, `addon_reporting_rate` is missing).
    pub addons_given: bool,
    /// Whether some visits file has a `status` column (without one, `declined_share` and
    /// `declined_remainder` are missing).
    pub status_given: bool,
    pub files: Vec<FileAccount>,
    pub rejects: Vec<Reject>,
    /// `visits` per month, counted as they were read.
    pub months: MonthCounts,
}

impl Ingested {
    /// Visits per month: as counted while they were read, without a walk over them (which
    /// takes a tenth of a second on a national month); counted now when they were not.
    pub fn visits_per_month(&self) -> BTreeMap<YearMonth, u64> {
        if self.months.total() == self.visits.len() as u64 {
            self.months.by_month()
        } else {
            visits_per_month(&self.visits)
        }
    }
}

/// Short names for input files: the file name, or the whole path where two share a name.
fn display_names(paths: &[&Path]) -> Vec<String> {
    let base = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string());
    paths
        .iter()
        .map(|p| {
            let name = base(p);
            if paths.iter().filter(|q| base(q) == name).count() > 1 {
                p.display().to_string()
            } else {
                name
            }
        })
        .collect()
}

/// Reads every input file. Refuses (exit 3) a file that cannot be read, lacks a required
/// column, or is given twice.
pub fn read_all(inputs: &InputPaths, config: &Config, pseudonyms: &Pseudonymizer) -> Result<Ingested> {
    let mut all: Vec<(&Path, InputKind)> = inputs.visits.iter().map(|p| (p.as_path(), InputKind::Visits)).collect();
    all.extend(inputs.granted.map(|p| (p, InputKind::Granted)));
    all.extend(inputs.addons.map(|p| (p, InputKind::Addons)));
    all.extend(inputs.absences.map(|p| (p, InputKind::Absences)));
    all.extend(inputs.invoices.map(|p| (p, InputKind::Invoices)));
    for (i, (a, _)) in all.iter().enumerate() {
        for (b, _) in &all[..i] {
            let same = match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            };
            if same {
                let shown = source::one_line(&pseudonyms.scrub(&a.display().to_string()));
                return Err(refused(format!("{shown} är angiven två gånger; ange varje exportfil en gång")));
            }
        }
    }
    check_memory(&all)?;
    let names = display_names(&all.iter().map(|(p, _)| *p).collect::<Vec<_>>());
    let mut ingested = Ingested {
        absences_given: inputs.absences.is_some(),
        addons_given: inputs.addons.is_some(),
        granted_given: inputs.granted.is_some(),
        invoices_given: inputs.invoices.is_some(),
        ..Ingested::default()
    };
    let mut visit_reader = visits::VisitReader::new(config);
    let mut table_files = Vec::new();
    for (file_index, ((path, kind), name)) in all.iter().zip(names).enumerate() {
        // A file named after a personnummer must not bring it into any output or message, nor
        // a control character in its name (an escape sequence, a carriage return) reach the
        // terminal.
        let shown_path = pseudonyms.scrub(&path.display().to_string());
        let (name, shown) = (source::one_line(&pseudonyms.scrub(&name)), source::one_line(&shown_path));
        let mut source = source::Source::open(path, name, shown, *kind, &config.input)?;
        let file = file_index as u16;
        let read_table: Option<tables::ReadTable> = match kind {
            InputKind::Visits => None,
            InputKind::Granted => Some(tables::read_granted),
            InputKind::Addons => Some(tables::read_addons),
            InputKind::Absences => Some(tables::read_absences),
            InputKind::Invoices => Some(tables::read_invoices),
        };
        if let Some(read_table) = read_table {
            table_files.push((source, read_table, file));
            continue;
        }
        if file_index + 1 == inputs.visits.len() {
            visit_reader.last_file_next();
        }
        let (sha256, account) = rayon::join(|| source.sha256(), || visit_reader.read(&source, file, config, pseudonyms, &mut ingested));
        let mut account = match account? {
            Some(account) => account,
            None => {
                // A visits file taken for UTF-8 holds other bytes: it is Windows-1252.
                source = source.reopened_as_windows_1252(&config.input)?;
                visit_reader.read(&source, file, config, pseudonyms, &mut ingested)?.expect("an encoding given is not checked")
            }
        };
        source.check_unchanged()?;
        account.sha256 = sha256;
        same_content_given_twice(&ingested.files, &account)?;
        ingested.files.push(account);
    }
    // The tables (granted time, add-ons, absences, invoices) come after the visits: they are
    // read side by side, finding their names among the month's, and added to the month in
    // the order they were given.
    let with = tables::Reading { config, pseudonyms, ids: &ingested.ids };
    let tables: Vec<Result<(FileAccount, tables::TableFile)>> = table_files
        .par_iter()
        .map(|(source, read_table, file)| {
            let (sha256, read) = rayon::join(|| source.sha256(), || read_table(source, *file, &with));
            let (mut account, table) = read?;
            source.check_unchanged()?;
            account.sha256 = sha256;
            Ok((account, table))
        })
        .collect();
    for read in tables {
        let (account, table) = read?;
        same_content_given_twice(&ingested.files, &account)?;
        table.into_month(pseudonyms, &mut ingested);
        ingested.files.push(account);
    }
    drop(visit_reader);
    release_freed_memory();
    Ok(ingested)
}

/// Refuses a file whose bytes are those of a file read before: a copy of an export (`mars.csv`
/// and `mars (1).csv`) would count each of its visits twice, and without a `visit_id` column
/// nothing would tell the copies apart.
fn same_content_given_twice(earlier: &[FileAccount], file: &FileAccount) -> Result<()> {
    match earlier.iter().find(|e| e.sha256 == file.sha256) {
        Some(first) => Err(refused(format!(
            "{} har samma innehåll som {} (samma SHA-256): det är samma export två gånger, och varje rad skulle räknas två gånger; ange filen en gång",
            file.file, first.file
        ))),
        None => Ok(()),
    }
}

/// Hands the memory the reading has freed (the ids seen, the chunks' shards and caches) back
/// to the system: glibc keeps freed small blocks for later small allocations, which the
/// figures, allocating in large blocks, would not reuse, and the month's peak grew by them.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only gives free memory of the allocator back to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Memory a run needs per byte of input, measured on generated national months (1.24 GB of
/// inputs peak at 2.0 GB, the mapped input included), with a margin.
const MEMORY_PER_INPUT_BYTE: f64 = 2.0;

/// Memory available to this run: `TIDKOLL_MEMORY_BYTES` when set (shared machines, tests),
/// else the system's available memory; `None` where it cannot be told.
fn available_memory() -> Option<u64> {
    if let Some(bytes) = std::env::var("TIDKOLL_MEMORY_BYTES").ok().and_then(|v| v.trim().parse().ok()) {
        return Some(bytes);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info.lines().find_map(|l| l.strip_prefix("MemAvailable:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Refuses a workbook whose sheets unpack to more than this machine's memory can read: a
/// small file may unpack to gigabytes.
fn check_workbook_memory(unpacked: u64, file_bytes: u64, kind: InputKind, shown: &str) -> Result<()> {
    let Some(available) = available_memory() else { return Ok(()) };
    let needed = (unpacked as f64 * MEMORY_PER_INPUT_BYTE) as u64;
    if needed > available {
        return Err(refused(format!(
            "{} {shown}: arbetsbokens blad packas upp till {} (filen är {}) och behöver omkring {} minne, men bara {} finns; spara bladet som CSV (UTF-8) och läs den filen, eller dela upp exporten",
            kind.file_sv(),
            size_text(unpacked),
            size_text(file_bytes),
            size_text(needed),
            size_text(available)
        )));
    }
    Ok(())
}

/// A size in bytes for a message.
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b => format!("{b} byte"),
    }
}

/// Refuses inputs too large for this machine's memory before reading them, rather than
/// letting the machine swap.
fn check_memory(files: &[(&Path, InputKind)]) -> Result<()> {
    let total: u64 = files.iter().filter_map(|(p, _)| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let Some(available) = available_memory() else { return Ok(()) };
    let needed = (total as f64 * MEMORY_PER_INPUT_BYTE) as u64;
    if needed > available {
        let gb = size_text;
        return Err(refused(format!(
            "indatafilerna är sammanlagt {} och behöver ungefär {} minne, men bara {} finns ledigt; dela upp exporten (per månad eller per utförare) och kör varje del, eller kör på en dator med mer minne",
            gb(total),
            gb(needed),
            gb(available)
        )));
    }
    Ok(())
}

/// Accepted visits per month, counted as the read counts them (`MonthCounts`).
pub fn visits_per_month(visits: &[Visit]) -> BTreeMap<YearMonth, u64> {
    let count = |mut counts: MonthCounts, v: &Visit| {
        counts.add(v.month(), 1);
        counts
    };
    let merge = |mut a: MonthCounts, b: MonthCounts| {
        a.merge(&b);
        a
    };
    visits.par_iter().fold(MonthCounts::default, count).reduce(MonthCounts::default, merge).by_month()
}

/// The month most accepted visits belong to (the earliest on a tie).
pub fn busiest_month(visits: &[Visit]) -> Option<YearMonth> {
    busiest_of(&visits_per_month(visits))
}

/// The busiest month of counts from `visits_per_month`.
pub fn busiest_of(counts: &BTreeMap<YearMonth, u64>) -> Option<YearMonth> {
    counts.iter().max_by_key(|&(m, n)| (*n, std::cmp::Reverse(*m))).map(|(m, _)| *m)
}

/// Refuses the run when a file's rejected share is over `max_reject_rate`, naming the
/// commonest reasons.
pub fn check_reject_rates(ingested: &Ingested, config: &Config, rejects_path: &Path) -> Result<()> {
    let limit = config.input.max_reject_rate;
    let mut problems = Vec::new();
    for account in &ingested.files {
        let rate = account.reject_rate();
        if rate <= limit {
            continue;
        }
        // Later copies of a visit_id are counted apart from the limit.
        let mut reasons: BTreeMap<RejectKind, u64> = BTreeMap::new();
        for r in ingested.rejects.iter().filter(|r| r.file == account.file && r.kind.problem != Problem::DuplicateVisitId) {
            *reasons.entry(r.kind).or_default() += 1;
        }
        let mut reasons: Vec<(String, u64)> = reasons.into_iter().map(|(kind, n)| (kind.sv(), n)).collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<String> = reasons.iter().take(5).map(|(k, n)| format!("    {n} × {k}")).collect();
        problems.push(format!(
            "{}: {} av {} rader avvisade ({:.2} %), över gränsen max_reject_rate = {} ({} %).\n  Vanligaste orsakerna:\n{}",
            account.file,
            account.rejected,
            account.read - account.duplicates,
            rate * 100.0,
            limit,
            limit * 100.0,
            top.join("\n")
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(refused(format!(
        "indata vägrades, inga nyckeltal har sparats:\n{}\nVarje avvisad rad, med radnummer och orsak, finns i {}.\nRätta exporten (eller inställningarna under [columns] eller [methods.aliases]), eller höj max_reject_rate under [input] om raderna får utelämnas.",
        problems.join("\n"),
        rejects_path.display()
    )))
}

/// The accepted rows of one month, ready for figures and flags.
pub struct MonthData {
    pub month: YearMonth,
    pub ids: Ids,
    /// The month's visits of every status: the performed ones first (`performed()`), then
    /// the others.
    pub visits: Vec<Visit>,
    /// How many of `visits` are performed.
    pub performed: usize,
    pub granted: Vec<GrantedRow>,
    pub addons: Vec<AddonRow>,
    /// The absences that overlap the month.
    pub absences: Vec<Absence>,
    pub invoices: Vec<InvoiceRow>,
    pub absences_given: bool,
    pub granted_given: bool,
    pub invoices_given: bool,
    pub addons_given: bool,
    pub status_given: bool,
}

impl MonthData {
    /// The performed visits: the only ones the figures and flags count as visits.
    pub fn performed(&self) -> &[Visit] {
        &self.visits[..self.performed]
    }
}

/// Puts the visits that are not performed after the performed ones; returns how many are
/// performed. Swaps only the visits out of place: the performed visits from the end, last
/// first, into the places of the ones that are not, first first, so the many performed visits
/// mostly stay where they lie (and in the order they came in, which the grouping finds
/// already sorted). The visits out of place are found on all threads.
fn performed_first(visits: &mut [Visit]) -> usize {
    let performed = visits.par_iter().filter(|v| v.is_performed()).count();
    let (front, back) = visits.split_at_mut(performed);
    let (not_performed, late): (Vec<usize>, Vec<usize>) = rayon::join(
        || front.par_iter().enumerate().filter(|(_, v)| !v.is_performed()).map(|(i, _)| i).collect(),
        || back.par_iter().enumerate().rev().filter(|(_, v)| v.is_performed()).map(|(i, _)| i).collect(),
    );
    for (i, j) in not_performed.into_iter().zip(late) {
        std::mem::swap(&mut front[i], &mut back[j]);
    }
    performed
}

/// Keeps the rows of `month` (absences: those overlapping it) and counts the others per file
/// as outside the month.
pub fn select_month(ingested: Ingested, month: YearMonth) -> (MonthData, Vec<FileAccount>, Vec<Reject>) {
    let only_month = ingested.visits_per_month().keys().all(|m| *m == month);
    let Ingested {
        ids,
        visits,
        granted,
        addons,
        absences,
        invoices,
        absences_given,
        granted_given,
        invoices_given,
        addons_given,
        status_given,
        mut files,
        rejects,
        ..
    } = ingested;
    let mut outside = vec![0u64; files.len()];
    let mut keep = |inside: bool, file: u16| {
        inside || {
            outside[file as usize] += 1;
            false
        }
    };
    // A run of one month's exports keeps every visit: they stay where they lie instead of
    // being moved one by one onto themselves (1.6 GB on a national month).
    let mut visits: Vec<Visit> =
        if only_month { visits } else { visits.into_iter().filter(|v| keep(v.month() == month, v.file)).collect() };
    // Without a status column every visit is performed, and none is looked at.
    let performed = if status_given { performed_first(&mut visits) } else { visits.len() };
    let granted: Vec<GrantedRow> = granted.into_iter().filter(|g| keep(g.month == month, g.file)).collect();
    let addons: Vec<AddonRow> = addons.into_iter().filter(|a| keep(a.month == month, a.file)).collect();
    let invoices: Vec<InvoiceRow> = invoices.into_iter().filter(|i| keep(i.month == month, i.file)).collect();
    let (start, end) = (time::month_start(month), time::month_start(month.next()));
    let absences: Vec<Absence> = absences.into_iter().filter(|a| keep(a.overlaps(start, end), a.file)).collect();
    for (account, n) in files.iter_mut().zip(outside) {
        account.outside_month = n;
    }
    let data = MonthData {
        month,
        ids,
        visits,
        performed,
        granted,
        addons,
        absences,
        invoices,
        absences_given,
        granted_given,
        invoices_given,
        addons_given,
        status_given,
    };
    (data, files, rejects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Method, Services, VisitStatus, NO_AREA};

    #[test]
    fn names_new_in_the_tables_are_numbered_in_the_order_the_files_were_given() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let visits = write(
            "visits.csv",
            "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method\n\
             v1,S1,K1,P1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc\n\
             v2,S1,K2,P1,2025-03-03 09:00,2025-03-03 09:30,nfc,nfc\n",
        );
        // K3 and K4 are new in the granted time, K5 in the add-ons, S2 in both, K6 in the
        // absences; the invoices have K4 again and K7, a client in two spellings.
        let granted = write(
            "granted.csv",
            "supplier_id,client_id,month,granted_minutes\nS2,K3,2025-03,60\nS1,K1,2025-03,60\nS1,K4,2025-03,60\nS2,K3,2025-03,30\n",
        );
        let addons = write(
            "addons.csv",
            "supplier_id,client_id,month,addon,quantity,reported_on\nS2,K5,2025-03,mat,1,2025-04-01\nS1,K4,2025-03,bad,1,2025-04-01\nS1,K1,2025-03,mat,2,2025-04-01\n",
        );
        let absences = write("absences.csv", "client_id,absent_from,absent_to,reason\nK6,2025-03-10,2025-03-12,sjukhus\nK2,2025-03-20,,\n");
        let invoices = write(
            "invoices.csv",
            "supplier_id,client_id,month,invoiced_minutes\nS1,K4,2025-03,60\nS3,194310062122,2025-03,60\nS3,19431006-2122,2025-03,60\nS1,K2,2025-03,60\n",
        );
        let visits = [visits];
        let inputs = InputPaths {
            visits: &visits,
            granted: Some(&granted),
            addons: Some(&addons),
            absences: Some(&absences),
            invoices: Some(&invoices),
        };
        let pseudonyms = Pseudonymizer::new(b"the order of new names");
        let ingested = read_all(&inputs, &Config::default(), &pseudonyms).unwrap();
        let client = |id: u32| ingested.ids.clients.name(id).to_string();
        let pseudonym = |raw: &str| pseudonyms.pseudonym(&crate::privacy::identity_key(raw));
        let expected: Vec<String> = ["K1", "K2", "K3", "K4", "K5", "K6", "194310062122"].iter().map(|k| pseudonym(k)).collect();
        assert_eq!(ingested.ids.clients.names, expected, "each client numbered where reading the files in turn first meets it");
        assert_eq!(ingested.ids.suppliers.names, ["S1", "S2", "S3"]);
        assert_eq!(ingested.ids.addons.names, ["mat", "bad"]);
        let granted: Vec<(u32, u32)> = ingested.granted.iter().map(|g| (g.supplier, g.client)).collect();
        assert_eq!(granted, [(1, 2), (0, 0), (0, 3), (1, 2)]);
        let addons: Vec<(u32, u32, u32)> = ingested.addons.iter().map(|a| (a.supplier, a.client, a.addon)).collect();
        assert_eq!(addons, [(1, 4, 0), (0, 3, 1), (0, 0, 0)]);
        assert_eq!(ingested.absences.iter().map(|a| client(a.client)).collect::<Vec<_>>(), [pseudonym("K6"), pseudonym("K2")]);
        let invoices: Vec<(u32, u32)> = ingested.invoices.iter().map(|i| (i.supplier, i.client)).collect();
        assert_eq!(invoices, [(0, 3), (2, 6), (2, 6), (0, 1)]);
        let kinds: Vec<&str> = ingested.files.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["visits", "granted", "addons", "absences", "invoices"]);
    }

    #[test]
    fn the_performed_visits_come_first_and_every_visit_is_kept() {
        use VisitStatus::{Cancelled as C, Declined as D, NotHome as N, Performed as P};
        let long: Vec<VisitStatus> = (0..3000u32).map(|i| [P, P, D, P, N, P, P, P, C][(i * 7919 % 9) as usize]).collect();
        for statuses in [vec![], vec![P], vec![D], vec![D, P], vec![P, D], vec![D, P, N, P, P, C, D, P], vec![P, P, P], vec![C, N, D], long]
        {
            let mut visits: Vec<Visit> = statuses
                .iter()
                .enumerate()
                .map(|(i, &status)| Visit {
                    visit_id: i.to_string().into(),
                    supplier: 0,
                    client: 0,
                    staff: 0,
                    check_in: i as i64,
                    check_out: None,
                    local_in: chrono::NaiveDateTime::default(),
                    in_method: Method::Nfc,
                    out_method: None,
                    services: Services::new(),
                    planned_minutes: None,
                    area: NO_AREA,
                    manual_reason: None,
                    status,
                    file: 0,
                })
                .collect();
            // The order of one walk from both ends, swapping each visit out of place.
            let mut expected: Vec<usize> = (0..statuses.len()).collect();
            let (mut front, mut back) = (0, statuses.len());
            loop {
                while front < back && statuses[expected[front]] == P {
                    front += 1;
                }
                while front < back && statuses[expected[back - 1]] != P {
                    back -= 1;
                }
                if front >= back {
                    break;
                }
                expected.swap(front, back - 1);
            }
            let performed = performed_first(&mut visits);
            assert_eq!(performed, statuses.iter().filter(|s| **s == P).count(), "{statuses:?}");
            let order: Vec<usize> = visits.iter().map(|v| v.visit_id.parse().unwrap()).collect();
            assert_eq!(order, expected, "{statuses:?}");
            assert!(visits[..performed].iter().all(Visit::is_performed) && !visits[performed..].iter().any(Visit::is_performed));
            let mut ids: Vec<usize> = visits.iter().map(|v| v.visit_id.parse().unwrap()).collect();
            ids.sort_unstable();
            assert_eq!(ids, (0..statuses.len()).collect::<Vec<_>>(), "{statuses:?}");
        }
    }
}
