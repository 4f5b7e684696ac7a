//! Exit codes, as documented in the README.

/// An unexpected failure (writing the output failed, an internal invariant broke).
pub const FAILURE: u8 = 1;
/// The command line is wrong, or no profile was named.
pub const USAGE: u8 = 2;
/// The configuration files or a profile's values are wrong.
pub const CONFIG: u8 = 3;
/// STS refused the credentials or request, no MFA code could be had, or a credential
/// source (credential_process, a token file) failed.
pub const DENIED: u8 = 4;
/// STS or the instance/container endpoint could not be reached, timed out, throttled
/// every retry or answered nonsense.
pub const UNAVAILABLE: u8 = 5;
/// `exec`: the command exists but cannot be run.
pub const NOT_EXECUTABLE: u8 = 126;
/// `exec`: the command was not found.
pub const NOT_FOUND: u8 = 127;
