//! Rendering environment changes as text for a shell to evaluate.

pub mod posix;

use crate::env::Change;

/// Why a value cannot be written safely for a shell.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RenderError {
    #[error("the value of {variable} contains a NUL byte, which no shell can carry; fix the value in the config")]
    Nul { variable: &'static str },
}

/// An output format of `export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// sh, bash, zsh, dash, ksh, busybox.
    Sh,
}

/// Renders every change into one string, or fails without producing any of it.
pub fn render(format: Format, changes: &[Change]) -> Result<String, RenderError> {
    for change in changes {
        if let Change::Set(variable, value) = change {
            if value.contains('\0') {
                return Err(RenderError::Nul { variable });
            }
        }
    }
    Ok(match format {
        Format::Sh => posix::render(changes),
    })
}
