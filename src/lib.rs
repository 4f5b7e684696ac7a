//! rolecall: AWS profiles to short-lived role credentials, for shells and commands.
//!
//! Layers, from the bottom (an import only ever points down; see docs/ARCHITECTURE.md, and
//! `scripts/check-layers`, which the test run uses to enforce it):
//!
//! - `domain`: values and pure rules;
//! - `config`, `ports`, `render`, `settings`, `printer`;
//! - `plan` (pure), `execute` (walks a plan through the ports), `adapters` (the real world);
//! - `cli` (clap types), `error`;
//! - `commands`;
//! - `app` (the composition root), this file and `main.rs`.
//!
//! `main` calls [`app::main`], which parses the command line, builds the real
//! [`commands::Context`] and calls [`run`]; everything else takes its dependencies as
//! arguments, so tests drive it with fakes.

pub mod adapters;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod domain;
mod error;
pub mod execute;
pub mod plan;
pub mod ports;
pub mod printer;
pub mod render;
pub mod settings;

#[cfg(test)]
mod testing;

pub use commands::run;
pub use domain::{ExecRequest, Outcome, Vars};
pub use error::{exit, Error};
