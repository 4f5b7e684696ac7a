//! What `rolecall status` says: the profile in this shell and the time its session has left,
//! from the environment alone (no file, no keychain, no network), fast enough for a prompt.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::text::human;
use super::Vars;

/// The session a shell has from `export` or `use`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub profile: String,
    /// When the session ends; `None` for long-term keys (`--no-session`).
    pub expiration: Option<OffsetDateTime>,
}

/// The session in `vars`: `ROLECALL_PROFILE`, and `ROLECALL_EXPIRATION` (or, from an older
/// export, `AWS_CREDENTIAL_EXPIRATION`).
pub fn of(vars: &Vars) -> Option<Status> {
    let profile = vars.non_empty("ROLECALL_PROFILE")?.to_string();
    let expiration = vars
        .non_empty("ROLECALL_EXPIRATION")
        .or_else(|| vars.non_empty("AWS_CREDENTIAL_EXPIRATION"))
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    Some(Status {
        profile,
        expiration,
    })
}

impl Status {
    /// The time left at `now` (never negative).
    pub fn left(&self, now: OffsetDateTime) -> Option<Duration> {
        self.expiration.map(|e| (e - now).max(Duration::ZERO))
    }

    /// `prod 42m`, `prod 1h 05m`, `prod expired`, or `prod` for long-term keys.
    pub fn line(&self, now: OffsetDateTime) -> String {
        match self.left(now) {
            None => self.profile.clone(),
            Some(left) if left.is_zero() => format!("{} expired", self.profile),
            Some(left) => format!("{} {}", self.profile, human(left)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    fn line(pairs: &[(&str, &str)]) -> Option<String> {
        of(&Vars::from_pairs(pairs.iter().copied())).map(|s| s.line(NOW))
    }

    #[test]
    fn the_profile_and_the_time_left() {
        assert_eq!(line(&[]), None);
        assert_eq!(line(&[("ROLECALL_PROFILE", "")]), None);
        assert_eq!(
            line(&[
                ("ROLECALL_PROFILE", "prod"),
                ("ROLECALL_EXPIRATION", "2026-11-22T10:42:30Z")
            ])
            .as_deref(),
            Some("prod 42m")
        );
        assert_eq!(
            line(&[
                ("ROLECALL_PROFILE", "prod"),
                ("ROLECALL_EXPIRATION", "2026-11-22T11:05:00Z")
            ])
            .as_deref(),
            Some("prod 1h 05m")
        );
        assert_eq!(
            line(&[
                ("ROLECALL_PROFILE", "prod"),
                ("ROLECALL_EXPIRATION", "2026-11-22T09:59:00Z")
            ])
            .as_deref(),
            Some("prod expired")
        );
        // An export of an older rolecall: the AWS variable; long-term keys: no time.
        assert_eq!(
            line(&[
                ("ROLECALL_PROFILE", "ops"),
                ("AWS_CREDENTIAL_EXPIRATION", "2026-11-22T10:00:40Z")
            ])
            .as_deref(),
            Some("ops 40s")
        );
        assert_eq!(
            line(&[("ROLECALL_PROFILE", "keys")]).as_deref(),
            Some("keys")
        );
    }
}
