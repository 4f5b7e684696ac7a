//! Reading `~/.aws/config` and `~/.aws/credentials` into profiles, and planning from them.

pub mod edit;
mod error;
pub mod file;
mod include;
mod key;
pub mod keys;
mod load;
pub mod profile;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::domain::vars::FnvMap;
use crate::domain::Vars;
pub use error::ConfigError;
pub use file::{ParseError, Property, Section};
pub use include::IncludeProblem;
pub use profile::Profile;

/// Which of the two shared files a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Config => "config",
            FileKind::Credentials => "credentials",
        })
    }
}

/// One profile's merged properties: the config file's, overridden key by key by the
/// credentials file's (the AWS CLI's precedence).
#[derive(Clone, Debug, Default)]
pub struct RawProfile {
    /// In file order, config before credentials: the last value of a key wins. A profile
    /// has a handful of keys, so a scan beats hashing (and allocates once).
    pub properties: Vec<(file::Key, Property)>,
    pub in_config: bool,
    pub in_credentials: bool,
}

impl RawProfile {
    /// A config file section of this profile: its values after (and over) the earlier ones.
    fn merge(&mut self, section: Section) {
        self.in_config = true;
        if self.properties.is_empty() {
            self.properties = section.properties; // the first section of the name
        } else {
            self.properties.extend(section.properties);
        }
    }
}

/// A profile's name, shared by the map of profiles and their order.
type Name = Arc<str>;

/// All profiles of both files, in the order they first appear (config first).
#[derive(Clone, Debug, Default)]
pub struct Profiles {
    order: Vec<Name>,
    map: FnvMap<Name, RawProfile>,
    /// `[services NAME]` sections of the config file (endpoint overrides).
    services: HashMap<String, Section>,
    /// `[sso-session NAME]` sections of the config file.
    sso_sessions: HashMap<String, Section>,
    /// Profiles whose `include_profile` chain cannot be followed.
    includes: HashMap<String, IncludeProblem>,
    pub config_path: PathBuf,
    pub credentials_path: PathBuf,
    /// Neither file exists (a machine without `~/.aws`).
    pub no_files: bool,
}

impl Profiles {
    /// The config and credentials files' paths, as [`Profiles::load`] finds them.
    pub fn paths(vars: &Vars) -> (PathBuf, PathBuf) {
        (
            file_path(vars, FileKind::Config).0,
            file_path(vars, FileKind::Credentials).0,
        )
    }

