//! Moving long-term keys, SSO sign-ins and AWS sign-ins between the durable stores (`rolecall keys migrate
//! --to file|secret-service`): each key is written to the new store and read back from it
//! before the old copy is deleted, so a failure at any point leaves a working copy.

use crate::domain::login::LoginSession;
use crate::domain::printable;
use crate::domain::sso::SsoSession;
use crate::ports::keys::KeyStore;
use crate::ports::login::{LoginFiles, Place};
use crate::ports::sso::SsoTokens;

/// The two stores.
pub struct MigrateDeps<'a> {
    pub from: &'a dyn KeyStore,
    pub to: &'a dyn KeyStore,
    pub from_tokens: &'a dyn SsoTokens,
    pub to_tokens: &'a dyn SsoTokens,
    pub from_logins: &'a dyn LoginFiles,
    pub to_logins: &'a dyn LoginFiles,
}

/// What moved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Migrated {
    /// The profiles whose keys moved.
    pub keys: Vec<String>,
    /// rolecall's own SSO tokens moved.
    pub tokens: usize,
    /// Client registrations copied.
    pub registrations: usize,
    /// rolecall's own AWS sign-ins (`rolecall login`) moved.
    pub logins: usize,
}

/// Why the move stopped; what moved before stays moved, and the line says so.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MigrateError(pub String);

/// Moves every key `from` holds, then the tokens and registrations of `sessions`, then the
/// tokens of the AWS sign-ins `logins`.
pub fn migrate(
    d: MigrateDeps,
    sessions: &[SsoSession],
    logins: &[LoginSession],
) -> Result<Migrated, MigrateError> {
    let mut done = Migrated::default();
    let profiles: Vec<String> = d.from.index().profiles().map(str::to_string).collect();
    for profile in profiles.iter().filter(|p| d.from.holds(p)) {
        move_keys(&d, profile, &done)?;
        done.keys.push(profile.clone());
    }
    for session in sessions {
        move_sign_in(&d, session, &mut done)?;
    }
    for login in logins {
        move_login(&d, login, &mut done)?;
    }
    Ok(done)
}

/// rolecall's token of an AWS sign-in: written, read back, then the old copy deleted.
fn move_login(
    d: &MigrateDeps,
    login: &LoginSession,
    done: &mut Migrated,
) -> Result<(), MigrateError> {
    let failed = |e: &dyn std::fmt::Display| {
        MigrateError(format!(
            "the sign-in {} was not moved: {e}; sign in again with rolecall login --profile {}",
            login.session, login.profile
        ))
    };
    let Ok(Some(token)) = d.from_logins.read(Place::Own, login) else {
        return Ok(());
    };
    d.to_logins
        .create(Place::Own, login, &token)
        .map_err(|e| failed(&e))?;
    let same = matches!(d.to_logins.read(Place::Own, login), Ok(Some(back)) if back.refresh_token == token.refresh_token && back.dpop_key == token.dpop_key);
    if !same {
        return Err(failed(&"the new store gave back something else"));
    }
    d.from_logins
        .remove(Place::Own, login)
        .map_err(|e| failed(&e))?;
    done.logins += 1;
    Ok(())
}

fn so_far(done: &Migrated) -> String {
    match done.keys.len() {
        0 => "nothing was moved".into(),
        n => format!("the keys of {n} profiles were moved before"),
    }
}

fn move_keys(d: &MigrateDeps, profile: &str, done: &Migrated) -> Result<(), MigrateError> {
    let shown = printable(profile);
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        MigrateError(format!(
            "the keys of profile \"{shown}\" were not moved ({what}: {e}); they stay in {}, and {}",
            d.from.describe(),
            so_far(done)
        ))
    };
    let keys = match d.from.get(profile) {
        Ok(Some(keys)) => keys,
        Ok(None) => return Err(failed("reading them", &"they are not there")),
        Err(e) => return Err(failed("reading them", &e)),
    };
    d.to.put(profile, &keys)
        .map_err(|e| failed("storing them", &e))?;
    let same = matches!(d.to.get(profile), Ok(Some(back)) if back.access_key_id == keys.access_key_id && back.secret_access_key == keys.secret_access_key);
    if !same {
        return Err(failed(
            "reading them back",
            &"the new store gave back something else",
        ));
    }
    d.from.forget_secret(profile).map_err(|e| {
        MigrateError(format!(
            "the keys of profile \"{shown}\" are in {} now, but the old copy could not be deleted: {e}",
            d.to.describe()
        ))
    })
}

