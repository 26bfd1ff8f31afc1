//! The month store: `OUT/YYYY-MM/` with CSV and Parquet tables and the manifest, written to a
//! temporary directory and renamed into place only when complete; `read` loads a stored month
//! back for the quarter and the investigation.

mod dictionary;
pub mod manifest;
pub mod read;
pub mod sample;
pub mod schema;
mod tables;
mod visits_table;

pub use tables::{write_figures_csv, write_flags_csv, write_month, write_rejects_csv};
pub use visits_table::write_visits_table;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::model::YearMonth;

/// A text cell of a CSV file made for Excel, neutralised the way spreadsheet exporters do: text
/// that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`. Numbers are written by their own code and left alone.
pub fn excel_text(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{text}")),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// `value` as written in the CSV files: full precision with `.`, empty when missing.
pub fn format_value(value: Option<f64>) -> String {
    let mut text = String::new();
    push_value(&mut text, value);
    text
}

/// `format_value` appended to `text`.
pub fn push_value(text: &mut String, value: Option<f64>) {
    use std::fmt::Write as _;
    // Writing into a `String` cannot fail.
    let _ = match value {
        Some(0.0) => write!(text, "0"),
        Some(v) => write!(text, "{v}"),
        None => Ok(()),
    };
}

/// Output directory being built; removed on drop unless published.
pub struct StagedMonth {
    pub dir: PathBuf,
    target: PathBuf,
    published: bool,
}

impl StagedMonth {
    pub fn new(out: &Path, month: YearMonth) -> Result<StagedMonth> {
        StagedMonth::named(out, &month.to_string())
    }

    /// A staged `OUT/name/` (a quarter's results use the same replace-when-complete rule).
    pub fn named(out: &Path, name: &str) -> Result<StagedMonth> {
        fs::create_dir_all(out).with_context(|| format!("resultatmappen {} kan inte skapas", out.display()))?;
        let target = out.join(name);
        recover_set_aside(out, name);
        let dir = out.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("{} kan inte tömmas", dir.display()))?;
        }
        fs::create_dir(&dir).with_context(|| format!("det går inte att skriva i resultatmappen {}", out.display()))?;
        Ok(StagedMonth { dir, target, published: false })
    }

    /// Replaces an earlier result with the staged one in one step where the system allows it
    /// (Linux swaps the two directories atomically), so that a run stopped at any moment leaves
    /// either the old or the new result, never neither.
    pub fn publish(mut self) -> Result<PathBuf> {
        if self.target.exists() && exchange(&self.dir, &self.target).is_ok() {
            self.published = true;
            // `self.dir` now holds the earlier result.
            report_left_behind(fs::remove_dir_all(&self.dir), &self.target, &self.dir);
            return Ok(self.target.clone());
        }
        let old = self.target.with_file_name(format!(".{}.old-{}", file_name(&self.target), std::process::id()));
        if self.target.exists() {
            fs::rename(&self.target, &old)
                .with_context(|| format!("det tidigare resultatet {} kan inte flyttas undan", self.target.display()))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if old.exists() {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| format!("det nya resultatet kan inte flyttas till {}", self.target.display()));
        }
        self.published = true;
        if old.exists() {
            report_left_behind(fs::remove_dir_all(&old), &self.target, &old);
        }
        Ok(self.target.clone())
    }
}

/// The context of any failure to write a staged result named `name` (a month, a quarter or a
/// year) into `out`: the earlier result is still in place (`publish` rolls back, and once the
/// new result is in place nothing fails). What to do follows from the cause
/// (`error::write_hint`).
pub fn not_saved(name: &dyn std::fmt::Display, out: &Path) -> String {
    format!("resultaten för {name} kunde inte sparas i {} (tidigare resultat för {name} är orörda)", out.display())
}

/// After the new result is in place, an earlier one that cannot be removed is only reported:
/// the run has succeeded, and the officer learns where the old files are.
fn report_left_behind(result: std::io::Result<()>, new: &Path, old: &Path) {
    if let Err(e) = result {
        eprintln!(
            "tidkoll: varning: de nya resultaten finns i {}, men de tidigare kunde inte tas bort ur {} ({e}); ta bort den mappen för hand",
            new.display(),
            old.display()
        );
    }
}

/// Leftovers of runs that were stopped: staging directories of processes no longer running
/// are removed; a set-aside earlier result whose place is empty is put back.
pub fn clean_leftovers(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix('.') else { continue };
        let (result, pid) = match (rest.rsplit_once(".partial-"), rest.rsplit_once(".old-")) {
            (Some((result, pid)), _) | (None, Some((result, pid))) => (result, pid),
            _ => continue,
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if name.contains(".old-") && !out.join(result).exists() {
            let _ = fs::rename(entry.path(), out.join(result));
        } else if !process_running(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process is running; where that cannot be told, it is assumed to be.
fn process_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Swaps two directories atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let path = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput));
    let (a, b) = (path(a)?, path(b)?);
    // SAFETY: both pointers are valid NUL-terminated paths for the duration of the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Where a run was stopped between setting an earlier result aside and moving the new one
/// in (possible only without an atomic swap), puts the earlier result back.
fn recover_set_aside(out: &Path, name: &str) {
    let target = out.join(name);
    if target.exists() {
        return;
    }
    let prefix = format!(".{name}.old-");
    let Ok(entries) = fs::read_dir(out) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) && fs::rename(entry.path(), &target).is_ok() {
            return;
        }
    }
}

impl Drop for StagedMonth {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