    /// Profiles that exist only as keys in the keychain (`rolecall keys add NAME` with no
    /// section in either file): empty profiles after those of the files.
    pub fn add_stored<'n>(&mut self, names: impl Iterator<Item = &'n str>) {
        for name in names {
            self.entry(name);
            self.no_files = false;
        }
    }

    pub fn get(&self, name: &str) -> Option<Profile<'_>> {
        self.map
            .get_key_value(name)
            .map(|(n, raw)| Profile::new(n, raw))
    }

    /// Whether `name`'s `include_profile` chain could be followed.
    pub fn include_problem(&self, name: &str) -> Result<(), ConfigError> {
        if self.includes.is_empty() {
            return Ok(()); // most files: no look-up for each profile of each plan
        }
        match self.includes.get(name) {
            None => Ok(()),
            Some(IncludeProblem::Cycle(path)) => {
                Err(ConfigError::IncludeCycle { path: path.clone() })
            }
            Some(IncludeProblem::Missing { profile, included }) => {
                Err(ConfigError::IncludeNotFound {
                    profile: profile.clone(),
                    included: included.clone(),
                    config: self.config_path.display().to_string(),
                })
            }
            Some(IncludeProblem::TooDeep) => Err(ConfigError::IncludeTooDeep(name.to_string())),
        }
    }

    /// Profile names in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|n| &**n)
    }

    /// The `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// Every `[sso-session NAME]` name, sorted.
    pub fn sso_session_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.sso_sessions.keys().map(String::as_str).collect();
        names.sort();
        names
    }

    /// The `[services NAME]` section a profile's `services = NAME` points at.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// The error for a profile name that is not in either file, with the nearest names.
    pub fn not_found(&self, name: &str) -> ConfigError {
        self.not_found_from(name, "")
    }

    /// [`Profiles::not_found`] for a name that came from `from` (`AWS_PROFILE`), or the error
    /// that there are no files at all.
    pub fn not_found_from(&self, name: &str, from: &str) -> ConfigError {
        if self.no_files {
            return self.no_files_error();
        }
        let near: Vec<String> = self
            .nearest(name)
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect();
        ConfigError::ProfileNotFound {
            name: name.to_string(),
            from: if from.is_empty() {
                String::new()
            } else {
                format!(" (from {from})")
            },
            config: self.config_path.display().to_string(),
            credentials: self.credentials_path.display().to_string(),
            hint: if near.is_empty() {
                "; run \"rolecall list\" to see the profiles".to_string()
            } else {
                format!("; did you mean {}?", near.join(" or "))
            },
        }
    }

    /// The error for a machine with neither file.
    pub fn no_files_error(&self) -> ConfigError {
        ConfigError::NoFiles {
            config: self.config_path.display().to_string(),
            credentials: self.credentials_path.display().to_string(),
        }
    }

    /// Up to three profile names close to `name`, for "did you mean" hints.
    pub fn nearest(&self, name: &str) -> Vec<&str> {
        let wanted = name.to_lowercase();
        let chars = name.chars().count();
        let limit = |n: usize| (chars.max(n) / 3).max(1);
        let mut scored: Vec<(usize, &str)> = self
            .names()
            .filter_map(|n| {
                if n.contains(name) {
                    return Some((0, n));
                }
                // The distance is at least the difference in length: skip the costly part
                // when that alone is too far (a pasted blob, a 10,000-profile config).
                let n_chars = n.chars().count();
                if n_chars.abs_diff(chars) > limit(n_chars) {
                    return None;
                }
                let d = edit_distance(&n.to_lowercase(), &wanted);
                (d <= limit(n_chars)).then_some((d, n))
            })
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }
}

/// `default` and `profile NAME` name profiles in the config file; other sections do not. As
/// in the AWS CLI, a header that splits into two shell words names the second one
/// (`[profile "my name"]` is `my name`); any other `profile …` header names everything after
/// `profile `, so a name with quotes and spaces stays usable.
fn config_profile_name(header: &str) -> Option<Cow<'_, str>> {
    if header == "default" {
        return Some(Cow::Borrowed(header));
    }
    let rest = header.strip_prefix("profile")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    // A plain name (no quotes, backslashes or inner blanks) is one word either way.
    let plain = rest.trim();
    let special = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\');
    // An ASCII name tested a byte at a time, without decoding (10,000 headers in a big file).
    let word = match plain.is_ascii() {
        true => !plain.bytes().any(|b| special(char::from(b))),
        false => !plain.contains(special),
    };
    if !plain.is_empty() && word {
        return Some(Cow::Borrowed(plain));
    }
    // The shlex crate reads `#` as a comment, Python's shlex (the AWS CLI's) does not: a
    // header with `#` keeps its text.
    let words = (!header.contains('#'))
        .then(|| shlex::split(header))
        .flatten();
    if let Some([word, name]) = words.as_deref() {
        if word == "profile" {
            return (!name.is_empty()).then(|| Cow::Owned(name.clone()));
        }
    }
    Some(Cow::Borrowed(rest.trim())).filter(|n| !n.is_empty())
}

