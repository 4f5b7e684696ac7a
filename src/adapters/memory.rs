//! Keeping secrets out of core dumps and out of other processes' reach: at start, rolecall
//! makes itself non-dumpable (Linux: no core file, and `/proc/PID/mem` and `environ` become
//! root's, so another process of the same user cannot read the long-term secret) and sets its
//! soft core-size limit to 0 elsewhere too. Before `exec` the limit is put back, so the user's
//! command runs with the limit it had (the dumpable flag resets at exec by itself).

#[cfg(unix)]
static SAVED_CORE: std::sync::OnceLock<rustix::process::Rlimit> = std::sync::OnceLock::new();

/// Called first thing in `main`.
pub fn protect() {
    #[cfg(target_os = "linux")]
    {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    }
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let old = getrlimit(Resource::Core);
        let _ = SAVED_CORE.set(old);
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: old.maximum,
            },
        );
    }
}

/// Puts the core-size limit back for the command `exec` is about to become.
#[cfg(unix)]
pub fn release_for_child() {
    if let Some(old) = SAVED_CORE.get() {
        let _ = rustix::process::setrlimit(rustix::process::Resource::Core, *old);
    }
}
