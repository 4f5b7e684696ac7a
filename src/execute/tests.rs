use super::*;
use crate::ports::store::SessionStore;
use crate::printer::Verbosity;
use crate::testing::{plan_of, CountingPrompt, FakeSources, FakeSts, FixedClock, MemoryStore, NOW};

const CONFIG: &str = "\
[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nduration_seconds = 3600\n\
[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\nexternal_id = ext-b\n\
[profile c]\nrole_arn = arn:aws:iam::333333333333:role/c\nsource_profile = b\n\
[profile m]\nrole_arn = arn:aws:iam::111111111111:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n\
[profile m2]\nrole_arn = arn:aws:iam::111111111111:role/m2\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n\
[profile mp]\nrole_arn = arn:aws:iam::111111111111:role/mp\nsource_profile = temp\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\nmfa_process = otp-tool now\n\
[profile ec2]\nrole_arn = arn:aws:iam::111111111111:role/ec2\ncredential_source = Ec2InstanceMetadata\n\
[profile ec2b]\nrole_arn = arn:aws:iam::111111111111:role/ec2b\nsource_profile = ec2\n\
[profile ecs]\nrole_arn = arn:aws:iam::111111111111:role/ecs\ncredential_source = EcsContainer\n\
[profile web]\nrole_arn = arn:aws:iam::111111111111:role/web\nweb_identity_token_file = /token\n\
[profile webproc]\nrole_arn = arn:aws:iam::111111111111:role/webproc\nweb_identity_token_process = oidc-token --audience sts\n\
[profile proc]\ncredential_process = make-creds\n\
[profile procrole]\nrole_arn = arn:aws:iam::111111111111:role/pr\nsource_profile = proc\nduration_seconds = 7200\n";
const CREDS: &str = "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = rootsecret\n[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = tempsecret\naws_session_token = temptoken\n";

struct Harness {
    sts: FakeSts,
    sources: FakeSources,
    prompt: CountingPrompt,
    store: MemoryStore,
    keys: crate::testing::MemoryKeys,
    stderr: Vec<u8>,
    now: OffsetDateTime,
}

impl Harness {
    fn new() -> Self {
        Self {
            sts: FakeSts::default(),
            sources: FakeSources::default(),
            prompt: CountingPrompt::default(),
            store: MemoryStore::new(),
            keys: Default::default(),
            stderr: Vec::new(),
            now: NOW,
        }
    }

    fn run(
        &mut self,
        profile: &str,
        mode: CacheMode,
        token: Option<&str>,
    ) -> Result<Credentials, ExecuteError> {
        let p = plan_of(CONFIG, CREDS, profile, &[("USER", "maria")], self.now);
        self.sts.now.set(Some(self.now));
        let clock = FixedClock::at(self.now);
        let deps = Deps {
            sts: &self.sts,
            sources: &self.sources,
            store: &self.store,
            clock: &clock,
            mfa: &self.prompt,
            keys: &self.keys,
            sso: crate::execute::sso::SsoDeps {
                api: &crate::testing::FakeSso::default(),
                tokens: &crate::testing::MemoryTokens::default(),
                authorize: &crate::testing::NoAuthorize,
                clock: &clock,
                may_sign_in: false,
            },
            login: crate::execute::login::LoginDeps {
                api: &crate::testing::FakeSignIn::default(),
                files: &crate::testing::MemoryLoginFiles::default(),
            },
        };
        let mut out = Printer::new(&mut self.stderr, Verbosity::Verbose);
        let token = MfaToken::new(token.map(str::to_string));
        execute(&p, deps, &mut out, CachePolicy::new(mode), &token)
    }

    fn calls(&self) -> Vec<(&'static str, String, String)> {
        self.sts
            .calls
            .borrow()
            .iter()
            .map(|c| (c.op, c.caller.clone(), c.target.clone()))
            .collect()
    }

    fn log(&self) -> String {
        String::from_utf8(self.stderr.clone()).unwrap()
    }
}

fn call(op: &'static str, caller: &str, target: &str) -> (&'static str, String, String) {
    (op, caller.into(), target.into())
}

