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
