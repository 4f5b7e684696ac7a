//! Opening a URL in the user's browser: `$BROWSER` (the first of a `:`-separated list; `%s`
//! is the URL), else the platform's opener (xdg-open, open, the URL handler on Windows).

use std::process::{Command, Stdio};

use crate::domain::Vars;

/// Starts the browser on `url` and returns at once (the browser is not waited for).
pub fn open(url: &str, vars: &Vars) -> Result<(), String> {
    let (program, args): (String, Vec<String>) = match vars.non_empty("BROWSER") {
        Some(list) => {
            let first = list.split(':').next().unwrap_or(list);
            let mut words = shlex::split(first)
                .filter(|w| !w.is_empty())
                .ok_or_else(|| format!("BROWSER={first:?} is not a command"))?;
            if !words.iter().any(|w| w.contains("%s")) {
                words.push("%s".into());
            }
            let words: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
            (words[0].clone(), words[1..].to_vec())
        }
        None if cfg!(target_os = "macos") => ("open".into(), vec![url.into()]),
        None if cfg!(windows) => (
            "rundll32".into(),
            vec!["url.dll,FileProtocolHandler".into(), url.into()],
        ),
        None => ("xdg-open".into(), vec![url.into()]),
    };
    Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("cannot start a browser ({program}: {e}); set BROWSER"))
}
