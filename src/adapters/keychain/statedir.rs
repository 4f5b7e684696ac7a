//! rolecall's private state directory: the session index (no secrets) and the lock files.
//!
//! Layout, all directories 0700 and files 0600 whatever the umask:
//! `STATE/sessions/KEY` holds `{"profile":…,"expiration":…}` for each stored session, one file
//! per session so that concurrent writers never rewrite each other's lines;
//! `STATE/locks/KEY.lock` is locked (flock) while a process fetches that session.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::domain::Vars;
use crate::ports::store::{IndexEntry, Label, StoreError};

/// How long a process waits for another one fetching the same session.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);
/// When a waiting process says that it waits.
const SAY_WAITING_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

/// A held lock; released when dropped or when the process dies.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl StateDir {
    /// `ROLECALL_STATE_DIR`, else `$XDG_STATE_HOME/rolecall`, else `~/.local/state/rolecall`
    /// (on Windows `%LOCALAPPDATA%\rolecall`).
    pub fn locate(configured: Option<&Path>, vars: &Vars) -> Self {
        let root = if let Some(dir) = configured {
            dir.to_path_buf()
        } else if cfg!(windows) {
            vars.non_empty("LOCALAPPDATA")
                .map(PathBuf::from)
                .unwrap_or_else(|| vars.home().join("AppData").join("Local"))
                .join("rolecall")
        } else {
            // The XDG spec: a relative path is invalid and is ignored.
            let mut root = match vars.non_empty("XDG_STATE_HOME").map(PathBuf::from) {
                Some(xdg) if xdg.is_absolute() => xdg,
                _ => {
                    let mut home = vars.home();
                    home.push(".local/state");
                    home
                }
            };
            root.push("rolecall");
            root
        };
        Self { root }
    }

    #[cfg(test)]
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory `name` under the root, created private (0700) if needed.
    pub(crate) fn private_dir(&self, name: &str) -> Result<PathBuf, StoreError> {
        let dir = self.root.join(name);
        for d in [&self.root, &dir] {
            make_private_dir(d).map_err(|e| {
                StoreError(format!(
                    "cannot use the state directory {}: {}",
                    d.display(),
                    e
                ))
            })?;
        }
        Ok(dir)
    }

    /// Whether the state directory can be used (created if needed), for `rolecall doctor`.
    pub fn check(&self) -> Result<(), StoreError> {
        self.private_dir("sessions").map(|_| ())
    }

    /// Records that a session for `profile` is stored under `key`.
    pub fn index_put(&self, key: &str, label: Label, expiration: i64) -> Result<(), StoreError> {
        let dir = self.private_dir("sessions")?;
        let entry = IndexEntry {
            key: key.to_string(),
            profile: label.profile.to_string(),
            expiration,
            session_name: label.session_name.map(str::to_string),
        };
        let json = serde_json::to_vec(&entry).map_err(|e| StoreError(e.to_string()))?;
        let tmp = dir.join(format!(".{key}.{}.tmp", std::process::id()));
        // Not synced to disk: an entry a crash loses or leaves empty is skipped by `index`,
        // and the session it names is still found by name (`clear-cache`, `--dry-run`); a
        // cold run does not wait for the disk.
        let write = || -> io::Result<()> {
            let mut f = private_file(&tmp, true)?;
            f.write_all(&json)?;
            fs::rename(&tmp, dir.join(key))
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            StoreError(format!("cannot update the session index: {}", e))
        })
    }

    /// Writes `bytes` as `DIR/NAME` (0600) in one step: a temporary file, synced, renamed.
    pub(super) fn write_atomic(
        &self,
        dir: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let dir = self.private_dir(dir)?;
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let write = || -> io::Result<()> {
            let mut f = private_file(&tmp, true)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, dir.join(name))
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            StoreError(format!("cannot write {}: {}", dir.join(name).display(), e))
        })
    }

    /// Whether `text` (a note about `topic`) is news: true the first time in this boot of the
    /// machine (Linux's boot id; elsewhere, the first time ever), false after that. A state
    /// directory that cannot be written makes everything news.
    pub fn first_this_boot(&self, topic: &str, text: &str) -> bool {
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_default();
        let mark = format!("{}\n{text}\n", boot.trim());
        let Ok(dir) = self.private_dir("notices") else {
            return true;
        };
        let path = dir.join(topic);
        if fs::read_to_string(&path).is_ok_and(|seen| seen == mark) {
            return false;
        }
        let _ = private_file(&path, true).and_then(|mut f| f.write_all(mark.as_bytes()));
        true
    }

    /// Whether the index lists `key` (expired or not).
    pub fn indexed(&self, key: &str) -> bool {
        self.root.join("sessions").join(key).is_file()
    }

    pub fn index_remove(&self, key: &str) {
        let _ = fs::remove_file(self.root.join("sessions").join(key));
    }

    /// Every indexed session; unreadable index files are skipped.
    pub fn index(&self) -> Vec<IndexEntry> {
        let Ok(dir) = fs::read_dir(self.root.join("sessions")) else {
            return Vec::new();
        };
        let mut out: Vec<IndexEntry> = dir
            .filter_map(Result::ok)
            .filter_map(|e| {
                let key = e.file_name().into_string().ok()?;
                if key.starts_with('.') || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                let bytes = fs::read(e.path()).ok()?;
                let mut entry: IndexEntry = serde_json::from_slice(&bytes).ok()?;
                entry.key = key;
                Some(entry)
            })
            .collect();
        out.sort_by(|a, b| (&a.profile, &a.key).cmp(&(&b.profile, &b.key)));
        out
    }

    /// Takes the lock for `key`, waiting at most `wait` for another holder. `Ok(None)` when
    /// the wait ran out (the caller goes on without it).
    pub fn lock(
        &self,
        key: &str,
        wait: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Option<Lock>, StoreError> {
        let dir = self.private_dir("locks")?;
        let path = dir.join(format!("{key}.lock"));
        let file = private_file(&path, false).map_err(|e| {
            StoreError(format!(
                "cannot open the lock file {}: {}",
                path.display(),
                e
            ))
        })?;
        let start = Instant::now();
        let deadline = start + wait;
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(Lock { _file: file })),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    if !told && start.elapsed() >= SAY_WAITING_AFTER {
                        told = true;
                        waiting();
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError(format!(
                        "another rolecall has been fetching this session for {} s (waiting at an MFA prompt?)",
                        wait.as_secs()
                    )))
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(StoreError(format!(
                        "cannot lock {}: {}",
                        path.display(),
                        e
                    )))
                }
            }
        }
    }
}