impl FileKind {
    /// The variable that names this file, and its default name under `~/.aws`.
    fn variable(self) -> (&'static str, &'static str) {
        match self {
            FileKind::Config => ("AWS_CONFIG_FILE", "config"),
            FileKind::Credentials => ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }
}

/// The file's path, and the variable it came from (`None`: the default under `~/.aws`).
fn file_path(vars: &Vars, kind: FileKind) -> (PathBuf, Option<&'static str>) {
    let (variable, default_name) = kind.variable();
    match vars.get(variable).filter(|v| !v.is_empty()) {
        Some(path) => (vars.expand_home(path), Some(variable)),
        None => (vars.home().join(".aws").join(default_name), None),
    }
}

/// The candidate closest to `word` (case and a third of its letters aside), for "did you
/// mean" hints on values that have a fixed set of spellings.
pub fn nearest_word<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

/// Edit distance, for profile-name suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    // Optimal string alignment: Levenshtein, plus a swap of two neighbours as one edit (the
    // commonest typo, "prdo" for "prod").
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_header_names_what_the_aws_cli_reads() {
        for (header, name) in [
            ("default", Some("default")),
            ("profile prod", Some("prod")),
            ("profile   prod  ", Some("prod")),
            ("profile\tprod", Some("prod")),
            ("profile \"my name\"", Some("my name")),
            ("profile 'x y'", Some("x y")),
            ("profile a b", Some("a b")),
            ("profile a#b", Some("a#b")),
            ("profile \"a#b c\"", Some("\"a#b c\"")),
            ("profile", None),
            ("profileprod", None),
            ("prod", None),
        ] {
            assert_eq!(config_profile_name(header).as_deref(), name, "{header}");
        }
    }

    #[test]
    fn nearest_words() {
        let known = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];
        assert_eq!(
            nearest_word("Ec2InstanceMetdata", &known),
            Some("Ec2InstanceMetadata")
        );
        assert_eq!(nearest_word("environment", &known), Some("Environment"));
        assert_eq!(nearest_word("ecscontainr", &known), Some("EcsContainer"));
        assert_eq!(nearest_word("Lambda", &known), None);
    }

    #[test]
    fn profile_headers_that_are_two_shell_words_are_unquoted() {
        let config = "[ profile   y ]\n[profile \"my name\"]\n[profile 'q']\n[profile we'ird \"name\" x]\n[profile]\n[profiles x]\n[profile y #old]\n[default]\n";
        let p = Profiles::from_strs(config, "[cred  name]\n").unwrap();
        assert_eq!(
            p.names().collect::<Vec<_>>(),
            vec![
                "y",
                "my name",
                "q",
                "we'ird \"name\" x",
                "y #old",
                "default",
                "cred  name"
            ]
        );
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("prdo", "prod"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("prod", "prod"), 0);
        let p = Profiles::from_strs("[profile prod]\n[profile dev]\n", "").unwrap();
        assert_eq!(p.nearest("prdo"), vec!["prod"]);
    }

    #[test]
    fn merges_config_and_credentials_with_credentials_winning() {
        let config = "[default]\nregion = us-east-1\n[profile prod]\nrole_arn = arn:aws:iam::1:role/p\nsource_profile = default\nregion = eu-west-1\n[sso-session s]\nx = 1\n[other]\ny = 2\n";
        let creds = "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s\nregion = ap-south-1\n[ci]\naws_access_key_id = AKIA2\naws_secret_access_key = t\n";
        let p = Profiles::from_strs(config, creds).unwrap();
        assert_eq!(p.names().collect::<Vec<_>>(), vec!["default", "prod", "ci"]);
        let d = p.get("default").unwrap();
        assert_eq!(d.get("region"), Some("ap-south-1"));
        assert_eq!(d.get("aws_access_key_id"), Some("AKIA1"));
        assert!(p.get("other").is_none());
        assert!(p.get("s").is_none());
    }

    #[test]
    fn profile_default_wins_over_default() {
        let p = Profiles::from_strs("[profile default]\nregion = a\n[default]\nregion = b\n", "")
            .unwrap();
        assert_eq!(p.get("default").unwrap().get("region"), Some("a"));
        assert_eq!(p.names().count(), 1);
    }

    #[test]
    fn profile_prefix_in_credentials_is_literal() {
        let p = Profiles::from_strs("", "[profile x]\naws_access_key_id = A\n").unwrap();
        assert!(p.get("x").is_none());
        assert!(p.get("profile x").is_some());
    }

    #[test]
    fn nearest_names() {
        let p =
            Profiles::from_strs("[profile prod]\n[profile prod-eu]\n[profile dev]\n", "").unwrap();
        assert_eq!(p.nearest("prd"), vec!["prod"]);
        assert!(p.nearest("zzzzzz").is_empty());
    }
}
