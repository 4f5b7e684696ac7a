//! `Projects` on the real file system: `.rolecall` files looked up from the working directory
//! to the root, read only as small regular files (a symbolic link is refused: it could point
//! the allowed path at other content), and the allowed ones recorded in the state directory
//! (`allowed/`, one small file per path, named by the path's digest).

use std::path::{Path, PathBuf};

use crate::domain::project::{digest, FILE_NAME, MAX_BYTES};
use crate::ports::project::{Found, Projects};

pub struct SystemProjects {
    pub state: crate::adapters::keychain::StateDir,
}

impl SystemProjects {
    fn record(&self, path: &Path) -> PathBuf {
        let name = digest(path.as_os_str().as_encoded_bytes());
        self.state.root().join("allowed").join(name)
    }

    /// The file in `dir`, if there is one, read safely.
    fn read_in(dir: &Path) -> Result<Option<Found>, String> {
        let path = dir.join(FILE_NAME);
        match std::fs::symlink_metadata(&path) {
            Err(_) => Ok(None),
            Ok(meta) if meta.file_type().is_symlink() => Err(format!(
                "{} is a symbolic link; rolecall reads only a regular file there",
                path.display()
            )),
            Ok(_) => super::files::read_regular(&path, MAX_BYTES)
                .map(|bytes| {
                    Some(Found {
                        path: path.clone(),
                        bytes,
                    })
                })
                .map_err(|e| format!("cannot read {}: {e}", path.display())),
        }
    }
}

impl Projects for SystemProjects {
    fn find(&self, dir: Option<&Path>) -> Result<Option<Found>, String> {
        if let Some(dir) = dir {
            return Self::read_in(dir);
        }
        let Ok(start) = std::env::current_dir() else {
            return Ok(None);
        };
        for dir in start.ancestors() {
            if let Some(found) = Self::read_in(dir)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn allowed(&self, path: &Path) -> Option<String> {
        let text = std::fs::read_to_string(self.record(path)).ok()?;
        let (recorded, for_path) = text.split_once('\n')?;
        (for_path.trim_end_matches('\n') == path.to_string_lossy()).then(|| recorded.to_string())
    }

    fn allow(&self, path: &Path, digest: &str) -> Result<(), String> {
        self.state
            .private_dir("allowed")
            .map_err(|e| e.to_string())?;
        let text = format!("{digest}\n{}\n", path.to_string_lossy());
        super::files::write_private(&self.record(path), text.as_bytes())
            .map_err(|e| format!("cannot record the allowed file: {e}"))
    }

    fn deny(&self, path: &Path) -> Result<bool, String> {
        match std::fs::remove_file(self.record(path)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(format!("cannot forget the allowed file: {e}")),
        }
    }
}
