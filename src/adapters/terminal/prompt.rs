//! The MFA prompt on the terminal.

use super::interrupt::InterruptGuard;
use crate::ports::mfa::{validate, MfaError, MfaPrompt};

/// Prompts on the terminal through stderr, with hidden input, so `eval "$(…)"` still works.
pub struct TerminalPrompt;

impl MfaPrompt for TerminalPrompt {
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
