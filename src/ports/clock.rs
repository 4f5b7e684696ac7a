//! The `Clock` port: time is passed in, and only `adapters::clock::SystemClock` reads it.

use time::OffsetDateTime;

pub trait Clock {
    fn now(&self) -> OffsetDateTime;
}
