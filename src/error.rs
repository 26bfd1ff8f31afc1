//! Error kinds that decide the exit code (SPEC §8): usage/config 2, input refused 3, else 1.

use std::fmt;

/// Which exit code an error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Wrong arguments or configuration: exit 2.
    Usage,
    /// Unreadable input, missing column, reject rate over the limit: exit 3.
    InputRefused,
}

impl ExitKind {
    pub fn code(self) -> i32 {
        match self {
            ExitKind::Usage => 2,
            ExitKind::InputRefused => 3,
        }
    }
}

/// An error whose message is meant for the user as it stands, tagged with its exit kind.
#[derive(Debug)]
pub struct Refusal {
    pub kind: ExitKind,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

/// A usage or configuration error (exit 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Refusal { kind: ExitKind::Usage, message: message.into() }.into()
}

/// An input the program refuses to work on (exit 3).
pub fn refused(message: impl Into<String>) -> anyhow::Error {
    Refusal { kind: ExitKind::InputRefused, message: message.into() }.into()
}

/// The exit code for an error: the first `Refusal` in its chain decides, otherwise 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    err.chain().find_map(|cause| cause.downcast_ref::<Refusal>()).map_or(1, |r| r.kind.code())
}

/// What to do about a failed write, from the system's own error in the chain: a full disk or
/// size limit, a place the user may not write to, or a file name too long. `None` when no
/// such cause is found (the message then stands as it is).
pub fn write_hint(err: &anyhow::Error) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    // Some libraries (the Parquet writer) pass the system's error on as text only.
    let text = format!("{err:#}");
    let code = text.rsplit_once("(os error ").and_then(|(_, rest)| rest.split(')').next()?.parse::<i32>().ok());
    let (kind, code) = match err.chain().find_map(|c| c.downcast_ref::<std::io::Error>()) {
        Some(io) => (io.kind(), io.raw_os_error().or(code)),
        None => (K::Other, Some(code?)),
    };
    match (kind, code) {
        (K::StorageFull | K::QuotaExceeded | K::FileTooLarge, _) | (_, Some(27 | 28 | 122)) => {
            Some("frigör diskutrymme där (eller höj gränsen för filstorlek), eller ange en annan --out")
        }
        (K::PermissionDenied | K::ReadOnlyFilesystem, _) | (_, Some(1 | 13 | 30)) => {
            Some("tidkoll får inte skriva där: kontrollera mappens behörigheter (och att ingen fil i den är öppen eller skrivskyddad), eller ange en annan --out")
        }
        (K::InvalidFilename, _) | (_, Some(36)) => Some("ett filnamn är för långt för filsystemet: ange en kortare sökväg med --out"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(code: i32) -> anyhow::Error {
        anyhow::Error::new(std::io::Error::from_raw_os_error(code)).context("cannot write out/2025-03/figures.csv")
    }

    #[test]
    fn a_failed_write_names_its_real_cause() {
        assert!(write_hint(&io(28)).unwrap().starts_with("frigör diskutrymme"));
        assert!(write_hint(&io(27)).unwrap().starts_with("frigör diskutrymme"));
        assert!(write_hint(&io(13)).unwrap().contains("behörigheter"));
        assert!(write_hint(&io(30)).unwrap().contains("behörigheter"));
        assert!(write_hint(&io(36)).unwrap().contains("för långt"));
        assert_eq!(write_hint(&io(5)), None);
        assert_eq!(write_hint(&usage("--month: bad")), None);
        let text_only = anyhow::anyhow!("parquet: underlying IO error: File too large (os error 27)").context("cannot write");
        assert!(write_hint(&text_only).unwrap().starts_with("frigör diskutrymme"));
    }
}
