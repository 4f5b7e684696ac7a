//! The `AuditLog` port: where the record of every credential handed out goes, and where
//! `rolecall log` reads it back.

use crate::domain::audit::AuditEntry;

pub trait AuditLog {
    /// Appends one record; a log that cannot be written is said, and the run goes on.
    fn record(&self, entry: &AuditEntry) -> Result<(), String>;
    /// Every line of the log, oldest first (the rotated part, then the current one).
    fn lines(&self) -> Result<Vec<String>, String>;
    /// Where the log is, for people.
    fn describe(&self) -> String;
    /// A recorder another thread can use (a server's requests); `None` records nothing.
    #[cfg_attr(
        not(unix),
        allow(dead_code, reason = "the credential endpoints are Unix-only")
    )]
    fn recorder(&self) -> Option<Recorder> {
        None
    }
}

/// Appends a record from any thread; failures are dropped (the request is answered anyway).
#[cfg_attr(
    not(unix),
    allow(dead_code, reason = "the credential endpoints are Unix-only")
)]
pub type Recorder = std::sync::Arc<dyn Fn(&AuditEntry) + Send + Sync>;

/// `ROLECALL_AUDIT=off`: nothing is recorded.
pub struct NoAudit;

impl AuditLog for NoAudit {
    fn record(&self, _: &AuditEntry) -> Result<(), String> {
        Ok(())
    }
    fn lines(&self) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }
    fn describe(&self) -> String {
        "off (ROLECALL_AUDIT=off)".into()
    }
}
