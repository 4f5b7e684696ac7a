//! The shell hook's refresh (`rolecall use --refresh`, before each prompt): when the session
//! in the shell is within the refresh window, switch to a fresher one from the cache if there
//! is one, else start one background refresh; a failed one is told once, in one line. Never
//! a network call, a prompt or an unlock here: the background refresh does the STS calls,
//! detached from the terminal.

use time::{Duration, OffsetDateTime};

use crate::domain::freshness::{CachePolicy, DEFAULT_REFRESH_WINDOW};
use crate::domain::plan::Plan;
use crate::domain::text::human;
use crate::ports::clock::Clock;
use crate::ports::refresh::{Background, Start};
use crate::ports::store::SessionStore;

#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub store: &'a dyn SessionStore,
    pub background: &'a dyn Background,
    pub clock: &'a dyn Clock,
}

/// What the hook does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// Nothing: the session has time left, or a refresh is under way.
    Nothing,
    /// Switch to the cached session, which is fresher than the shell's.
    Switch,
    /// A background refresh was started.
    Started,
    /// One line to tell the person (a refresh that needs them).
    Notice(String),
}

/// Whether a refresh may be due at all, from the environment alone: the hook's fast path,
/// which reads no file. The window is at most the configured one, else the default.
pub fn may_be_due(
    expiration: Option<OffsetDateTime>,
    now: OffsetDateTime,
    configured: Option<Duration>,
) -> bool {
    expiration.is_some_and(|e| e - now <= configured.unwrap_or(DEFAULT_REFRESH_WINDOW))
}

/// The decision for the shell's session of `plan`'s profile, which ends at `expiration`
/// (`tag` is that time as the shell has it).
pub fn refresh(
    plan: &Plan,
    expiration: OffsetDateTime,
    tag: &str,
    policy: CachePolicy,
    d: Deps,
) -> Refresh {
    let now = d.clock.now();
    // The window the run that refreshes it uses (`execute`): an SSO role session's is that
    // of an hour's session, a `credential_process` result's its own.
    let window = match (plan.steps.last(), &plan.source) {
        (Some(step), _) => policy.window(step.lifetime_seconds()),
        (None, crate::domain::plan::Source::Sso { .. }) => policy.window(3600),
        (None, _) => policy.process_window(),
    };
    if expiration - now > window {
        return Refresh::Nothing;
    }
    let cached = plan
        .final_key()
        .and_then(|key| d.store.get(key).ok().flatten())
        .and_then(|c| c.expiration);
    if cached.is_some_and(|e| e > expiration && e - now > window) {
        return Refresh::Switch;
    }
    let profile = &plan.profile;
    if d.background.running(profile) {
        return Refresh::Nothing;
    }
    if let Some(why) = d.background.take_failure(profile, tag) {
        return Refresh::Notice(format!(
            "the session of profile \"{profile}\" {}, and refreshing it needs you: {why}; run \"rolecall use {profile}\"",
            ends(expiration, now)
        ));
    }
    match d.background.start(profile, tag) {
        Ok(Start::Started) => Refresh::Started,
        Ok(Start::Running | Start::FailedBefore) => Refresh::Nothing,
        Err(e) => Refresh::Notice(format!(
            "the session of profile \"{profile}\" {}; it cannot be refreshed in the background ({e}): run \"rolecall use {profile}\"",
            ends(expiration, now)
        )),
    }
}

fn ends(expiration: OffsetDateTime, now: OffsetDateTime) -> String {
    if expiration <= now {
        "has expired".into()
    } else {
        format!("ends in {}", human(expiration - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::freshness::CacheMode;
    use crate::ports::store::Label;
    use crate::testing::{plan_of, FixedClock, MemoryStore, NOW};
    use std::cell::RefCell;

    #[derive(Default)]
    struct Recorded {
        started: RefCell<Vec<String>>,
        running: bool,
        failure: RefCell<Option<String>>,
    }

    impl Background for Recorded {
        fn start(&self, profile: &str, tag: &str) -> Result<Start, String> {
            self.started.borrow_mut().push(format!("{profile} {tag}"));
            Ok(Start::Started)
        }
        fn running(&self, _: &str) -> bool {
            self.running
        }
        fn take_failure(&self, _: &str, _: &str) -> Option<String> {
            self.failure.borrow_mut().take()
        }
    }

    const CONFIG: &str =
        "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\n";
    const CREDS: &str = "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = s\n";

    fn cached(store: &MemoryStore, plan: &Plan, ends: OffsetDateTime) {
        let c = crate::domain::Credentials {
            access_key_id: "ASIANEW".into(),
            secret_access_key: crate::domain::Secret::new("s"),
            session_token: Some(crate::domain::Secret::new("t")),
            expiration: Some(ends),
            account_id: None,
        };
        let label = Label {
            profile: "a",
            session_name: None,
        };
        store.put(plan.final_key().unwrap(), label, &c).unwrap();
    }

    #[test]
    fn outside_the_window_nothing_inside_a_fresher_session_or_one_refresh() {
        let plan = plan_of(CONFIG, CREDS, "a", &[], NOW);
        let store = MemoryStore::new();
        let background = Recorded::default();
        let clock = FixedClock::at(NOW);
        let d = Deps {
            store: &store,
            background: &background,
            clock: &clock,
        };
        let policy = CachePolicy::new(CacheMode::Use);
        let shell = |minutes| NOW + Duration::minutes(minutes);
        assert_eq!(
            refresh(&plan, shell(20), "t20", policy, d),
            Refresh::Nothing
        );
        assert!(background.started.borrow().is_empty());
        // In the window, nothing fresher cached: one background refresh.
        cached(&store, &plan, shell(10));
        assert_eq!(
            refresh(&plan, shell(10), "t10", policy, d),
            Refresh::Started
        );
        assert_eq!(*background.started.borrow(), ["a t10"]);
        // The refreshed session is cached: switch to it.
        cached(&store, &plan, shell(60));
        assert_eq!(refresh(&plan, shell(10), "t10", policy, d), Refresh::Switch);
        // A failure is told once, with what to do.
        cached(&store, &plan, shell(10));
        *background.failure.borrow_mut() = Some("an MFA code is needed".into());
        let Refresh::Notice(line) = refresh(&plan, shell(10), "t10", policy, d) else {
            panic!("a notice");
        };
        assert!(
            line.contains("ends in 10m")
                && line.contains("an MFA code is needed")
                && line.contains("rolecall use a"),
            "{line}"
        );
        assert!(may_be_due(Some(shell(14)), NOW, None));
        assert!(!may_be_due(Some(shell(16)), NOW, None));
        assert!(!may_be_due(None, NOW, None), "long-term keys never");
        assert!(may_be_due(Some(shell(50)), NOW, Some(Duration::hours(1))));
    }

    #[test]
    fn a_running_refresh_is_not_started_again() {
        let plan = plan_of(CONFIG, CREDS, "a", &[], NOW);
        let store = MemoryStore::new();
        let background = Recorded {
            running: true,
            ..Default::default()
        };
        let clock = FixedClock::at(NOW);
        let d = Deps {
            store: &store,
            background: &background,
            clock: &clock,
        };
        let policy = CachePolicy::new(CacheMode::Use);
        let r = refresh(&plan, NOW + Duration::minutes(5), "t", policy, d);
        assert_eq!(r, Refresh::Nothing);
        assert!(background.started.borrow().is_empty());
    }
}
