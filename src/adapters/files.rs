//! Rewriting a user's file in one step (`rolecall keys import` and `rotate` on
//! `~/.aws/credentials`): a temporary file beside it with the same mode, synced, renamed over
//! it, and the directory synced. No backup copy is left (it would hold the secret).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The bytes of a file another program writes, if it is a regular file of at most `cap`
/// bytes. It is opened without blocking and checked on the open descriptor, so a FIFO (which
/// would block for ever), a device (`/dev/zero` never ends) or a file swapped for one after a
/// check is refused, and at most `cap + 1` bytes are ever read. A missing file keeps the
/// error kind `NotFound`.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::other(format!(
            "it is larger than {} KiB",
            cap >> 10
        )));
    }
    Ok(bytes)
}

/// The file a path names, through symbolic links (a managed dotfile stays a link).
fn target(path: &Path) -> io::Result<PathBuf> {
    fs::canonicalize(path)
}

/// A user's file held for a rewrite: an exclusive lock from before the read to after the
/// rename, so that two rolecalls editing it (two imports, an import and a rotation) never
/// write over each other's change. The lock is on the file's directory (the file itself is
/// replaced by the rename, so a lock on it would not outlive the first rewrite); every
/// rolecall takes it before rewriting a file there, and the OS drops it if rolecall dies.
pub struct Held {
    path: PathBuf,
    _lock: fs::File,
    /// What the last `read` saw: the rename happens only if the file is still that.
    seen: Option<Vec<u8>>,
}

/// Why a held file was not replaced.
#[derive(Debug)]
pub enum RewriteError {
    /// Another program changed the file since it was read: read it again.
    Changed,
    Io(io::Error),
}

impl From<io::Error> for RewriteError {
    fn from(e: io::Error) -> Self {
        RewriteError::Io(e)
    }
}

impl std::fmt::Display for RewriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RewriteError::Changed => f.write_str("another program changed it at the same time"),
            RewriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// A file rewritten: how many other names (hard links) still hold its old contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    pub other_links: u64,
}

/// Takes the rewrite lock of `path` (through symbolic links), waiting for another rolecall
/// that holds it.
pub fn hold(path: &Path) -> io::Result<Held> {
    let path = target(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    #[cfg(unix)]
    let lock = fs::File::open(dir)?;
    #[cfg(not(unix))]
    let lock = {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(format!(".{name}.rolecall-lock")))?
    };
    lock.lock()?;
    Ok(Held {
        path,
        _lock: lock,
        seen: None,
    })
}

impl Held {
    /// The file's real path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text, remembered as what a `replace` must still find.
    pub fn read(&mut self) -> io::Result<String> {
        let bytes = fs::read(&self.path)?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))?;
        self.seen = Some(bytes);
        Ok(text)
    }

    /// Replaces the file with `bytes` in one step if it is still what `read` saw (else
    /// `Changed`, and nothing is written). The mode is kept; `private` takes away every
    /// permission of group and others (for a file that will hold a new secret).
    pub fn replace(&mut self, bytes: &[u8], private: bool) -> Result<Replaced, RewriteError> {
        let metadata = fs::metadata(&self.path)?;
        let now = fs::read(&self.path)?;
        if self.seen.as_deref() != Some(now.as_slice()) {
            return Err(RewriteError::Changed);
        }
        #[allow(unused_mut)]
        let mut permissions = metadata.permissions();
        #[cfg(unix)]
        let other_links = {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            if private {
                permissions.set_mode(permissions.mode() & !0o077);
            }
            metadata.nlink().saturating_sub(1)
        };
        #[cfg(not(unix))]
        let other_links = {
            let _ = private;
            0
        };
        write_via_temp(&self.path, bytes, Some(permissions))?;
        self.seen = Some(bytes.to_vec());
        Ok(Replaced { other_links })
    }
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

    fn replace(path: &Path, bytes: &[u8]) -> Result<Replaced, RewriteError> {
        let mut held = hold(path)?;
        held.read()?;
        held.replace(bytes, false)
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        fs::write(&path, "{}").unwrap();
        assert_eq!(read_regular(&path, 16).unwrap(), b"{}");
        fs::write(&path, [b'x'; 17]).unwrap();
        let e = read_regular(&path, 16).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), 16).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let e = read_regular(&fifo, 16).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let missing = read_regular(&dir.path().join("missing"), 16).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }

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
        assert_eq!(mode(&path), 0o640);
        // Nothing but the file (and, where a directory cannot be locked, the lock file).
        let beside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "credentials" && n != ".credentials.rolecall-lock")
            .collect();
        assert!(beside.is_empty(), "{beside:?}");
        assert!(replace(&dir.path().join("missing"), b"x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_for_a_new_secret_loses_group_and_other_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let mut held = hold(&path).unwrap();
        held.read().unwrap();
        held.replace(b"new", true).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "old").unwrap();
        let mut held = hold(&path).unwrap();
        held.read().unwrap();
        // A program that does not take the lock (the AWS CLI) writes in between.
        fs::write(&path, "theirs").unwrap();
        assert!(matches!(
            held.replace(b"mine", false),
            Err(RewriteError::Changed)
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), "theirs");
        held.read().unwrap();
        held.replace(b"mine", false).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "mine");
    }

    #[test]
    fn the_lock_is_held_from_the_read_to_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "0").unwrap();
        // Two writers at once, each adding one to the number: no update is lost.
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut held = hold(&path).unwrap();
                    let n: u32 = held.read().unwrap().parse().unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    held.replace((n + 1).to_string().as_bytes(), false).unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "8");
    }

    #[cfg(unix)]
    #[test]
    fn other_hard_links_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "old").unwrap();
        fs::hard_link(&path, dir.path().join("backup")).unwrap();
        assert_eq!(replace(&path, b"new").unwrap().other_links, 1);
        assert_eq!(
            fs::read_to_string(dir.path().join("backup")).unwrap(),
            "old"
        );
    }
}
