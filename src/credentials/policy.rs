//! How a run treats cached sessions: whether it uses the cache, and how much life a session
//! must have left to be reused.

use time::Duration;

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
