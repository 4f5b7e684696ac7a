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
    assert!(e.contains("has no token file (/login/cache/"), "{e}");
    assert!(
        e.ends_with("run \"aws login --profile dev\" (or \"rolecall login --profile dev\")"),
        "{e}"
    );
    assert!(out.is_empty());
}
