//! Reading visits files in parallel: the body is cut into chunks that begin where records
//! begin, each chunk is parsed and checked on its own thread with names numbered locally, and
//! the chunks are joined in file order, which gives the same visits, ids, duplicates, rejects
//! and line numbers as reading the file from top to bottom.

use std::hash::BuildHasher;

use anyhow::Result;
use rayon::prelude::*;

use super::chunk::{client_keys, gather_overflowing, remembered, ChunkResult, Name, Parsed, Part, Recent, Remap, Slots};
use super::duplicates::{tagged, SeenIds, ShardedIds};
use super::records::Records;
use super::rows::{check_shape, raw_end, read_header, reject, split_records, swallowed, Chunk, Reason, Row};
use super::source::{Header, Source};
use super::tables::new_account;
use super::Ingested;
use crate::config::Config;
use crate::error::refused;
use crate::ingest::method::MethodMap;
use crate::ingest::visit_status::StatusMap;
use crate::model::input::{Column, InputKind, VisitColumn as Vc};
use crate::model::{FileAccount, MonthCounts, Reject, Services, Visit, NO_AREA};
use crate::model::{Method, Problem, VisitStatus};
use crate::privacy::Pseudonymizer;
use compact_str::CompactString;

/// How far a chunk's bytes have been found to fit the file's encoding.
struct Checked<'a> {
    source: &'a Source,
    to: usize,
    end: usize,
}

impl Checked<'_> {
    /// Bytes checked at a time: a few records' worth, ending after a line break, which never
    /// lies inside a character.
    const PIECE: usize = 64 << 10;

    /// Whether the bytes up to `upto` fit, checking those not yet checked.
    fn fits(&mut self, upto: usize) -> bool {
        if upto <= self.to {
            return true;
        }
        let body = self.source.body();
        let want = upto.max(self.to + Self::PIECE).min(self.end);
        let piece_end = memchr::memchr(b'\n', &body[want..self.end]).map_or(self.end, |i| want + i + 1);
        let fits = self.source.fits_encoding(self.to, piece_end);
        self.to = piece_end;
        fits
    }
}

/// Reads visits files; remembers the visit ids of earlier files so later copies are reported.
pub struct VisitReader {
    methods: MethodMap,
    statuses: StatusMap,
    /// Every export visit id accepted so far (this file and earlier ones).
    seen: SeenIds,
    hashers: (foldhash::quality::RandomState, foldhash::quality::RandomState),
    /// Size of the chunks a body is cut into; `None` picks one from the size and threads.
    chunk_bytes: Option<usize>,
    /// No visits file follows the next one read: its ids need not be remembered.
    last_file: bool,
    /// The years a check-in may lie in (`model::plausible_years`).
    years: std::ops::RangeInclusive<i32>,
}

impl VisitReader {
    /// The chunk size comes from the file's size and the threads, or from the environment
    /// variable `TIDKOLL_CHUNK_BYTES` (for tests of the chunked reading on small files).
    pub fn new(config: &Config) -> VisitReader {
        let chunk_bytes = std::env::var("TIDKOLL_CHUNK_BYTES").ok().and_then(|v| v.parse().ok()).filter(|&n: &usize| n > 0);
        let years = crate::model::plausible_years();
        VisitReader {
            methods: MethodMap::new(config),
            statuses: StatusMap::new(config),
            seen: SeenIds::new(),
            hashers: Default::default(),
            chunk_bytes,
            last_file: false,
            years,
        }
    }

    /// A reader that cuts bodies into chunks of about `bytes` (tests use tiny chunks).
    pub fn with_chunk_bytes(config: &Config, bytes: usize) -> VisitReader {
        VisitReader { chunk_bytes: Some(bytes), ..VisitReader::new(config) }
    }

    /// Tells the reader that the next file it reads is the last visits file: later copies
    /// in it are still found, but its ids are not kept for files after it (on a national
    /// month, a sixth of a gigabyte).
    pub fn last_file_next(&mut self) {
        self.last_file = true;
    }

    fn id_hash(&self, id: &str) -> u128 {
        (u128::from(self.hashers.0.hash_one(id)) << 64) | u128::from(self.hashers.1.hash_one(id))
    }

