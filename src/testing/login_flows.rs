//! Flow tests of `login_session` profiles: the token file, its refresh, the session cache.

use time::Duration;

use super::{MemoryLoginFiles, World, NOW};
use crate::domain::Outcome;
use crate::ports::login::{LoginError, LoginErrorKind};

const CONFIG: &str = "[profile dev]\nlogin_session = arn:aws:iam::123456789012:user/maria\nregion = eu-west-1\n\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dev\n";

fn world(expires_in: Duration) -> World {
    let mut w = World::new();
    w.write_config(CONFIG);
    w.login_files = MemoryLoginFiles::with_token(NOW + expires_in);
    w
}

#[test]
fn a_fresh_token_is_used_as_it_is_then_the_session_cache_answers() {
    let w = world(Duration::minutes(14));
    let (outcome, out, _) = w.run(&["export", "dev", "--format", "sh"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?}");
    assert!(
        out.contains("export AWS_ACCESS_KEY_ID='ASIAFROMFILE'\n"),
        "{out}"
    );
    assert_eq!(w.login_api.refreshes.get(), 0);
    // The warm run reads no token file: the session is in the store.
    *w.login_files.token.borrow_mut() = None;
    let (outcome, again, _) = w.run(&["export", "dev", "--format", "sh"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?}");
    assert_eq!(again, out);
    assert_eq!(w.calls(), 0, "a login_session profile calls no STS");
}

#[test]
fn a_token_near_expiry_is_refreshed_once_and_written_back() {
    let w = world(Duration::minutes(4));
    let (outcome, out, _) = w.run(&["export", "dev", "--format", "sh"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?}");
    assert!(out.contains("AWS_ACCESS_KEY_ID='ASIAREFRESHED1'"), "{out}");
    assert_eq!(*w.login_api.used.borrow(), ["r1"]);
    assert_eq!(w.login_files.writes.get(), 1);
    let written = w.login_files.token.borrow().clone().unwrap();
    assert_eq!(written.refresh_token.expose(), "r2");
    assert_eq!(written.expires_at(), NOW + Duration::seconds(900));
    assert_eq!(written.account_id.as_deref(), Some("123456789012"));
    let (second, _, _) = w.run(&["export", "dev", "--format", "sh"]);
    assert!(second.is_ok());
    assert_eq!(
        w.login_api.refreshes.get(),
        1,
        "the second run is served from the cache"
    );
}

#[test]
fn a_role_is_assumed_with_the_sign_in_sessions_credentials() {
    let w = world(Duration::minutes(14));
    let (outcome, out, err) = w.run(&["export", "admin", "--format", "sh", "-v"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?}");
    assert!(out.contains("AWS_ACCESS_KEY_ID='ASIA1'"), "{out}");
    let calls = w.sts.calls.borrow();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].op, "AssumeRole");
    assert_eq!(calls[0].caller, "ASIAFROMFILE");
    assert!(
        err.contains("AWS Sign-In session arn:aws:iam::123456789012:user/maria"),
        "{err}"
    );
}

#[test]
fn an_expired_sign_in_names_both_logins_and_prints_nothing() {
    let w = world(Duration::minutes(-30));
    *w.login_api.fail.borrow_mut() = Some(LoginError::new(
        LoginErrorKind::Expired,
        "TOKEN_EXPIRED: Your session has expired",
    ));
    let (outcome, out, _) = w.run(&["export", "admin", "--format", "sh"]);
    let e = outcome.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the AWS Sign-In session arn:aws:iam::123456789012:user/maria of profile \"dev\" is over (TOKEN_EXPIRED: Your session has expired); run \"aws login --profile dev\" (or \"rolecall login --profile dev\")"
    );
    assert_eq!(e.exit_code(), crate::domain::exit::DENIED);
    assert!(out.is_empty());
    assert_eq!(w.calls(), 0);
}

#[test]
fn no_token_file_says_how_to_sign_in() {
    let mut w = world(Duration::minutes(14));
    w.login_files = MemoryLoginFiles::default();
    let (outcome, out, _) = w.run(&["export", "dev"]);
    let e = outcome.unwrap_err().to_string();
    assert!(
        e.contains("has no token (none in the keychain, no file /login/cache/"),
        "{e}"
    );
    assert!(
        e.ends_with("run \"aws login --profile dev\" (or \"rolecall login --profile dev\")"),
        "{e}"
    );
    assert!(out.is_empty());
}

#[test]
fn rolecall_login_remote_keeps_the_tokens_and_names_the_session_in_the_profile() {
    let mut w = World::new();
    w.ask = super::ScriptedAsk::answers(&["Y29kZT1hYmMmc3RhdGU9bm90LXJhbmRvbQ=="]);
    let (outcome, out, err) = w.run(&["login", "--profile", "fresh", "--remote"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?} {err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("open this URL in a browser on any device and sign in: https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device&state=not-random"),
        "{err}"
    );
    assert!(
        err.contains(
            "signed in as arn:aws:iam::123456789012:user/maria; the tokens are in the keychain"
        ),
        "{err}"
    );
    assert_eq!(*w.login_api.used.borrow(), ["code:abc"]);
    let own = w.login_files.own.borrow().clone().unwrap();
    assert_eq!(own.credentials.access_key_id, "ASIAREFRESHED1");
    assert_eq!(own.account_id.as_deref(), Some("123456789012"));
    assert!(own
        .dpop_key
        .expose()
        .starts_with("-----BEGIN EC PRIVATE KEY-----"));
    assert!(
        w.login_files.token.borrow().is_none(),
        "no AWS CLI file without --aws-cache"
    );
    assert_eq!(
        *w.login_files.profiles.borrow(),
        [(
            "fresh".to_string(),
            "arn:aws:iam::123456789012:user/maria".to_string()
        )]
    );
}

#[test]
fn a_code_from_another_sign_in_is_refused_and_nothing_is_kept() {
    let mut w = World::new();
    // base64 of "code=abc&state=other"
    w.ask = super::ScriptedAsk::answers(&["Y29kZT1hYmMmc3RhdGU9b3RoZXI="]);
    let (outcome, _, _) = w.run(&["login", "--profile", "fresh", "--remote"]);
    let e = outcome.unwrap_err().to_string();
    assert!(e.contains("the code is from another sign-in"), "{e}");
    assert!(w.login_api.used.borrow().is_empty());
    assert!(w.login_files.own.borrow().is_none());
}

#[test]
fn login_refuses_a_profile_with_other_credentials() {
    let w = world(Duration::minutes(14));
    let (outcome, _, _) = w.run(&["login", "--profile", "admin", "--remote"]);
    assert_eq!(
        outcome.unwrap_err().to_string(),
        "profile \"admin\" has role credentials already; sign in to a new profile (rolecall login --profile NEW) or take them out of it first"
    );
}

#[test]
fn rolecalls_own_token_comes_first_and_logout_forgets_it() {
    let w = world(Duration::minutes(14));
    let mut own = w.login_files.token.borrow().clone().unwrap();
    own.credentials.access_key_id = "ASIAOWN".into();
    *w.login_files.own.borrow_mut() = Some(own);
    let (_, out, _) = w.run(&["export", "dev", "--format", "sh"]);
    assert!(out.contains("AWS_ACCESS_KEY_ID='ASIAOWN'"), "{out}");
    let (outcome, _, err) = w.run(&["logout", "--profile", "dev"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?}");
    assert!(err.contains("forgot rolecall's tokens; forgot "), "{err}");
    assert!(w.login_files.own.borrow().is_none());
    assert!(
        w.login_files.token.borrow().is_some(),
        "the AWS CLI's file stays"
    );
    let (_, out, _) = w.run(&["export", "dev", "--format", "sh"]);
    assert!(out.contains("AWS_ACCESS_KEY_ID='ASIAFROMFILE'"), "{out}");
}

#[test]
fn an_own_sign_in_that_is_over_leaves_the_aws_clis_file_to_try() {
    let w = world(Duration::minutes(14));
    let mut own = w.login_files.token.borrow().clone().unwrap();
    own.credentials.access_key_id = "ASIAOWN".into();
    own.credentials.expiration = Some(NOW + Duration::minutes(1));
    *w.login_files.own.borrow_mut() = Some(own);
    *w.login_api.fail.borrow_mut() =
        Some(LoginError::new(LoginErrorKind::Expired, "TOKEN_EXPIRED"));
    let (outcome, out, err) = w.run(&["export", "dev", "--format", "sh", "-v"]);
    assert!(matches!(outcome, Ok(Outcome::Done)), "{outcome:?}");
    assert!(out.contains("AWS_ACCESS_KEY_ID='ASIAFROMFILE'"), "{out}");
    assert!(err.contains("is over (TOKEN_EXPIRED)"), "{err}");
    assert_eq!(*w.login_api.used.borrow(), ["r1"]);
}
