//! `rolecall keys rotate PROFILE`: a new access key for the key's own IAM user, stored where
//! the old one was, checked, then the old one deleted. Every failure leaves a working key
//! stored and says what state IAM is in.

use super::keys::{file_of, forget_sessions};
use super::obtain::inputs;
use super::Context;
use crate::adapters::files;
use crate::cli::KeysRotateArgs;
use crate::config::edit;
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::plan::Source;
use crate::domain::{key_hint, printable, Credentials, Outcome};
use crate::error::Error;
use crate::execute::{execute, ExecuteError, MfaToken};
use crate::plan::{iam_endpoint, plan, Overrides};
use crate::ports::sts::StsError;

/// How many times a new key is tried before rotation gives up on IAM's propagation, and the
/// wait before each try (seconds): about a minute in all.
const CHECK_WAITS: [u64; 8] = [0, 1, 2, 3, 5, 8, 13, 21];

/// Where the profile's keys live.
enum Home {
    Keychain,
    File(std::path::PathBuf, edit::Where),
}

fn sts(e: StsError) -> Error {
    Error::Execute(ExecuteError::Sts(e))
}

pub fn run(args: KeysRotateArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let name = args.profile.as_str();
    let shown = printable(name).into_owned();
    let profiles = ctx.profiles()?;
    let raw = Overrides {
        no_session: true,
        ..Overrides::default()
    };
    let keys_plan = plan(&profiles, name, &inputs(ctx, &raw))?;
    let (old, home) = match &keys_plan.source {
        Source::Stored { profile, .. } if profile == name && keys_plan.steps.is_empty() => {
            let old = ctx
                .keys
                .get(name)
                .map_err(|e| {
                    Error::Keys(format!("cannot read the keys of profile \"{shown}\": {e}"))
                })?
                .ok_or_else(|| Error::Execute(ExecuteError::KeysMissing(name.to_string())))?;
            (old, Home::Keychain)
        }
        Source::Static {
            profile,
            credentials,
        } if profile == name
            && keys_plan.steps.is_empty()
            && credentials.session_token.is_none() =>
        {
            let (path, kind) = file_of(&profiles, name)?;
            (credentials.clone(), Home::File(path, kind))
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
            return Err(Error::KeysConfig(format!(
                "profile \"{shown}\" is not a profile of long-term access keys (its credentials come from {}){hint}",
                other.describe()
            )));
        }
    };
    let endpoint = keys_plan.endpoint.clone();
    let profile_ref = profiles.get(name);
    let iam = iam_endpoint(&profiles, profile_ref, ctx.vars, &endpoint.region);
    // The new secret comes back in IAM's answer: never over plain http:// to another host.
    let allow = ctx.settings.allow_http;
    crate::plan::check_endpoint("IAM", "IAM", iam.url.as_deref(), allow)?;
    crate::plan::check_endpoint("STS", "STS", endpoint.url.as_deref(), allow)?;
    let arn = ctx.sts.get_caller_identity(&endpoint, &old).map_err(|e| {
        sts(e.with_target(format!(
            "the keys of profile \"{shown}\" ({})",
            old.key_hint()
        )))
    })?;
    let user = user_of(&arn).ok_or_else(|| {
        Error::KeysConfig(format!(
            "the keys of profile \"{shown}\" belong to {arn}, not an IAM user; rotate them in the IAM console"
        ))
    })?;
    // With mfa_serial, one MFA session carries every IAM call (one code for the rotation).
    let mfa_session = match profiles.get(name).and_then(|p| p.get("mfa_serial")) {
        Some(_) => Some(mfa_session(name, &args, ctx)?),
        None => None,
    };
    let caller = mfa_session.as_ref().unwrap_or(&old);
    ctx.verbose(&format!(
        "IAM user {user}; IAM at {}",
        iam.url
            .as_deref()
            .map(crate::domain::text::redact_url)
            .unwrap_or_else(|| "its default endpoint".into())
    ));
    let existing = ctx.iam.list_access_keys(&iam, caller, &user).map_err(sts)?;
    if existing.len() >= 2 {
        let others: Vec<String> = existing.iter().map(|k| key_hint(k)).collect();
        return Err(Error::Keys(format!(
            "IAM user {user} already has two access keys ({}), the most IAM allows, so no new one can be made; delete the one not in use (aws iam delete-access-key --user-name {user} --access-key-id ID) and run again; nothing was changed",
            others.join(", ")
        )));
    }
    let new = ctx
        .iam
        .create_access_key(&iam, caller, &user)
        .map_err(|e| sts(e.with_target(format!("IAM user {user} (nothing was changed)"))))?;
    let (old_hint, new_hint) = (old.key_hint(), new.key_hint());
    // Store the new key where the old one was.
    if let Err(e) = store(&home, name, &new, &old, ctx) {
        let cleanup = match ctx.iam.delete_access_key(&iam, caller, &user, &new.access_key_id) {
            Ok(()) => "the new key was deleted again; the old key stays in use".to_string(),
            Err(d) => format!(
                "the new key ({new_hint}) still exists in IAM and could not be deleted ({d}): delete it in the IAM console; the old key stays in use"
            ),
        };
        return Err(Error::Keys(format!(
            "could not store the new key of profile \"{shown}\": {e}; {cleanup}"
        )));
    }
    // IAM takes a few seconds to make a new key usable everywhere.
    let mut works = Err(None);
    for wait in CHECK_WAITS {
        std::thread::sleep(std::time::Duration::from_secs(wait));
        match ctx.sts.get_caller_identity(&endpoint, &new) {
            Ok(_) => {
                works = Ok(());
                break;
            }
            Err(e) => works = Err(Some(e)),
        }
    }
    if let Err(e) = works {
        let restored = store(&home, name, &old, &new, ctx);
        let deleted = ctx
            .iam
            .delete_access_key(&iam, caller, &user, &new.access_key_id);
        let why = e.map(|e| e.to_string()).unwrap_or_default();
        return Err(Error::Keys(match (restored, deleted) {
            (Ok(()), Ok(())) => format!(
                "the new key {new_hint} did not work within a minute ({why}); it was deleted and the old key {old_hint} is stored again: run rotate again later"
            ),
            (Ok(()), Err(d)) => format!(
                "the new key {new_hint} did not work within a minute ({why}); the old key {old_hint} is stored again, but deleting the new one failed ({d}): delete it in the IAM console"
            ),
            (Err(r), _) => format!(
                "the new key {new_hint} did not work within a minute ({why}) and the old key {old_hint} could not be stored again ({r}); both keys still exist in IAM and the new one is stored: run rotate again later"
            ),
        }));
    }
    // The old key goes, with the new one (or with the MFA session, which IAM may require).
    let deleter = mfa_session.as_ref().unwrap_or(&new);
    let deleted = ctx
        .iam
        .delete_access_key(&iam, deleter, &user, &old.access_key_id);
    forget_sessions(ctx, &profiles, name);
    if let Err(e) = deleted {
        return Err(Error::Keys(format!(
            "the new key {new_hint} of profile \"{shown}\" is stored and works, but deleting the old key {old_hint} failed: {e}; delete it in the IAM console (user {user}, the access key ending {}) or with aws iam delete-access-key --user-name {user} --access-key-id <that key>",
            last_four(&old.access_key_id)
        )));
    }
    let place = match &home {
        Home::Keychain => "the keychain".to_string(),
        Home::File(path, _) => path.display().to_string(),
    };
    ctx.note(&format!(
        "rotated the access key of profile \"{shown}\" (IAM user {user}): {new_hint} is stored in {place}, {old_hint} is deleted"
    ));
    Ok(Outcome::Done)
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

/// Puts `new` where the profile's keys live; `old` is what is there now (for the file edit).
fn store(
    home: &Home,
    name: &str,
    new: &Credentials,
    old: &Credentials,
    ctx: &Context,
) -> Result<(), String> {
    match home {
        Home::Keychain => ctx.keys.put(name, new).map_err(|e| e.to_string()),
        Home::File(path, kind) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if !text.contains(&old.access_key_id) {
                return Err(format!(
                    "{} no longer holds the key {}",
                    path.display(),
                    old.key_hint()
                ));
            }
            let edited = edit::replace_keys(
                &text,
                name,
                *kind,
                &new.access_key_id,
                new.secret_access_key.expose(),
            )
            .map_err(|e| format!("cannot edit {}: {e}", path.display()))?
            .ok_or_else(|| format!("{} has no key lines for the profile", path.display()))?;
            files::replace(path, edited.as_bytes())
                .map_err(|e| format!("cannot rewrite {}: {e}", path.display()))?;
            // What the AWS CLI will now read for the profile must be the new key, whole.
            let reread = crate::config::Profiles::load(ctx.vars).ok();
            let now_used = reread.as_ref().and_then(|p| p.get(name)).map(|p| {
                (
                    p.get("aws_access_key_id") == Some(new.access_key_id.as_str()),
                    p.get("aws_secret_access_key") == Some(new.secret_access_key.expose()),
                )
            });
            if now_used != Some((true, true)) {
                let _ = files::replace(path, text.as_bytes());
                return Err(format!(
                    "{} did not give the new key back for the profile after the rewrite, so it was put back as it was",
                    path.display()
                ));
            }
            Ok(())
        }
    }
}