    fn method(&self, row: &Row<Vc>, col: Vc) -> Result<Option<Method>, Reason> {
        match row.get(col)? {
            None => Ok(None),
            Some(value) => self.methods.parse(&value).map(Some).ok_or_else(|| {
                Reason::new(
                    col.name(),
                    Problem::UnknownMethod,
                    format!(
                        "okänt kvitteringssätt '{value}'; koppla det till nfc, lock, mobile eller manual under [methods.aliases], till exempel \"{value}\" = \"manual\""
                    ),
                )
            }),
        }
    }

    /// The row's status: `performed` when the export has no `status` column or the cell is
    /// empty; an unknown value rejects the row.
    fn status(&self, row: &Row<Vc>) -> Result<VisitStatus, Reason> {
        match row.get(Vc::Status)? {
            None => Ok(VisitStatus::Performed),
            Some(value) => self.statuses.parse(&value).ok_or_else(|| {
                Reason::new(
                    Vc::Status.name(),
                    Problem::UnknownStatus,
                    format!(
                        "okänd status '{value}'; koppla den till performed, declined, not_home eller cancelled under [status.aliases], till exempel \"{value}\" = \"declined\""
                    ),
                )
            }),
        }
    }

    /// Checks one record into a visit with chunk-local ids.
    fn parse(
        &self,
        row: &Row<Vc>,
        line: u64,
        source: &Source,
        file: u16,
        pseudonyms: &Pseudonymizer,
        out: &mut ChunkResult,
    ) -> Result<(Visit, Option<u128>), Reason> {
        let recent = &mut out.recent;
        let supplier = Name::of_repeated(&mut recent.suppliers, row.raw(Vc::SupplierId), || row.supplier(Vc::SupplierId))?;
        let client = Name::of(&recent.clients, row.raw(Vc::ClientId), || row.name(Vc::ClientId))?;
        let staff = Name::of(&recent.staff, row.raw(Vc::StaffId), || row.name(Vc::StaffId))?;
        let in_stamp = recent
            .clock
            .parse_stamp(&row.required(Vc::CheckIn)?)
            .map_err(|e| Reason::new(Vc::CheckIn.name(), Problem::NotATimestamp, e))?;
        let check_in =
            recent.clock.resolve_check_in(in_stamp).map_err(|e| Reason::new(Vc::CheckIn.name(), Problem::NonexistentLocalTime, e))?;
        let local_in = recent.clock.local_of(in_stamp, check_in);
        if !self.years.contains(&chrono::Datelike::year(&local_in)) {
            let years = format!("{}–{}", self.years.start(), self.years.end());
            return Err(Reason::new(
                Vc::CheckIn.name(),
                Problem::ImplausibleYear,
                format!("{local_in} ligger utanför åren {years}; kontrollera datumet"),
            ));
        }
        let check_out = match row.get(Vc::CheckOut)? {
            None => None,
            Some(text) => {
                let stamp = recent.clock.parse_stamp(&text).map_err(|e| Reason::new(Vc::CheckOut.name(), Problem::NotATimestamp, e))?;
                Some(
                    recent
                        .clock
                        .resolve_check_out(stamp, check_in)
                        .map_err(|e| Reason::new(Vc::CheckOut.name(), Problem::NonexistentLocalTime, e))?,
                )
            }
        };
        let in_method = remembered(&mut recent.methods, row.raw(Vc::CheckInMethod), || self.method(row, Vc::CheckInMethod))?
            .ok_or_else(|| Reason::new(Vc::CheckInMethod.name(), Problem::MissingValue, "värdet är tomt men måste finnas"))?;
        let out_method = remembered(&mut recent.methods, row.raw(Vc::CheckOutMethod), || self.method(row, Vc::CheckOutMethod))?;
        let planned_minutes = remembered(&mut recent.numbers, row.raw(Vc::PlannedMinutes), || row.number(Vc::PlannedMinutes))?;
        let services = remembered(&mut recent.services, row.raw(Vc::Services), || {
            let mut services: Services = match row.get(Vc::Services)? {
                None => Services::new(),
                Some(text) => text.split('|').map(str::trim).filter(|s| !s.is_empty()).map(|s| out.services.id(s)).collect(),
            };
            // Local and global ids name the same services one to one, so repeats go here.
            services.sort_unstable();
            services.dedup();
            Ok(services)
        })?;
        let (visit_id, id_hash) = match row.get(Vc::VisitId)? {
            // A source id built from a personnummer must not reach any output.
            Some(id) => (CompactString::new(pseudonyms.scrub_cow(&id)), Some(self.id_hash(&id))),
            None => (compact_str::format_compact!("{}:{line}", source.name), None),
        };
        // Numbered in this order, each before the next field is checked, as always: a row
        // refused for its district or reason has numbered its names.
        let supplier = supplier.number(&mut out.suppliers, &mut recent.suppliers);
        let client = client.number(&mut out.clients, &mut recent.clients);
        let staff = staff.number(&mut out.staff, &mut recent.staff);
        let area = Name::of_optional(&mut recent.areas, row.raw(Vc::Area), || row.get(Vc::Area))?
            .map_or(NO_AREA, |a| a.number(&mut out.areas, &mut recent.areas));
        let manual_reason = match row.has_column(Vc::ManualReason) {
            false => None,
            true => Some(remembered(&mut recent.reasons, row.raw(Vc::ManualReason), || row.get(Vc::ManualReason).map(|r| r.is_some()))?),
        };
        let status = remembered(&mut recent.statuses, row.raw(Vc::Status), || self.status(row))?;
        let visit = Visit {
            visit_id,
            supplier,
            client,
            staff,
            check_in,
            check_out,
            local_in,
            in_method,
            out_method,
            services,
            planned_minutes,
            area,
            manual_reason,
            status,
            file,
        };
        Ok((visit, id_hash))
    }

