//! The one integration-test binary: the built `rolecall` against one moto server, the real
//! keychains and the real shells. Missing parts fail the run: `./scripts/test` installs them.
//! Unix only (POSIX shells, file modes, signals); Windows runs the unit tests and the smoke test
//! of the Credential Manager (`src/adapters/keychain/platform_test.rs`).
#![cfg(unix)]
#![allow(clippy::disallowed_methods)]

mod support;

mod account;
mod basics;
mod bigtoken;
mod cache;
mod console;
mod doctor;
mod eks;
mod filestore;
mod hardening;
mod keys;
mod layers;
mod login;
mod profiles;
mod prompt;
mod proxy;
mod refresh;
mod serve;
mod server;
mod shells;
mod sso;
mod ux;