#[test]
fn chain_calls_sts_in_order_with_each_callers_credentials() {
    let mut h = Harness::new();
    let c = h.run("b", CacheMode::Use, None).unwrap();
    assert_eq!(c.access_key_id, "ASIA2");
    assert_eq!(
        h.calls(),
        vec![
            call("AssumeRole", "AKIAROOT", "arn:aws:iam::111111111111:role/a"),
            call("AssumeRole", "ASIA1", "arn:aws:iam::222222222222:role/b"),
        ]
    );
    let calls = h.sts.calls.borrow();
    let second = calls[1].request.as_ref().unwrap();
    assert_eq!(
        calls[0].request.as_ref().unwrap().duration_seconds,
        Some(3600)
    );
    assert_eq!(second.external_id.as_deref(), Some("ext-b"));
    assert_eq!(second.session_name, "rolecall-maria-1795341600");
    assert_eq!(h.store.len(), 2);
}

#[test]
fn a_warm_three_role_chain_costs_nothing_and_partial_warmth_resumes_mid_chain() {
    let mut h = Harness::new();
    h.run("c", CacheMode::Use, None).unwrap();
    assert_eq!(h.calls().len(), 3);
    let again = h.run("c", CacheMode::Use, None).unwrap();
    assert_eq!(again.access_key_id, "ASIA3");
    assert_eq!(h.calls().len(), 3, "warm: no new call");
    // "a" alone is cached by the chain run.
    assert_eq!(
        h.run("a", CacheMode::Use, None).unwrap().access_key_id,
        "ASIA1"
    );
    assert_eq!(h.calls().len(), 3);
}

#[test]
fn a_warm_platform_chain_does_not_touch_the_platform() {
    let mut h = Harness::new();
    h.run("ec2b", CacheMode::Use, None).unwrap();
    assert_eq!(h.sources.uses.borrow().as_slice(), ["imds"]);
    assert_eq!(
        h.calls()[0],
        call(
            "AssumeRole",
            "ASIA-imds",
            "arn:aws:iam::111111111111:role/ec2"
        )
    );
    h.run("ec2b", CacheMode::Use, None).unwrap();
    assert_eq!(
        h.sources.uses.borrow().len(),
        1,
        "no metadata call when warm"
    );
    assert_eq!(h.calls().len(), 2);
    h.run("ecs", CacheMode::Use, None).unwrap();
    assert_eq!(h.calls()[2].1, "ASIA-ecs");
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
    assert!(h.log().contains("inside the refresh window"), "{}", h.log());
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
    let mut fresh = Harness::new();
    fresh.run("a", CacheMode::Bypass, None).unwrap();
    assert!(fresh.store.is_empty());
}

#[test]
fn expired_answers_are_errors_and_not_cached() {
    let mut h = Harness::new();
    h.sts.lifetime = Some(Duration::seconds(-5));
    let e = h.run("a", CacheMode::Use, None).unwrap_err();
    assert!(e.to_string().contains("already expired"), "{e}");
    assert_eq!(e.exit_code(), crate::domain::exit::UNAVAILABLE);
    assert!(h.store.is_empty());
}

#[test]
fn sts_errors_pass_through_with_their_exit_code() {
    let mut h = Harness::new();
    *h.sts.fail.borrow_mut() = Some(StsError {
        service: crate::ports::sts::Service::Sts,
        kind: StsErrorKind::Rejected,
        operation: "AssumeRole",
        code: Some("AccessDenied".into()),
        message: "nope".into(),
        target: None,
        advice: None,
    });
    let e = h.run("a", CacheMode::Use, None).unwrap_err();
    assert_eq!(e.exit_code(), crate::domain::exit::DENIED);
    assert!(h.store.is_empty());
}

#[test]
fn mfa_session_is_shared_by_roles_with_the_same_device() {
    let mut h = Harness::new();
    h.run("m", CacheMode::Use, None).unwrap();
    assert_eq!(h.prompt.0.get(), 1);
    assert_eq!(
        h.calls(),
        vec![
            call(
                "GetSessionToken",
                "AKIAROOT",
                "arn:aws:iam::111111111111:mfa/maria"
            ),
            call("AssumeRole", "ASIA1", "arn:aws:iam::111111111111:role/m"),
        ]
    );
    assert_eq!(h.sts.calls.borrow()[0].code.as_deref(), Some("111111"));
    assert_eq!(
        h.sts.calls.borrow()[1].code,
        None,
        "the role call carries no code"
    );
    h.run("m2", CacheMode::Use, None).unwrap();
    assert_eq!(h.prompt.0.get(), 1, "no second prompt");
    assert_eq!(
        h.calls()[2],
        call("AssumeRole", "ASIA1", "arn:aws:iam::111111111111:role/m2")
    );
    // Once the roles expire, the MFA session (8 hours) still serves them.
    h.now = NOW + Duration::hours(2);
    h.run("m", CacheMode::Use, None).unwrap();
    assert_eq!(h.prompt.0.get(), 1);
    assert_eq!(h.calls().len(), 4);
}