fn move_sign_in(
    d: &MigrateDeps,
    session: &SsoSession,
    done: &mut Migrated,
) -> Result<(), MigrateError> {
    let failed = |e: &dyn std::fmt::Display| {
        MigrateError(format!(
            "the sign-in of {} was not moved: {e}; sign in again with rolecall sso login",
            session.describe()
        ))
    };
    for flow in ["code", "device"] {
        if let Ok(Some(r)) = d.from_tokens.registration(session, flow) {
            d.to_tokens
                .put_registration(session, flow, &r)
                .map_err(|e| failed(&e))?;
            done.registrations += 1;
        }
    }
    let Ok(Some(token)) = d.from_tokens.own(session) else {
        return Ok(());
    };
    d.to_tokens
        .put_own(session, &token)
        .map_err(|e| failed(&e))?;
    let same = matches!(d.to_tokens.own(session), Ok(Some(back)) if back.access_token == token.access_token);
    if !same {
        return Err(failed(&"the new store gave back something else"));
    }
    // The old copy goes with its summary, which the new store then writes again.
    d.from_tokens.remove_own(session).map_err(|e| failed(&e))?;
    d.to_tokens
        .put_own(session, &token)
        .map_err(|e| failed(&e))?;
    done.tokens += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MemoryKeys, MemoryTokens};

    fn session() -> SsoSession {
        SsoSession {
            name: Some("corp".into()),
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
        }
    }

    #[test]
    fn keys_and_tokens_move_and_leave_the_old_store_empty() {
        let from = MemoryKeys::with("vault", "AKIAIOSFODNN7EXAMPLE", "s3cret");
        let to = MemoryKeys::default();
        let (from_tokens, to_tokens) = (MemoryTokens::default(), MemoryTokens::default());
        let token = crate::domain::sso::Token {
            access_token: crate::domain::Secret::new("tok"),
            expires_at: crate::testing::NOW,
            refresh_token: None,
            client_id: None,
            client_secret: None,
            registration_expires_at: None,
            scopes: None,
        };
        from_tokens.put_own(&session(), &token).unwrap();
        let from_logins = crate::testing::MemoryLoginFiles::default();
        let to_logins = crate::testing::MemoryLoginFiles::default();
        *from_logins.own.borrow_mut() =
            crate::testing::MemoryLoginFiles::with_token(crate::testing::NOW)
                .token
                .take();
        let login = LoginSession {
            profile: "dev".into(),
            session: "arn:aws:iam::123456789012:user/maria".into(),
            endpoint: crate::domain::plan::StsEndpoint {
                region: "us-east-1".into(),
                url: None,
                ca_bundle: None,
            },
        };
        let d = MigrateDeps {
            from: &from,
            to: &to,
            from_tokens: &from_tokens,
            to_tokens: &to_tokens,
            from_logins: &from_logins,
            to_logins: &to_logins,
        };
        let done = migrate(d, &[session()], &[login]).unwrap();
        assert_eq!(done.keys, vec!["vault".to_string()]);
        assert_eq!(done.tokens, 1);
        assert!(from.keys.borrow().is_empty());
        assert_eq!(to.keys.borrow()["vault"].1, "s3cret");
        assert!(from_tokens.own(&session()).unwrap().is_none());
        assert!(to_tokens.own(&session()).unwrap().is_some());
        assert_eq!(done.logins, 1);
        assert!(from_logins.own.borrow().is_none());
        assert_eq!(
            to_logins
                .own
                .borrow()
                .as_ref()
                .unwrap()
                .refresh_token
                .expose(),
            "r1"
        );
    }

    #[test]
    fn a_store_that_fails_keeps_the_old_copy() {
        let from = MemoryKeys::with("vault", "AKIAIOSFODNN7EXAMPLE", "s3cret");
        let to = MemoryKeys {
            fail_put: true,
            ..Default::default()
        };
        let tokens = MemoryTokens::default();
        let logins = crate::testing::MemoryLoginFiles::default();
        let d = MigrateDeps {
            from: &from,
            to: &to,
            from_tokens: &tokens,
            to_tokens: &tokens,
            from_logins: &logins,
            to_logins: &logins,
        };
        let e = migrate(d, &[], &[]).unwrap_err();
        assert!(
            e.0.contains("were not moved") && e.0.contains("nothing was moved"),
            "{e}"
        );
        assert_eq!(from.keys.borrow()["vault"].1, "s3cret");
    }
}
