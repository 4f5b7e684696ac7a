//! The `Projects` port: the `.rolecall` file of the working directory or a parent, and the
//! list of files the user allowed.

use std::path::{Path, PathBuf};

/// A `.rolecall` file found.
pub struct Found {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

pub trait Projects {
    /// The `.rolecall` file of `dir` alone (`None`) or of the working directory or its nearest
    /// parent that has one; an error for one that cannot be read safely (a link, too large).
    fn find(&self, dir: Option<&Path>) -> Result<Option<Found>, String>;
    /// The digest the file at `path` was allowed with.
    fn allowed(&self, path: &Path) -> Option<String>;
    fn allow(&self, path: &Path, digest: &str) -> Result<(), String>;
    /// Forgets the file at `path`; whether it was allowed.
    fn deny(&self, path: &Path) -> Result<bool, String>;
}

/// No per-directory profiles (the in-process tests).
#[cfg(test)]
pub struct NoProjects;

#[cfg(test)]
impl Projects for NoProjects {
    fn find(&self, _: Option<&Path>) -> Result<Option<Found>, String> {
        Ok(None)
    }
    fn allowed(&self, _: &Path) -> Option<String> {
        None
    }
    fn allow(&self, _: &Path, _: &str) -> Result<(), String> {
        Err("per-directory profiles are not kept here".into())
    }
    fn deny(&self, _: &Path) -> Result<bool, String> {
        Ok(false)
    }
}
