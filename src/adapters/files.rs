//! Rewriting a user's file in one step (`rolecall keys import` and `rotate` on
//! `~/.aws/credentials`): a temporary file beside it with the same mode, synced, renamed over
//! it, and the directory synced. No backup copy is left (it would hold the secret).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file a path names, through symbolic links (a managed dotfile stays a link).
fn target(path: &Path) -> io::Result<PathBuf> {
    fs::canonicalize(path)
}

/// Replaces the contents of `path` with `bytes`, keeping its mode; the file is either the
/// old one or the new one, never a mix, and a failure leaves it untouched.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let path = target(path)?;
    let permissions = fs::metadata(&path)?.permissions();
    write_via_temp(&path, bytes, Some(permissions))
}

/// Writes `bytes` as `path`, private to the user (0600), in one step.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, bytes, None)
}

/// A temporary file in the same directory (created 0600, then given `permissions`), synced,
/// renamed over `path`, the directory synced; the temporary file goes on any failure.
fn write_via_temp(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.rolecall-{}.tmp", std::process::id()));
    let write = || -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        if let Some(p) = permissions {
            file.set_permissions(p)?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // The rename itself is durable once the directory is.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeping_the_mode_and_leaves_nothing_beside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        replace(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(replace(&dir.path().join("missing"), b"x").is_err());
    }
}
