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

mod adapters;
mod app;
mod cli;
mod commands;
mod config;
mod domain;
mod error;
mod execute;
mod plan;
mod ports;
mod printer;
mod render;
mod settings;

#[cfg(test)]
mod testing;

pub use app::main;
use commands::run;
use error::exit;

/// What the fuzz target drives: the shared-file parser and the planner, with no I/O.
pub mod fuzzing {
    pub use crate::config::Profiles;
    pub use crate::domain::Vars;
    pub use crate::plan::{plan, Inputs};
    pub use crate::settings::Settings;
}
