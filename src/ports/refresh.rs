//! The background refresh that the shell hook starts (`rolecall use --refresh`): one at a time
//! per profile, detached from the terminal, so it can never prompt; what it said when it
//! failed is kept for the hook to tell once. The real one is `adapters::refresh`.

/// What starting a background refresh did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Started,
    /// One is running already.
    Running,
    /// One failed already for the shell's session `tag` (say, an MFA code is needed): not
    /// tried again until the shell has another session.
    FailedBefore,
}

pub trait Background {
    /// Starts a refresh of `profile` for the shell whose session is `tag` (its expiration).
    fn start(&self, profile: &str, tag: &str) -> Result<Start, String>;
    /// Whether one is running now.
    fn running(&self, profile: &str) -> bool;
    /// Why the last one for `tag` failed, once: the next call says nothing.
    fn take_failure(&self, profile: &str, tag: &str) -> Option<String>;
}