/// Creates `dir` (and its parents) 0700, or makes an existing one 0700. A directory reached
/// through a symbolic link, or owned by another user, is refused rather than chmod-ed: it may
/// be someone else's, planted to catch the index and the locks.
fn make_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        // Only a directory made here may be chmod-ed: one that was there (a shared 1777
        // directory, /tmp through ROLECALL_STATE_DIR) is refused unless already private.
        let existed = fs::symlink_metadata(dir).is_ok();
        let created = !existed
            && match fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
            {
                Ok(()) => true,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(e),
            };
        let meta = fs::symlink_metadata(dir)?;
        if meta.file_type().is_symlink() {
            return Err(io::Error::other(
                "it is a symbolic link; point ROLECALL_STATE_DIR at a directory of your own",
            ));
        }
        if !meta.is_dir() {
            return Err(io::Error::other("it is not a directory"));
        }
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(io::Error::other(format!(
                "it belongs to uid {}, not to you; remove it or set ROLECALL_STATE_DIR",
                meta.uid()
            )));
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode != 0o700 {
            if !created {
                return Err(io::Error::other(format!(
                    "it already exists with mode {mode:o}, and rolecall changes the mode only of a directory it created; use a directory only you can use (mode 700) or set ROLECALL_STATE_DIR to a new path"
                )));
            }
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}

