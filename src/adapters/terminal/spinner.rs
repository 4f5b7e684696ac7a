//! A spinner on stderr while STS works, as a decorator of any `Sts`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::domain::plan::StsEndpoint;
use crate::domain::Credentials;
use crate::ports::sts::{
    AssumeRoleRequest, SessionTokenRequest, Sts, StsError, WebIdentityRequest,
};

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

    fn get_federation_token(
        &self,
        e: &StsEndpoint,
        c: &Credentials,
        name: &str,
        seconds: u32,
    ) -> Result<Credentials, StsError> {
        let _s = self.spin("getting a federated session for the console".into());
        self.inner.get_federation_token(e, c, name, seconds)
    }

    fn get_caller_identity(&self, e: &StsEndpoint, c: &Credentials) -> Result<String, StsError> {
        self.inner.get_caller_identity(e, c)
    }
}
