//! Rotating a profile's long-term access key (`rolecall keys rotate`): a new key for the key's
//! own IAM user, checked with STS, stored where the old one was, then the old one deleted.
//! Every failure leaves a working key stored and says what state IAM is in.

use std::time::Duration;

use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::plan::{Plan, Source, StsEndpoint};
use crate::domain::{key_hint, printable, Credentials};
use crate::execute::{execute, forget, Deps, ExecuteError, MfaToken};
use crate::ports::iam::Iam;
use crate::ports::keys::{KeyFileError, KeyFiles};
use crate::ports::sts::StsError;
use crate::printer::Printer;

/// How long to wait before each try of the new key (seconds): about a minute in all, as IAM
/// takes a few seconds to make a new key usable everywhere.
const CHECK_WAITS: [u64; 8] = [0, 1, 2, 3, 5, 8, 13, 21];

/// The ports a rotation acts through.
#[derive(Clone, Copy)]
pub struct RotateDeps<'a> {
    /// STS, the keychain of keys, the session store and the clock (and the MFA session's walk).
    pub walk: Deps<'a>,
    pub iam: &'a dyn Iam,
    pub files: &'a dyn KeyFiles,
}

/// What to rotate.
pub struct Rotation<'p> {
    pub profile: &'p str,
    /// The profile's plan with `--no-session`: its source must be the profile's own keys.
    pub keys_plan: &'p Plan,
    /// With `mfa_serial`: the plan of the profile's MFA session, which then makes every IAM
    /// call (one code for the whole rotation).
    pub mfa_plan: Option<&'p Plan>,
    pub mfa_token: &'p MfaToken,
    pub iam: &'p StsEndpoint,
    /// Every profile's plan: the sessions of the chains on the old key are forgotten.
    pub chains: &'p [Plan],
}

/// A rotation that went through.
pub struct Rotated {
    pub user: String,
    pub old_hint: String,
    pub new_hint: String,
    /// Where the new key is: the keychain, or the file's path.
    pub place: String,
    /// Other hard links of that file, which still hold the old key.
    pub other_links: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// The profile has no long-term keys of its own, or they are not an IAM user's.
    #[error("{0}")]
    NotKeys(String),
    /// The keys could not be read, stored or rotated; the line says what state things are in.
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Execute(#[from] ExecuteError),
}

impl From<StsError> for RotateError {
    fn from(e: StsError) -> Self {
        RotateError::Execute(ExecuteError::Sts(e))
    }
}

/// Where the profile's keys live.
enum Home {
    Keychain,
    File,
}

/// Rotates the profile's key; see the module's comment for the order of things.
pub fn rotate(d: RotateDeps, r: &Rotation, out: &mut Printer) -> Result<Rotated, RotateError> {
    let shown = printable(r.profile).into_owned();
    let (old, home) = current_keys(d, r)?;
    let endpoint = &r.keys_plan.endpoint;
    let arn = d
        .walk
        .sts
        .get_caller_identity(endpoint, &old)
        .map_err(|e| {
            e.with_target(format!(
                "the keys of profile \"{shown}\" ({})",
                old.key_hint()
            ))
        })?;
    let user = user_of(&arn).ok_or_else(|| {
        RotateError::NotKeys(format!(
            "the keys of profile \"{shown}\" belong to {arn}, not an IAM user; rotate them in the IAM console"
        ))
    })?;
    let mfa_session = match r.mfa_plan {
        Some(plan) => Some(mfa_session(d, plan, r.mfa_token, out)?),
        None => None,
    };
    let caller = mfa_session.as_ref().unwrap_or(&old);
    out.verbose(&format!(
        "IAM user {user}; IAM at {}",
        r.iam
            .url
            .as_deref()
            .map(crate::domain::text::redact_url)
            .unwrap_or_else(|| "its default endpoint".into())
    ));
    let new = create(d, r.iam, caller, &user)?;
    let (old_hint, new_hint) = (old.key_hint(), new.key_hint());
    // The new key is checked before it replaces the old one: until it works, the old key
    // stays where it was, so an interruption here (Ctrl-C) leaves a working key in place.
    out.note(&format!(
        "checking the new key {new_hint} with STS (IAM can take up to a minute to make a new key usable); {old_hint} stays in place until it works"
    ));
    if let Err(why) = check(d, endpoint, &new, out) {
        return Err(undo(d, r, &user, caller, (&old, &new), &why));
    }
    let stored = store(d, &home, r.profile, &new, &old);
    if let Err(e) = &stored {
        let cleanup = match d.iam.delete_access_key(r.iam, caller, &user, &new.access_key_id) {
            Ok(()) => "the new key was deleted again; the old key stays in use".to_string(),
            Err(d) => format!(
                "the new key ({new_hint}) still exists in IAM and could not be deleted ({d}): delete it in the IAM console; the old key stays in use"
            ),
        };
        return Err(RotateError::Failed(format!(
            "could not store the new key of profile \"{shown}\": {e}; {cleanup}"
        )));
    }
    let other_links = stored.unwrap_or(0);
    // The old key goes, with the new one (or with the MFA session, which IAM may require).
    let deleter = mfa_session.as_ref().unwrap_or(&new);
    let deleted = d
        .iam
        .delete_access_key(r.iam, deleter, &user, &old.access_key_id);
    let rooted = forget::keys_of(r.profile);
    forget::forget_rooted(d.walk.store, r.chains, &rooted, "the old key", out);
    if let Err(e) = deleted {
        return Err(RotateError::Failed(format!(
            "the new key {new_hint} of profile \"{shown}\" is stored and works, but deleting the old key {old_hint} failed: {e}; delete it in the IAM console (user {user}, the access key ending {}) or with aws iam delete-access-key --user-name {user} --access-key-id <that key>",
            last_four(&old.access_key_id)
        )));
    }
    let place = match home {
        Home::Keychain => "the keychain".to_string(),
        Home::File => d
            .files
            .locate(r.profile)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "the credentials file".into()),
    };
    Ok(Rotated {
        user,
        old_hint,
        new_hint,
        place,
        other_links,
    })
}

