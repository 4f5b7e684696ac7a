//! The `MfaPrompt` port: where an MFA code comes from when neither `--mfa-token` nor
//! `mfa_process` gives one, and the shape every code must have.

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
    /// A prompt that cannot be shown or was dismissed: the whole line.
    #[error("{0}")]
    Prompt(String),
    /// `ROLECALL_MFA_PROMPT` or `ROLECALL_PROCESS_TIMEOUT` has a value that cannot be used.
    #[error(transparent)]
    Setting(#[from] crate::domain::setting::SettingError),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["12345", "1234567", "12a456", ""] {
            assert_eq!(validate(bad), Err(MfaError::Malformed), "{bad}");
        }
        assert_eq!(validate(" 000111\n").unwrap(), "000111");
    }
}
