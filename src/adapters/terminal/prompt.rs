//! The MFA prompt, on the controlling terminal (`/dev/tty`) whenever there is one, even when
//! stderr is a pipe or a file: so `credential_process = rolecall export --format process p`
//! still asks, from the AWS CLI or an SDK that captures its helper's stderr.

use super::interrupt::InterruptGuard;
use crate::ports::mfa::{validate, MfaError, MfaPrompt};

/// Prompts with hidden input, never on stdout, so `eval "$(…)"` still works.
pub struct TerminalPrompt;

/// The longest line read (a code is 6 digits, a secret access key 40 characters).
#[cfg(unix)]
const MAX_LINE: u64 = 4096;

impl MfaPrompt for TerminalPrompt {
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        match ask(&format!("MFA code for {serial}"), true) {
            Ok(Some(line)) => validate(&line),
            Ok(None) => Err(MfaError::NoTerminal(serial.to_string())),
            Err(e) => Err(MfaError::Io(e.to_string())),
        }
    }
}

/// Whether a person is there to ask: stdin or stderr is a terminal (the AWS CLI hands its
/// credential_process the terminal as stdin but captures stderr); a job with neither is never
/// asked, even if it has a controlling terminal somewhere.
pub fn person() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() || std::io::stderr().is_terminal()
}

/// Asks on the controlling terminal: `PROMPT: `, then one line (without its newline), hidden
/// when `hidden` (echo off, `[hidden]` shown after). `None`: no terminal to ask on.
#[cfg(unix)]
pub fn ask(prompt: &str, hidden: bool) -> std::io::Result<Option<String>> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    use std::io::{BufRead, Read, Write};
    let tty = person()
        .then(|| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .ok()
        })
        .flatten();
    let Some(tty) = tty else {
        return Ok(None);
    };
    // Saves the terminal's settings, and puts them back if a signal ends the prompt.
    let _guard = InterruptGuard::new();
    let saved = tcgetattr(&tty)?;
    // Echo goes off before the prompt is shown: a fast typist (or a script) answering the
    // moment the prompt appears must not see the secret echoed.
    if hidden {
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        // Ctrl-\ would send SIGQUIT (a core dump, and a terminal left without echo): while
        // the prompt is up it is an ordinary character.
        quiet.special_codes[rustix::termios::SpecialCodeIndex::VQUIT] = 0;
        tcsetattr(&tty, OptionalActions::Now, &quiet)?;
    }
    (&tty).write_all(format!("{prompt}: ").as_bytes())?;
    let mut line = String::new();
    let read = std::io::BufReader::new((&tty).take(MAX_LINE)).read_line(&mut line);
    if hidden {
        let _ = tcsetattr(&tty, OptionalActions::Now, &saved);
        let _ = (&tty).write_all(b"[hidden]\n");
    }
    read?;
    let trimmed = line.trim_end_matches(['\r', '\n']).to_string();
    zeroize::Zeroize::zeroize(&mut line);
    Ok(Some(trimmed))
}

#[cfg(not(unix))]
pub fn ask(prompt: &str, hidden: bool) -> std::io::Result<Option<String>> {
    let term = dialoguer::console::Term::stderr();
    if !term.is_term() {
        return Ok(None);
    }
    let _guard = InterruptGuard::new();
    let answer = if hidden {
        dialoguer::Password::new()
            .with_prompt(prompt)
            .allow_empty_password(true)
            .interact_on(&term)
    } else {
        dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .allow_empty(true)
            .interact_on(&term)
    };
    answer
        .map(Some)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// The [`Ask`](crate::ports::ask::Ask) port on the terminal.
pub struct TerminalAsk;

impl crate::ports::ask::Ask for TerminalAsk {
    fn available(&self) -> bool {
        person()
    }

    fn line(&self, prompt: &str) -> Result<String, crate::ports::ask::AskError> {
        answer(ask(prompt, false))
    }

    fn hidden(&self, prompt: &str) -> Result<crate::domain::Secret, crate::ports::ask::AskError> {
        answer(ask(prompt, true)).map(crate::domain::Secret::new)
    }

    fn confirm(&self, prompt: &str) -> Result<bool, crate::ports::ask::AskError> {
        let line = answer(ask(&format!("{prompt} [y/N]"), false))?;
        Ok(matches!(
            line.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }
}

fn answer(read: std::io::Result<Option<String>>) -> Result<String, crate::ports::ask::AskError> {
    match read {
        Ok(Some(line)) => Ok(line),
        Ok(None) => Err(crate::ports::ask::AskError::NoTerminal),
        Err(e) => Err(crate::ports::ask::AskError::Io(e.to_string())),
    }
}