/// The profile's own long-term keys and where they live; anything else is refused.
fn current_keys(d: RotateDeps, r: &Rotation) -> Result<(Credentials, Home), RotateError> {
    let (name, plan) = (r.profile, r.keys_plan);
    let shown = printable(name);
    match &plan.source {
        Source::Stored { profile, .. } if profile == name && plan.steps.is_empty() => {
            let old = d
                .walk
                .keys
                .get(name)
                .map_err(|e| {
                    RotateError::Failed(format!("cannot read the keys of profile \"{shown}\": {e}"))
                })?
                .ok_or_else(|| ExecuteError::KeysMissing(name.to_string()))?;
            Ok((old, Home::Keychain))
        }
        Source::Static {
            profile,
            credentials,
        } if profile == name && plan.steps.is_empty() && credentials.session_token.is_none() => {
            d.files.locate(name).map_err(|e| match e {
                KeyFileError::Placement(m) => RotateError::NotKeys(m),
                KeyFileError::File(m) => RotateError::Failed(m),
            })?;
            Ok((credentials.clone(), Home::File))
        }
        other => {
            let hint = match other {
                Source::Stored { profile, .. } | Source::Static { profile, .. }
                    if profile != name =>
                {
                    format!(
                        "; its keys are those of profile \"{}\": rotate that one",
                        printable(profile)
                    )
                }
                _ => String::new(),
            };
            Err(RotateError::NotKeys(format!(
                "profile \"{shown}\" is not a profile of long-term access keys (its credentials come from {}){hint}",
                other.describe()
            )))
        }
    }
}

