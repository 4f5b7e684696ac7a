//! The error every command returns: each layer's own error, wrapped, and the exit code of
//! each kind.

use crate::config::ConfigError;
use crate::domain::setting::SettingError;
use crate::execute::ExecuteError;
use crate::ports::console::SignInError;
use crate::ports::store::StoreError;
use crate::render::RenderError;

pub use crate::domain::exit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("session store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write the output: {0}")]
    Output(String),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// `rolecall keys`: the keychain or the credentials file could not be changed (the whole
    /// line says what state things are in).
    #[error("{0}")]
    Keys(String),
    /// `rolecall keys`: the profile has no keys of the kind the command needs.
    #[error("{0}")]
    KeysConfig(String),
    #[error(transparent)]
    Eks(#[from] crate::execute::eks::EksError),
}

impl From<crate::execute::rotate::RotateError> for Error {
    fn from(e: crate::execute::rotate::RotateError) -> Self {
        use crate::execute::rotate::RotateError;
        match e {
            RotateError::NotKeys(m) => Error::KeysConfig(m),
            RotateError::Failed(m) => Error::Keys(m),
            RotateError::Execute(e) => Error::Execute(e),
        }
    }
}

impl From<crate::execute::import::ImportError> for Error {
    fn from(e: crate::execute::import::ImportError) -> Self {
        use crate::execute::import::ImportError;
        match e {
            ImportError::Placement(m) => Error::KeysConfig(m),
            ImportError::Failed(m) => Error::Keys(m),
        }
    }
}

impl From<crate::execute::signout::SignOutError> for Error {
    fn from(e: crate::execute::signout::SignOutError) -> Self {
        Error::Keys(e.to_string())
    }
}

impl From<crate::execute::console::ConsoleError> for Error {
    fn from(e: crate::execute::console::ConsoleError) -> Self {
        use crate::execute::console::ConsoleError;
        match e {
            ConsoleError::Execute(e) => Error::Execute(e),
            ConsoleError::SignIn(e) => Error::SignIn(e),
        }
    }
}

impl Error {
    /// Ctrl-C ended the command (after it cleaned up): rolecall then dies by SIGINT.
    pub fn is_interrupt(&self) -> bool {
        matches!(self, Error::Execute(ExecuteError::Interrupted))
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(
                ConfigError::NoProfile | ConfigError::Setting(_) | ConfigError::NoSsoTarget(_),
            )
            | Error::Setting(_)
            | Error::Usage(_) => exit::USAGE,
            Error::Config(_) | Error::Render(_) => exit::CONFIG,
            Error::Execute(e) => e.exit_code(),
            Error::Store(_) | Error::Output(_) | Error::Keys(_) | Error::Eks(_) => exit::FAILURE,
            Error::KeysConfig(_) => exit::CONFIG,
            Error::SignIn(SignInError::Refused { .. }) => exit::DENIED,
            Error::SignIn(SignInError::Unreachable { .. } | SignInError::BadAnswer { .. }) => {
                exit::UNAVAILABLE
            }
            Error::SignIn(SignInError::Browser(_)) => exit::FAILURE,
        }
    }
}
