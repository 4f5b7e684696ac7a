//! Credentials: the types, the STS adapter, MFA, and walking a plan to credentials.

pub mod execute;
pub mod mfa;
mod policy;
mod sdk_sts;
mod secret;
pub mod source;
pub mod sts;

pub use execute::{execute, CacheMode, CachePolicy};
pub use secret::{key_hint, Credentials, Secret};
