//! The `Ask` port: questions to the person at the terminal (a key id, a hidden secret, a
//! yes/no), never on stdout.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AskError {
    #[error("there is no terminal to ask on")]
    NoTerminal,
    #[error("reading the answer failed: {0}")]
    Io(String),
}

pub trait Ask {
    /// Whether there is a person to ask (a terminal).
    fn available(&self) -> bool;
    /// A line, shown as it is typed.
    fn line(&self, prompt: &str) -> Result<String, AskError>;
    /// A line that is never echoed.
    fn hidden(&self, prompt: &str) -> Result<crate::domain::Secret, AskError>;
    /// Yes or no; anything but y/yes is no.
    fn confirm(&self, prompt: &str) -> Result<bool, AskError>;
}