/// The profile's MFA session (GetSessionToken with a code), never cached: it belongs to the
/// key being replaced.
fn mfa_session(name: &str, args: &KeysRotateArgs, ctx: &mut Context) -> Result<Credentials, Error> {
    let profiles = ctx.profiles()?;
    let plan = plan(&profiles, name, &inputs(ctx, &Overrides::default()))?;
    let policy = CachePolicy {
        mode: CacheMode::Bypass,
        refresh_window: ctx.settings.refresh_window.clone()?,
    };
    let token = MfaToken::new(args.mfa_token.clone());
    let deps = ctx.deps();
    Ok(execute(&plan, deps, &mut ctx.err, policy, &token)?)
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

#[cfg(test)]
mod flows {
    use crate::error::Error;
    use crate::testing::World;

    #[test]
    fn rotation_of_file_keys_rewrites_the_file_and_deletes_the_old_key_with_the_new() {
        let w = World::new();
        let (outcome, stdout, stderr) = w.run(&["keys", "rotate", "default"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert!(stdout.is_empty());
        let calls = w.iam.calls.borrow().clone();
        assert_eq!(
            calls,
            [
                "ListAccessKeys by AKIAROOT",
                "CreateAccessKey by AKIAROOT",
                "DeleteAccessKey by AKIANEWKEY0000000000"
            ]
        );
        let text = std::fs::read_to_string(w.credentials_path()).unwrap();
        assert_eq!(
            text,
            "[default]\naws_access_key_id = AKIANEWKEY0000000000\naws_secret_access_key = new-secret\n"
        );
    }

    #[test]
    fn with_mfa_serial_one_mfa_session_carries_every_iam_call() {
        let w = World::new();
        w.write_config("[default]\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n");
        let (outcome, _, stderr) = w.run(&["keys", "rotate", "default", "--mfa-token", "123456"]);
        assert!(outcome.is_ok(), "{stderr}");
        let sts: Vec<(String, Option<String>)> = w
            .sts
            .calls
            .borrow()
            .iter()
            .filter(|c| c.op == "GetSessionToken")
            .map(|c| (c.caller.clone(), c.code.clone()))
            .collect();
        assert_eq!(
            sts,
            [("AKIAROOT".to_string(), Some("123456".to_string()))],
            "one code"
        );
        let iam = w.iam.calls.borrow().clone();
        assert_eq!(iam.len(), 3, "{iam:?}");
        assert!(
            iam.iter().all(|c| c.ends_with("by ASIA2")),
            "every IAM call with the MFA session: {iam:?}"
        );
    }

    #[test]
    fn a_failed_delete_keeps_the_new_key_and_names_the_old_one() {
        let mut w = World::new();
        w.iam.fail = Some("DeleteAccessKey");
        let (outcome, _, _) = w.run(&["keys", "rotate", "default"]);
        let e = outcome.unwrap_err();
        assert_eq!(e.exit_code(), 1);
        let text = e.to_string();
        assert!(
            text.contains("is stored and works") && text.contains("ending ROOT"),
            "{text}"
        );
        assert!(std::fs::read_to_string(w.credentials_path())
            .unwrap()
            .contains("AKIANEWKEY"));
    }

    #[test]
    fn two_keys_already_change_nothing_and_roles_are_refused() {
        let w = World::new();
        w.iam
            .keys
            .borrow_mut()
            .extend(["AKIAROOT".to_string(), "AKIAOTHER".to_string()]);
        let (outcome, _, _) = w.run(&["keys", "rotate", "default"]);
        let text = outcome.unwrap_err().to_string();
        assert!(
            text.contains("already has two access keys") && text.contains("nothing was changed"),
            "{text}"
        );
        assert!(!w
            .iam
            .calls
            .borrow()
            .iter()
            .any(|c| c.starts_with("CreateAccessKey")));
        let (outcome, _, _) = w.run(&["keys", "rotate", "a"]);
        assert!(matches!(outcome, Err(Error::KeysConfig(_))));
    }

    #[test]
    fn a_warm_run_never_reads_the_keychain_and_hands_out_a_session() {
        let mut w = World::new();
        w.keys = crate::testing::MemoryKeys::with("vault", "AKIAIOSFODNN7EXAMPLE", "s3cret");
        for _ in 0..3 {
            let (outcome, stdout, stderr) = w.run(&["export", "--format", "json", "vault"]);
            assert!(outcome.is_ok(), "{stderr}");
            assert!(
                stdout.contains("SessionToken") && !stdout.contains("s3cret"),
                "{stdout}"
            );
        }
        assert_eq!(w.keys.reads.get(), 1, "only the cold run read the secret");
        assert_eq!(w.calls(), 1, "one GetSessionToken");
        // A role on them: the keys are the chain's root.
        let (outcome, _, _) = w.run(&["export", "--no-session", "vault"]);
        assert!(outcome.is_ok());
        assert_eq!(w.keys.reads.get(), 2);
    }

    #[test]
    fn add_asks_on_the_terminal_and_import_undoes_a_failed_store() {
        let mut w = World::new();
        w.ask = crate::testing::ScriptedAsk::answers(&[
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG",
        ]);
        let (outcome, _, stderr) = w.run(&["keys", "add", "new"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert!(!stderr.contains("wJalr"), "{stderr}");
        assert_eq!(w.keys.keys.borrow()["new"].0, "AKIAIOSFODNN7EXAMPLE");
        let before =
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n";
        std::fs::write(w.credentials_path(), before).unwrap();
        w.keys.fail_put = true;
        let e = w.run(&["keys", "import", "default"]).0.unwrap_err();
        assert!(e.to_string().contains("were not imported"), "{e}");
        assert_eq!(
            std::fs::read_to_string(w.credentials_path()).unwrap(),
            before
        );
    }
}
