//! Every `ROLECALL_*` knob, read once from [`Vars`]. A bad value is kept as its error, so it
//! fails only the commands that use that knob (a broken `ROLECALL_STS_TIMEOUT` does not stop
//! `rolecall list`).

use std::path::PathBuf;

use time::Duration;

use crate::domain::plan::{DEFAULT_MFA_SESSION_SECONDS, MFA_SESSION_RANGE};
pub use crate::domain::setting::SettingError;
use crate::domain::text::{parse_duration, DurationError};
use crate::domain::Vars;

/// The longest STS operation `ROLECALL_STS_TIMEOUT` may allow.
pub const MAX_STS_TIMEOUT: Duration = Duration::seconds(300);
/// How long one STS operation may take, retries included, unless `ROLECALL_STS_TIMEOUT` says.
pub const DEFAULT_STS_TIMEOUT: Duration = Duration::seconds(30);
/// The longest refresh window: a session never lives longer than 12 hours.
pub const MAX_REFRESH_WINDOW: Duration = Duration::hours(12);

/// The parsed knobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `ROLECALL_STS_TIMEOUT`: the limit of one STS operation.
    pub sts_timeout: Result<Duration, SettingError>,
    /// `ROLECALL_REFRESH_WINDOW`: replaces the default refresh rule when set.
    pub refresh_window: Result<Option<Duration>, SettingError>,
    /// `ROLECALL_MFA_SESSION_DURATION`: the life of the shared MFA session, in seconds.
    pub mfa_session_seconds: Result<u32, SettingError>,
    /// `ROLECALL_KEYRING`: which store (checked against the platform's choices by the store).
    pub keyring: String,
    /// `ROLECALL_STATE_DIR`: where the index and the locks live, instead of the XDG default.
    pub state_dir: Option<PathBuf>,
    /// `ROLECALL_ALLOW_HTTP=1`: a plain-HTTP endpoint off this machine is accepted (a lab).
    pub allow_http: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_vars(&Vars::default())
    }
}

impl Settings {
    pub fn from_vars(vars: &Vars) -> Self {
        Self {
            sts_timeout: knob(
                vars,
                "ROLECALL_STS_TIMEOUT",
                DEFAULT_STS_TIMEOUT,
                sts_timeout,
            ),
            refresh_window: match vars.non_empty("ROLECALL_REFRESH_WINDOW") {
                None => Ok(None),
                Some(text) => refresh_window(text).map(Some),
            },
            mfa_session_seconds: knob(
                vars,
                "ROLECALL_MFA_SESSION_DURATION",
                DEFAULT_MFA_SESSION_SECONDS,
                mfa_session_seconds,
            ),
            keyring: vars.non_empty("ROLECALL_KEYRING").unwrap_or("auto").into(),
            state_dir: vars.non_empty("ROLECALL_STATE_DIR").map(PathBuf::from),
            allow_http: vars.non_empty("ROLECALL_ALLOW_HTTP") == Some("1"),
        }
    }
}

fn knob<T>(
    vars: &Vars,
    name: &str,
    default: T,
    parse: fn(&str) -> Result<T, SettingError>,
) -> Result<T, SettingError> {
    vars.non_empty(name).map_or(Ok(default), parse)
}

fn error(
    name: &'static str,
    value: &str,
    problem: DurationError,
    fix: &'static str,
) -> SettingError {
    SettingError {
        name,
        value: value.to_string(),
        problem: match problem {
            DurationError::NotADuration => "is not a duration".into(),
            DurationError::TooLong(max) => format!(
                "is longer than the {} maximum",
                crate::domain::text::human(max).replace(" 00m", "")
            ),
        },
        fix,
    }
}

fn sts_timeout(text: &str) -> Result<Duration, SettingError> {
    const FIX: &str = "use 1 to 300 seconds (for example 30 or 2m)";
    match parse_duration(text, MAX_STS_TIMEOUT) {
        Ok(d) if d >= Duration::SECOND => Ok(d),
        Ok(_) => Err(SettingError {
            name: "ROLECALL_STS_TIMEOUT",
            value: text.into(),
            problem: "is too short".into(),
            fix: FIX,
        }),
        Err(e) => Err(error("ROLECALL_STS_TIMEOUT", text, e, FIX)),
    }
}

fn refresh_window(text: &str) -> Result<Duration, SettingError> {
    parse_duration(text, MAX_REFRESH_WINDOW).map_err(|e| {
        error(
            "ROLECALL_REFRESH_WINDOW",
            text,
            e,
            "use seconds or a number with s, m or h (for example 5m)",
        )
    })
}

fn mfa_session_seconds(text: &str) -> Result<u32, SettingError> {
    const FIX: &str = "use 900 to 129600 seconds, or a number with m or h (for example 8h)";
    let max = Duration::seconds(i64::from(*MFA_SESSION_RANGE.end()));
    let d = parse_duration(text, max)
        .map_err(|e| error("ROLECALL_MFA_SESSION_DURATION", text, e, FIX))?;
    match u32::try_from(d.whole_seconds()) {
        Ok(s) if MFA_SESSION_RANGE.contains(&s) => Ok(s),
        _ => Err(SettingError {
            name: "ROLECALL_MFA_SESSION_DURATION",
            value: text.into(),
            problem: "is shorter than the 15m minimum".into(),
            fix: FIX,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &str, value: &str) -> Settings {
        Settings::from_vars(&Vars::from_pairs([(name, value)]))
    }

    #[test]
    fn defaults() {
        let s = Settings::default();
        assert_eq!(s.sts_timeout, Ok(Duration::seconds(30)));
        assert_eq!(s.refresh_window, Ok(None));
        assert_eq!(s.mfa_session_seconds, Ok(8 * 3600));
        assert_eq!(s.keyring, "auto");
        assert_eq!(s.state_dir, None);
    }

    #[test]
    fn values_in_every_unit() {
        assert_eq!(
            with("ROLECALL_STS_TIMEOUT", "7").sts_timeout,
            Ok(Duration::seconds(7))
        );
        assert_eq!(
            with("ROLECALL_REFRESH_WINDOW", "5m").refresh_window,
            Ok(Some(Duration::minutes(5)))
        );
        assert_eq!(
            with("ROLECALL_MFA_SESSION_DURATION", "2h").mfa_session_seconds,
            Ok(7200)
        );
    }

    #[test]
    fn bad_values_say_what_is_wrong_and_stay_with_their_knob() {
        let s = with("ROLECALL_REFRESH_WINDOW", "13h");
        assert_eq!(
            s.refresh_window.unwrap_err().to_string(),
            "ROLECALL_REFRESH_WINDOW=\"13h\" is longer than the 12h maximum; use seconds or a number with s, m or h (for example 5m)"
        );
        assert!(s.sts_timeout.is_ok(), "other knobs are unaffected");
        let e = with("ROLECALL_REFRESH_WINDOW", "5x")
            .refresh_window
            .unwrap_err();
        assert!(e.to_string().contains("is not a duration"), "{e}");
        for bad in ["0", "301", "abc"] {
            assert!(
                with("ROLECALL_STS_TIMEOUT", bad).sts_timeout.is_err(),
                "{bad}"
            );
        }
        for bad in ["60", "37h", "8d"] {
            assert!(
                with("ROLECALL_MFA_SESSION_DURATION", bad)
                    .mfa_session_seconds
                    .is_err(),
                "{bad}"
            );
        }
    }
}
