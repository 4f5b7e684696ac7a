//! The Secret Service's copy of a session, made after the run that fetched it has ended.
//!
//! A cold `export` stores its new session in the kernel keyring (microseconds) and leaves
//! the Secret Service's copy (a D-Bus session, the daemon's encryption and its write of the
//! keyring file: ten milliseconds or more) to `rolecall __keychain-copy`, a re-exec of its own
//! binary that gets the entry on a pipe (never in argv or a file), starts its work when the
//! run has ended (the pipe's end) and outlives it, out of the terminal's session. Its stdout
//! is `STATE/copies/KEY.lock`, locked (flock) by the run before the start and so held from the
//! first instant to the copy's end: a run that finds the kernel keyring without the session,
//! and `clear-cache`, wait for that lock before they ask the Secret Service, so neither can
//! see the copy half made or race it.

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroize;

use super::statedir::{private_file, StateDir};

/// The first argument that makes rolecall a keychain copy.
pub const ARG: &str = "__keychain-copy";

/// The longest entry a copy accepts (a session is a few KB).
const MAX_INPUT: u64 = 1 << 20;

/// How long a reader waits for a copy in flight: the Secret Service's own time limit.
const COPY_WAIT: Duration = super::backend::KEYCHAIN_TIMEOUT;

/// `STATE/copies/KEY.lock`: locked while the copy of the session `key` is made.
fn lock_path(state: &StateDir, key: &str) -> PathBuf {
    state.root().join("copies").join(format!("{key}.lock"))
}

/// Starts the durable copy of the entry `name` (the session `key`) in the background.
/// `false` when it could not start (another copy of it still runs, no state directory, no
/// binary to re-exec): the caller then writes the copy itself.
pub fn start(state: &StateDir, key: &str, name: &str, label: &str, bytes: &[u8]) -> bool {
    if state.private_dir("copies").is_err() {
        return false;
    }
    let Ok(lock) = private_file(&lock_path(state, key), false) else {
        return false;
    };
    if lock.try_lock().is_err() {
        return false;
    }
    let Ok(exe) = std::env::current_exe() else {
        return false;
    };
    use std::os::unix::process::CommandExt;
    let child = Command::new(exe)
        .arg(ARG)
        // Out of the terminal's process group from the start: a Ctrl-C after the output
        // does not stop the copy.
        .process_group(0)
        .stdin(Stdio::piped())
        // The lock goes with the copy: held by it until it ends, with no gap.
        .stdout(Stdio::from(lock))
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let Some(mut pipe) = child.stdin.take() else {
        return false;
    };
    let mut input = frame(&[name.as_bytes(), label.as_bytes(), bytes]);
    let written = pipe.write_all(&input).is_ok();
    input.zeroize();
    // The pipe stays open to the end of this run (no other child inherits it: close-on-exec),
    // so the copy reads its end only then and does its work after the run, not beside it (a
    // chain's next round trip). The copy is not waited for: it is re-parented.
    std::mem::forget(pipe);
    written
}

/// Waits (at most the Secret Service's time limit) for a copy of the session `key` that is
/// still being made.
pub fn wait(state: &StateDir, key: &str) {
    let Ok(file) = File::open(lock_path(state, key)) else {
        return; // no copy was ever made of it: nothing to wait for
    };
    let deadline = Instant::now() + COPY_WAIT;
    while matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    ) && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// `rolecall __keychain-copy`: reads one entry from stdin (to its end: when the run that
/// started the copy is over) and copies it from the kernel
/// keyring's layer into the Secret Service's, if the kernel keyring still holds it as given
/// (a `clear-cache` in between has the last word), and takes the copy out again if the
/// kernel keyring lost it meanwhile.
pub fn main() -> ExitCode {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "rolecall: {ARG} is a step rolecall runs in the background, not a command; run \"rolecall --help\" for the commands"
        );
        return ExitCode::from(2);
    }
    // No controlling terminal: nothing here may wait for a person at it.
    let _ = rustix::process::setsid();
    let mut input = Vec::new();
    if std::io::stdin()
        .take(MAX_INPUT)
        .read_to_end(&mut input)
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    let done = match unframe(&input) {
        Some([name, label, bytes]) => copy(name, label, bytes),
        _ => false,
    };
    input.zeroize();
    if done {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn copy(name: &[u8], label: &[u8], bytes: &[u8]) -> bool {
    let (Ok(name), Ok(label)) = (std::str::from_utf8(name), std::str::from_utf8(label)) else {
        return false;
    };
    let (fast, durable) = super::layers();
    let held = |fast: &dyn super::backend::Backend| {
        fast.get(name).ok().flatten().is_some_and(|mut b| {
            let same = b == bytes;
            b.zeroize();
            same
        })
    };
    if !held(fast.as_ref()) {
        return false;
    }
    if durable.set(name, label, bytes).is_err() {
        return false;
    }
    if !held(fast.as_ref()) {
        let _ = durable.delete(name);
    }
    true
}

/// Length-prefixed parts (u32, little-endian).
fn frame(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 4).sum());
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_le_bytes());
        out.extend_from_slice(part);
    }
    out
}

fn unframe(mut input: &[u8]) -> Option<[&[u8]; 3]> {
    let mut parts = [&[][..]; 3];
    for part in &mut parts {
        let (len, rest) = input.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        (*part, input) = rest.split_at(len);
    }
    input.is_empty().then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_back_and_nothing_else_does() {
        let framed = frame(&[b"name", b"", b"\x00secret\xff"]);
        assert_eq!(
            unframe(&framed),
            Some([&b"name"[..], &b""[..], &b"\x00secret\xff"[..]])
        );
        assert_eq!(unframe(&framed[..framed.len() - 1]), None);
        let mut longer = framed.clone();
        longer.push(0);
        assert_eq!(unframe(&longer), None);
        assert_eq!(unframe(b""), None);
    }

    #[test]
    fn a_reader_waits_for_a_copy_in_flight_and_not_for_a_finished_one() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::at(dir.path().join("state"));
        let start = Instant::now();
        wait(&state, "abc"); // never copied
        state.private_dir("copies").unwrap();
        let held = private_file(&lock_path(&state, "abc"), false).unwrap();
        held.lock().unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        wait(&state, "abc");
        assert!(start.elapsed() >= Duration::from_millis(100));
        releaser.join().unwrap();
        let again = Instant::now();
        wait(&state, "abc"); // finished
        assert!(again.elapsed() < Duration::from_millis(100));
    }
}
