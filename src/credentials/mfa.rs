//! Where MFA codes come from: `--mfa-token`, else `mfa_process`, else a prompt on the
//! terminal (drawn on stderr, so `eval "$(rolecall export …)"` still works).

use std::cell::Cell;

/// Asks for the current code of an MFA device.
pub trait MfaPrompt {
    fn code(&self, serial: &str) -> Result<String, MfaError>;
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MfaError {
    #[error("an MFA code for {0} is needed but there is no terminal to ask on; pass --mfa-token CODE or set mfa_process in the profile")]
    NoTerminal(String),
    #[error("the MFA code must be 6 digits; run again with the current code")]
    Malformed,
    #[error("the --mfa-token code was already used; a second MFA step needs a fresh code, so run again without --mfa-token to be prompted")]
    Reused,
    #[error("reading the MFA code failed: {0}")]
    Io(String),
}

/// Checks the shape AWS accepts for a TOTP code.
pub fn validate(code: &str) -> Result<String, MfaError> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_string())
    } else {
        Err(MfaError::Malformed)
    }
}

/// The code from `--mfa-token`: usable once per run, since STS refuses a code it has seen.
#[derive(Default)]
pub struct MfaToken {
    code: Cell<Option<String>>,
    used: Cell<bool>,
}

impl MfaToken {
    pub fn new(code: Option<String>) -> Self {
        Self {
            code: Cell::new(code),
            used: Cell::new(false),
        }
    }

    /// The code, validated, the first time; an error if a second step wants one too; `None`
    /// when no code was given.
    pub fn take(&self) -> Result<Option<String>, MfaError> {
        match self.code.take() {
            Some(code) => {
                self.used.set(true);
                validate(&code).map(Some)
            }
            None if self.used.get() => Err(MfaError::Reused),
            None => Ok(None),
        }
    }
}

/// Prompts on the terminal through stderr, with hidden input, so `eval "$(…)"` still works.
pub struct TerminalPrompt;

impl MfaPrompt for TerminalPrompt {
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        let term = dialoguer::console::Term::stderr();
        if !term.is_term() {
            return Err(MfaError::NoTerminal(serial.to_string()));
        }
        let _guard = crate::terminal::InterruptGuard::new();
        let code = dialoguer::Password::new()
            .with_prompt(format!("MFA code for {serial}"))
            .interact_on(&term)
            .map_err(|e| MfaError::Io(e.to_string().to_lowercase()))?;
        validate(&code)
    }
}

/// Never asks: for tests and for runs that must not prompt.
pub struct NoPrompt;

impl MfaPrompt for NoPrompt {
    fn code(&self, serial: &str) -> Result<String, MfaError> {
        Err(MfaError::NoTerminal(serial.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_code_is_used_once() {
        let t = MfaToken::new(Some("123456".into()));
        assert_eq!(t.take().unwrap().as_deref(), Some("123456"));
        assert_eq!(t.take(), Err(MfaError::Reused));
        assert_eq!(MfaToken::new(None).take(), Ok(None));
        assert_eq!(
            MfaToken::new(Some("12".into())).take(),
            Err(MfaError::Malformed)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["12345", "1234567", "12a456", ""] {
            assert_eq!(validate(bad), Err(MfaError::Malformed), "{bad}");
        }
        assert_eq!(validate(" 000111\n").unwrap(), "000111");
    }

    #[test]
    fn no_prompt_names_the_options() {
        let e = NoPrompt.code("arn:x").unwrap_err().to_string();
        assert!(
            e.contains("--mfa-token") && e.contains("mfa_process"),
            "{e}"
        );
    }
}
