//! The one list of environment changes that `export` prints and `exec` applies.

use time::format_description::well_known::Rfc3339;
use time::UtcOffset;

use super::secret::Credentials;
use super::vars::Vars;

/// One change to a variable. Values include secrets: `Debug` shows only their length, and
/// they are zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub enum Change {
    Set(&'static str, String),
    Unset(&'static str),
}

impl Change {
    pub fn name(&self) -> &'static str {
        match self {
            Change::Set(name, _) | Change::Unset(name) => name,
        }
    }
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Set(name, value) => write!(f, "Set({name}, <{} bytes>)", value.len()),
            Change::Unset(name) => write!(f, "Unset({name})"),
        }
    }
}

impl Drop for Change {
    fn drop(&mut self) {
        if let Change::Set(_, value) = self {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

/// Every variable rolecall manages, in output order.
pub const MANAGED: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "ROLECALL_PROFILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
];

/// Variables that `export --unset --format dotenv` may write empty: for the AWS SDKs and the
/// AWS CLI an empty one is the same as an unset one. The others are left out, since an empty
/// `AWS_PROFILE` names a profile "" and an empty region is an invalid region.
pub const EMPTY_IS_UNSET: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "ROLECALL_PROFILE",
    "AWS_SECURITY_TOKEN",
];

/// What to do with the region variables when the profile names no region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherRegion {
    /// Unset them: they are empty, or a previous rolecall profile's.
    Unset,
    /// Leave them: the user set them before any rolecall profile (`AWS_REGION=… rolecall exec`).
    Keep,
}

impl OtherRegion {
    /// A region in the environment is the user's own unless a rolecall profile is active
    /// (`ROLECALL_PROFILE` set), whose region it may be.
    pub fn of(vars: &Vars) -> Self {
        let region = vars
            .non_empty("AWS_REGION")
            .or_else(|| vars.non_empty("AWS_DEFAULT_REGION"));
        if region.is_some() && vars.non_empty("ROLECALL_PROFILE").is_none() {
            OtherRegion::Keep
        } else {
            OtherRegion::Unset
        }
    }
}

/// The changes that give a shell or child `credentials` for `profile`: every managed variable,
/// in [`MANAGED`] order, set or unset, so nothing of a previous profile stays behind. The
/// region is set when the profile has one, else unset (or kept: [`OtherRegion`]); profile
/// selectors and the legacy token variable are removed so that no tool prefers them over the
/// exported keys.
pub fn changes(
    credentials: &Credentials,
    region: Option<&str>,
    other_region: OtherRegion,
    profile: &str,
) -> Vec<Change> {
    let mut out = vec![
        Change::Set("AWS_ACCESS_KEY_ID", credentials.access_key_id.clone()),
        Change::Set(
            "AWS_SECRET_ACCESS_KEY",
            credentials.secret_access_key.expose().to_string(),
        ),
    ];
    out.push(match &credentials.session_token {
        Some(token) => Change::Set("AWS_SESSION_TOKEN", token.expose().to_string()),
        None => Change::Unset("AWS_SESSION_TOKEN"),
    });
    out.push(
        match credentials
            .expiration
            .and_then(|e| e.to_offset(UtcOffset::UTC).format(&Rfc3339).ok())
        {
            Some(when) => Change::Set("AWS_CREDENTIAL_EXPIRATION", when),
            None => Change::Unset("AWS_CREDENTIAL_EXPIRATION"),
        },
    );
    match (region, other_region) {
        (Some(region), _) => {
            out.push(Change::Set("AWS_REGION", region.to_string()));
            out.push(Change::Set("AWS_DEFAULT_REGION", region.to_string()));
        }
        (None, OtherRegion::Unset) => {
            out.push(Change::Unset("AWS_REGION"));
            out.push(Change::Unset("AWS_DEFAULT_REGION"));
        }
        (None, OtherRegion::Keep) => {}
    }
    out.push(Change::Set("ROLECALL_PROFILE", profile.to_string()));
    out.push(Change::Unset("AWS_PROFILE"));
    out.push(Change::Unset("AWS_DEFAULT_PROFILE"));
    out.push(Change::Unset("AWS_SECURITY_TOKEN"));
    out
}