/// A new key for the user, unless it has the two IAM allows already.
fn create(
    d: RotateDeps,
    iam: &StsEndpoint,
    caller: &Credentials,
    user: &str,
) -> Result<Credentials, RotateError> {
    let existing = d.iam.list_access_keys(iam, caller, user)?;
    if existing.len() >= 2 {
        let others: Vec<String> = existing.iter().map(|k| key_hint(k)).collect();
        return Err(RotateError::Failed(format!(
            "IAM user {user} already has two access keys ({}), the most IAM allows, so no new one can be made; delete the one not in use (aws iam delete-access-key --user-name {user} --access-key-id ID) and run again; nothing was changed",
            others.join(", ")
        )));
    }
    Ok(d.iam
        .create_access_key(iam, caller, user)
        .map_err(|e| e.with_target(format!("IAM user {user} (nothing was changed)")))?)
}

/// Tries the new key until it works or about a minute has passed, saying on stderr how it
/// goes after each refused try; the last error.
fn check(
    d: RotateDeps,
    endpoint: &StsEndpoint,
    new: &Credentials,
    out: &mut Printer,
) -> Result<(), String> {
    let mut why = String::new();
    for (n, wait) in CHECK_WAITS.iter().enumerate() {
        if n > 0 {
            out.note(&format!(
                "the new key is not usable yet (try {n} of {}); trying again in {wait} s",
                CHECK_WAITS.len()
            ));
        }
        d.walk.clock.sleep(Duration::from_secs(*wait));
        match d.walk.sts.get_caller_identity(endpoint, new) {
            Ok(_) => return Ok(()),
            Err(e) => why = e.to_string(),
        }
    }
    Err(why)
}

/// The new key never worked: it is deleted; the old one never left its place.
fn undo(
    d: RotateDeps,
    r: &Rotation,
    user: &str,
    caller: &Credentials,
    (old, new): (&Credentials, &Credentials),
    why: &str,
) -> RotateError {
    let (old_hint, new_hint) = (old.key_hint(), new.key_hint());
    let deleted = d
        .iam
        .delete_access_key(r.iam, caller, user, &new.access_key_id);
    RotateError::Failed(match deleted {
        Ok(()) => format!(
            "the new key {new_hint} did not work within a minute ({why}); it was deleted and the old key {old_hint} stays in use: run rotate again later"
        ),
        Err(d) => format!(
            "the new key {new_hint} did not work within a minute ({why}); the old key {old_hint} stays in use, but deleting the new one failed ({d}): delete it in the IAM console"
        ),
    })
}

fn last_four(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// `arn:aws:iam::ACCOUNT:user/PATH/NAME` → NAME.
fn user_of(arn: &str) -> Option<String> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// Puts `new` where the profile's keys live; `old` is what is there now. How many other
/// hard links of the file still hold the old key.
fn store(
    d: RotateDeps,
    home: &Home,
    name: &str,
    new: &Credentials,
    old: &Credentials,
) -> Result<u64, String> {
    match home {
        Home::Keychain => d
            .walk
            .keys
            .put(name, new)
            .map(|()| 0)
            .map_err(|e| e.to_string()),
        Home::File => d
            .files
            .replace(name, old, new)
            .map(|done| done.other_links)
            .map_err(|e| e.to_string()),
    }
}

/// The profile's MFA session (GetSessionToken with a code), never cached: it belongs to the
/// key being replaced.
fn mfa_session(
    d: RotateDeps,
    plan: &Plan,
    token: &MfaToken,
    out: &mut Printer,
) -> Result<Credentials, ExecuteError> {
    let policy = CachePolicy {
        mode: CacheMode::Bypass,
        refresh_window: None,
    };
    execute(plan, d.walk, out, policy, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_from_arns() {
        assert_eq!(
            user_of("arn:aws:iam::123456789012:user/maria").as_deref(),
            Some("maria")
        );
        assert_eq!(
            user_of("arn:aws:iam::123456789012:user/dev/ops/maria").as_deref(),
            Some("maria")
        );
        assert_eq!(user_of("arn:aws:iam::123456789012:root"), None);
        assert_eq!(user_of("arn:aws:sts::123456789012:assumed-role/r/s"), None);
        assert_eq!(last_four("AKIAIOSFODNN7EXAMPLE"), "MPLE");
    }
}
