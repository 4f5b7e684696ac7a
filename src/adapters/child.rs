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
fn start_failure(request: &ExecRequest, error: &io::Error) -> (u8, String) {
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
/// SIGTERM, SIGHUP and SIGQUIT sent to rolecall are passed on.
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
        super::memory::release_for_child();
        let child = command(request)
            .spawn()
            .map_err(|e| start_failure(request, &e))?;
        Ok(Self { child, signals })
    }
}

#[cfg(unix)]
impl crate::ports::server::Supervisee for Supervised {
    /// Passes on the signals that came; the command's exit status once it has ended (128 + N
    /// when signal N ended it).
    fn poll(&mut self) -> Option<u8> {
        use std::os::unix::process::ExitStatusExt;
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
        Some(match (status.code(), status.signal()) {
            (Some(code), _) => u8::try_from(code).unwrap_or(exit::FAILURE),
            (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(exit::FAILURE),
            (None, None) => exit::FAILURE,
        })
    }
}
