//! The `--mfa-token` code of one run: usable once, since STS refuses a code it has seen.

use std::cell::Cell;

use crate::ports::mfa::{validate, MfaError};

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
}
