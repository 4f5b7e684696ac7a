//! The environment, read once: a snapshot of the variables rolecall reads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A snapshot of the environment variables rolecall reads. Built once in `main` from the
/// process environment, or from a list in tests, so that nothing else reads the environment.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: HashMap<String, String>,
    /// Variables that are set but not valid UTF-8 (left out of `map`).
    not_utf8: Vec<String>,
}

impl Vars {
    /// The process environment (variables that are not valid UTF-8 are left out). Without a
    /// usable `HOME`, the home directory comes from the system's user database, as the AWS
    /// CLI finds it, never from the current directory.
    pub fn from_process() -> Self {
        let mut not_utf8 = Vec::new();
        let mut vars = Self::from_pairs(std::env::vars_os().filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            match v.into_string() {
                Ok(v) => Some((k, v)),
                Err(_) => {
                    not_utf8.push(k);
                    None
                }
            }
        }));
        vars.not_utf8 = not_utf8;
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
            not_utf8: Vec::new(),
        }
    }

    /// Marks `name` as set to something that is not UTF-8 (the testable twin of what
    /// `from_process` finds).
    #[cfg(test)]
    pub fn with_not_utf8(mut self, name: &str) -> Self {
        self.not_utf8.push(name.to_string());
        self
    }

    /// Whether `name` is set to something that is not valid UTF-8: for a path or a profile
    /// name that is an error, never a silent fall-back to the default.
    pub fn is_not_utf8(&self, name: &str) -> bool {
        self.not_utf8.iter().any(|n| n == name)
    }

    /// Every variable, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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

    /// `name` set to `value` when it is not set (or empty) already.
    pub fn or_insert(&mut self, name: &str, value: impl FnOnce() -> Option<String>) {
        if self.non_empty(name).is_none() {
            if let Some(value) = value() {
                self.map.insert(name.to_string(), value);
            }
        }
    }

    /// The login name, for the default role session name.
    pub fn user(&self) -> Option<&str> {
        self.non_empty("USER")
            .or_else(|| self.non_empty("LOGNAME"))
            .or_else(|| self.non_empty("USERNAME"))
    }
}