    fn read_chunk<'s>(
        &self,
        source: &Source,
        header: &Header,
        chunk: Chunk,
        part: Part<'s>,
        file: u16,
        pseudonyms: &Pseudonymizer,
    ) -> Result<ChunkResult<'s>> {
        let lines = chunk.newlines as usize + 1;
        let (meta, tagged_ids) = (Vec::with_capacity(lines), Vec::with_capacity(lines));
        let mut out = ChunkResult { meta, tagged_ids, part, first_line: chunk.first_line, ..ChunkResult::default() };
        // The bytes are checked for the encoding piece by piece just ahead of the records read,
        // while they are in the core's cache, instead of in a pass over the chunk of their own.
        let mut checked = Checked { source, to: chunk.start, end: chunk.end };
        let mut records = Records::chunk(source.body(), source.delimiter, chunk.start, chunk.end, chunk.first_line);
        while let Some(next) = records.next_record() {
            if !checked.fits(next.as_ref().map_or(chunk.end, |&(_, _, end)| end)) {
                return Ok(ChunkResult { not_utf8: true, ..out });
            }
            let (line, start, end) = next.map_err(|e| refused(format!("besöksfilen {} kan inte läsas vidare ({e})", source.shown)))?;
            out.read += 1;
            let record = records.record();
            let inner = records.inner_lines();
            let outcome = check_shape(record, header, source.delimiter, line, inner)
                .and_then(|()| self.parse(&Row::new(source, header, record), line, source, file, pseudonyms, &mut out));
            match outcome {
                Ok((visit, id_hash)) => {
                    out.push(visit);
                    if let Some(hash) = id_hash {
                        out.tagged_ids.push(tagged(hash, out.meta.len()));
                    }
                    let line = u32::try_from(line - chunk.first_line).map_err(|_| {
                        refused(format!(
                            "besöksfilen {} har en post efter mer än 4 miljarder rader i ett stycke; dela upp filen",
                            source.shown
                        ))
                    })?;
                    out.meta.push(Parsed { start: start as u64, line, len: u32::try_from(end - start).unwrap_or(u32::MAX) });
                }
                Err(reason) => {
                    // A rejected record's lines were all rows of the file (SPEC §2.4).
                    let lost = swallowed(&reason, inner);
                    out.read += lost;
                    out.rejected += 1 + lost;
                    let raw = raw_end(source, &reason, start, end, inner);
                    out.rejects.push(Reject { rows: 1 + lost, ..reject(source, pseudonyms, line, start, raw, reason) });
                }
            }
        }
        if !checked.fits(chunk.end) {
            return Ok(ChunkResult { not_utf8: true, ..out });
        }
        source.release(chunk.start, chunk.end);
        out.ids = ShardedIds::new(std::mem::take(&mut out.tagged_ids));
        out.recent = Recent::default();
        out.client_keys = client_keys(&out.clients, pseudonyms);
        Ok(out)
    }

    /// Cuts the body into chunks and parses them on all threads. Each chunk fills its own
    /// part of one slot vector (a chunk's line breaks, plus its last line): the visits are
    /// written once, in file order, and the empty slots (rejects, blank lines, later copies)
    /// are closed up in place afterwards.
    fn parse_chunks<'s>(
        &self,
        source: &Source,
        header: &Header,
        from: usize,
        file: u16,
        pseudonyms: &Pseudonymizer,
        slots: &'s mut Slots,
    ) -> Result<Vec<ChunkResult<'s>>> {
        let body = source.body();
        let target = self.chunk_bytes.unwrap_or_else(|| (body.len() / (rayon::current_num_threads() * 8)).clamp(1 << 20, 64 << 20));
        let chunks = split_records(body, source.delimiter, from, target);
        // Cutting the body read all of it: its pages are let go, so that the file is not held
        // whole beside the visits (each chunk maps its part again as it is read, from the page
        // cache); otherwise the month's peak depended on how far the hashing had got.
        source.release(from, body.len());
        // A chunk ends after a line break but the last, which may end without one: a slot per
        // record, so that a file without blank lines, rejects or later copies fills every slot
        // and its visits stay where they were written (`Slots::close_up`).
        let last = chunks.len().saturating_sub(1);
        let open_end = usize::from(!body.ends_with(b"\n"));
        let parts = slots
            .parts(&chunks.iter().enumerate().map(|(k, c)| c.newlines as usize + open_end * usize::from(k == last)).collect::<Vec<_>>());
        // Each chunk is a task of its own, taken by whichever thread is free: no thread is left
        // with a run of chunks while the other waits (the hashing holds one thread at first).
        chunks
            .into_par_iter()
            .zip(parts)
            .with_max_len(1)
            .map(|(chunk, part)| self.read_chunk(source, header, chunk, part, file, pseudonyms))
            .collect()
    }

    pub fn read(
        &mut self,
        source: &Source,
        file: u16,
        config: &Config,
        pseudonyms: &Pseudonymizer,
        out: &mut Ingested,
    ) -> Result<Option<FileAccount>> {
        if source.utf8_unchecked {
            let header_end = source.records().next_record().and_then(Result::ok).map_or(source.body().len(), |(_, _, end)| end);
            if !source.fits_encoding(0, header_end) {
                return Ok(None);
            }
        }
        let mut account = new_account(source, InputKind::Visits);
        let (header, from) = read_header(source, InputKind::Visits, config.columns.of(InputKind::Visits))?;
        out.status_given |= header.index[Vc::Status.index()].is_some();
        let mut slots = Slots::default();
        let mut results = self.parse_chunks(source, &header, from, file, pseudonyms, &mut slots)?;
        // Nothing is kept yet: a file taken for UTF-8 that is not is read again as Windows-1252.
        if results.iter().any(|c| c.not_utf8) {
            return Ok(None);
        }
        let Ingested { ids, visits, rejects, months, .. } = out;
        let first_reject = rejects.len();
        let remaps = Remap::of_chunks(&results, ids, pseudonyms);
        let sharded: Vec<&ShardedIds> = results.iter().map(|c| &c.ids).collect();
        let rows: Vec<usize> = results.iter().map(|c| c.meta.len()).collect();
        let duplicates = self.seen.later_copies(&sharded, &rows, &source.shown, !self.last_file)?;
        for &(c, i) in &duplicates {
            let chunk = &mut results[c as usize];
            let p = &chunk.meta[i as usize];
            let id = chunk.visit(i as usize).map_or("", |v| v.visit_id.as_str());
            let reason = Reason::of_row(
                Problem::DuplicateVisitId,
                format!("besöks-id '{id}' finns redan på en tidigare rad (i den här eller en tidigare fil); besöket räknas en gång"),
            );
            let start = p.start as usize;
            rejects.push(reject(source, pseudonyms, chunk.line(i as usize), start, start + p.len as usize, reason));
            chunk.remove(i as usize);
        }
        account.duplicates += duplicates.len() as u64;
        let counted: Vec<MonthCounts> = results.par_iter_mut().zip(remaps.par_iter()).map(|(chunk, remap)| remap.apply(chunk)).collect();
        counted.iter().for_each(|c| months.merge(c));
        for chunk in &mut results {
            account.read += chunk.read;
            account.rejected += chunk.rejected;
            rejects.append(&mut chunk.rejects);
        }
        // Only a file with bare `\r` line ends (more records than line breaks) has overflow:
        // its visits are gathered in order; every other file's slots are closed up in place.
        let mut read_visits = if results.iter().all(|c| c.overflow.is_empty()) {
            // The chunks' names and places are many small blocks: freed on all threads.
            results.into_par_iter().with_max_len(1).for_each(drop);
            slots.close_up()
        } else {
            gather_overflowing(results)
        };
        if visits.is_empty() {
            *visits = read_visits;
        } else {
            visits.append(&mut read_visits);
        }
        rejects[first_reject..].sort_by_key(|r| r.line);
        account.accepted = account.read - account.rejected - account.duplicates;
        Ok(Some(account))
    }
}

