use std::cell::RefCell;

use time::macros::datetime;

use super::*;
use crate::cache::{MemoryStore, SessionStore};
use crate::clock::FixedClock;
use crate::config::plan::StsEndpoint;
use crate::config::{plan, Profiles};
use crate::context::{Vars, Verbosity};
use crate::credentials::mfa::{GivenCode, NoPrompt};
use crate::credentials::sts::Sts;
use crate::credentials::Secret;

const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

/// Records every call and answers with numbered credentials.
#[derive(Default)]
pub struct FakeSts {
    pub calls: RefCell<Vec<(String, AssumeRoleRequest)>>,
    pub fail: RefCell<Option<StsError>>,
    pub lifetime: Option<Duration>,
}

impl Sts for FakeSts {
    fn assume_role(
        &self,
        _endpoint: &StsEndpoint,
        caller: &Credentials,
        request: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError> {
        if let Some(e) = self.fail.borrow_mut().take() {
            return Err(e);
        }
        let mut calls = self.calls.borrow_mut();
        calls.push((caller.access_key_id.clone(), request.clone()));
        let lifetime = self.lifetime.unwrap_or_else(|| {
            Duration::seconds(i64::from(request.duration_seconds.unwrap_or(3600)))
        });
        Ok(Credentials {
            access_key_id: format!("ASIA{}", calls.len()),
            secret_access_key: Secret::new(format!("secret{}", calls.len())),
            session_token: Some(Secret::new(format!("token{}", calls.len()))),
            expiration: Some(NOW + lifetime),
        })
    }
}

const CONFIG: &str = "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nduration_seconds = 3600\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\nexternal_id = ext-b\n[profile m]\nrole_arn = arn:aws:iam::111111111111:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n";
const CREDS: &str = "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = rootsecret\n";

struct Harness {
    sts: FakeSts,
    store: MemoryStore,
    stderr: Vec<u8>,
    now: OffsetDateTime,
}

impl Harness {
    fn new() -> Self {
        Self {
            sts: FakeSts::default(),
            store: MemoryStore::new(),
            stderr: Vec::new(),
            now: NOW,
        }
    }

    fn run(
        &mut self,
        profile: &str,
        mode: CacheMode,
        token: Option<&str>,
    ) -> Result<Credentials, Error> {
        let profiles = Profiles::from_strs(CONFIG, CREDS).unwrap();
        let vars = Vars::from_pairs([("USER", "maria")]);
        let p = plan(&profiles, profile, &vars, self.now).unwrap();
        let mut stdout = Vec::new();
        let clock = FixedClock(self.now);
        let mut ctx = Context {
            vars: &vars,
            stdout: &mut stdout,
            stderr: &mut self.stderr,
            sts: &self.sts,
            store: &self.store,
            clock: &clock,
            mfa: &NoPrompt,
            verbosity: Verbosity::Verbose,
        };
        let mfa = GivenCode::new(token.map(str::to_string), &NoPrompt);
        let out = execute(&p, &mut ctx, CachePolicy::new(mode), &mfa);
        assert!(stdout.is_empty(), "the executor never writes to stdout");
        out
    }

