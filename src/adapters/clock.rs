//! The only place that reads the system clock.

use std::time::Duration;

use time::OffsetDateTime;

use crate::ports::clock::Clock;

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[allow(clippy::disallowed_methods)]
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
