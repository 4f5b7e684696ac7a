//! The MFA prompt, on the controlling terminal (`/dev/tty`) whenever there is one, even when
//! stderr is a pipe or a file: so `credential_process = rolecall export --format process p`
//! still asks, from the AWS CLI or an SDK that captures its helper's stderr.

use super::interrupt::InterruptGuard;
use crate::ports::mfa::{validate, MfaError, MfaPrompt};

/// Prompts with hidden input, never on stdout, so `eval "$(…)"` still works.
pub struct TerminalPrompt;

/// The longest line read as a code (a code is 6 digits; anything longer is a mistake).
#[cfg(unix)]
const MAX_LINE: u64 = 256;

impl MfaPrompt for TerminalPrompt {
    #[cfg(unix)]
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
        use std::io::{BufRead, IsTerminal, Read, Write};
        // A person is there when stdin or stderr is a terminal (the AWS CLI hands its
        // credential_process the terminal as stdin but captures stderr); a job with neither
        // is never asked, even if it has a controlling terminal somewhere.
        let person = std::io::stdin().is_terminal() || std::io::stderr().is_terminal();
        let tty = person
            .then(|| {
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/dev/tty")
                    .ok()
            })
            .flatten();
        let Some(tty) = tty else {
            return Err(MfaError::NoTerminal(serial.to_string()));
        };
        let io = |e: std::io::Error| MfaError::Io(e.to_string());
        // Saves the terminal's settings, and puts them back if a signal ends the prompt.
        let _guard = InterruptGuard::new();
        let saved = tcgetattr(&tty).map_err(|e| MfaError::Io(e.to_string()))?;
        let mut hidden = saved.clone();
        hidden.local_modes.remove(LocalModes::ECHO);
        // Ctrl-\ would send SIGQUIT (a core dump, and a terminal left without echo): while the
        // prompt is up it is an ordinary character, which no MFA code contains.
        hidden.special_codes[rustix::termios::SpecialCodeIndex::VQUIT] = 0;
        (&tty)
            .write_all(format!("MFA code for {serial}: ").as_bytes())
            .map_err(io)?;
        tcsetattr(&tty, OptionalActions::Now, &hidden).map_err(|e| MfaError::Io(e.to_string()))?;
        let mut line = String::new();
        let read = std::io::BufReader::new((&tty).take(MAX_LINE)).read_line(&mut line);
        let _ = tcsetattr(&tty, OptionalActions::Now, &saved);
        let _ = (&tty).write_all(b"[hidden]\n");
        read.map_err(io)?;
        validate(&line)
    }

    #[cfg(not(unix))]
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        let term = dialoguer::console::Term::stderr();
        if !term.is_term() {
            return Err(MfaError::NoTerminal(serial.to_string()));
        }
        let _guard = InterruptGuard::new();
        let code = dialoguer::Password::new()
            .with_prompt(format!("MFA code for {serial}"))
            .interact_on(&term)
            .map_err(|e| MfaError::Io(e.to_string()))?;
        validate(&code)
    }
}
