//! The audit trail on disk: JSON Lines appended to `audit.log` in the state directory (0600),
//! one `write` per record so that concurrent rolecalls never interleave a line; past
//! `MAX_BYTES` it is rotated to `audit.log.1` (one generation kept), so it stays bounded.

use std::io::Write;
use std::path::PathBuf;

use crate::domain::audit::AuditEntry;
use crate::ports::audit::AuditLog;

/// The size past which the log is rotated.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The log in the state directory's `audit` folder (made private when first written).
pub struct FileAudit {
    pub state: crate::adapters::keychain::StateDir,
}

impl FileAudit {
    fn dir(&self) -> PathBuf {
        self.state.root().join("audit")
    }

    fn path(&self) -> PathBuf {
        self.dir().join("audit.log")
    }

    fn rotated(&self) -> PathBuf {
        self.dir().join("audit.log.1")
    }

    /// Moves a full log aside (a rename: a concurrent writer's line lands in one of the two).
    fn rotate_if_full(&self) {
        if std::fs::metadata(self.path()).is_ok_and(|m| m.len() >= MAX_BYTES) {
            let _ = std::fs::rename(self.path(), self.rotated());
        }
    }
}

impl AuditLog for FileAudit {
    fn record(&self, entry: &AuditEntry) -> Result<(), String> {
        self.state
            .private_dir("audit")
            .map_err(|e| format!("cannot keep the audit log: {e}"))?;
        self.rotate_if_full();
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options
                .mode(0o600)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let mut file = options
            .open(self.path())
            .map_err(|e| format!("cannot open the audit log {}: {e}", self.path().display()))?;
        file.write_all(entry.line().as_bytes())
            .map_err(|e| format!("cannot write the audit log {}: {e}", self.path().display()))
    }

    fn lines(&self) -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        for path in [self.rotated(), self.path()] {
            match super::files::read_regular(&path, MAX_BYTES * 2) {
                Ok(bytes) => lines.extend(
                    String::from_utf8_lossy(&bytes)
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_string),
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            }
        }
        Ok(lines)
    }

    fn describe(&self) -> String {
        self.path().display().to_string()
    }

    fn recorder(&self) -> Option<crate::ports::audit::Recorder> {
        let log = FileAudit {
            state: self.state.clone(),
        };
        Some(std::sync::Arc::new(move |entry: &AuditEntry| {
            let _ = log.record(entry);
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_is_rotated_and_both_parts_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let state = crate::adapters::keychain::StateDir::at(dir.path().join("state"));
        let log = FileAudit { state };
        let plan = crate::testing::plan_of(
            "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = default\n",
            "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = s\n",
            "p",
            &[],
            crate::testing::NOW,
        );
        let credentials = crate::domain::Credentials {
            access_key_id: "ASIA0001".into(),
            secret_access_key: crate::domain::Secret::new("s"),
            session_token: None,
            expiration: None,
            account_id: None,
        };
        let entry = AuditEntry::of("export", &plan, &credentials, crate::testing::NOW, 1);
        log.record(&entry).unwrap();
        // Full: the next record starts a new log, the old one kept as audit.log.1.
        std::fs::OpenOptions::new()
            .write(true)
            .open(log.path())
            .unwrap()
            .set_len(MAX_BYTES)
            .unwrap();
        log.record(&entry).unwrap();
        assert_eq!(std::fs::metadata(log.rotated()).unwrap().len(), MAX_BYTES);
        assert_eq!(std::fs::read_to_string(log.path()).unwrap(), entry.line());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
