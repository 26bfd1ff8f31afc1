//! Pseudonyms for client ids (SPEC §6): a keyed hash, stable across runs and months, and the
//! scrubbing of personnummer-shaped values from anything written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Name of the key file created beside the results when no key is given in the environment.
pub const KEY_FILE: &str = "pseudonym.key";

#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
    key_len: usize,
}

/// Where the key came from, for the manifest and the terminal (never the key itself).
#[derive(Debug, Clone)]
pub enum KeySource {
    Environment(String),
    File(PathBuf),
    CreatedFile(PathBuf),
}

impl Pseudonymizer {
    pub fn new(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer { mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length"), key_len: key.len() }
    }

    /// A fingerprint of the key, stored with each month: months made with different keys have
    /// different pseudonyms and must not be mixed. It tells nothing of the key itself.
    pub fn fingerprint(&self) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"tidkoll key fingerprint");
        hex(&mac.finalize().into_bytes()[..8])
    }

    /// Warnings about the key, in Swedish for the terminal: too short to be secret, or a key
    /// file that others may read.
    pub fn warnings(&self, source: &KeySource) -> Vec<String> {
        let mut out = Vec::new();
        if self.key_len < 16 {
            out.push(format!("pseudonymnyckeln är bara {} tecken; använd minst 16 slumpmässiga tecken", self.key_len));
        }
        if let KeySource::File(path) | KeySource::CreatedFile(path) = source {
            if readable_by_others(path) {
                out.push(format!("pseudonymnyckeln {} kan läsas av andra användare; ändra behörigheten (chmod 600)", path.display()));
            }
        }
        out
    }

    /// The key from the environment variable `env_name`, else from `OUT/pseudonym.key`,
    /// created once with a random key so pseudonyms stay stable for later months.
    pub fn load(env_name: &str, out_dir: &Path) -> Result<(Pseudonymizer, KeySource)> {
        if let Ok(key) = std::env::var(env_name) {
            if !key.trim().is_empty() {
                return Ok((Pseudonymizer::new(key.trim().as_bytes()), KeySource::Environment(env_name.to_string())));
            }
        }
        let path = out_dir.join(KEY_FILE);
        if path.exists() {
            let key = fs::read_to_string(&path).with_context(|| format!("pseudonymnyckeln {} kan inte läsas", path.display()))?;
            if key.trim().is_empty() {
                anyhow::bail!(
                    "pseudonymnyckelns fil {} är tom; hämta tillbaka den från en säkerhetskopia, eller ta bort den för att börja med nya pseudonymer",
                    path.display()
                );
            }
            return Ok((Pseudonymizer::new(key.trim().as_bytes()), KeySource::File(path)));
        }
        fs::create_dir_all(out_dir).with_context(|| format!("resultatmappen {} kan inte skapas", out_dir.display()))?;
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("ingen slumpkälla för en pseudonymnyckel: {e}"))?;
        let key = hex(&bytes);
        if create_key_file(&path, &key).with_context(|| format!("pseudonymnyckeln {} kan inte skapas", path.display()))? {
            return Ok((Pseudonymizer::new(key.as_bytes()), KeySource::CreatedFile(path)));
        }
        // Another run created the key first: its key is the one every month uses.
        let key = fs::read_to_string(&path).with_context(|| format!("pseudonymnyckeln {} kan inte läsas", path.display()))?;
        Ok((Pseudonymizer::new(key.trim().as_bytes()), KeySource::File(path)))
    }

    /// The pseudonym of a client id: `K-` and 16 hex digits of HMAC-SHA256. A personnummer gets
    /// the same pseudonym whatever its form (century, separator).
    pub fn pseudonym(&self, client_id: &str) -> String {
        let id = client_id.trim();
        let normalized = personnummer_core(id.as_bytes()).unwrap_or_else(|| id.to_string());
        let mut mac = self.mac.clone();
        mac.update(normalized.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("K-{}", hex(&digest[..8]))
    }

    /// `text` with every personnummer-shaped value replaced by its pseudonym.
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_cow(text).into_owned()
    }

    /// `scrub` without a copy when there is nothing to replace.
    pub fn scrub_cow<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        let spans = personnummer_spans(text.as_bytes());
        if spans.is_empty() {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&text[last..start]);
            out.push_str(&self.pseudonym(&text[start..end]));
            last = end;
        }
        out.push_str(&text[last..]);
        std::borrow::Cow::Owned(out)
    }
}

