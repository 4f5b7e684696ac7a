//! rolecall: AWS profiles to short-lived role credentials, for shells and commands.
//!
//! `main` calls [`app::main`], which parses the command line, builds the real [`Context`] and
//! calls [`run`]; everything else takes its dependencies as arguments, so tests drive it with
//! fakes.

pub mod app;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod context;
pub mod credentials;
pub mod env;
mod error;
pub mod parent;
pub mod process;
pub mod shell;
pub mod terminal;

#[cfg(test)]
mod flow_tests;

use std::ffi::OsString;

pub use context::{Context, Vars, Verbosity};
pub use error::{exit, Error};

/// What `main` does once a command has finished its work.
#[derive(Debug)]
pub enum Outcome {
    /// Exit 0.
    Done,
    /// Replace this process with a command (`exec`), after every cache write is done.
    Exec(ExecRequest),
}

/// A command to run with environment changes applied.
#[derive(Debug)]
pub struct ExecRequest {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub changes: Vec<env::Change>,
}

/// Runs a parsed command line.
pub fn run(cli: cli::Cli, ctx: &mut Context) -> Result<Outcome, Error> {
    commands::dispatch(cli.command, ctx)
}

/// The verbosity the flags ask for.
pub fn verbosity(cli: &cli::Cli) -> Verbosity {
    match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        (false, _) => Verbosity::Debug,
    }
}
