//! The shell hook's background refresh: `rolecall __refresh LOCK PROFILE`, a re-exec of
//! rolecall's own binary that leaves the terminal's session (so no prompt can reach it: MFA
//! codes are asked of nobody, `ROLECALL_MFA_PROMPT=none`), holds a per-profile lock for its
//! whole life (one at a time), and runs `export PROFILE` into the cache. Its stderr goes to a
//! file beside the lock, which the hook reads once when it failed.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::adapters::keychain::StateDir;
use crate::ports::refresh::{Background, Start};

/// The first argument that makes rolecall a background refresh.
pub const ARG: &str = "__refresh";

pub struct SystemBackground {
    pub state: StateDir,
}

impl SystemBackground {
    /// The lock, the stderr and the failure mark of `profile`'s refreshes.
    fn files(&self, profile: &str) -> Result<[PathBuf; 3], String> {
        let dir = self.state.private_dir("refresh").map_err(|e| e.0)?;
        let digest = Sha256::digest(profile.as_bytes());
        let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Ok(["lock", "err", "failed"].map(|ext| dir.join(format!("{name}.{ext}"))))
    }
}

fn open_lock(path: &PathBuf) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Whether another process holds the lock at `path`.
fn held(path: &PathBuf) -> bool {
    matches!(
        open_lock(path).map(|f| f.try_lock()),
        Ok(Err(std::fs::TryLockError::WouldBlock))
    )
}

impl Background for SystemBackground {
    fn start(&self, profile: &str, tag: &str) -> Result<Start, String> {
        let [lock, err, failed] = self.files(profile)?;
        if held(&lock) {
            return Ok(Start::Running);
        }
        if std::fs::read_to_string(&failed).is_ok_and(|t| t == tag) {
            return Ok(Start::FailedBefore);
        }
        let _ = std::fs::remove_file(&failed);
        let stderr = File::create(&err).map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        Command::new(exe)
            .arg(ARG)
            .arg(&lock)
            .arg(profile)
            .env("ROLECALL_MFA_PROMPT", "none")
            .env_remove("ROLECALL_SHELL_FUNCTION")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| e.to_string())?;
        Ok(Start::Started)
    }

    fn running(&self, profile: &str) -> bool {
        self.files(profile).is_ok_and(|[lock, ..]| held(&lock))
    }

    fn take_failure(&self, profile: &str, tag: &str) -> Option<String> {
        let [_, err, failed] = self.files(profile).ok()?;
        let text = std::fs::read_to_string(&err).ok()?;
        let _ = std::fs::remove_file(&err);
        let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
        let _ = std::fs::write(&failed, tag);
        let line = line.strip_prefix("rolecall: ").unwrap_or(line);
        Some(crate::domain::printable(line).into_owned())
    }
}

/// For `rolecall __refresh LOCK PROFILE`: leaves the terminal's session, takes the lock (or,
/// when another refresh holds it, `None`: nothing to do), and gives the command line to run
/// with the lock to keep until the end. Any other command line is returned as it is.
pub fn command_line(argv: Vec<OsString>) -> Option<(Vec<OsString>, Option<File>)> {
    if argv.get(1).is_none_or(|a| a != ARG) {
        return Some((argv, None));
    }
    let (Some(lock), Some(profile)) = (argv.get(2), argv.get(3)) else {
        return None;
    };
    // No controlling terminal from here on: a prompt anywhere below fails instead of waiting.
    #[cfg(unix)]
    let _ = rustix::process::setsid();
    let file = open_lock(&PathBuf::from(lock)).ok()?;
    file.try_lock().ok()?;
    let line = ["rolecall", "-q", "export", "--format", "json"]
        .into_iter()
        .map(OsString::from)
        .chain([profile.clone()])
        .collect();
    Some((line, Some(file)))
}
