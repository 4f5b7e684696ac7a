//! PURE: every profile of the files checked, for `rolecall list`: its kind, where its keys
//! live, why it cannot work (if it cannot) and the state of the session a run would use.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{check, plan, Checked, Inputs};
use crate::config::{Profile, Profiles};
use crate::domain::freshness::SessionState;
use crate::domain::vars::FnvSet;

/// What a survey found out about one profile: the rest of what `list` shows is read from the
/// profile itself (10,000 profiles keep 80 bytes each, not their whole row).
#[cfg_attr(test, derive(Clone))]
pub struct Found<'a> {
    pub profile: Profile<'a>,
    /// Its kind (`role`, `sso`, `keys`, …).
    pub kind: &'static str,
    /// Why the profile cannot work, if it cannot (a cycle, a missing source, an invalid value).
    pub problem: Option<Box<str>>,
    pub state: SessionState,
    pub keys: Keys,
}

/// Where a profile's long-term keys live, if it has any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    None,
    /// The credentials file.
    File,
    /// rolecall's keychain.
    Keychain,
    /// rolecall's encrypted file store.
    FileStore,
}

impl Keys {
    /// As `list --json` and its source column name it.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Keys::None => None,
            Keys::File => Some("file"),
            Keys::Keychain => Some("keychain"),
            Keys::FileStore => Some("file-store"),
        }
    }

    /// In rolecall's keychain or file store, not the credentials file.
    pub fn stored(self) -> bool {
        matches!(self, Keys::Keychain | Keys::FileStore)
    }
}

impl<'a> Found<'a> {
    /// Where the profile's credentials come from: its stored keys' store, else what the
    /// profile names (a source profile, a start URL, …).
    pub fn source(&self) -> Option<Cow<'a, str>> {
        match self.keys.name() {
            Some(keys) if self.keys.stored() => Some(Cow::Borrowed(keys)),
            _ => self.profile.kind_and_source().1,
        }
    }

    /// The role: its ARN, or an SSO profile's account and role.
    pub fn role(&self) -> Option<Cow<'a, str>> {
        let p = self.profile;
        p.get("role_arn").map(Cow::Borrowed).or_else(|| {
            (self.kind == "sso").then(|| {
                Cow::Owned(format!(
                    "{}/{}",
                    p.get("sso_account_id").unwrap_or("?"),
                    p.get("sso_role_name").unwrap_or("?")
                ))
            })
        })
    }
}

/// Every profile of `profiles`, in their order, checked (a few microseconds each) so that a
/// broken one is marked. The session a run would use (the plan's last step's, or a cached
/// process result's) is looked up in `index` (cache key → expiry, Unix seconds), and only
/// the profiles in `indexed` (those with a session in the index) are planned to find it.
pub fn survey<'a>(
    profiles: &'a Profiles,
    inputs: &Inputs,
    index: &HashMap<String, i64>,
    indexed: &FnvSet<String>,
) -> Vec<Found<'a>> {
    let now = inputs.now;
    let checked = Checked::default();
    let checking = Inputs {
        checked: Some(&checked),
        ..*inputs
    };
    // Every name has its profile: room for all at once, not a doubling buffer of 10,000.
    let mut found = Vec::with_capacity(profiles.names().size_hint().0);
    let all = profiles
        .names()
        .filter_map(|name| profiles.get(name))
        .map(|p| {
            let keys = if inputs.stored_keys.key_id(p.name).is_some() {
                Keys::Keychain
            } else if p.get("aws_access_key_id").is_some() {
                Keys::File
            } else {
                Keys::None
            };
            // A profile with an indexed session is planned (for its session's key), any
            // other only checked: the verdict is the same.
            let (verdict, key) = match indexed.contains(p.name) {
                true => match plan(profiles, p.name, &checking) {
                    Ok(plan) => (Ok(()), plan.final_key().map(str::to_string)),
                    Err(e) => (Err(e), None),
                },
                false => (check(profiles, p.name, &checking), None),
            };
            let problem = verdict
                .err()
                .and_then(|e| e.profile_problem())
                .map(String::into_boxed_str);
            let state = key
                .map(|k| SessionState::of(index, &k, now))
                .unwrap_or(SessionState::None);
            Found {
                profile: p,
                kind: if keys.stored() {
                    "keys"
                } else {
                    p.kind_and_source().0
                },
                problem,
                state,
                keys,
            }
        });
    found.extend(all);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_kept_of_a_profile_is_small() {
        assert!(std::mem::size_of::<Found>() <= 80);
    }
}
