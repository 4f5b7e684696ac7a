//! Rendering environment changes as text for a shell (or a tool) to read. Each shell has one
//! quote function, pinned by golden tests; nothing formats a value into shell text by hand.

pub mod cmd;
pub mod dotenv;
pub mod dry_run;
pub mod fish;
pub mod json;
pub mod posix;
pub mod powershell;
// What `serve` prints; `serve` runs where its endpoint does (Unix).
#[cfg(unix)]
pub mod serve;
pub mod table;

use crate::domain::env::Change;

/// Why a value cannot be written safely for a shell.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RenderError {
    #[error("the value of {variable} contains a NUL byte, which no shell can carry; fix the value in the config")]
    Nul { variable: &'static str },
    #[error("{variable} would be {bytes} bytes, more than one environment variable can hold ({MAX_VARIABLE_BYTES} on Linux), so no command could start with it; the credentials source answered something unusable")]
    TooLarge {
        variable: &'static str,
        bytes: usize,
    },
    #[error("the value of {variable} cannot be written safely for {shell} (only {allowed} are allowed there); use another --format such as powershell")]
    Unsafe {
        variable: &'static str,
        shell: &'static str,
        allowed: &'static str,
    },
}

/// An output format of `export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// sh, bash, zsh, dash, ksh, busybox: `export K='v'`.
    Sh,
    Fish,
    PowerShell,
    /// cmd.exe: `set "K=v"`, restricted values.
    Cmd,
    /// `K='v'` lines without export or unset.
    Dotenv,
    /// The credential_process JSON.
    Json,
}

impl Format {
    /// The format for a shell program's name (the basename of `$SHELL`), if rolecall knows it.
    pub fn for_shell(name: &str) -> Option<Format> {
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let name = name.strip_suffix(".exe").unwrap_or(name);
        let name = name.strip_prefix('-').unwrap_or(name); // a login shell's argv[0]
                                                           // A versioned binary (`zsh-5.9`, `bash5.2`), as some systems install them.
        let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let name = name.strip_suffix('-').unwrap_or(name);
        match name {
            "sh" | "bash" | "zsh" | "dash" | "ksh" | "mksh" | "ash" | "busybox" | "yash" => {
                Some(Format::Sh)
            }
            "fish" => Some(Format::Fish),
            "pwsh" | "powershell" => Some(Format::PowerShell),
            "cmd" => Some(Format::Cmd),
            _ => None,
        }
    }
}

/// Values no environment can carry (a NUL byte), refused before anything is printed or run.
pub fn check_values(changes: &[Change]) -> Result<(), RenderError> {
    for change in changes {
        if let Change::Set(variable, value) = change {
            if value.contains('\0') {
                return Err(RenderError::Nul { variable });
            }
            let bytes = variable.len() + 1 + value.len() + 1;
            if bytes > MAX_VARIABLE_BYTES {
                return Err(RenderError::TooLarge { variable, bytes });
            }
        }
    }
    Ok(())
}

/// The largest `NAME=value` string the Linux kernel passes to a new program
/// (`MAX_ARG_STRLEN`, 32 pages); a larger one makes every `execve` fail with E2BIG.
pub const MAX_VARIABLE_BYTES: usize = 32 * 4096;

/// Renders every change into one string, or fails without producing any of it.
pub fn render(format: Format, changes: &[Change]) -> Result<String, RenderError> {
    check_values(changes)?;
    Ok(match format {
        Format::Sh => posix::render(changes),
        Format::Fish => fish::render(changes),
        Format::PowerShell => powershell::render(changes),
        Format::Cmd => cmd::render(changes)?,
        Format::Dotenv => dotenv::render(changes),
        Format::Json => json::render(changes),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_value_too_large_for_the_environment_is_refused() {
        let huge = "x".repeat(super::MAX_VARIABLE_BYTES);
        let changes = [super::Change::Set("AWS_SESSION_TOKEN", huge)];
        let e = super::check_values(&changes).unwrap_err().to_string();
        assert!(
            e.starts_with("AWS_SESSION_TOKEN would be 131091 bytes"),
            "{e}"
        );
        let fine = [super::Change::Set("AWS_SESSION_TOKEN", "x".repeat(4000))];
        assert!(super::check_values(&fine).is_ok());
    }

    use super::*;

    #[test]
    fn nul_is_refused_by_every_format() {
        for f in [
            Format::Sh,
            Format::Fish,
            Format::PowerShell,
            Format::Cmd,
            Format::Dotenv,
            Format::Json,
        ] {
            let e = render(f, &[Change::Set("AWS_REGION", "a\0b".into())]).unwrap_err();
            assert_eq!(
                e,
                RenderError::Nul {
                    variable: "AWS_REGION"
                }
            );
        }
    }

    #[test]
    fn shell_names() {
        assert_eq!(Format::for_shell("/usr/bin/zsh"), Some(Format::Sh));
        assert_eq!(Format::for_shell("/usr/local/bin/fish"), Some(Format::Fish));
        assert_eq!(
            Format::for_shell("C:\\Program Files\\PowerShell\\7\\pwsh.exe"),
            Some(Format::PowerShell)
        );
        assert_eq!(Format::for_shell("/bin/tcsh"), None);
        for versioned in ["zsh-5.9", "-bash", "ksh93", "bash5.2"] {
            assert_eq!(
                Format::for_shell(versioned),
                Some(Format::Sh),
                "{versioned}"
            );
        }
        assert_eq!(Format::for_shell("python3.11"), None);
    }
}
