//! The traits through which the upper layers act on the world, with their request and error
//! types. Real implementations live in `adapters/`, fakes in `testing/`.

pub mod ask;
pub mod audit;
pub mod clock;
pub mod console;
pub mod iam;
pub mod identity;
pub mod keys;
pub mod login;
pub mod mfa;
pub mod picker;
pub mod policy;
pub mod presign;
pub mod project;
pub mod refresh;
// `exec --server` supervises its command with Unix signals; elsewhere it says it is not available.
#[cfg(unix)]
pub mod server;
pub mod sources;
pub mod sso;
pub mod store;
pub mod sts;
pub mod vault;
