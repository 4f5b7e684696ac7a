//! Which shell runs rolecall: its parent process, looking through a few programs that only
//! run a command for the shell (`timeout`, `xargs`, `sudo`…). That shell evaluates
//! `eval "$(rolecall export p)"`, whatever the login shell in `$SHELL` is. Linux only (`/proc`).

#![cfg_attr(
    not(target_os = "linux"),
    allow(
        dead_code,
        reason = "only Linux can read a parent process; the search is tested everywhere"
    )
)]

use crate::render::Format;

/// Programs that run a command on a shell's behalf without being a shell.
const WRAPPERS: &[&str] = &[
    "timeout", "time", "xargs", "nice", "nohup", "stdbuf", "sudo", "doas", "env", "setsid",
    "flock", "ionice", "chrt", "taskset", "unbuffer",
];
/// How many wrappers deep the search goes.
const MAX_DEPTH: usize = 4;

/// One process as the search needs it: the name of the program it runs, and its parent.
pub struct Process {
    pub program: String,
    pub parent: Option<u32>,
}

/// The format of the shell that runs rolecall, if one is found.
pub fn shell() -> Option<Format> {
    #[cfg(target_os = "linux")]
    {
        find(std::os::unix::process::parent_id(), read)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// From process `pid` upwards: a known shell ends the search, a wrapper passes it on to its
/// parent, anything else (a Python test harness, an editor) ends it without an answer, so
/// that `$SHELL` decides.
pub fn find(pid: u32, read: impl Fn(u32) -> Option<Process>) -> Option<Format> {
    let mut pid = pid;
    for _ in 0..=MAX_DEPTH {
        let process = read(pid)?;
        if let Some(format) = Format::for_shell(&process.program) {
            return Some(format);
        }
        if !WRAPPERS.contains(&process.program.as_str()) {
            return None;
        }
        pid = process.parent?;
    }
    None
}

/// `/proc/PID`: the program from `exe` (a `#!/bin/bash` script runs bash, while its name is
/// the script's; a replaced binary reads `… (deleted)`), else from `comm` (also for busybox,
/// whose applets share one binary); the parent from `stat`.
#[cfg(target_os = "linux")]
fn read(pid: u32) -> Option<Process> {
    let comm = || {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .ok()
            .map(|c| c.trim().to_string())
    };
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|p| p.file_name()?.to_str().map(str::to_string))
        .map(|n| {
            n.strip_suffix(" (deleted)")
                .map(str::to_string)
                .unwrap_or(n)
        })
        .filter(|n| n != "busybox");
    let program = exe.or_else(comm)?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
    Some(Process {
        program,
        parent: stat.as_deref().and_then(parent_in_stat),
    })
}

/// The parent pid in `/proc/PID/stat`: `pid (comm) state ppid …`, where comm may hold spaces
/// and parentheses, so the fields are counted after the last `)`.
pub fn parent_in_stat(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn tree(entries: &[(u32, &str, u32)]) -> impl Fn(u32) -> Option<Process> {
        let map: HashMap<u32, (String, u32)> = entries
            .iter()
            .map(|(pid, name, parent)| (*pid, (name.to_string(), *parent)))
            .collect();
        move |pid| {
            map.get(&pid).map(|(program, parent)| Process {
                program: program.clone(),
                parent: Some(*parent),
            })
        }
    }

    #[test]
    fn the_nearest_shell_through_wrappers_only() {
        let t = tree(&[
            (10, "bash", 1),
            (11, "timeout", 10),
            (12, "fish", 1),
            (13, "xargs", 12),
        ]);
        assert_eq!(find(10, &t), Some(Format::Sh));
        assert_eq!(find(11, &t), Some(Format::Sh), "timeout runs it for bash");
        assert_eq!(find(13, &t), Some(Format::Fish));
        // A program that is not a wrapper: no answer, $SHELL decides.
        let t = tree(&[(20, "python3", 21), (21, "bash", 1)]);
        assert_eq!(find(20, &t), None);
        // Wrappers all the way up: no answer, and no endless walk.
        let t = tree(&[(30, "env", 30)]);
        assert_eq!(find(30, &t), None);
    }

    #[test]
    fn parent_from_stat_with_a_hostile_name() {
        assert_eq!(parent_in_stat("42 (bash) S 7 42 42 0"), Some(7));
        assert_eq!(parent_in_stat("42 (a) b (c)) R 99 1"), Some(99));
        assert_eq!(parent_in_stat("garbage"), None);
    }
}
