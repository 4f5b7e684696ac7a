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

/// The longest `ROLECALL_PROCESS_TIMEOUT`.
pub const MAX_PROCESS_TIMEOUT: Duration = Duration::hours(1);
/// How long a `credential_process`, an `mfa_process` or a graphical MFA prompt may take:
/// some helpers wait for a push approval on a phone.
pub const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::minutes(2);

/// How long the file store stays unlocked unless `ROLECALL_FILE_UNLOCK_TTL` says.
pub const DEFAULT_FILE_UNLOCK_TTL: Duration = Duration::hours(8);
/// The longest `ROLECALL_FILE_UNLOCK_TTL`: a week.
pub const MAX_FILE_UNLOCK_TTL: Duration = Duration::hours(168);

/// Where an MFA code is asked for when neither `--mfa-token` nor `mfa_process` gives one
/// (`ROLECALL_MFA_PROMPT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptChoice {
    /// The terminal when there is one, else a graphical prompt where a display exists.
    Auto,
    Terminal,
    Zenity,
    Kdialog,
    Osascript,
    /// Never ask: a code must come from `--mfa-token` or `mfa_process`.
    None,
}

impl PromptChoice {
    pub const NAMES: &'static str = "auto, terminal, zenity, kdialog, osascript, none";

    fn parse(text: &str) -> Result<Self, SettingError> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "auto" => Self::Auto,
            "terminal" | "tty" => Self::Terminal,
            "zenity" => Self::Zenity,
            "kdialog" => Self::Kdialog,
            "osascript" => Self::Osascript,
            "none" => Self::None,
            _ => {
                return Err(SettingError {
                    name: "ROLECALL_MFA_PROMPT",
                    value: text.into(),
                    problem: "is not a prompt rolecall knows".into(),
                    fix: "use one of auto, terminal, zenity, kdialog, osascript, none",
                })
            }
        })
    }
}

/// The parsed knobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `ROLECALL_STS_TIMEOUT`: the limit of one STS operation.
    pub sts_timeout: Result<Duration, SettingError>,
    /// `ROLECALL_REFRESH_WINDOW`: replaces the default refresh rule when set.
    pub refresh_window: Result<Option<Duration>, SettingError>,
    /// `ROLECALL_MFA_SESSION_DURATION`: the life of the shared MFA session, in seconds.
    pub mfa_session_seconds: Result<u32, SettingError>,
    /// `ROLECALL_KEYRING`: which store.
    pub keyring: String,
    /// Whether `keyring` is one of the platform's stores (`KEYRING_CHOICES`).
    pub keyring_choice: Result<(), SettingError>,
    /// `ROLECALL_STATE_DIR`: where the index and the locks live, instead of the XDG default.
    pub state_dir: Option<PathBuf>,
    /// `ROLECALL_ALLOW_HTTP=1`: a plain-HTTP endpoint off this machine is accepted (a lab).
    pub allow_http: bool,
    /// `ROLECALL_AUDIT=off`: no audit trail.
    pub audit: bool,
    /// `ROLECALL_PROCESS_TIMEOUT`: the limit of one helper program (`credential_process`,
    /// `mfa_process`, a graphical prompt).
    pub process_timeout: Result<Duration, SettingError>,
    /// `ROLECALL_MFA_PROMPT`: where an MFA code is asked for.
    pub mfa_prompt: Result<PromptChoice, SettingError>,
    /// `ROLECALL_FILE_UNLOCK_TTL`: how long the file store's key stays unlocked (0: not kept).
    pub file_unlock_ttl: Result<Duration, SettingError>,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_vars(&Vars::default())
    }
}