/// The key an id is told apart by: a personnummer in any form (century, separator) is one
/// person, so it is keyed by its ten-digit core; any other id by itself, trimmed.
pub fn identity_key(id: &str) -> std::borrow::Cow<'_, str> {
    let id = id.trim();
    match personnummer_core(id.as_bytes()) {
        Some(core) => std::borrow::Cow::Owned(core),
        None => std::borrow::Cow::Borrowed(id),
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> bool {
    false
}

/// Creates the key file at `path` whole or not at all: the key is written to a file of this
/// process's own and linked into place, which fails when a key file is already there. `false`
/// when another run's key was there first (two first runs into one folder), which is then
/// whole, never a file still being written.
fn create_key_file(path: &Path, key: &str) -> std::io::Result<bool> {
    // Named by the process and the new key's first digits, so no two writers share it.
    let staged = path.with_file_name(format!(".{KEY_FILE}.{}.{}", std::process::id(), &key[..key.len().min(8)]));
    let _ = fs::remove_file(&staged);
    let written = create_private(&staged).and_then(|mut file| {
        writeln!(file, "{key}")?;
        file.sync_all()
    });
    let linked = written.and_then(|()| fs::hard_link(&staged, path));
    let _ = fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// `bytes` in lower-case hexadecimal, two digits a byte. Every client pseudonym goes through
/// here, once per client and chunk, so it writes the digits itself instead of formatting each
/// byte into a string of its own.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Date part check: month 01–12, day 01–31 or 61–91 (samordningsnummer).
fn plausible_date(mmdd: &[u8]) -> bool {
    let n = |b: &[u8]| u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let (month, day) = (n(&mmdd[..2]), n(&mmdd[2..4]));
    (1..=12).contains(&month) && ((1..=31).contains(&day) || (61..=91).contains(&day))
}

/// The ten-digit core `YYMMDDNNNN` when the whole of `s` is personnummer-shaped.
fn personnummer_core(s: &[u8]) -> Option<String> {
    match personnummer_spans(s).as_slice() {
        [(0, end)] if *end == s.len() => {
            let digits: Vec<u8> = s.iter().copied().filter(u8::is_ascii_digit).collect();
            Some(String::from_utf8_lossy(&digits[digits.len() - 10..]).into_owned())
        }
        _ => None,
    }
}

/// Text for a message that cannot carry a pseudonym (a column name, a path): every
/// personnummer-shaped value replaced by `[personnummer]`.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in personnummer_spans(text.as_bytes()) {
        out.push_str(&text[last..start]);
        out.push_str("[personnummer]");
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Whether `c` may stand between a personnummer's date and its last four digits: the hyphen
/// and plus of the written forms, space, tab and underscore (file names), and the Unicode
/// characters that print as one of those or as nothing (no-break and thin spaces, the
/// hyphens, dashes and minus sign, soft hyphen, zero-width characters, the byte-order mark).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '-' | '+'
            | ' '
            | '\t'
            | '_'
            | '\u{a0}'
            | '\u{ad}'
            | '\u{2007}'..='\u{200d}'
            | '\u{2010}'..='\u{2015}'
            | '\u{202f}'
            | '\u{2060}'
            | '\u{2212}'
            | '\u{fe63}'
            | '\u{feff}'
            | '\u{ff0b}'
            | '\u{ff0d}'
    )
}

/// The byte length of the separator at the start of `s`: one to three separator characters
/// (`19450312 - 1230` has three), or `None`.
fn separator_len(s: &[u8]) -> Option<usize> {
    let mut len = 0;
    for _ in 0..3 {
        let Some(c) = char_at(&s[len..]) else { break };
        if !is_separator(c) {
            break;
        }
        len += c.len_utf8();
    }
    (len > 0).then_some(len)
}

