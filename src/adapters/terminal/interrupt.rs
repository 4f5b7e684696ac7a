//! Signals while a prompt is on the screen.

/// While a prompt is on the screen, Ctrl-C (and SIGTERM or SIGHUP) puts the terminal back as
/// it was (echo on, cursor shown), then rolecall dies by that signal, so that a calling script
/// stops as shells expect (an exit status of 130 would let it carry on); without it the signal
/// would leave a hidden-input prompt's terminal without echo.
pub struct InterruptGuard;

/// Whether rolecall is the parent of a running command (`exec --server`).
#[cfg(unix)]
static SUPERVISING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on signals are the supervisor's business, not a prompt's.
#[cfg(unix)]
pub fn supervising() {
    SUPERVISING.store(true, std::sync::atomic::Ordering::SeqCst);
}

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
        #[cfg(unix)]
        {
            static INSTALLED: std::sync::Once = std::sync::Once::new();
            INSTALLED.call_once(|| {
                use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
                if let Ok(mut signals) =
                    signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
                {
                    std::thread::spawn(move || {
                        for signal in signals.forever() {
                            // `exec --server` handles signals itself once its command runs.
                            if !ACTIVE.load(std::sync::atomic::Ordering::SeqCst)
                                && SUPERVISING.load(std::sync::atomic::Ordering::SeqCst)
                            {
                                continue;
                            }
                            die_by(signal);
                        }
                    });
                }
            });
        }
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

/// A flow that caught Ctrl-C and cleaned up (an SSO sign-in stores nothing) ends rolecall as
/// the signal would have: a calling script stops too.
pub fn die_of_interrupt() -> ! {
    on_interrupt()
}

/// Ctrl-C read as a key (the picker reads the terminal raw): as if SIGINT had come.
pub(super) fn on_interrupt() -> ! {
    #[cfg(unix)]
    {
        die_by(signal_hook::consts::SIGINT)
    }
    #[cfg(not(unix))]
    {
        restore_and_exit(130)
    }
}

/// Puts the terminal back if a prompt is up, then ends the process by `signal`'s default
/// action (exit 128 + `signal` if that cannot be done).
#[cfg(unix)]
fn die_by(signal: i32) -> ! {
    restore();
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    exit(128 + signal)
}

fn restore() {
    if !ACTIVE.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    #[cfg(unix)]
    if let Some(settings) = SAVED.lock().unwrap_or_else(|p| p.into_inner()).take() {
        if let Ok(tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
            let _ =
                rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &settings);
        }
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), b"\x1b[?25h\n");
}

#[cfg(not(unix))]
fn restore_and_exit(code: i32) -> ! {
    restore();
    exit(code)
}

#[allow(clippy::disallowed_methods)] // the one exit outside main: the user pressed Ctrl-C
fn exit(code: i32) -> ! {
    std::process::exit(code)
}
