//! What a command runs with: the environment snapshot, the writers and the adapters.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cache::SessionStore;
use crate::clock::Clock;
use crate::credentials::mfa::MfaPrompt;
use crate::credentials::source::Sources;
use crate::credentials::sts::Sts;
use crate::terminal::{Picker, Terminal};

/// A snapshot of the environment variables rolecall reads. Built once in `main` from the
/// process environment, or from a list in tests, so that nothing else reads the environment.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: HashMap<String, String>,
}

impl Vars {
    /// The process environment (variables that are not valid UTF-8 are left out). Without a
    /// usable `HOME`, the home directory comes from the system's user database, as the AWS
    /// CLI finds it, never from the current directory.
    pub fn from_process() -> Self {
        let mut vars = Self::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        );
        if vars.non_empty("HOME").is_none() && vars.non_empty("USERPROFILE").is_none() {
            if let Some(home) =
                std::env::home_dir().and_then(|h| h.into_os_string().into_string().ok())
            {
                vars.map.insert("HOME".into(), home);
            }
        }
        vars
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            map: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The value if set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// The user's home directory (`HOME`, else `USERPROFILE`); the root directory when there is
    /// none at all, so that a file is never looked up relative to wherever rolecall runs.
    pub fn home(&self) -> PathBuf {
        self.non_empty("HOME")
            .or_else(|| self.non_empty("USERPROFILE"))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::path::MAIN_SEPARATOR_STR))
    }

    /// `~/x` → `$HOME/x`, as the AWS CLI expands the file path variables.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        match path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\")) {
            Some(rest) => self.home().join(rest),
            None if path == "~" => self.home(),
            None => Path::new(path).to_path_buf(),
        }
    }

    /// The login name, for the default role session name.
    pub fn user(&self) -> Option<&str> {
        self.non_empty("USER")
            .or_else(|| self.non_empty("LOGNAME"))
            .or_else(|| self.non_empty("USERNAME"))
    }
}

/// How chatty rolecall is on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
    Debug,
}

/// Everything a command needs from the outside world; only `main` builds the real one.
pub struct Context<'a> {
    pub vars: &'a Vars,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub sts: &'a dyn Sts,
    pub sources: &'a dyn Sources,
    pub store: &'a dyn SessionStore,
    pub clock: &'a dyn Clock,
    pub mfa: &'a dyn MfaPrompt,
    pub verbosity: Verbosity,
    pub terminal: Terminal,
    pub picker: &'a dyn Picker,
}

impl Context<'_> {
    /// A note the user should see unless they asked for quiet (`-q`).
    pub fn note(&mut self, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            let _ = writeln!(self.stderr, "rolecall: {}", printable(message));
        }
    }

    /// A decision shown with `-v`.
    pub fn verbose(&mut self, message: &str) {
        if self.verbosity >= Verbosity::Verbose {
            let _ = writeln!(self.stderr, "rolecall: {}", printable(message));
        }
    }
}

/// `text` as one line a terminal shows literally: control characters (a newline in a profile
/// name, an escape sequence in a config value) are written as escapes, so a message stays one
/// line and nothing from a config file can drive the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    // Control characters, and the bidirectional controls that reorder what a terminal shows.
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("profile \"prod\""), "profile \"prod\"");
        assert_eq!(printable("a\nb\x1b[2Jc\u{7f}é"), "a\\nb\\u{1b}[2Jc\\u{7f}é");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
    }
}
