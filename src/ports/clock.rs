//! The `Clock` port: time is passed in, and only `adapters::clock::SystemClock` reads it or
//! waits. Workflows that wait (the `exec --server` refresh loop, the check of a rotated key)
//! wait through `sleep`, so tests run them with a fake clock and no real waiting.

use std::time::Duration;

use time::OffsetDateTime;

pub trait Clock {
    fn now(&self) -> OffsetDateTime;
    /// Waits `duration` (a fake clock moves its time on instead).
    fn sleep(&self, duration: Duration);
}