#[test]
fn mfa_code_sources_in_order() {
    let mut h = Harness::new();
    h.run("m", CacheMode::Use, Some("123456")).unwrap();
    assert_eq!(h.prompt.0.get(), 0);
    assert_eq!(h.sts.calls.borrow()[0].code.as_deref(), Some("123456"));

    let mut h = Harness::new();
    h.run("mp", CacheMode::Use, None).unwrap();
    assert_eq!(h.prompt.0.get(), 0);
    assert_eq!(h.sources.uses.borrow().as_slice(), ["otp-tool now"]);
    let calls = h.sts.calls.borrow();
    assert_eq!(calls.len(), 1, "temporary credentials: no GetSessionToken");
    let r = calls[0].request.as_ref().unwrap();
    assert_eq!(r.mfa_code.as_ref().map(Secret::expose), Some("654321"));
    assert_eq!(
        r.mfa_serial.as_deref(),
        Some("arn:aws:iam::111111111111:mfa/maria")
    );
}

#[test]
fn web_identity_reads_the_token_file() {
    let mut h = Harness::new();
    h.run("web", CacheMode::Use, None).unwrap();
    assert_eq!(h.sources.uses.borrow().as_slice(), ["/token"]);
    assert_eq!(
        h.calls(),
        vec![call(
            "AssumeRoleWithWebIdentity",
            "jwt-token",
            "arn:aws:iam::111111111111:role/web"
        )]
    );
    h.run("web", CacheMode::Use, None).unwrap();
    assert_eq!(h.calls().len(), 1, "cached");
}

#[test]
fn web_identity_token_process_prints_the_token() {
    let mut h = Harness::new();
    h.run("webproc", CacheMode::Use, None).unwrap();
    assert_eq!(
        h.sources.uses.borrow().as_slice(),
        ["oidc-token --audience sts"]
    );
    assert_eq!(
        h.calls(),
        vec![call(
            "AssumeRoleWithWebIdentity",
            "jwt-from-process",
            "arn:aws:iam::111111111111:role/webproc"
        )]
    );
    h.run("webproc", CacheMode::Use, None).unwrap();
    assert_eq!(h.calls().len(), 1, "cached");
    assert_eq!(h.sources.uses.borrow().len(), 1, "not run again");
}

#[test]
fn credential_process_results_are_cached_by_their_expiry() {
    let mut h = Harness::new();
    h.sources.process_expiry = Some(NOW + Duration::hours(1));
    h.run("procrole", CacheMode::Use, None).unwrap();
    let asked = h.sts.calls.borrow()[0]
        .request
        .as_ref()
        .unwrap()
        .duration_seconds;
    assert_eq!(asked, Some(3600), "a role on a process's session is capped");
    assert!(h.log().contains("capped at 3600"), "{}", h.log());
    h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(h.sources.uses.borrow().len(), 1, "the process ran once");
    h.now = NOW + Duration::minutes(50);
    h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(h.sources.uses.borrow().len(), 1, "10 minutes left: reused");
    h.now = NOW + Duration::minutes(56);
    h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(
        h.sources.uses.borrow().len(),
        2,
        "refreshed inside the 5-minute window"
    );

    // A process that hands out 15-minute credentials is still worth caching.
    let mut h = Harness::new();
    h.sources.process_expiry = Some(NOW + Duration::minutes(15));
    h.run("proc", CacheMode::Use, None).unwrap();
    h.now = NOW + Duration::minutes(9);
    h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(h.sources.uses.borrow().len(), 1);

    let mut h = Harness::new();
    h.sources.process_expiry = None;
    h.run("proc", CacheMode::Use, None).unwrap();
    h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(
        h.sources.uses.borrow().len(),
        2,
        "long-term keys are not cached"
    );
    assert!(h.store.is_empty());
}

#[test]
fn verbose_log_never_shows_secrets() {
    let mut h = Harness::new();
    h.run("c", CacheMode::Use, None).unwrap();
    h.run("c", CacheMode::Use, None).unwrap();
    h.run("m", CacheMode::Use, Some("123456")).unwrap();
    let log = h.log();
    for secret in [
        "rootsecret",
        "secret1",
        "secret2",
        "token1",
        "token2",
        "AKIAROOT",
        "123456",
    ] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    assert!(log.contains("cache hit"), "{log}");
}

