//! Helper programs (`credential_process`, `mfa_process`, a graphical MFA prompt) run with a
//! time limit and a cap on what they print: a helper that hangs, floods stdout or leaves a
//! child holding the pipe cannot keep rolecall waiting past the limit.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long rolecall still reads after the helper exited, for output a child of it holds:
/// then it goes on with what it has.
const AFTER_EXIT: Duration = Duration::from_secs(1);

/// Why a helper gave no usable output.
#[derive(Debug)]
pub enum HelperError {
    Spawn(std::io::Error),
    /// It ran past the limit and was stopped.
    TimedOut(Duration),
    /// It printed more than the cap.
    TooLarge(usize),
    Failed(ExitStatus),
}

impl HelperError {
    /// The error said for `what` (`credential_process "tool"`).
    pub fn describe(&self, what: &str) -> String {
        match self {
            HelperError::Spawn(e) => format!("cannot run {what}: {e}"),
            HelperError::TimedOut(limit) => format!(
                "{what} did not finish within {} s and was stopped; set ROLECALL_PROCESS_TIMEOUT to allow longer",
                limit.as_secs()
            ),
            HelperError::TooLarge(cap) => format!(
                "{what} printed more than {} KiB, which is not credentials; check the command",
                cap / 1024
            ),
            HelperError::Failed(status) => format!("{what} failed ({status}); see its message above"),
        }
    }
}

/// Runs `command` with stdout captured (its stdin and stderr as set by the caller), and
/// returns what it printed once it exits successfully.
pub fn run(command: &mut Command, limit: Duration, cap: usize) -> Result<Vec<u8>, HelperError> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(HelperError::Spawn)?;
    let deadline = Instant::now() + limit;
    // Read as it comes, so that what was printed is there even if the pipe never closes.
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let (done, finished) = mpsc::channel::<()>();
    if let Some(mut stdout) = child.stdout.take() {
        let buffer = buffer.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut chunk) {
                let mut b = buffer.lock().unwrap_or_else(|p| p.into_inner());
                b.extend_from_slice(&chunk[..n]);
                if b.len() > cap {
                    break; // closing the pipe stops a helper that goes on printing
                }
            }
            let _ = done.send(());
        });
    }
    let status = match wait_until(&mut child, deadline) {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(HelperError::TimedOut(limit));
        }
    };
    let read_until = deadline.min(Instant::now() + AFTER_EXIT);
    let _ = finished.recv_timeout(read_until.saturating_duration_since(Instant::now()));
    let bytes = std::mem::take(&mut *buffer.lock().unwrap_or_else(|p| p.into_inner()));
    // Over the cap first: the reader closed the pipe, which may be what made it fail.
    if bytes.len() > cap {
        return Err(HelperError::TooLarge(cap));
    }
    if !status.success() {
        return Err(HelperError::Failed(status));
    }
    Ok(bytes)
}

/// The child's status once it exits, or `None` at the deadline.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script).stdin(Stdio::null());
        c
    }

    #[test]
    fn output_status_limit_and_cap() {
        let second = Duration::from_secs(1);
        assert_eq!(run(&mut sh("printf ok"), second * 5, 64).unwrap(), b"ok");
        assert!(matches!(
            run(&mut sh("exit 3"), second * 5, 64),
            Err(HelperError::Failed(_))
        ));
        let start = Instant::now();
        let e = run(&mut sh("sleep 30"), Duration::from_millis(300), 64).unwrap_err();
        assert!(matches!(e, HelperError::TimedOut(_)));
        assert!(start.elapsed() < second * 5);
        assert!(e
            .describe("mfa_process \"x\"")
            .contains("ROLECALL_PROCESS_TIMEOUT"));
        assert!(matches!(
            run(&mut sh("head -c 100000 /dev/zero"), second * 5, 1024),
            Err(HelperError::TooLarge(1024))
        ));
        let e = run(&mut Command::new("/no/such/helper"), second, 64).unwrap_err();
        assert!(
            e.describe("x").starts_with("cannot run x: "),
            "{}",
            e.describe("x")
        );
    }

    #[test]
    fn a_child_holding_stdout_does_not_keep_rolecall_waiting() {
        let start = Instant::now();
        let out = run(
            &mut sh("printf ok; (sleep 30 &) ; exit 0"),
            Duration::from_secs(20),
            64,
        )
        .unwrap();
        assert_eq!(out, b"ok");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }
}
/// The program a helper command line (`credential_process`, `mfa_process`,
/// `web_identity_token_process`) would run, split as rolecall splits it (no shell), and
/// whether it is there: a path is looked at as it is, a bare name on `PATH`.
pub fn program_of(command: &str, vars: &crate::domain::Vars) -> Option<(String, bool)> {
    let first = shlex::split(command)?.into_iter().find(|w| !w.is_empty())?;
    let found = if first.contains('/') {
        is_executable(&vars.expand_home(&first))
    } else {
        find_program(&first, vars).is_some()
    };
    Some((first, found))
}

/// `program` on the `PATH` of `vars`.
pub fn find_program(program: &str, vars: &crate::domain::Vars) -> Option<std::path::PathBuf> {
    let path = vars.non_empty("PATH")?;
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

/// An executable regular file.
pub fn is_executable(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}
