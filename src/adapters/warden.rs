//! The warden of `exec --server`'s command (Linux): a small process of rolecall's own binary
//! between rolecall and the command, which ends with rolecall whatever ends rolecall. The
//! kernel sends it SIGTERM when rolecall dies (even by SIGKILL, which rolecall cannot act
//! on); it then ends the command and everything the command left running (it is their
//! subreaper), so no process that knows the endpoint's address and token outlives the port.
//! While rolecall lives, the warden passes its signals on and exits with the command's status.
//!
//! It runs as `rolecall __warden PARENT_PID -- PROGRAM ARGS…`, with the command's environment.

use std::ffi::OsString;
use std::process::{Command, ExitCode};
use std::time::Duration;

use rustix::process::{getppid, kill_process, Pid, Signal};

use crate::domain::{exit, ExecRequest};

/// The first argument that makes rolecall a warden.
pub const ARG: &str = "__warden";

/// How often the command and the parent are looked at.
const TICK: Duration = Duration::from_millis(50);

/// The warden's command line for `request`'s command, with its environment: what
/// `exec --server` starts instead of the command itself.
pub fn command(request: &ExecRequest) -> std::io::Result<Command> {
    let mut warden = Command::new(std::env::current_exe()?);
    warden
        .arg(ARG)
        .arg(std::process::id().to_string())
        .arg("--")
        .arg(&request.program)
        .args(&request.args);
    for change in &request.changes {
        match change {
            crate::domain::env::Change::Set(k, v) => warden.env(k, v),
            crate::domain::env::Change::Unset(k) => warden.env_remove(k),
        };
    }
    Ok(warden)
}

/// The warden's whole life; `args` are those after `__warden`.
pub fn main(args: &[OsString]) -> ExitCode {
    let (Some(parent), Some(program)) = (
        args.first()
            .and_then(|p| p.to_str()?.parse::<i32>().ok())
            .and_then(Pid::from_raw),
        args.get(2),
    ) else {
        return ExitCode::from(exit::USAGE);
    };
    // Told when rolecall dies; and rolecall may already be gone.
    let _ = rustix::process::set_parent_process_death_signal(Some(Signal::TERM));
    if getppid() != Some(parent) {
        return ExitCode::from(exit::FAILURE);
    }
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
    else {
        return ExitCode::from(exit::FAILURE);
    };
    let request = ExecRequest {
        program: program.clone(),
        args: args[3..].to_vec(),
        changes: Vec::new(),
    };
    // The command keeps the core-dump limit rolecall was started with.
    super::memory::release_for_child();
    let mut child = match Command::new(program).args(&args[3..]).spawn() {
        Ok(child) => child,
        Err(e) => {
            let (code, message) = super::child::start_failure(&request, &e);
            crate::printer::say(&mut std::io::stderr(), &message);
            return ExitCode::from(code);
        }
    };
    let pid = Pid::from_raw(child.id() as i32);
    loop {
        for signal in signals.pending() {
            if signal == SIGINT {
                continue; // the terminal sent it to the command as well
            }
            if let (Some(pid), Some(sig)) = (pid, Signal::from_named_raw(signal)) {
                let _ = kill_process(pid, sig);
            }
        }
        if getppid() != Some(parent) {
            // rolecall is gone, and with it the endpoint: nothing it served may go on.
            if let Some(pid) = pid {
                let _ = kill_process(pid, Signal::TERM);
            }
            super::child::end_leftovers();
            return ExitCode::from(exit::FAILURE);
        }
        if let Ok(Some(status)) = child.try_wait() {
            super::child::end_leftovers();
            return ExitCode::from(super::child::status_code(status));
        }
        std::thread::sleep(TICK);
    }
}