/// Removes every variable rolecall manages (`export --unset`).
pub fn unset_all() -> Vec<Change> {
    MANAGED.iter().map(|name| Change::Unset(name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secret::Secret;
    use time::macros::datetime;

    fn creds(token: bool) -> Credentials {
        Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("sec"),
            session_token: token.then(|| Secret::new("tok")),
            expiration: token.then_some(datetime!(2026-11-22 11:00 UTC)),
        }
    }

    #[test]
    fn session_credentials_with_region() {
        let c = changes(&creds(true), Some("eu-west-1"), OtherRegion::Unset, "prod");
        assert_eq!(
            c,
            vec![
                Change::Set("AWS_ACCESS_KEY_ID", "ASIAX".into()),
                Change::Set("AWS_SECRET_ACCESS_KEY", "sec".into()),
                Change::Set("AWS_SESSION_TOKEN", "tok".into()),
                Change::Set("AWS_CREDENTIAL_EXPIRATION", "2026-11-22T11:00:00Z".into()),
                Change::Set("AWS_REGION", "eu-west-1".into()),
                Change::Set("AWS_DEFAULT_REGION", "eu-west-1".into()),
                Change::Set("ROLECALL_PROFILE", "prod".into()),
                Change::Unset("AWS_PROFILE"),
                Change::Unset("AWS_DEFAULT_PROFILE"),
                Change::Unset("AWS_SECURITY_TOKEN"),
            ]
        );
    }

    #[test]
    fn expiration_is_always_utc_and_debug_hides_values() {
        let mut c = creds(true);
        c.expiration = Some(datetime!(2030-01-01 12:00 +02:00));
        let changes = changes(&c, None, OtherRegion::Unset, "p");
        assert!(changes.contains(&Change::Set(
            "AWS_CREDENTIAL_EXPIRATION",
            "2030-01-01T10:00:00Z".into()
        )));
        let debug = format!("{changes:?}");
        assert!(!debug.contains("sec") && !debug.contains("tok"), "{debug}");
        assert!(
            debug.contains("Set(AWS_SECRET_ACCESS_KEY, <3 bytes>)"),
            "{debug}"
        );
    }

    #[test]
    fn long_term_keys_unset_token_and_expiry() {
        let c = changes(&creds(false), None, OtherRegion::Unset, "keys");
        assert!(c.contains(&Change::Unset("AWS_SESSION_TOKEN")));
        assert!(c.contains(&Change::Unset("AWS_CREDENTIAL_EXPIRATION")));
        assert!(!c.iter().any(|x| matches!(x, Change::Set("AWS_REGION", _))));
    }

    #[test]
    fn every_managed_variable_is_set_or_unset_in_order() {
        for region in [Some("r"), None] {
            let names: Vec<_> = changes(&creds(true), region, OtherRegion::Unset, "p")
                .iter()
                .map(Change::name)
                .collect();
            assert_eq!(names, MANAGED, "{region:?}");
        }
        let names: Vec<_> = unset_all().iter().map(Change::name).collect();
        assert_eq!(names, MANAGED);
    }

    #[test]
    fn a_previous_profiles_region_goes_and_the_users_own_stays() {
        let unset = |c: &[Change]| c.contains(&Change::Unset("AWS_REGION"));
        let after_rolecall =
            Vars::from_pairs([("AWS_REGION", "eu-west-1"), ("ROLECALL_PROFILE", "a")]);
        assert_eq!(OtherRegion::of(&after_rolecall), OtherRegion::Unset);
        assert!(unset(&changes(
            &creds(true),
            None,
            OtherRegion::of(&after_rolecall),
            "b"
        )));
        let own = Vars::from_pairs([("AWS_DEFAULT_REGION", "ap-south-1")]);
        assert_eq!(OtherRegion::of(&own), OtherRegion::Keep);
        let kept = changes(&creds(true), None, OtherRegion::Keep, "b");
        assert!(
            !kept.iter().any(|c| c.name().contains("REGION")),
            "{kept:?}"
        );
        assert_eq!(OtherRegion::of(&Vars::default()), OtherRegion::Unset);
    }
}