#[test]
fn store_write_failures_are_one_note_not_an_error() {
    struct Broken;
    impl SessionStore for Broken {
        fn describe(&self) -> String {
            "broken".into()
        }
        fn get(&self, _: &str) -> Result<Option<Credentials>, crate::ports::store::StoreError> {
            Err(crate::ports::store::StoreError("locked".into()))
        }
        fn put(
            &self,
            _: &str,
            _: crate::ports::store::Label,
            _: &Credentials,
        ) -> Result<(), crate::ports::store::StoreError> {
            Err(crate::ports::store::StoreError("locked".into()))
        }
        fn remove(&self, _: &str) -> Result<(), crate::ports::store::StoreError> {
            Ok(())
        }
        fn index(&self) -> Vec<crate::ports::store::IndexEntry> {
            Vec::new()
        }
    }
    let p = plan_of(CONFIG, CREDS, "c", &[], NOW);
    let sts = FakeSts::default();
    let mut err = Vec::new();
    let deps = Deps {
        sts: &sts,
        sources: &FakeSources::default(),
        store: &Broken,
        clock: &FixedClock::at(NOW),
        mfa: &crate::testing::NoPrompt,
        keys: &crate::testing::MemoryKeys::default(),
        sso: crate::execute::sso::SsoDeps {
            api: &crate::testing::FakeSso::default(),
            tokens: &crate::testing::MemoryTokens::default(),
            authorize: &crate::testing::NoAuthorize,
            clock: &FixedClock::at(NOW),
            may_sign_in: false,
        },
        login: crate::execute::login::LoginDeps {
            api: &crate::testing::FakeSignIn::default(),
            files: &crate::testing::MemoryLoginFiles::default(),
        },
    };
    let c = execute(
        &p,
        deps,
        &mut Printer::new(&mut err, Verbosity::Normal),
        CachePolicy::new(CacheMode::Use),
        &MfaToken::default(),
    )
    .unwrap();
    assert_eq!(c.access_key_id, "ASIA3");
    let err = String::from_utf8(err).unwrap();
    assert_eq!(
        err.matches("could not cache the session: locked;").count(),
        1,
        "{err}"
    );
}

#[test]
fn unusable_answers_are_refused_before_caching_and_overlong_ones_capped() {
    let mut h = Harness::new();
    h.sts.lifetime = Some(Duration::hours(30));
    let c = h.run("a", CacheMode::Use, None).unwrap();
    // duration_seconds = 3600 was asked for: at most an hour and the skew.
    assert_eq!(
        c.expiration,
        Some(NOW + Duration::seconds(3600) + Duration::minutes(5))
    );
    let plan = plan_of(CONFIG, CREDS, "a", &[("USER", "maria")], NOW);
    let stored = h.store.get(plan.steps[0].cache_key()).unwrap().unwrap();
    assert_eq!(stored.expiration, c.expiration, "capped in the cache too");

    let mut h = Harness::new();
    h.sts.poison.set(true);
    let e = h.run("a", CacheMode::Use, None).unwrap_err();
    assert!(e.to_string().contains("control characters"), "{e}");
    assert!(h.store.is_empty(), "nothing cached");
}

/// A command that runs until the clock reaches `until`; STS answers count from the clock's
/// time, as the real one's do.
#[cfg(unix)]
struct Until<'a> {
    clock: &'a FixedClock,
    sts: &'a FakeSts,
    until: OffsetDateTime,
}

#[cfg(unix)]
impl crate::ports::server::Supervisee for Until<'_> {
    fn poll(&mut self) -> Option<u8> {
        self.sts.now.set(Some(self.clock.now()));
        (self.clock.now() >= self.until).then_some(7)
    }
}

/// What the tests of the refresh loop share: the harness, a clock that moves on when the loop
/// sleeps, and SSO fakes that are never used.
#[cfg(unix)]
struct Supervising {
    h: Harness,
    clock: FixedClock,
    tokens: crate::testing::MemoryTokens,
    sso: crate::testing::FakeSso,
    login_api: crate::testing::FakeSignIn,
    login_files: crate::testing::MemoryLoginFiles,
}