/// The character `s` begins with, if it begins with a whole, valid one: an ASCII byte is one
/// character, without decoding the bytes after it.
fn char_at(s: &[u8]) -> Option<char> {
    match *s.first()? {
        b if b < 0x80 => Some(char::from(b)),
        b => {
            let width = match b {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            std::str::from_utf8(s.get(..width)?).ok()?.chars().next()
        }
    }
}

/// Byte spans of personnummer-shaped values: 6 or 8 digits, an optional separator (`-`, `+`,
/// space or any other of `is_separator`, up to three), then 4 digits (or 10 or 12 digits in a
/// row), not touching other digits, with a plausible date.
pub fn personnummer_spans(s: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_digit() || (i > 0 && s[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let run = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let after = i + run;
        let date_at = |len: usize| if len == 8 { i + 4 } else { i + 2 };
        let mut matched = None;
        // A date written with its century is of a century people now living were born in:
        // a twelve-digit visit id such as `250301150001` is no personnummer.
        let century = |date_len: usize| date_len == 6 || matches!(&s[i..i + 2], b"18" | b"19" | b"20");
        let separator = if run == 6 || run == 8 { separator_len(&s[after..s.len().min(after + 12)]) } else { None };
        if let Some(sep) = separator {
            let tail = &s[after + sep..];
            let four = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if four == 4 && century(run) && plausible_date(&s[date_at(run)..date_at(run) + 4]) {
                matched = Some(after + sep + 4);
            }
        } else if (run == 10 || run == 12) && century(run - 4) && plausible_date(&s[date_at(run - 4)..date_at(run - 4) + 4]) {
            matched = Some(after);
        }
        if let Some(end) = matched {
            spans.push((i, end));
            i = end;
        } else {
            i = after;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_writes_two_lower_case_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(hex(&[]), "");
        // A pseudonym is the first 8 bytes of HMAC-SHA-256(key, id) in hex (computed apart,
        // with Python's hmac), so stored months stay comparable across versions.
        assert_eq!(Pseudonymizer::new(b"k").pseudonym("K123"), "K-2296f35421593601");
    }

    #[test]
    fn same_person_same_pseudonym_in_every_form() {
        let p = Pseudonymizer::new(b"k");
        let a = p.pseudonym("19450101-1234");
        assert_eq!(a, p.pseudonym("194501011234"));
        assert_eq!(a, p.pseudonym("450101-1234"));
        assert_eq!(a, p.pseudonym("4501011234"));
        assert_eq!(a, p.pseudonym("450101+1234"));
        assert_eq!(a, p.pseudonym("19450101 1234"), "the space form");
        assert_ne!(a, p.pseudonym("19450101-1235"));
        assert_ne!(a, Pseudonymizer::new(b"other").pseudonym("19450101-1234"));
        assert!(a.starts_with("K-") && a.len() == 18);
    }

    #[test]
    fn scrub_replaces_every_form_and_keeps_the_rest() {
        let p = Pseudonymizer::new(b"k");
        let line = "S1;19450101-1234;anna;2025-03-04 08:00;x 4501011234,450101+1234;5";
        let out = p.scrub(line);
        assert!(!out.contains("1234;") && !out.contains("4501011234") && !out.contains("450101+1234"), "{out}");
        assert!(out.starts_with("S1;K-") && out.contains("2025-03-04 08:00"), "{out}");
        assert_eq!(out.matches(&p.pseudonym("450101-1234")).count(), 3);
    }

    #[test]
    fn non_personnummer_numbers_are_kept() {
        let p = Pseudonymizer::new(b"k");
        for keep in ["1700000000", "12345", "2025-03-04 08:15", "K123", "0000000000", "1234567890123", "250301150001", "25030115-0001"] {
            assert_eq!(p.scrub(keep), keep);
        }
        for century in ["18", "19", "20"] {
            assert_eq!(personnummer_spans(format!("{century}450312-1230").as_bytes()), [(0, 13)], "{century}");
            assert_eq!(personnummer_spans(format!("{century}4503121230").as_bytes()), [(0, 12)], "{century}");
        }
        assert!(personnummer_spans(b"19450161-1234").len() == 1, "samordningsnummer");
    }

    #[test]
    fn first_runs_at_once_share_one_whole_key() {
        // Rounds of first runs started together into a new folder; a key file another run is
        // still writing, or one created between looking and creating, would fail some of them.
        for _ in 0..100 {
            let dir = tempfile::tempdir().unwrap();
            let start = std::sync::Barrier::new(8);
            let prints: Vec<String> = std::thread::scope(|scope| {
                let runs: Vec<_> = (0..8)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            Pseudonymizer::load("TIDKOLL_TEST_KEY_NOT_SET", dir.path()).map(|(p, _)| p.fingerprint())
                        })
                    })
                    .collect();
                runs.into_iter().map(|r| r.join().unwrap().unwrap()).collect()
            });
            assert!(prints.iter().all(|p| *p == prints[0]), "{prints:?}");
            let key = fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
            assert_eq!(Pseudonymizer::new(key.trim().as_bytes()).fingerprint(), prints[0]);
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no staged key is left");
        }
    }

    #[test]
    fn personnummer_in_unicode_spellings_are_found() {
        let p = Pseudonymizer::new(b"k");
        let plain = p.pseudonym("19450312-1230");
        for sep in ["\u{a0}", "\u{2011}", "\u{2212}", "\u{200b}", "\u{ad}", " - ", "\t", "_", "\u{2013}", "\u{feff}"] {
            let id = format!("19450312{sep}1230");
            assert_eq!(p.pseudonym(&id), plain, "{id:?}");
            assert_eq!(identity_key(&id), "4503121230", "{id:?}");
            let line = format!("S1;{id};x");
            assert_eq!(p.scrub(&line), format!("S1;{plain};x"), "{id:?}");
            assert_eq!(mask(&format!("fil {id}.csv")), "fil [personnummer].csv", "{id:?}");
        }
        for keep in ["19450312 -- x 1230", "19450312abc1230", "194503121 230"] {
            assert_eq!(p.scrub(keep), keep, "{keep:?}");
        }
        // Bytes as a file holds them: a separator cut short or not UTF-8 is no separator.
        assert_eq!(personnummer_spans(b"19450312\xe2\x80\x911230"), [(0, 15)]);
        assert_eq!(personnummer_spans(b"19450312\xe2\x801230"), []);
        assert_eq!(personnummer_spans(b"19450312\xe2\x80"), []);
        assert_eq!(personnummer_spans(b"19450312\xff1230"), []);
        assert_eq!(personnummer_spans(b"19450312\xc2\xa0\xc2\xa0-1230"), [(0, 17)]);
        assert_eq!(personnummer_spans(b"19450312\xc2\xa0\xc2\xa0\xc2\xa0-1230"), []);
    }
}
