//! What a command asks `main` to do once its work is done.

use std::ffi::OsString;

use super::env::Change;

/// What `main` does once a command has finished its work.
#[derive(Debug)]
pub enum Outcome {
    /// Exit 0.
    Done,
    /// Exit with this status; the command has said why (`doctor` found a problem).
    Exit(u8),
    /// Replace this process with a command (`exec`), after every cache write is done.
    Exec(ExecRequest),
}

/// A command to run with environment changes applied.
#[derive(Debug)]
pub struct ExecRequest {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub changes: Vec<Change>,
}
