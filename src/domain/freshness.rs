//! How a run treats cached sessions: whether it uses the cache, how much life a session must
//! have left to be reused, and where a walk of a plan resumes. The executor and `--dry-run`
//! both decide with these rules, so the dry run says what the run does.

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};

use super::text::human;

/// The refresh window when none is configured: a session is reused while more than this
/// remains (botocore's 15 minutes), or a quarter of its lifetime for shorter sessions.
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::minutes(15);
/// The refresh window of `credential_process` results, whose lifetime rolecall does not know:
/// short enough that a process handing out 15-minute credentials is still reused for ten.
pub const PROCESS_REFRESH_WINDOW: Duration = Duration::minutes(5);

/// Whether a run reads and writes the session store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    Use,
    /// `--no-cache`: neither read nor write.
    Bypass,
}

/// How a run treats cached sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    pub mode: CacheMode,
    /// A configured window replaces the default rule.
    pub refresh_window: Option<Duration>,
}

impl CachePolicy {
    #[cfg(test)]
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            refresh_window: None,
        }
    }

    /// The margin a session of `lifetime_seconds` must still have to be reused.
    pub fn window(&self, lifetime_seconds: u32) -> Duration {
        self.refresh_window.unwrap_or_else(|| {
            DEFAULT_REFRESH_WINDOW.min(Duration::seconds(i64::from(lifetime_seconds) / 4))
        })
    }

    /// The margin a `credential_process` result must still have to be reused.
    pub fn process_window(&self) -> Duration {
        self.refresh_window.unwrap_or(PROCESS_REFRESH_WINDOW)
    }
}

impl CachePolicy {
    /// Whether a session that expires at `expiry` may still be reused at `now`.
    pub fn fresh(&self, expiry: OffsetDateTime, now: OffsetDateTime, window: Duration) -> bool {
        self.mode == CacheMode::Use && expiry - now > window
    }
}

/// Where a walk of `steps` steps starts: after the outermost step whose cached session is
/// fresh (`fresh(i)`, asked from the last step down, stopping at the first yes); 0 when none
/// is, which means the root source is needed.
pub fn resume_point(steps: usize, mut fresh: impl FnMut(usize) -> bool) -> usize {
    (0..steps).rev().find(|&i| fresh(i)).map_or(0, |i| i + 1)
}

/// A cached session's state, from the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Valid(OffsetDateTime),
    Expired,
    None,
}

impl SessionState {
    pub fn of(index: &HashMap<String, i64>, key: &str, now: OffsetDateTime) -> Self {
        match index
            .get(key)
            .and_then(|e| OffsetDateTime::from_unix_timestamp(*e).ok())
        {
            Some(expiry) if expiry > now => SessionState::Valid(expiry),
            Some(_) => SessionState::Expired,
            None => SessionState::None,
        }
    }

    pub fn text(&self, now: OffsetDateTime) -> std::borrow::Cow<'static, str> {
        match self {
            SessionState::Valid(expiry) => format!("valid {}", human(*expiry - now)).into(),
            SessionState::Expired => "expired".into(),
            SessionState::None => "—".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_walk_resumes_after_the_outermost_fresh_step() {
        assert_eq!(resume_point(3, |_| false), 0);
        assert_eq!(resume_point(3, |i| i == 0), 1);
        assert_eq!(resume_point(3, |i| i <= 1), 2);
        let mut asked = Vec::new();
        assert_eq!(
            resume_point(3, |i| {
                asked.push(i);
                true
            }),
            3
        );
        assert_eq!(asked, [2], "stops at the first fresh step from the top");
    }

    #[test]
    fn freshness_needs_more_than_the_window_and_the_cache() {
        let now = datetime!(2026-11-22 10:00 UTC);
        let policy = CachePolicy::new(CacheMode::Use);
        let window = policy.window(3600);
        assert_eq!(window, Duration::minutes(15));
        assert!(policy.fresh(now + Duration::minutes(16), now, window));
        assert!(!policy.fresh(now + Duration::minutes(15), now, window));
        assert_eq!(policy.window(900), Duration::seconds(225));
        let bypass = CachePolicy::new(CacheMode::Bypass);
        assert!(!bypass.fresh(now + Duration::hours(5), now, window));
    }
}
