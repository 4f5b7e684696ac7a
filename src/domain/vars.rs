//! The environment, read once: a snapshot of the variables rolecall reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A snapshot of the environment variables rolecall reads. Built once in `main` from the
/// process environment, or from a list in tests, so that nothing else reads the environment.
/// The adapters share the one snapshot: a clone copies a pointer, not the environment.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    /// Sorted by the name's length, then the name; one entry per name. A look-up is a binary
    /// search, with no hashing, that compares the bytes of names of the same length only.
    map: Arc<Vec<(String, String)>>,
    /// Variables that are set but not valid UTF-8 (left out of `map`).
    not_utf8: Arc<Vec<String>>,
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
        vars.not_utf8 = Arc::new(not_utf8);
        if vars.non_empty("HOME").is_none() && vars.non_empty("USERPROFILE").is_none() {
            vars.or_insert("HOME", || {
                std::env::home_dir().and_then(|h| h.into_os_string().into_string().ok())
            });
        }
        vars
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut map: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        // The last of two values of one name wins, as when a map is filled in order.
        map.reverse();
        map.sort_by(|a, b| by_length(&a.0, &b.0));
        map.dedup_by(|later, kept| later.0 == kept.0);
        Self {
            map: Arc::new(map),
            not_utf8: Arc::default(),
        }
    }

    /// Marks `name` as set to something that is not UTF-8 (the testable twin of what
    /// `from_process` finds).
    #[cfg(test)]
    pub fn with_not_utf8(mut self, name: &str) -> Self {
        Arc::make_mut(&mut self.not_utf8).push(name.to_string());
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
        let at = self.position(name).ok()?;
        Some(self.map[at].1.as_str())
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
                let map = Arc::make_mut(&mut self.map);
                match map.binary_search_by(|(k, _)| by_length(k, name)) {
                    Ok(at) => map[at].1 = value,
                    Err(at) => map.insert(at, (name.to_string(), value)),
                }
            }
        }
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.map.binary_search_by(|(k, _)| by_length(k, name))
    }

    /// The login name, for the default role session name.
    pub fn user(&self) -> Option<&str> {
        self.non_empty("USER")
            .or_else(|| self.non_empty("LOGNAME"))
            .or_else(|| self.non_empty("USERNAME"))
    }
}

/// The order of the snapshot: shorter names first, then by bytes.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_value_of_a_name_wins_and_every_name_is_found() {
        let v = Vars::from_pairs([("B", "1"), ("A", "2"), ("B", "3"), ("C", ""), ("A", "4")]);
        assert_eq!(v.get("A"), Some("4"));
        assert_eq!(v.get("B"), Some("3"));
        assert_eq!(v.get("C"), Some(""));
        assert_eq!(v.non_empty("C"), None);
        assert_eq!(v.get("D"), None);
        assert_eq!(v.iter().count(), 3);
    }

    #[test]
    fn or_insert_fills_only_an_unset_or_empty_name_and_leaves_clones_alone() {
        let mut v = Vars::from_pairs([("HOME", ""), ("USER", "maria")]);
        let before = v.clone();
        v.or_insert("HOME", || Some("/home/maria".into()));
        v.or_insert("USER", || Some("other".into()));
        v.or_insert("LOGNAME", || Some("maria".into()));
        v.or_insert("SHELL", || None);
        assert_eq!(v.get("HOME"), Some("/home/maria"));
        assert_eq!(v.get("USER"), Some("maria"));
        assert_eq!(v.get("LOGNAME"), Some("maria"));
        assert_eq!(v.get("SHELL"), None);
        assert_eq!(before.get("HOME"), Some(""));
        assert_eq!(before.get("LOGNAME"), None);
    }
}
