//! Where the MFA code is asked for: the terminal when a person is at one, else a graphical
//! prompt where a display exists (zenity or kdialog on Linux, osascript on macOS), as
//! `ROLECALL_MFA_PROMPT` chooses. A missing or dismissed program is one clear line, and a
//! prompt nobody answers ends at `ROLECALL_PROCESS_TIMEOUT`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::helper::{self, HelperError};
use super::terminal::TerminalPrompt;
use crate::domain::Vars;
use crate::ports::mfa::{validate, MfaError, MfaPrompt};
use crate::settings::{PromptChoice, SettingError};

/// The prompt `ROLECALL_MFA_PROMPT` names.
pub struct ChosenPrompt {
    choice: Result<PromptChoice, SettingError>,
    limit: Result<Duration, SettingError>,
    vars: Vars,
}

impl ChosenPrompt {
    pub fn new(
        choice: Result<PromptChoice, SettingError>,
        limit: Result<Duration, SettingError>,
        vars: Vars,
    ) -> Self {
        Self {
            choice,
            limit,
            vars,
        }
    }

    /// The graphical prompt `auto` falls back to: only where a display exists.
    fn graphical(&self) -> Option<Gui> {
        if cfg!(target_os = "macos") {
            let remote = self.vars.non_empty("SSH_CONNECTION").is_some();
            return (!remote && self.on_path("osascript").is_some()).then_some(Gui::Osascript);
        }
        let display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| self.vars.non_empty(v).is_some());
        if !display {
            return None;
        }
        [Gui::Zenity, Gui::Kdialog]
            .into_iter()
            .find(|g| self.on_path(g.program()).is_some())
    }

    fn on_path(&self, program: &str) -> Option<PathBuf> {
        helper::find_program(program, &self.vars)
    }

    fn ask(&self, gui: Gui, serial: &str) -> Result<String, MfaError> {
        let limit = self.limit.clone().map_err(MfaError::Setting)?;
        let name = gui.program();
        let Some(program) = self.on_path(name) else {
            return Err(MfaError::Prompt(format!(
                "ROLECALL_MFA_PROMPT={name}, but {name} is not installed (not found on PATH); install it, or choose another prompt"
            )));
        };
        let mut command = Command::new(program);
        command
            .args(gui.args(serial))
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        match helper::run(&mut command, limit, 1024) {
            Ok(out) => validate(&String::from_utf8_lossy(&out)),
            Err(HelperError::Failed(_)) => Err(MfaError::Prompt(format!(
                "the MFA prompt ({name}) was dismissed; run again and enter the code for {serial}"
            ))),
            Err(e) => Err(MfaError::Prompt(
                e.describe(&format!("the MFA prompt ({name})")),
            )),
        }
    }
}

impl MfaPrompt for ChosenPrompt {
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        let choice = self.choice.clone().map_err(MfaError::Setting)?;
        match choice {
            PromptChoice::Terminal => TerminalPrompt.code(serial),
            PromptChoice::None => Err(MfaError::Prompt(format!(
                "an MFA code for {serial} is needed, and ROLECALL_MFA_PROMPT=none shows no prompt; pass --mfa-token CODE or set mfa_process in the profile"
            ))),
            PromptChoice::Zenity => self.ask(Gui::Zenity, serial),
            PromptChoice::Kdialog => self.ask(Gui::Kdialog, serial),
            PromptChoice::Osascript => self.ask(Gui::Osascript, serial),
            PromptChoice::Auto => match TerminalPrompt.code(serial) {
                Err(MfaError::NoTerminal(s)) => match self.graphical() {
                    Some(gui) => self.ask(gui, serial),
                    None => Err(MfaError::NoTerminal(s)),
                },
                other => other,
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gui {
    Zenity,
    Kdialog,
    Osascript,
}

impl Gui {
    fn program(self) -> &'static str {
        match self {
            Gui::Zenity => "zenity",
            Gui::Kdialog => "kdialog",
            Gui::Osascript => "osascript",
        }
    }

    /// The program's arguments: a hidden entry that prints the code. The serial is shown as
    /// text (zenity and kdialog read markup, AppleScript a quoted string), never obeyed.
    fn args(self, serial: &str) -> Vec<String> {
        let text = format!("MFA code for {serial}");
        match self {
            Gui::Zenity => vec![
                "--entry".into(),
                "--hide-text".into(),
                "--title=rolecall".into(),
                format!("--text={}", markup_escape(&text)),
            ],
            Gui::Kdialog => vec![
                "--title".into(),
                "rolecall".into(),
                "--password".into(),
                markup_escape(&text),
            ],
            Gui::Osascript => vec![
                "-e".into(),
                format!(
                    "text returned of (display dialog \"{}\" default answer \"\" with hidden answer with title \"rolecall\")",
                    applescript_escape(&text)
                ),
            ],
        }
    }
}

fn markup_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn applescript_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_shown_not_obeyed() {
        let args = Gui::Zenity.args("arn:aws:iam::1:mfa/<b>me&you</b>");
        assert_eq!(
            args[3],
            "--text=MFA code for arn:aws:iam::1:mfa/&lt;b&gt;me&amp;you&lt;/b&gt;"
        );
        let args = Gui::Osascript.args("x\" & do shell script \"id");
        assert!(
            args[1].contains("x\\\" & do shell script \\\"id"),
            "{}",
            args[1]
        );
    }

    #[cfg(unix)]
    #[test]
    fn auto_needs_a_display_and_a_program() {
        let dir = tempfile::tempdir().unwrap();
        let zenity = dir.path().join("zenity");
        std::fs::write(&zenity, "#!/bin/sh\necho 123456\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&zenity, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().display().to_string();
        let prompt = |pairs: &[(&str, &str)]| {
            ChosenPrompt::new(
                Ok(PromptChoice::Auto),
                Ok(Duration::from_secs(10)),
                Vars::from_pairs(pairs.iter().copied()),
            )
        };
        assert_eq!(prompt(&[("PATH", &path)]).graphical(), None);
        if !cfg!(target_os = "macos") {
            assert_eq!(
                prompt(&[("PATH", &path), ("DISPLAY", ":0")]).graphical(),
                Some(Gui::Zenity)
            );
            assert_eq!(
                prompt(&[("PATH", "/nonexistent"), ("DISPLAY", ":0")]).graphical(),
                None
            );
        }
        let chosen = ChosenPrompt::new(
            Ok(PromptChoice::Kdialog),
            Ok(Duration::from_secs(10)),
            Vars::from_pairs([("PATH", path.as_str())]),
        );
        let e = chosen
            .code("arn:aws:iam::1:mfa/me")
            .unwrap_err()
            .to_string();
        assert!(e.contains("kdialog is not installed"), "{e}");
    }
}
