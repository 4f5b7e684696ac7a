//! The `PolicyFiles` port: the session policy documents a profile's `policy` or `--policy`
//! names by path, read for the planner (which does no I/O itself).

/// Reads a policy document.
pub trait PolicyFiles {
    /// The document at `path`, or why it cannot be read (one line).
    fn read(&self, path: &str) -> Result<String, String>;
}

/// No policy files: a path is an error (the fuzz target, plans without a run's context).
pub struct NoPolicyFiles;

impl PolicyFiles for NoPolicyFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        Err(format!("policy files are not read here ({path})"))
    }
}
