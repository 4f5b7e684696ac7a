//! `PolicyFiles` on the real file system: a regular file of at most 64 KiB (a session policy
//! is at most 2,048 characters; a larger file is no policy).

use crate::ports::policy::PolicyFiles;

/// Reads policy files from disk; `~/` is the user's home.
pub struct SystemPolicyFiles<'a> {
    pub vars: &'a crate::domain::Vars,
}

impl PolicyFiles for SystemPolicyFiles<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        let expanded = match (path.strip_prefix("~/"), self.vars.non_empty("HOME")) {
            (Some(rest), Some(home)) => std::path::Path::new(home).join(rest),
            _ => std::path::PathBuf::from(path),
        };
        let bytes = super::files::read_regular(&expanded, 64 * 1024)
            .map_err(|e| format!("cannot read {}: {e}", expanded.display()))?;
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", expanded.display()))
    }
}
