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
