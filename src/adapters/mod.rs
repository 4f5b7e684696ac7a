//! The real world, one port each: AWS over the network, the OS keychain, the terminal, the
//! child process, the system clock and the local credential sources.

pub mod audit;
pub mod aws;
pub mod child;
pub mod clock;
pub mod console;
pub mod environ;
pub mod files;
pub mod helper;
pub mod identity;
pub mod keychain;
pub mod keyfile;
pub mod login;
pub mod loopback;
pub mod memory;
pub mod policy;
pub mod project;
pub mod prompt;
pub mod refresh;
// `exec --server` supervises its command with Unix signals; elsewhere it says it is not available.
#[cfg(unix)]
pub mod server;
pub mod sources;
pub mod terminal;
#[cfg(target_os = "linux")]
pub mod warden;
