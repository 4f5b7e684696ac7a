//! Signals while a prompt is on the screen.

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
pub(super) fn on_interrupt() -> ! {
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
