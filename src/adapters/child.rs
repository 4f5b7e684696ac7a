//! Running the child of `exec`: the only platform-specific code.

use std::io;
use std::process::Command;

use crate::domain::env::Change;
use crate::domain::exit;
use crate::domain::ExecRequest;

fn command(request: &ExecRequest) -> Command {
    let mut command = Command::new(&request.program);
    command.args(&request.args);
    for change in &request.changes {
        match change {
            Change::Set(k, v) => command.env(k, v),
            Change::Unset(k) => command.env_remove(k),
        };
    }
    command
}

/// The exit code and message for a command that could not be started.
pub(super) fn start_failure(request: &ExecRequest, error: &io::Error) -> (u8, String) {
    let name = request.program.to_string_lossy();
    let is_path = name.contains('/') || name.contains(std::path::MAIN_SEPARATOR);
    if is_path && std::path::Path::new(&request.program).is_dir() {
        return (
            exit::NOT_EXECUTABLE,
            format!("cannot run {name}: it is a directory; name the program inside it"),
        );
    }
    match error.kind() {
        // The file is there, so what is missing is its interpreter (a script's #! line).
        io::ErrorKind::NotFound if is_path && std::path::Path::new(&request.program).is_file() => (
            exit::NOT_EXECUTABLE,
            format!("cannot run {name}: its interpreter was not found; check its #! line"),
        ),
        io::ErrorKind::NotFound => (
            exit::NOT_FOUND,
            format!("command not found: {name}; check the name and your PATH"),
        ),
        io::ErrorKind::PermissionDenied => (
            exit::NOT_EXECUTABLE,
            format!("cannot run {name}: permission denied; is it executable?"),
        ),
        _ => (
            exit::NOT_EXECUTABLE,
            format!("cannot run {name}: {}", error),
        ),
    }
}

/// Replaces this process with the command. Returns only on failure, with the exit code and
/// a message.
#[cfg(unix)]
pub fn exec(request: &ExecRequest) -> (u8, String) {
    use std::os::unix::process::CommandExt;
    super::memory::release_for_child();
    let error = command(request).exec();
    start_failure(request, &error)
}

/// Windows has no exec: run the child, wait, and pass its exit code on.
#[cfg(not(unix))]
pub fn exec(request: &ExecRequest) -> (u8, String) {
    match command(request).status() {
        Ok(status) => (
            status
                .code()
                // A crash (a negative NTSTATUS) or a code above 255 must not read as success.
                .map(|c| u8::try_from(c).unwrap_or(exit::FAILURE))
                .unwrap_or(exit::FAILURE),
            String::new(),
        ),
        Err(error) => start_failure(request, &error),
    }
}

/// The command of `exec --server`, run as rolecall's child: Ctrl-C from the terminal reaches
/// it directly (same process group; rolecall itself stays up to report its status), and
/// SIGTERM, SIGHUP and SIGQUIT sent to rolecall are passed on. On Linux rolecall is the
/// command's subreaper: what the command leaves running when it exits (a background
/// process, which holds the endpoint's address and token) becomes rolecall's child and is
/// ended (SIGTERM, then SIGKILL after a second) before the endpoint closes, so nothing that
/// knows the token outlives the port it points to.
#[cfg(unix)]
pub struct Supervised {
    child: std::process::Child,
    signals: signal_hook::iterator::Signals,
}

#[cfg(unix)]
impl Supervised {
    /// Starts the command; on failure, the exit code and message `exec` gives.
    pub fn spawn(request: &ExecRequest) -> Result<Self, (u8, String)> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        super::terminal::supervising();
        let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
            .map_err(|e| (exit::FAILURE, format!("cannot handle signals: {e}")))?;
        #[cfg(target_os = "linux")]
        let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
        super::memory::release_for_child();
        // On Linux the command runs under a warden that ends it, and what it leaves running,
        // if rolecall dies (even by SIGKILL); it reports a command that cannot start itself.
        #[cfg(target_os = "linux")]
        let mut command = super::warden::command(request).map_err(|e| {
            (
                exit::FAILURE,
                format!("cannot find rolecall's own program: {e}"),
            )
        })?;
        #[cfg(not(target_os = "linux"))]
        let mut command = command(request);
        let child = command.spawn().map_err(|e| start_failure(request, &e))?;
        Ok(Self { child, signals })
    }
}

/// How long what the command left behind gets to end on SIGTERM before SIGKILL.
#[cfg(target_os = "linux")]
const LEFTOVER_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// This process's children (with the subreaper set: everything the command left running).
#[cfg(target_os = "linux")]
fn children() -> Vec<rustix::process::Pid> {
    let me = std::process::id().to_string();
    let Ok(proc) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    proc.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            // The parent is the fourth field, after the command name in parentheses.
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(|p| p == me))
                    .unwrap_or(false)
            })
        })
        .filter_map(rustix::process::Pid::from_raw)
        .collect()
}

/// Ends every process the command left behind (SIGTERM, then SIGKILL), and reaps them.
#[cfg(target_os = "linux")]
pub(super) fn end_leftovers() {
    use rustix::process::{kill_process, waitpid, Signal, WaitOptions};
    for signal in [Signal::TERM, Signal::KILL] {
        let until = std::time::Instant::now() + LEFTOVER_GRACE;
        let mut signalled = Vec::new();
        loop {
            while let Ok(Some(_)) = waitpid(None, WaitOptions::NOHANG) {}
            let left = children();
            if left.is_empty() {
                return;
            }
            if std::time::Instant::now() >= until {
                break;
            }
            // Ending one may hand its own children to rolecall: those get the signal too.
            for pid in left {
                if !signalled.contains(&pid) {
                    let _ = kill_process(pid, signal);
                    signalled.push(pid);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[cfg(unix)]
impl crate::ports::server::Supervisee for Supervised {
    /// Passes on the signals that came; the command's exit status once it has ended (128 + N
    /// when signal N ended it).
    fn poll(&mut self) -> Option<u8> {
        for signal in self.signals.pending() {
            if signal == signal_hook::consts::SIGINT {
                continue; // the terminal sent it to the command as well
            }
            let pid = rustix::process::Pid::from_raw(self.child.id() as i32);
            let sig = rustix::process::Signal::from_named_raw(signal);
            if let (Some(pid), Some(sig)) = (pid, sig) {
                let _ = rustix::process::kill_process(pid, sig);
            }
        }
        let status = self.child.try_wait().ok().flatten()?;
        #[cfg(target_os = "linux")]
        end_leftovers();
        Some(status_code(status))
    }
}

/// A command's exit status as rolecall's: its code, or 128 + N when signal N ended it.
#[cfg(unix)]
pub(super) fn status_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(exit::FAILURE),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(exit::FAILURE),
        (None, None) => exit::FAILURE,
    }
}

/// `rolecall serve`: no command, so what ends the serving is a signal to rolecall (SIGINT,
/// SIGTERM, SIGHUP): then status 0, a clean stop.
#[cfg(unix)]
pub struct Foreground {
    signals: signal_hook::iterator::Signals,
}

#[cfg(unix)]
impl Foreground {
    pub fn new() -> std::io::Result<Self> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        Ok(Self { signals })
    }
}

#[cfg(unix)]
impl crate::ports::server::Supervisee for Foreground {
    fn poll(&mut self) -> Option<u8> {
        self.signals.pending().next().map(|_| 0)
    }
}
