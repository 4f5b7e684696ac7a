//! The traits through which the upper layers act on the world, with their request and error
//! types. Real implementations live in `adapters/`, fakes in `testing/`.

pub mod clock;
pub mod console;
pub mod identity;
pub mod mfa;
pub mod picker;
pub mod sources;
pub mod store;
pub mod sts;
