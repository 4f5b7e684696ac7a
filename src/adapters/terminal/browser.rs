//! Opening a URL in the user's browser: `$BROWSER` (a list like `PATH`'s, `:`-separated, `;` on
//! Windows, tried in order until one starts; `%s` is the URL), else the platform's opener (xdg-open, open, the URL
//! handler on Windows).

use std::process::{Command, Stdio};

use crate::domain::Vars;

/// Starts the browser on `url` and returns at once (the browser is not waited for).
pub fn open(url: &str, vars: &Vars) -> Result<(), String> {
    let Some(list) = vars.non_empty("BROWSER") else {
        return start(&platform_opener(url));
    };
    let mut failures = Vec::new();
    // Windows paths hold `:` (`C:\...`), so there the list is `;`-separated, like its `PATH`.
    let separator = if cfg!(windows) { ';' } else { ':' };
    for entry in list.split(separator).filter(|e| !e.trim().is_empty()) {
        let Some(mut words) = shlex::split(entry).filter(|w| !w.is_empty()) else {
            failures.push(format!("BROWSER entry {entry:?} is not a command"));
            continue;
        };
        if !words.iter().any(|w| w.contains("%s")) {
            words.push("%s".into());
        }
        let words: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
        match start(&words) {
            Ok(()) => return Ok(()),
            Err(e) => failures.push(e),
        }
    }
    match failures.is_empty() {
        true => start(&platform_opener(url)),
        false => Err(failures.join("; ")),
    }
}

/// Whether a browser on this machine can be started: `BROWSER` names one, or the platform's
/// opener is there and, over SSH, a display to show it on (`DISPLAY`/`WAYLAND_DISPLAY`).
pub fn can_open(vars: &Vars) -> bool {
    if vars.non_empty("BROWSER").is_some() {
        return true;
    }
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| vars.non_empty(v).is_some());
    let ssh = ["SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"]
        .iter()
        .any(|v| vars.non_empty(v).is_some());
    if cfg!(target_os = "macos") || cfg!(windows) {
        return !ssh || display;
    }
    display && crate::adapters::helper::find_program(&platform_opener("")[0], vars).is_some()
}

/// The platform's own way to open a URL.
fn platform_opener(url: &str) -> Vec<String> {
    if cfg!(target_os = "macos") {
        vec!["open".into(), url.into()]
    } else if cfg!(windows) {
        vec![
            "rundll32".into(),
            "url.dll,FileProtocolHandler".into(),
            url.into(),
        ]
    } else {
        vec!["xdg-open".into(), url.into()]
    }
}

/// Starts `words` (program, then arguments) without waiting for it.
fn start(words: &[String]) -> Result<(), String> {
    let program = &words[0];
    Command::new(program)
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("cannot start a browser ({program}: {e}); set BROWSER"))
}

#[cfg(test)]
#[cfg(unix)] // the stand-in browser is a shell script
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_browser_here_needs_browser_or_a_display_with_an_opener() {
        let dir = tempfile::tempdir().unwrap();
        let opener = dir.path().join("xdg-open");
        std::fs::write(&opener, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().to_str().unwrap();
        let can = |pairs: &[(&str, &str)]| can_open(&Vars::from_pairs(pairs.iter().copied()));
        let ssh = ("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
        assert!(!can(&[ssh, ("PATH", path)]), "SSH without a display");
        assert!(!can(&[("SSH_TTY", "/dev/pts/1"), ("PATH", path)]));
        assert!(
            can(&[ssh, ("PATH", path), ("DISPLAY", "localhost:10.0")]),
            "X forwarding"
        );
        assert!(can(&[ssh, ("BROWSER", "w3m")]), "BROWSER names one");
        assert!(can(&[("WAYLAND_DISPLAY", "wayland-0"), ("PATH", path)]));
        assert!(
            !can(&[("DISPLAY", ":0"), ("PATH", "/nonexistent")]),
            "no opener"
        );
    }

    #[test]
    fn the_first_browser_of_the_list_that_starts_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let script = dir.path().join("b");
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$1\" > {}\n", seen.display()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let list = format!("/nonexistent/browser:{}", script.display());
        let vars = Vars::from_pairs([("BROWSER", list.as_str())]);
        open("http://127.0.0.1:1/x", &vars).unwrap();
        for _ in 0..100 {
            if std::fs::read_to_string(&seen).is_ok_and(|t| t.contains("/x")) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the second browser was not started");
    }
}
