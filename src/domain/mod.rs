//! The bottom layer: plain values and pure rules. Nothing here imports from the rest of the
//! crate, does I/O (but for `Vars::from_process`, the one reader of the process environment)
//! or reads the clock.

pub mod audit;
pub mod console;
pub mod eks;
pub mod env;
pub mod exit;
pub mod freshness;
pub mod keys;
pub mod login;
pub mod outcome;
pub mod plan;
pub mod process_json;
pub mod project;
pub mod secret;
pub mod setting;
pub mod sso;
pub mod status;
pub mod text;
pub mod vars;

pub use outcome::{ExecRequest, Outcome};
pub use secret::{key_hint, Credentials, Secret};
pub use text::printable;
pub use vars::Vars;