#[cfg(unix)]
impl Supervising {
    fn new() -> Self {
        let h = Harness::new();
        h.sts.now.set(Some(NOW));
        Self {
            h,
            clock: FixedClock::at(NOW),
            tokens: Default::default(),
            sso: Default::default(),
            login_api: Default::default(),
            login_files: Default::default(),
        }
    }

    fn deps(&self) -> Deps<'_> {
        Deps {
            sts: &self.h.sts,
            sources: &self.h.sources,
            store: &self.h.store,
            clock: &self.clock,
            mfa: &self.h.prompt,
            keys: &self.h.keys,
            sso: crate::execute::sso::SsoDeps {
                api: &self.sso,
                tokens: &self.tokens,
                authorize: &crate::testing::NoAuthorize,
                clock: &self.clock,
                may_sign_in: false,
            },
            login: crate::execute::login::LoginDeps {
                api: &self.login_api,
                files: &self.login_files,
            },
        }
    }
}

#[cfg(unix)]
#[derive(Default)]
struct Recorded(std::cell::RefCell<Vec<String>>);

#[cfg(unix)]
impl crate::ports::server::Endpoint for Recorded {
    fn set(&self, served: crate::ports::server::Served) {
        self.0.borrow_mut().push(match served {
            crate::ports::server::Served::Credentials(json) => {
                let v: serde_json::Value = serde_json::from_str(json.expose()).unwrap();
                v["AccessKeyId"].as_str().unwrap().to_string()
            }
            crate::ports::server::Served::Failed(why) => format!("failed: {why}"),
        });
    }
}

#[cfg(unix)]
#[test]
fn the_server_refreshes_once_per_session_within_the_window_without_real_waits() {
    use crate::execute::supervise::{supervise, Supervision};
    let w = Supervising::new();
    let (h, clock) = (&w.h, &w.clock);
    let p = plan_of(CONFIG, CREDS, "a", &[("USER", "maria")], NOW);
    let deps = w.deps();
    let mut err = Vec::new();
    let mut out = Printer::new(&mut err, Verbosity::Normal);
    let policy = CachePolicy::new(CacheMode::Use);
    let first = execute(&p, deps, &mut out, policy, &MfaToken::default()).unwrap();
    let endpoint = Recorded::default();
    let s = Supervision {
        plan: &p,
        keys: None,
        policy,
    };
    let mut child = Until {
        clock,
        sts: &h.sts,
        until: NOW + Duration::minutes(150),
    };
    let code = supervise(deps, &endpoint, &s, first, &mut child, &mut out);
    assert_eq!(code, 7, "the command's status");
    // One-hour sessions, refreshed 15 minutes before they end: at 0:45, 1:30 and 2:15.
    assert_eq!(*endpoint.0.borrow(), ["ASIA2", "ASIA3", "ASIA4"]);
    assert_eq!(h.sts.calls.borrow().len(), 4);
    let slept: std::time::Duration = clock.slept.borrow().iter().sum();
    assert_eq!(slept, std::time::Duration::from_secs(150 * 60));

    // A failed refresh keeps serving the current session and tries again 30 s later.
    *h.sts.fail.borrow_mut() = Some(StsError::new(
        crate::ports::sts::StsErrorKind::Unreachable,
        "AssumeRole",
        "connection refused",
    ));
    let mut child = Until {
        clock,
        sts: &h.sts,
        until: clock.now() + Duration::minutes(40),
    };
    let current = h.store.get(p.steps[0].cache_key()).unwrap().unwrap();
    supervise(deps, &endpoint, &s, current, &mut child, &mut out);
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("still serving the current one, next try in 30 s"),
        "{err}"
    );
    assert_eq!(endpoint.0.borrow().last().unwrap(), "ASIA5");
}

