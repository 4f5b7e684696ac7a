//! The terminal: what the standard streams are, the MFA prompt, the profile picker, the
//! spinner, the interrupt guard and the detection of the evaluating shell.

pub mod authorize;
pub mod browser;
pub mod interrupt;
pub mod picker;
pub mod prompt;
pub mod shell;
pub mod spinner;

pub use interrupt::die_of_interrupt;
#[cfg(unix)]
pub use interrupt::supervising;
pub use picker::FuzzyPicker;
pub use prompt::TerminalPrompt;
pub use spinner::Spinning;

/// What the standard streams are connected to, decided once in `main`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
    /// Colour on stdout: a terminal, and `NO_COLOR` unset.
    pub color: bool,
    /// The format of the shell rolecall runs under, if its parent process is a known shell.
    pub parent_shell: Option<crate::render::Format>,
    /// The width of the terminal on stdout; `None` when stdout is not one (a pipe, a file).
    pub width: Option<usize>,
    /// stdout is a regular file (`rolecall export prod > creds.sh`).
    pub stdout_file: bool,
}

/// Whether stdout is a regular file.
pub fn stdout_is_file() -> bool {
    #[cfg(unix)]
    {
        rustix::fs::fstat(std::io::stdout()).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
        })
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// The width of the terminal stdout is, if it is one.
pub fn stdout_width() -> Option<usize> {
    #[cfg(unix)]
    {
        let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
        (size.ws_col > 0).then_some(usize::from(size.ws_col))
    }
    #[cfg(not(unix))]
    {
        None
    }
}
