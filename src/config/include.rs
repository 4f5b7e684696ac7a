//! aws-vault's `include_profile = NAME`: the named profile's config-file keys, under the
//! including profile's own (its own keys win). Includes nest; a cycle or a missing profile is
//! that profile's configuration error, not the whole file's.

use std::collections::HashMap;

use crate::domain::vars::FnvMap;

use super::{Name, RawProfile};

/// The deepest include chain followed (far beyond any real configuration).
const MAX_DEPTH: usize = 32;

/// Why a profile's includes cannot be followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncludeProblem {
    /// The profile names, from the including one to the repeated one.
    Cycle(Vec<String>),
    /// A profile on the way names a profile that is not in the config file.
    Missing {
        profile: String,
        included: String,
    },
    TooDeep,
}

fn include_of(raw: &RawProfile) -> Option<&str> {
    raw.properties
        .iter()
        .rev()
        .find(|(k, _)| k == "include_profile")
        .map(|(_, p)| &*p.value)
        .filter(|v| !v.is_empty())
}

/// Merges every profile's includes in place (config-file profiles only: call it before the
/// credentials file is merged) and returns the profiles whose includes could not be followed.
pub fn merge(map: &mut FnvMap<Name, RawProfile>) -> HashMap<String, IncludeProblem> {
    let mut problems = HashMap::new();
    let mut merged = Vec::new();
    for (name, raw) in map.iter() {
        if include_of(raw).is_none() {
            continue;
        }
        match chain(map, name) {
            Ok(chain) => {
                // Deepest first, so that each profile's keys override the ones it includes.
                let properties = chain
                    .iter()
                    .rev()
                    .flat_map(|n| map[n.as_str()].properties.iter().cloned())
                    .collect();
                merged.push((name.clone(), properties));
            }
            Err(problem) => {
                problems.insert(name.to_string(), problem);
            }
        }
    }
    for (name, properties) in merged {
        if let Some(raw) = map.get_mut(&name) {
            raw.properties = properties;
        }
    }
    problems
}

/// `name` and the profiles it includes, nearest first.
fn chain(map: &FnvMap<Name, RawProfile>, name: &str) -> Result<Vec<String>, IncludeProblem> {
    let mut chain = vec![name.to_string()];
    let mut current = name;
    while let Some(next) = map.get(current).and_then(include_of) {
        if let Some(start) = chain.iter().position(|n| n == next) {
            let mut path = chain[start..].to_vec();
            path.push(next.to_string());
            return Err(IncludeProblem::Cycle(path));
        }
        if !map.get(next).is_some_and(|raw| raw.in_config) {
            return Err(IncludeProblem::Missing {
                profile: current.to_string(),
                included: next.to_string(),
            });
        }
        if chain.len() >= MAX_DEPTH {
            return Err(IncludeProblem::TooDeep);
        }
        chain.push(next.to_string());
        current = next;
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use crate::config::{ConfigError, Profiles};

    fn profiles(config: &str) -> Profiles {
        Profiles::from_strs(config, "").unwrap()
    }

    #[test]
    fn included_keys_are_under_the_profiles_own() {
        let p = profiles(
            "[profile base]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::1:mfa/me\n\
             [profile mid]\ninclude_profile = base\nregion = us-east-2\nsource_profile = keys\n\
             [profile top]\ninclude_profile = mid\nrole_arn = arn:aws:iam::1:role/r\n",
        );
        let top = p.get("top").unwrap();
        assert_eq!(top.get("region"), Some("us-east-2"));
        assert_eq!(top.get("mfa_serial"), Some("arn:aws:iam::1:mfa/me"));
        assert_eq!(top.get("source_profile"), Some("keys"));
        assert_eq!(top.get("role_arn"), Some("arn:aws:iam::1:role/r"));
        assert!(p.include_problem("top").is_ok());
        // The included profile itself is unchanged.
        assert_eq!(p.get("base").unwrap().get("source_profile"), None);
    }

    #[test]
    fn a_cycle_is_that_profiles_error_only() {
        let p = profiles(
            "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n\
             [profile ok]\nregion = eu-west-1\n[profile self]\ninclude_profile = self\n",
        );
        let err = p.include_problem("a").unwrap_err();
        assert!(matches!(&err, ConfigError::IncludeCycle { path } if path == &["a", "b", "a"]));
        assert!(err.to_string().contains("a -> b -> a"), "{err}");
        assert!(p.include_problem("self").is_err());
        assert!(p.include_problem("ok").is_ok());
    }

    #[test]
    fn a_missing_include_names_both_profiles() {
        let p = Profiles::from_strs(
            "[profile a]\ninclude_profile = creds-only\n",
            "[creds-only]\naws_access_key_id = AKIAEXAMPLE\n",
        )
        .unwrap();
        let err = p.include_problem("a").unwrap_err().to_string();
        assert!(
            err.contains("\"a\"") && err.contains("\"creds-only\""),
            "{err}"
        );
        // Keys from the credentials file are never pulled in by an include.
        assert_eq!(p.get("a").unwrap().get("aws_access_key_id"), None);
    }
}