    fn calls(&self) -> Vec<(String, String)> {
        self.sts
            .calls
            .borrow()
            .iter()
            .map(|(caller, r)| (caller.clone(), r.role_arn.clone()))
            .collect()
    }
}

#[test]
fn chain_calls_sts_in_order_with_each_callers_credentials() {
    let mut h = Harness::new();
    let c = h.run("b", CacheMode::Use, None).unwrap();
    assert_eq!(c.access_key_id, "ASIA2");
    assert_eq!(
        h.calls(),
        vec![
            ("AKIAROOT".into(), "arn:aws:iam::111111111111:role/a".into()),
            ("ASIA1".into(), "arn:aws:iam::222222222222:role/b".into()),
        ]
    );
    let calls = h.sts.calls.borrow();
    assert_eq!(calls[0].1.duration_seconds, Some(3600));
    assert_eq!(calls[1].1.external_id.as_deref(), Some("ext-b"));
    assert_eq!(calls[1].1.session_name, "rolecall-maria-1795341600");
    assert_eq!(h.store.len(), 2);
}

#[test]
fn warm_chain_makes_no_call_and_partial_warmth_resumes_mid_chain() {
    let mut h = Harness::new();
    h.run("b", CacheMode::Use, None).unwrap();
    let again = h.run("b", CacheMode::Use, None).unwrap();
    assert_eq!(again.access_key_id, "ASIA2");
    assert_eq!(h.calls().len(), 2, "warm: no new call");

    // "a" alone is cached by the chain run.
    let a = h.run("a", CacheMode::Use, None).unwrap();
    assert_eq!(a.access_key_id, "ASIA1");
    assert_eq!(h.calls().len(), 2);
}

#[test]
fn refresh_window_decides_reuse() {
    let mut h = Harness::new();
    h.run("a", CacheMode::Use, None).unwrap(); // expires NOW + 1h
    h.now = NOW + Duration::minutes(44);
    h.run("a", CacheMode::Use, None).unwrap();
    assert_eq!(h.calls().len(), 1, "16 minutes left: reused");
    h.now = NOW + Duration::minutes(46);
    h.run("a", CacheMode::Use, None).unwrap();
    assert_eq!(h.calls().len(), 2, "14 minutes left: refreshed");
    let log = String::from_utf8(h.stderr.clone()).unwrap();
    assert!(log.contains("inside the refresh window"), "{log}");
}

#[test]
fn short_sessions_use_a_quarter_of_their_life_as_window() {
    let policy = CachePolicy::new(CacheMode::Use);
    assert_eq!(policy.window(900), Duration::seconds(225));
    assert_eq!(policy.window(3600), Duration::minutes(15));
    assert_eq!(policy.window(43200), Duration::minutes(15));
    let configured = CachePolicy {
        mode: CacheMode::Use,
        refresh_window: Some(Duration::minutes(2)),
    };
    assert_eq!(configured.window(43200), Duration::minutes(2));
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let mut h = Harness::new();
    h.run("a", CacheMode::Use, None).unwrap();
    h.run("a", CacheMode::Bypass, None).unwrap();
    assert_eq!(h.calls().len(), 2);
    assert_eq!(h.store.len(), 1);
    let fresh = Harness::new();
    let mut fresh = fresh;
    fresh.run("a", CacheMode::Bypass, None).unwrap();
    assert!(fresh.store.is_empty());
}

#[test]
fn expired_answers_are_errors_and_not_cached() {
    let mut h = Harness::new();
    h.sts.lifetime = Some(Duration::seconds(-5));
    let e = h.run("a", CacheMode::Use, None).unwrap_err();
    assert!(e.to_string().contains("already expired"), "{e}");
    assert_eq!(e.exit_code(), crate::exit::UNAVAILABLE);
    assert!(h.store.is_empty());
}

#[test]
fn sts_errors_pass_through_with_their_exit_code() {
    let mut h = Harness::new();
    *h.sts.fail.borrow_mut() = Some(StsError {
        kind: StsErrorKind::Rejected,
        operation: "AssumeRole",
        code: Some("AccessDenied".into()),
        message: "nope".into(),
    });
    let e = h.run("a", CacheMode::Use, None).unwrap_err();
    assert_eq!(e.exit_code(), crate::exit::DENIED);
    assert!(h.store.is_empty());
}

#[test]
fn mfa_code_reaches_the_request() {
    let mut h = Harness::new();
    let e = h.run("m", CacheMode::Use, None).unwrap_err();
    assert!(e.to_string().contains("--mfa-token"), "{e}");
    assert!(h.calls().is_empty());
    h.run("m", CacheMode::Use, Some("123456")).unwrap();
    let calls = h.sts.calls.borrow();
    assert_eq!(calls[0].1.mfa_code.as_deref(), Some("123456"));
    assert_eq!(
        calls[0].1.mfa_serial.as_deref(),
        Some("arn:aws:iam::111111111111:mfa/maria")
    );
}

#[test]
fn verbose_log_never_shows_secrets() {
    let mut h = Harness::new();
    h.run("b", CacheMode::Use, None).unwrap();
    h.run("b", CacheMode::Use, None).unwrap();
    let log = String::from_utf8(h.stderr.clone()).unwrap();
    for secret in [
        "rootsecret",
        "secret1",
        "secret2",
        "token1",
        "token2",
        "AKIAROOT",
    ] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    assert!(log.contains("cache hit"), "{log}");
}

#[test]
fn store_write_failures_are_a_note_not_an_error() {
    struct Broken;
    impl SessionStore for Broken {
        fn describe(&self) -> String {
            "broken".into()
        }
        fn get(&self, _: &str) -> Result<Option<Credentials>, crate::cache::StoreError> {
            Err(crate::cache::StoreError("locked".into()))
        }
        fn put(&self, _: &str, _: &str, _: &Credentials) -> Result<(), crate::cache::StoreError> {
            Err(crate::cache::StoreError("locked".into()))
        }
        fn remove(&self, _: &str) -> Result<(), crate::cache::StoreError> {
            Ok(())
        }
        fn index(&self) -> Vec<crate::cache::IndexEntry> {
            Vec::new()
        }
    }
    let profiles = Profiles::from_strs(CONFIG, CREDS).unwrap();
    let vars = Vars::default();
    let p = plan(&profiles, "a", &vars, NOW).unwrap();
    let sts = FakeSts::default();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut ctx = Context {
        vars: &vars,
        stdout: &mut out,
        stderr: &mut err,
        sts: &sts,
        store: &Broken,
        clock: &FixedClock(NOW),
        mfa: &NoPrompt,
        verbosity: Verbosity::Normal,
    };
    let c = execute(&p, &mut ctx, CachePolicy::new(CacheMode::Use), &NoPrompt).unwrap();
    assert_eq!(c.access_key_id, "ASIA1");
    assert!(String::from_utf8(err)
        .unwrap()
        .contains("could not cache the session (locked)"));
}