/// Ids as one interner would number them, for comparing two readings.
#[cfg(test)]
fn named(visits: &[Visit], ids: &super::Ids) -> Vec<String> {
    visits
        .iter()
        .map(|v| {
            let services: Vec<&str> = v.services.iter().map(|s| ids.services.name(*s)).collect();
            format!(
                "{} {} {} {} {} {:?} {:?} {:?} {}",
                v.visit_id,
                ids.suppliers.name(v.supplier),
                ids.clients.name(v.client),
                ids.staff.name(v.staff),
                v.check_in,
                v.check_out,
                v.in_method,
                v.out_method,
                services.join("|")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str, chunk_bytes: usize) -> (Ingested, FileAccount) {
        read_bytes(body.as_bytes(), chunk_bytes, &Config::default())
    }

    /// `body` read as `read_all` reads it: again as Windows-1252 when it is not UTF-8.
    fn read_bytes(body: &[u8], chunk_bytes: usize, config: &Config) -> (Ingested, FileAccount) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.csv");
        std::fs::write(&path, body).unwrap();
        let mut out = Ingested::default();
        let pseudonyms = Pseudonymizer::new(b"k");
        let mut reader = VisitReader::with_chunk_bytes(config, chunk_bytes);
        let source = Source::open(&path, "v.csv".into(), "v.csv".into(), InputKind::Visits, &config.input).unwrap();
        if let Some(account) = reader.read(&source, 0, config, &pseudonyms, &mut out).unwrap() {
            return (out, account);
        }
        assert!(out.visits.is_empty() && out.rejects.is_empty() && out.ids.clients.names.is_empty(), "nothing kept");
        let source = source.reopened_as_windows_1252(&config.input).unwrap();
        let account = reader.read(&source, 0, config, &pseudonyms, &mut out).unwrap().unwrap();
        (out, account)
    }

    #[test]
    fn a_file_taken_for_utf8_is_read_as_windows_1252_when_a_chunk_is_not_utf8() {
        // Byte 0xF6 (ö in Windows-1252) in the last row only, in a row far into the one chunk
        // (the bytes are checked a piece at a time as the rows are read), or in the header
        // only: either way the whole file is Windows-1252, read exactly as when the encoding
        // is configured.
        let head =
            b"visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes,area\n";
        let rows = |bad: usize| {
            let mut body = head.to_vec();
            for i in 0..2000 {
                let area: &[u8] = if i == bad { b"S\xf6der" } else { b"Norr" };
                body.extend_from_slice(format!("v{i},S,c{i},p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,30,").as_bytes());
                body.extend_from_slice(area);
                body.push(b'\n');
            }
            body
        };
        let (late, middle) = (rows(1999), rows(1200));
        assert!(middle.len() > 2 * Checked::PIECE);
        let header =
            [&head[..head.len() - 1], b",Omr\xe5de\n", b"v1,S,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,30,Norr,x\n"].concat();
        let configured = Config::from_toml_str("[input]\nencoding = \"windows-1252\"\n").unwrap();
        for body in [late, middle, header] {
            let (given, given_account) = read_bytes(&body, usize::MAX, &configured);
            for chunk_bytes in [usize::MAX, 64] {
                let (found, account) = read_bytes(&body, chunk_bytes, &Config::default());
                assert_eq!(account.encoding, "windows-1252");
                assert_eq!((account.read, account.accepted), (given_account.read, given_account.accepted));
                assert_eq!(named(&found.visits, &found.ids), named(&given.visits, &given.ids));
                assert_eq!(found.ids.areas.names, given.ids.areas.names);
            }
        }
        let (found, _) = read_bytes(&[&head[..], b"v1,S,c1,p1,2025-03-03 08:00,,nfc,,OMV,30,S\xf6der\n"].concat(), 64, &Config::default());
        assert_eq!(found.ids.areas.names, ["Söder"]);
    }

    #[test]
    fn tiny_chunks_read_exactly_like_one_chunk() {
        let mut body = String::from(
            "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\r\n",
        );
        for i in 0..60 {
            let id = if i % 7 == 3 { format!("v{}", i - 1) } else { format!("v{i}") };
            let services = if i % 5 == 0 {
                "\"MATD|OMV\""
            } else if i % 5 == 1 {
                "\"OMV\nTVATT\""
            } else {
                "OMV"
            };
            let stamp = if i % 11 == 4 { "2025-03-30 02:30".to_string() } else { format!("2025-03-{:02} 08:00", 1 + i % 28) };
            body.push_str(&format!(
                "{id},S{},c{},p{},{stamp},2025-03-{:02} 08:40,nfc,nfc,{services},30\r\n",
                i % 3,
                i % 13,
                i % 4,
                1 + i % 28
            ));
            if i % 9 == 0 {
                body.push_str("\r\n");
            }
        }
        body.push_str("bad,row\r\n");
        let unquoted = body.replace("\"MATD|OMV\"", "MATD|OMV").replace("\"OMV\nTVATT\"", "OMV|TVATT");
        assert!(!unquoted.contains('"'));
        for body in [body, unquoted] {
            check_chunked(&body);
        }
    }

    #[test]
    fn visits_are_counted_per_month_as_they_are_read() {
        use crate::model::YearMonth;
        use std::collections::BTreeMap;
        // Two chunks of rows (a row per chunk at 60 bytes), a reject and a later copy, which
        // are not counted; a local check-in just after midnight on 1 April is April's.
        let body = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\n\
                    a,S,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,30\n\
                    b,S,c1,p1,2025-02-28 08:00,2025-02-28 08:30,nfc,nfc,OMV,30\n\
                    c,S,c1,p1,not a time,2025-02-28 08:30,nfc,nfc,OMV,30\n\
                    a,S,c1,p1,2025-02-03 08:00,2025-02-03 08:30,nfc,nfc,OMV,30\n\
                    d,S,c2,p1,2025-04-01 00:10,2025-04-01 00:30,nfc,nfc,OMV,30\n\
                    e,S,c2,p1,2025-03-31 23:50,2025-04-01 00:30,nfc,nfc,OMV,30\n";
        for chunk_bytes in [60, usize::MAX] {
            let (out, account) = read(body, chunk_bytes);
            assert_eq!((account.rejected, account.duplicates), (1, 1));
            let expected: BTreeMap<YearMonth, u64> =
                [("2025-02", 1), ("2025-03", 2), ("2025-04", 1)].map(|(m, n)| (m.parse().unwrap(), n)).into_iter().collect();
            assert_eq!(out.months.by_month(), expected, "chunks of {chunk_bytes} bytes");
            assert_eq!(out.visits_per_month(), expected);
            assert_eq!(super::super::visits_per_month(&out.visits), expected, "as a walk over the visits counts them");
        }
    }

    #[test]
    fn full_slots_stay_where_they_were_written_and_a_removed_visit_is_closed_up() {
        let body = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\n\
                    a,S,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,30\n";
        let (one, _) = read(body, usize::MAX);
        let visit = one.visits[0].clone();
        for remove in [None, Some(4)] {
            // Parts of 3, 0 and 4 slots, each filled; the fifth visit removed in the second round.
            let mut slots = Slots::default();
            let parts = slots.parts(&[3, 0, 4]);
            let start = parts[0].filled().as_ptr() as usize;
            let (mut expected, mut i) = (Vec::new(), 0);
            for (part, n) in parts.into_iter().zip([3, 0, 4]) {
                let mut chunk = ChunkResult { part, ..ChunkResult::default() };
                for k in 0..n {
                    i += 1;
                    chunk.push(Visit { planned_minutes: Some(f64::from(i)), ..visit.clone() });
                    if remove == Some(i) {
                        chunk.remove(k);
                    } else {
                        expected.push(f64::from(i));
                    }
                }
            }
            let visits = slots.close_up();
            assert_eq!(visits.as_ptr() as usize, start, "the same allocation");
            assert_eq!(visits.iter().filter_map(|v| v.planned_minutes).collect::<Vec<_>>(), expected, "{remove:?}");
        }
    }

    #[test]
    fn slots_are_closed_up_in_place_and_in_order() {
        // `Option<Visit>` must stay the size of `Visit` for the in-place collect.
        assert_eq!(std::mem::size_of::<Option<Visit>>(), std::mem::size_of::<Visit>());
        let body = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\n\
                    a,S,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,30\n";
        let (one, _) = read(body, usize::MAX);
        let visit = one.visits[0].clone();
        // Parts of 7, 0, 20 and 23 slots, each chunk one visit short of filling its part (as a
        // chunk's last line is empty) and every fourth visit taken out again (a later copy).
        let mut slots = Slots::default();
        let mut parts = slots.parts(&[7, 0, 20, 23]);
        let (mut expected, mut i) = (Vec::new(), 0);
        for (part, n) in parts.iter_mut().zip([7, 0, 20, 23]) {
            let mut chunk = ChunkResult { part: std::mem::take(part), ..ChunkResult::default() };
            for k in 0..n.max(1) - 1 {
                i += 1;
                chunk.push(Visit { planned_minutes: Some(f64::from(i)), ..visit.clone() });
                if k % 4 == 3 {
                    chunk.remove(k);
                } else {
                    expected.push(f64::from(i));
                }
            }
            *part = std::mem::take(&mut chunk.part);
        }
        let before = parts[0].filled().as_ptr() as usize;
        drop(parts);
        let visits = slots.close_up();
        assert_eq!(visits.as_ptr() as usize, before, "no second vector");
        let planned: Vec<f64> = visits.iter().filter_map(|v| v.planned_minutes).collect();
        assert_eq!(planned, expected);
        assert_eq!(planned.len(), 37);
    }

    #[test]
    fn slots_of_a_forgotten_part_are_not_taken_for_visits() {
        let body = "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\n\
                    a-visit-id-long-enough-to-be-allocated,S,c1,p1,2025-03-03 08:00,2025-03-03 08:30,nfc,nfc,OMV,30\n";
        let visit = read(body, usize::MAX).0.visits[0].clone();
        let mut slots = Slots::default();
        let mut parts = slots.parts(&[3, 4]);
        for part in &mut parts {
            let mut chunk = ChunkResult { part: std::mem::take(part), ..ChunkResult::default() };
            chunk.push(visit.clone());
            *part = std::mem::take(&mut chunk.part);
        }
        std::mem::forget(parts.pop());
        drop(parts);
        assert!(slots.close_up().is_empty(), "the second part's slots were never written");
        let mut slots = Slots::default();
        drop(slots.parts(&[3, 4]));
        assert_eq!(slots.close_up().len(), 0, "empty slots are closed up");
    }

    #[test]
    fn bare_cr_line_ends_overflow_the_slots_without_losing_a_visit() {
        let mut body = String::from(
            "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes\r",
        );
        for i in 0..40 {
            let id = if i % 9 == 5 { format!("v{}", i - 1) } else { format!("v{i}") };
            body.push_str(&format!(
                "{id},S{},c{},p{},2025-03-{:02} 08:00,2025-03-{:02} 08:40,nfc,nfc,OMV|MATD,30\r",
                i % 2,
                i % 7,
                i % 3,
                1 + i % 28,
                1 + i % 28
            ));
        }
        let crlf = body.replace('\r', "\r\n");
        let (expected, expected_account) = read(&crlf, usize::MAX);
        assert_eq!((expected_account.accepted, expected_account.duplicates), (36, 4));
        for chunk_bytes in [usize::MAX, 1, 100] {
            let (got, account) = read(&body, chunk_bytes);
            assert_eq!((account.read, account.accepted, account.duplicates), (40, 36, 4), "chunk {chunk_bytes}");
            assert_eq!(named(&got.visits, &got.ids), named(&expected.visits, &expected.ids), "chunk {chunk_bytes}");
        }
    }

    #[test]
    fn values_kept_by_their_raw_bytes_read_as_values_checked_row_by_row() {
        // One chunk keeps what its rows showed (a client, a method, a district, a service
        // list, a reason) by raw bytes; chunks of one row keep nothing. Both must give the same
        // visits, the same names in the same order (rows refused after their names were
        // numbered included) and the same rejects.
        let mut body = String::from(
            "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes,area,manual_reason\n",
        );
        let areas = ["Söder", " Söder", "Söder ", "So\u{308}der", "", "Väster", "Ö\u{7}ster", "Norr"];
        let methods = ["nfc", " NFC", "Tagg", "manual", "lås", "fax", ""];
        let services = ["OMV|MATD", "MATD|OMV", " OMV | OMV ", "", "TVÄTT"];
        let reasons = ["", "Glömde kvittera", "Tek\u{1b}niskt", "  "];
        let planned = ["30", "30.0", "12.5", "19450101-1234", "x", ""];
        // Check-ins and check-outs repeated in pairs that differ: an ambiguous autumn
        // check-out resolves against each visit's own check-in.
        let check_ins = ["2025-10-26 01:00", "2025-10-26T00:30:00Z", "2025-10-26 02:20", "2025-03-30 02:30", "2025-10-26T02:30:00+01:00"];
        let check_outs = ["2025-10-26 02:10", "2025-10-26 02:40", "", "2025-10-26T03:00Z", "2025-10-26 02:10"];
        for i in 0..90usize {
            let client = match i {
                2 => "refused for its reason".to_string(),
                6 => "refused for its method".to_string(),
                _ => format!("c{}", i % 7),
            };
            body.push_str(&format!(
                "v{i},{},{},p{},{},{},{},nfc,{},{},{},{}\n",
                if i % 17 == 5 { "ALL" } else { "S" },
                client,
                i % 5,
                check_ins[i % check_ins.len()],
                check_outs[(i / 2) % check_outs.len()],
                methods[i % methods.len()],
                services[i % services.len()],
                planned[i % planned.len()],
                areas[i % areas.len()],
                reasons[i % reasons.len()],
            ));
        }
        let (whole, whole_account) = read(&body, usize::MAX);
        let (rows, account) = read(&body, 1);
        assert!(whole_account.rejected > 20 && whole_account.accepted > 20, "{} {}", whole_account.rejected, whole_account.accepted);
        assert_eq!((account.accepted, account.rejected), (whole_account.accepted, whole_account.rejected));
        assert_eq!(named(&whole.visits, &whole.ids), named(&rows.visits, &rows.ids));
        let areas_of =
            |i: &Ingested| i.visits.iter().map(|v| (v.area != NO_AREA).then(|| i.ids.areas.name(v.area).to_string())).collect::<Vec<_>>();
        assert_eq!(areas_of(&whole), areas_of(&rows));
        let rest_of = |i: &Ingested| i.visits.iter().map(|v| (v.local_in, v.planned_minutes, v.manual_reason)).collect::<Vec<_>>();
        assert_eq!(rest_of(&whole), rest_of(&rows));
        for (a, b) in [
            (&whole.ids.suppliers, &rows.ids.suppliers),
            (&whole.ids.clients, &rows.ids.clients),
            (&whole.ids.staff, &rows.ids.staff),
            (&whole.ids.services, &rows.ids.services),
            (&whole.ids.areas, &rows.ids.areas),
        ] {
            assert_eq!(a.names, b.names);
        }
        let r = |i: &Ingested| i.rejects.iter().map(|r| (r.line, r.reason.clone())).collect::<Vec<_>>();
        assert_eq!(r(&whole), r(&rows));
        assert_eq!(whole.ids.areas.names, ["Söder", "Norr", "Väster"], "one spelling of Söder; the district with BEL is refused");
        // A row refused for its reason has numbered its client; one refused for its method not.
        let pseudonym = |c: &str| Pseudonymizer::new(b"k").pseudonym(c);
        assert!(whole.ids.clients.names.contains(&pseudonym("refused for its reason")));
        assert!(!whole.ids.clients.names.contains(&pseudonym("refused for its method")));
    }

    fn check_chunked(body: &str) {
        let (whole, whole_account) = read(body, usize::MAX);
        assert_eq!(whole_account.read, 61);
        assert!(whole_account.duplicates > 0 && whole_account.rejected > 0);
        for chunk_bytes in [1, 7, 64, 300] {
            let (chunked, account) = read(body, chunk_bytes);
            assert_eq!(
                (account.read, account.accepted, account.rejected, account.duplicates),
                (whole_account.read, whole_account.accepted, whole_account.rejected, whole_account.duplicates)
            );
            assert_eq!(named(&chunked.visits, &chunked.ids), named(&whole.visits, &whole.ids), "chunk {chunk_bytes}");
            assert_eq!(chunked.ids.clients.names, whole.ids.clients.names, "first-appearance order");
            let r = |i: &Ingested| i.rejects.iter().map(|r| (r.line, r.reason.clone(), r.raw.clone())).collect::<Vec<_>>();
            assert_eq!(r(&chunked), r(&whole), "chunk {chunk_bytes}");
        }
    }
}