#[cfg(unix)]
#[test]
fn an_expired_session_is_never_served_between_two_tries_of_a_refresh() {
    use crate::execute::supervise::{supervise, Supervision};
    let w = Supervising::new();
    let (h, clock) = (&w.h, &w.clock);
    let p = plan_of(CONFIG, CREDS, "a", &[("USER", "maria")], NOW);
    let deps = w.deps();
    let mut err = Vec::new();
    let mut out = Printer::new(&mut err, Verbosity::Normal);
    // Refreshed 10 s before the end: the try fails, the next is 30 s later, 20 s after the
    // session has expired.
    let policy = CachePolicy {
        mode: CacheMode::Use,
        refresh_window: Some(Duration::seconds(10)),
    };
    let first = execute(&p, deps, &mut out, policy, &MfaToken::default()).unwrap();
    let expires = first.expiration.unwrap();
    *h.sts.fail.borrow_mut() = Some(StsError::new(
        crate::ports::sts::StsErrorKind::Unreachable,
        "AssumeRole",
        "connection refused",
    ));
    let endpoint = Recorded::default();
    let s = Supervision {
        plan: &p,
        keys: None,
        policy,
    };
    let mut child = Until {
        clock,
        sts: &h.sts,
        until: expires + Duration::seconds(25),
    };
    supervise(deps, &endpoint, &s, first, &mut child, &mut out);
    let served = endpoint.0.borrow().clone();
    assert_eq!(served.len(), 2, "{served:?}");
    assert!(
        served[0].starts_with("failed: the session of profile a expired")
            && served[0].contains("connection refused"),
        "{served:?}"
    );
    assert_eq!(served[1], "ASIA2", "then the refreshed one: {served:?}");
}

#[test]
fn long_term_keys_from_a_credential_process_are_never_cached_and_get_a_session() {
    let mut h = Harness::new();
    h.sources.process_long_term = true;
    h.sources.process_expiry = Some(NOW + Duration::weeks(3760));
    let c = h.run("proc", CacheMode::Use, None).unwrap();
    assert!(c.session_token.is_some(), "a session, not the keys");
    assert_ne!(c.access_key_id, "AKIAPROCESSKEYS00001");
    assert_eq!(
        h.calls(),
        [(
            "GetSessionToken",
            "AKIAPROCESSKEYS00001".to_string(),
            String::new()
        )]
    );
    let p = plan_of(CONFIG, CREDS, "proc", &[("USER", "maria")], NOW);
    let Source::Process { cache_key, .. } = &p.source else {
        panic!("{:?}", p.source)
    };
    assert!(
        h.store.get(cache_key).unwrap().is_none(),
        "the long-term keys are not cached"
    );
    // The session is cached: the next run neither runs the process nor calls STS.
    h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(h.sources.uses.borrow().len(), 1);
    assert_eq!(h.calls().len(), 1);
    // A process that answers a session still passes it on as it is.
    let mut h = Harness::new();
    h.sources.process_expiry = Some(NOW + Duration::hours(1));
    let c = h.run("proc", CacheMode::Use, None).unwrap();
    assert_eq!(c.access_key_id, "ASIA-make-creds");
    assert!(h.calls().is_empty(), "{:?}", h.calls());
}

#[test]
fn a_credential_process_session_is_cached_for_at_most_twelve_hours() {
    let mut h = Harness::new();
    h.sources.process_expiry = Some(NOW + Duration::weeks(3760));
    let c = h.run("proc", CacheMode::Use, None).unwrap();
    let latest = NOW + Duration::hours(12) + Duration::minutes(5);
    assert_eq!(c.expiration, Some(latest), "what is exported");
    let p = plan_of(CONFIG, CREDS, "proc", &[("USER", "maria")], NOW);
    let Source::Process { cache_key, .. } = &p.source else {
        panic!()
    };
    let stored = h.store.get(cache_key).unwrap().unwrap();
    assert_eq!(stored.expiration, Some(latest), "what is cached");
}

#[cfg(unix)]
#[test]
fn a_refresh_window_longer_than_the_session_refreshes_once_per_session_with_a_warning() {
    use crate::execute::supervise::{supervise, Supervision};
    let w = Supervising::new();
    let (h, clock) = (&w.h, &w.clock);
    let p = plan_of(CONFIG, CREDS, "a", &[("USER", "maria")], NOW);
    let deps = w.deps();
    let mut err = Vec::new();
    let mut out = Printer::new(&mut err, Verbosity::Normal);
    let policy = CachePolicy {
        mode: CacheMode::Use,
        refresh_window: Some(Duration::hours(2)),
    };
    let first = execute(&p, deps, &mut out, policy, &MfaToken::default()).unwrap();
    let s = Supervision {
        plan: &p,
        keys: None,
        policy,
    };
    let mut child = Until {
        clock,
        sts: &h.sts,
        until: NOW + Duration::minutes(150),
    };
    supervise(deps, &Recorded::default(), &s, first, &mut child, &mut out);
    // One-hour sessions refreshed 15 minutes before their end: at 0:45, 1:30 and 2:15.
    assert_eq!(h.sts.calls.borrow().len(), 4);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(
        err.matches("is not shorter than the session").count(),
        1,
        "{err}"
    );
}