/// Opens (creating) a file readable and writable by its owner only.
pub(super) fn private_file(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Never through a symbolic link planted in the directory.
        options
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        let file = options.open(path)?;
        if file.metadata()?.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_news_once_per_boot_and_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::at(dir.path().join("state"));
        assert!(state.first_this_boot("notice", "kernel keyring failed"));
        assert!(!state.first_this_boot("notice", "kernel keyring failed"));
        assert!(state.first_this_boot("notice", "Secret Service failed"));
        let broken = StateDir::at("/proc/no-such-dir/rolecall");
        assert!(broken.first_this_boot("notice", "x") && broken.first_this_boot("notice", "x"));
    }

    fn label(profile: &str) -> Label<'_> {
        Label {
            profile,
            session_name: None,
        }
    }

    #[test]
    fn index_round_trip_and_removal() {
        let tmp = tempfile::tempdir().unwrap();
        let state = StateDir::at(tmp.path().join("state"));
        assert!(state.index().is_empty());
        state.index_put("aa11", label("prod"), 100).unwrap();
        state.index_put("bb22", label("dev"), 200).unwrap();
        state.index_put("aa11", label("prod"), 300).unwrap();
        std::fs::write(tmp.path().join("state/sessions/cc33"), b"not json").unwrap();
        let index = state.index();
        assert_eq!(
            index,
            vec![
                IndexEntry {
                    key: "bb22".into(),
                    profile: "dev".into(),
                    expiration: 200,
                    session_name: None,
                },
                IndexEntry {
                    key: "aa11".into(),
                    profile: "prod".into(),
                    expiration: 300,
                    session_name: None,
                },
            ]
        );
        state.index_remove("aa11");
        assert_eq!(state.index().len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn directories_and_files_are_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("new/state");
        let state = StateDir::at(&root);
        state.index_put("aa11", label("prod"), 1).unwrap();
        let _lock = state
            .lock("aa11", Duration::ZERO, &mut || {})
            .unwrap()
            .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("sessions")), 0o700);
        assert_eq!(mode(&root.join("locks")), 0o700);
        assert_eq!(mode(&root.join("sessions/aa11")), 0o600);
        assert_eq!(mode(&root.join("locks/aa11.lock")), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_that_was_there_is_never_chmod_ed() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        // A shared directory (as /tmp through ROLECALL_STATE_DIR), and one only a bit open.
        for mode in [0o1777, 0o755] {
            let root = tmp.path().join(format!("shared-{mode:o}"));
            std::fs::create_dir(&root).unwrap();
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(mode)).unwrap();
            let e = StateDir::at(&root).check().unwrap_err();
            assert!(
                e.0.contains("changes the mode only of a directory it created"),
                "{e}"
            );
            let now = std::fs::metadata(&root).unwrap().permissions().mode() & 0o7777;
            assert_eq!(now, mode, "left as it was");
        }
        // A private one that was there is used as it is.
        let root = tmp.path().join("mine");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).unwrap();
        StateDir::at(&root).check().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_refused_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, tmp.path().join("state")).unwrap();
        let e = StateDir::at(tmp.path().join("state")).check().unwrap_err();
        assert!(e.0.contains("symbolic link"), "{e}");
        // A planted lock-file link is not followed either.
        let state = StateDir::at(tmp.path().join("real"));
        state.check().unwrap();
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(tmp.path().join("real/locks"))
                .unwrap();
        }
        let target = tmp.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, tmp.path().join("real/locks/k.lock")).unwrap();
        assert!(state.lock("k", Duration::ZERO, &mut || {}).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_the_state_directory_is_in_local_app_data() {
        let vars = Vars::from_pairs([("HOME", r"C:\Users\u"), ("LOCALAPPDATA", r"D:\Local")]);
        assert_eq!(
            StateDir::locate(None, &vars).root(),
            Path::new(r"D:\Local\rolecall")
        );
        let vars = Vars::from_pairs([("HOME", r"C:\Users\u"), ("XDG_STATE_HOME", r"C:\x")]);
        assert_eq!(
            StateDir::locate(None, &vars).root(),
            Path::new(r"C:\Users\u\AppData\Local\rolecall")
        );
    }

    #[cfg(not(windows))]
    #[test]
    fn a_relative_xdg_state_home_is_ignored() {
        let vars = Vars::from_pairs([("HOME", "/home/u"), ("XDG_STATE_HOME", "state")]);
        assert_eq!(
            StateDir::locate(None, &vars).root(),
            Path::new("/home/u/.local/state/rolecall")
        );
        let vars = Vars::from_pairs([("HOME", "/home/u"), ("XDG_STATE_HOME", "/x")]);
        assert_eq!(
            StateDir::locate(None, &vars).root(),
            Path::new("/x/rolecall")
        );
    }

    #[test]
    fn a_waiting_process_says_so_once_after_a_second() {
        let tmp = tempfile::tempdir().unwrap();
        let state = StateDir::at(tmp.path().join("state"));
        let _held = state.lock("k", Duration::ZERO, &mut || {}).unwrap();
        let mut told = 0;
        let _ = state.lock("k", Duration::from_millis(1500), &mut || told += 1);
        assert_eq!(told, 1);
        let mut told = 0;
        let _ = state.lock("k", Duration::from_millis(500), &mut || told += 1);
        assert_eq!(told, 0, "not before a second");
    }

    #[test]
    fn a_held_lock_makes_others_wait_then_give_up() {
        let tmp = tempfile::tempdir().unwrap();
        let state = StateDir::at(tmp.path().join("state"));
        let held = state.lock("k1", Duration::ZERO, &mut || {}).unwrap();
        assert!(held.is_some());
        let start = Instant::now();
        let e = state
            .lock("k1", Duration::from_millis(100), &mut || {})
            .unwrap_err();
        assert!(e.0.contains("another rolecall"), "{e}");
        assert!(start.elapsed() >= Duration::from_millis(100));
        assert!(
            state
                .lock("k2", Duration::ZERO, &mut || {})
                .unwrap()
                .is_some(),
            "other keys are free"
        );
        drop(held);
        assert!(state
            .lock("k1", Duration::ZERO, &mut || {})
            .unwrap()
            .is_some());
    }
}
