//! What rolecall does on a terminal: pick a profile, and show a spinner while STS works.
//! Only `main` builds the real ones; tests use `NoPicker` and plain writers.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::plan::StsEndpoint;
use crate::credentials::sts::{
    AssumeRoleRequest, SessionTokenRequest, Sts, StsError, WebIdentityRequest,
};
use crate::credentials::Credentials;

/// What the standard streams are connected to, decided once in `main`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
    /// Colour on stdout: a terminal, and `NO_COLOR` unset.
    pub color: bool,
    /// The format of the shell rolecall runs under, if its parent process is a known shell.
    pub parent_shell: Option<crate::shell::Format>,
}

/// Chooses a profile interactively.
pub trait Picker {
    /// `Ok(None)` when the user cancelled; `Err` when no picker can be shown.
    fn pick(&self, names: &[&str]) -> Result<Option<usize>, String>;
}

/// A fuzzy picker drawn on stderr, so `eval "$(rolecall export)"` still works.
pub struct FuzzyPicker;

impl Picker for FuzzyPicker {
    fn pick(&self, names: &[&str]) -> Result<Option<usize>, String> {
        let term = dialoguer::console::Term::stderr();
        if !term.is_term() {
            return Err("there is no terminal to pick on".into());
        }
        let _guard = InterruptGuard::new();
        // Names are shown, never obeyed: control characters in one are drawn as escapes.
        let shown: Vec<String> = names
            .iter()
            .map(|n| crate::context::printable(n).into_owned())
            .collect();
        dialoguer::FuzzySelect::new()
            .with_prompt("profile")
            .items(&shown)
            .default(0)
            .interact_on_opt(&term)
            .map_err(|e| match e {
                // In raw mode the picker reads Ctrl-C as a key and reports it as this error,
                // before the signal handler could run: the same exit as the handler's.
                dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
                    on_interrupt()
                }
                other => other.to_string().to_lowercase(),
            })
    }
}

/// Never picks: for tests and non-interactive runs.
pub struct NoPicker;

impl Picker for NoPicker {
    fn pick(&self, _names: &[&str]) -> Result<Option<usize>, String> {
        Err("there is no terminal to pick on".into())
    }
}

/// A spinner on stderr while an STS call runs (drawn only after 150 ms, so fast calls and
/// cached runs show nothing).
struct Spinner {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Spinner {
    fn start(message: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            std::thread::sleep(Duration::from_millis(150));
            let mut drawn = false;
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                let _ = write!(
                    std::io::stderr(),
                    "\r{} {message}",
                    FRAMES[i % FRAMES.len()]
                );
                drawn = true;
                i += 1;
                std::thread::sleep(Duration::from_millis(80));
            }
            if drawn {
                let _ = write!(std::io::stderr(), "\r\x1b[2K");
            }
        });
        Self {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// An `Sts` that shows a spinner on a terminal around each call of the one it wraps.
pub struct Spinning<'a> {
    pub inner: &'a dyn Sts,
    pub enabled: bool,
}

impl Spinning<'_> {
    fn spin(&self, message: String) -> Option<Spinner> {
        self.enabled.then(|| Spinner::start(message))
    }
}

impl Sts for Spinning<'_> {
    fn assume_role(
        &self,
        e: &StsEndpoint,
        c: &Credentials,
        r: &AssumeRoleRequest,
    ) -> Result<Credentials, StsError> {
        let _s = self.spin(format!("assuming {}", r.role_arn));
        self.inner.assume_role(e, c, r)
    }

    fn get_session_token(
        &self,
        e: &StsEndpoint,
        c: &Credentials,
        r: &SessionTokenRequest,
    ) -> Result<Credentials, StsError> {
        let _s = self.spin("getting an MFA session".into());
        self.inner.get_session_token(e, c, r)
    }

    fn assume_role_with_web_identity(
        &self,
        e: &StsEndpoint,
        r: &WebIdentityRequest,
    ) -> Result<Credentials, StsError> {
        let _s = self.spin(format!("assuming {}", r.role_arn));
        self.inner.assume_role_with_web_identity(e, r)
    }
}

/// While a prompt is on the screen, Ctrl-C (and SIGTERM or SIGHUP) puts the terminal back as
/// it was (echo on, cursor shown) and exits with 130, as a shell expects of an interrupted
/// command; without it the signal would leave a hidden-input prompt's terminal without echo.
pub struct InterruptGuard;

/// Whether a prompt is on the screen.
static ACTIVE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The terminal settings to restore, saved when a prompt starts.
#[cfg(unix)]
static SAVED: std::sync::Mutex<Option<rustix::termios::Termios>> = std::sync::Mutex::new(None);

impl InterruptGuard {
    pub fn new() -> Self {
        #[cfg(unix)]
        if let Ok(tty) = std::fs::File::open("/dev/tty") {
            if let Ok(settings) = rustix::termios::tcgetattr(&tty) {
                *SAVED.lock().unwrap_or_else(|p| p.into_inner()) = Some(settings);
            }
        }
        ACTIVE.store(true, std::sync::atomic::Ordering::SeqCst);
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let _ = ctrlc::set_handler(|| on_interrupt());
        });
        InterruptGuard
    }
}

impl Default for InterruptGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        ACTIVE.store(false, std::sync::atomic::Ordering::SeqCst);
        #[cfg(unix)]
        {
            *SAVED.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }
}

#[allow(clippy::disallowed_methods)] // the one exit outside main: the user pressed Ctrl-C
fn on_interrupt() -> ! {
    if !ACTIVE.load(std::sync::atomic::Ordering::SeqCst) {
        std::process::exit(130);
    }
    #[cfg(unix)]
    if let Some(settings) = SAVED.lock().unwrap_or_else(|p| p.into_inner()).take() {
        if let Ok(tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            let _ =
                rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &settings);
        }
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), b"\x1b[?25h\n");
    std::process::exit(130);
}