impl Settings {
    /// Every knob whose value cannot be used (`rolecall doctor`).
    pub fn problems(&self) -> Vec<SettingError> {
        [
            self.sts_timeout.as_ref().err(),
            self.refresh_window.as_ref().err(),
            self.mfa_session_seconds.as_ref().err(),
            self.keyring_choice.as_ref().err(),
            self.process_timeout.as_ref().err(),
            self.mfa_prompt.as_ref().err(),
            self.file_unlock_ttl.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

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
            keyring_choice: knob(vars, "ROLECALL_KEYRING", (), keyring_choice),
            state_dir: vars.non_empty("ROLECALL_STATE_DIR").map(PathBuf::from),
            allow_http: vars.non_empty("ROLECALL_ALLOW_HTTP") == Some("1"),
            audit: !vars
                .non_empty("ROLECALL_AUDIT")
                .is_some_and(|v| v.eq_ignore_ascii_case("off")),
            process_timeout: knob(
                vars,
                "ROLECALL_PROCESS_TIMEOUT",
                DEFAULT_PROCESS_TIMEOUT,
                process_timeout,
            ),
            mfa_prompt: knob(
                vars,
                "ROLECALL_MFA_PROMPT",
                PromptChoice::Auto,
                PromptChoice::parse,
            ),
            file_unlock_ttl: knob(
                vars,
                "ROLECALL_FILE_UNLOCK_TTL",
                DEFAULT_FILE_UNLOCK_TTL,
                file_unlock_ttl,
            ),
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

/// The names `ROLECALL_KEYRING` accepts on this platform.
#[cfg(target_os = "linux")]
pub const KEYRING_CHOICES: &str = "auto, secret-service, keyutils, file, none";
#[cfg(target_os = "macos")]
pub const KEYRING_CHOICES: &str = "auto, keychain, file, none";
#[cfg(windows)]
pub const KEYRING_CHOICES: &str = "auto, credential-manager, file, none";
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub const KEYRING_CHOICES: &str = "file, none";

fn keyring_choice(text: &str) -> Result<(), SettingError> {
    if KEYRING_CHOICES.split(", ").any(|c| c == text) {
        return Ok(());
    }
    Err(SettingError {
        name: "ROLECALL_KEYRING",
        value: text.to_string(),
        problem: format!("is not one of {KEYRING_CHOICES}"),
        fix: "unset it or pick one",
    })
}

fn file_unlock_ttl(text: &str) -> Result<Duration, SettingError> {
    parse_duration(text, MAX_FILE_UNLOCK_TTL).map_err(|e| {
        error(
            "ROLECALL_FILE_UNLOCK_TTL",
            text,
            e,
            "use seconds or a number with s, m or h, up to 168h (for example 8h; 0 keeps it locked)",
        )
    })
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

fn process_timeout(text: &str) -> Result<Duration, SettingError> {
    const FIX: &str = "use 1 to 3600 seconds (for example 120 or 5m)";
    match parse_duration(text, MAX_PROCESS_TIMEOUT) {
        Ok(d) if d >= Duration::SECOND => Ok(d),
        Ok(_) => Err(SettingError {
            name: "ROLECALL_PROCESS_TIMEOUT",
            value: text.into(),
            problem: "is too short".into(),
            fix: FIX,
        }),
        Err(e) => Err(error("ROLECALL_PROCESS_TIMEOUT", text, e, FIX)),
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
        assert_eq!(s.process_timeout, Ok(Duration::minutes(2)));
        assert_eq!(s.mfa_prompt, Ok(PromptChoice::Auto));
        assert_eq!(s.file_unlock_ttl, Ok(Duration::hours(8)));
    }

    #[test]
    fn the_file_store_knobs() {
        assert_eq!(with("ROLECALL_KEYRING", "file").keyring_choice, Ok(()));
        assert_eq!(
            with("ROLECALL_FILE_UNLOCK_TTL", "30m").file_unlock_ttl,
            Ok(Duration::minutes(30))
        );
        assert_eq!(
            with("ROLECALL_FILE_UNLOCK_TTL", "0").file_unlock_ttl,
            Ok(Duration::ZERO)
        );
        let e = with("ROLECALL_FILE_UNLOCK_TTL", "200h")
            .file_unlock_ttl
            .unwrap_err();
        assert!(e.to_string().contains("168h"), "{e}");
    }

    #[test]
    fn the_prompt_and_process_knobs() {
        assert_eq!(
            with("ROLECALL_MFA_PROMPT", "Zenity").mfa_prompt,
            Ok(PromptChoice::Zenity)
        );
        let e = with("ROLECALL_MFA_PROMPT", "gui").mfa_prompt.unwrap_err();
        assert!(e.to_string().contains("auto, terminal, zenity"), "{e}");
        assert_eq!(
            with("ROLECALL_PROCESS_TIMEOUT", "5").process_timeout,
            Ok(Duration::seconds(5))
        );
        assert!(with("ROLECALL_PROCESS_TIMEOUT", "0")
            .process_timeout
            .is_err());
        assert!(with("ROLECALL_PROCESS_TIMEOUT", "2h")
            .process_timeout
            .is_err());
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
