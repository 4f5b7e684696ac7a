//! The one list of environment changes that `export` prints and `exec` applies.

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
    "AWS_ACCOUNT_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_DEFAULT_OUTPUT",
    "AWS_PAGER",
    "AWS_CA_BUNDLE",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_ENDPOINT_URL",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE",
    "ROLECALL_PROFILE",
    "ROLECALL_EXPIRATION",
    "ROLECALL_SET_VARS",
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
    "ROLECALL_EXPIRATION",
    "AWS_SECURITY_TOKEN",
];

/// The profile settings that reach a child as variables, since `AWS_PROFILE` is unset (the
/// JavaScript SDK skips environment keys while it is set): key → variable, in output order.
pub const PROFILE_SETTINGS: &[(&str, &str)] = &[
    ("output", "AWS_DEFAULT_OUTPUT"),
    ("cli_pager", "AWS_PAGER"),
    ("ca_bundle", "AWS_CA_BUNDLE"),
    ("max_attempts", "AWS_MAX_ATTEMPTS"),
    ("retry_mode", "AWS_RETRY_MODE"),
    ("endpoint_url", "AWS_ENDPOINT_URL"),
    ("account_id_endpoint_mode", "AWS_ACCOUNT_ID_ENDPOINT_MODE"),
];

/// What the credentials are for: the profile, its region and its other settings.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub profile: &'a str,
    pub region: Option<&'a str>,
    /// Variable → value, for the [`PROFILE_SETTINGS`] the profile sets.
    pub settings: &'a [(&'static str, String)],
}

/// Whether a variable the profile does not set stays as the environment has it: it does
/// unless a previous rolecall export set it, which `ROLECALL_SET_VARS` records (a region or
/// `AWS_ENDPOINT_URL` the user set themselves stays through every switch). Before that record
/// existed, rolecall set only the region pair.
fn users_own(vars: &Vars, name: &str) -> bool {
    if !is_set(vars, name) {
        return false;
    }
    let rolecalls = match (
        vars.non_empty("ROLECALL_PROFILE"),
        vars.get("ROLECALL_SET_VARS"),
    ) {
        (None, _) => false,
        (Some(_), Some(set)) => set.split(':').any(|n| n == name),
        (Some(_), None) => name.ends_with("_REGION"),
    };
    !rolecalls
}

/// Whether the environment sets `name`. An empty `AWS_PAGER` is a setting (no pager, which
/// scripts rely on); any other empty variable is the same as none to the AWS tools.
fn is_set(vars: &Vars, name: &str) -> bool {
    match name {
        "AWS_PAGER" => vars.get(name).is_some(),
        _ => vars.non_empty(name).is_some(),
    }
}

/// What the user had in `name` before the first rolecall export into this shell, if that
/// export replaced it ([`SAVED_VAR`]).
fn saved(vars: &Vars, name: &str) -> Option<String> {
    let record: serde_json::Value = serde_json::from_str(vars.non_empty(SAVED_VAR)?).ok()?;
    record.get(name)?.as_str().map(str::to_string)
}

/// The changes that give a shell or child `credentials` for `target`: every managed variable,
/// in [`MANAGED`] order, set or unset (or, when the profile does not set it, left as the user
/// set it: see [`users_own`]), so nothing of a previous profile stays behind. Profile selectors
/// and the legacy token variable are removed so that no tool prefers them over the exported
/// keys.
pub fn changes(credentials: &Credentials, target: &Target, vars: &Vars) -> Vec<Change> {
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
    let expiration = credentials.expiration.map(crate::domain::text::timestamp);
    out.push(match &expiration {
        Some(when) => Change::Set("AWS_CREDENTIAL_EXPIRATION", when.clone()),
        None => Change::Unset("AWS_CREDENTIAL_EXPIRATION"),
    });
    out.push(match &credentials.account_id {
        Some(account) => Change::Set("AWS_ACCOUNT_ID", account.clone()),
        None => Change::Unset("AWS_ACCOUNT_ID"),
    });
    // A setting the profile does not make is the user's: left as they have it, or put back
    // as it was before rolecall's first export replaced it, so that the result does not
    // depend on which profiles came before.
    let set_or_leave = |out: &mut Vec<Change>, name: &'static str, value: Option<&str>| match value
    {
        Some(v) => out.push(Change::Set(name, v.to_string())),
        None if users_own(vars, name) => {}
        None => out.push(match saved(vars, name) {
            Some(own) => Change::Set(name, own),
            None => Change::Unset(name),
        }),
    };
    // The region pair goes together: a user's own AWS_DEFAULT_REGION keeps AWS_REGION too.
    match target.region {
        Some(region) => {
            out.push(Change::Set("AWS_REGION", region.to_string()));
            out.push(Change::Set("AWS_DEFAULT_REGION", region.to_string()));
        }
        None if users_own(vars, "AWS_REGION") || users_own(vars, "AWS_DEFAULT_REGION") => {}
        None => {
            set_or_leave(&mut out, "AWS_REGION", None);
            set_or_leave(&mut out, "AWS_DEFAULT_REGION", None);
        }
    }
    for (_, name) in PROFILE_SETTINGS {
        let value = target
            .settings
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        set_or_leave(&mut out, name, value);
    }
    out.push(Change::Set("ROLECALL_PROFILE", target.profile.to_string()));
    // For a prompt: the time the session in this shell ends (`rolecall status`).
    out.push(match expiration {
        Some(when) => Change::Set("ROLECALL_EXPIRATION", when),
        None => Change::Unset("ROLECALL_EXPIRATION"),
    });
    // Which optional variables this export set, so that the next one removes only those.
    let optional: Vec<&str> = out
        .iter()
        .filter_map(|c| match c {
            Change::Set(name, _)
                if name.ends_with("_REGION") || PROFILE_SETTINGS.iter().any(|(_, v)| v == name) =>
            {
                Some(*name)
            }
            _ => None,
        })
        .collect();
    out.push(if optional.is_empty() {
        Change::Unset("ROLECALL_SET_VARS")
    } else {
        // `:`-separated: a character every shell format, cmd's included, carries as it is.
        Change::Set("ROLECALL_SET_VARS", optional.join(":"))
    });
    out.push(Change::Unset("AWS_PROFILE"));
    out.push(Change::Unset("AWS_DEFAULT_PROFILE"));
    out.push(Change::Unset("AWS_SECURITY_TOKEN"));
    out
}

/// Removes every variable rolecall manages (`export --unset`), but for the optional ones (the
/// region, the profile settings) that the user set themselves: see [`users_own`].
/// What the first rolecall export in a shell replaced, to put back on `--unset`: a JSON object
/// of the user's own values of managed variables.
pub const SAVED_VAR: &str = "ROLECALL_SAVED";

/// Variables an SDK would read before the container endpoint: never in the environment of a
/// command that is given one (`exec --server`).
const SHADOWING: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "ROLECALL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
];

/// `changes` for a command that reads its credentials from the endpoint at `url` with
/// `token`, instead of keys in its environment.
pub fn for_endpoint(mut changes: Vec<Change>, url: &str, token: &str) -> Vec<Change> {
    changes.retain(|c| !SHADOWING.contains(&c.name()));
    changes.extend(SHADOWING.iter().map(|n| Change::Unset(n)));
    changes.push(Change::Set(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        url.to_string(),
    ));
    changes.push(Change::Set(
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        token.to_string(),
    ));
    changes
}

/// `changes` for a command that reads its credentials from the instance metadata endpoint at
/// `url` (`exec --imds`): nothing the SDKs would read before it (keys, a profile, a container
/// endpoint), and instance metadata not turned off.
pub fn for_imds(mut changes: Vec<Change>, url: &str) -> Vec<Change> {
    const BEFORE_IMDS: &[&str] = &[
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    ];
    changes.retain(|c| !SHADOWING.contains(&c.name()));
    changes.extend(
        SHADOWING
            .iter()
            .chain(BEFORE_IMDS)
            .map(|n| Change::Unset(n)),
    );
    changes.push(Change::Set(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        url.to_string(),
    ));
    changes
}

/// The null device: a shared file that reads empty.
#[cfg(windows)]
pub const NULL_DEVICE: &str = "NUL";
#[cfg(not(windows))]
pub const NULL_DEVICE: &str = "/dev/null";

/// `changes` for a command that must not read the shared config and credentials files,
/// because their `[default]` profile has credentials that every SDK would use before the
/// container endpoint: both files read as empty. `region` is the default profile's, exported
/// where neither the served profile nor the user sets one.
pub fn without_shared_files(
    mut changes: Vec<Change>,
    region: Option<&str>,
    vars: &Vars,
) -> Vec<Change> {
    changes.retain(|c| !matches!(c.name(), "AWS_CONFIG_FILE" | "AWS_SHARED_CREDENTIALS_FILE"));
    changes.push(Change::Set("AWS_CONFIG_FILE", NULL_DEVICE.into()));
    changes.push(Change::Set(
        "AWS_SHARED_CREDENTIALS_FILE",
        NULL_DEVICE.into(),
    ));
    let set_here = changes
        .iter()
        .any(|c| matches!(c, Change::Set("AWS_REGION", _)));
    let users =
        vars.non_empty("AWS_REGION").is_some() || vars.non_empty("AWS_DEFAULT_REGION").is_some();
    if let (Some(region), false, false) = (region, set_here, users) {
        changes.retain(|c| !c.name().ends_with("_REGION"));
        changes.push(Change::Set("AWS_REGION", region.into()));
        changes.push(Change::Set("AWS_DEFAULT_REGION", region.into()));
    }
    changes
}

/// The credential variables, which are never recorded for `--unset`.
const SECRETS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// On the first export into a shell (no rolecall profile in it yet), records the values
/// `changes` replaces or removes, so that `--unset` can put them back.
pub fn save_replaced(mut changes: Vec<Change>, vars: &Vars) -> Vec<Change> {
    if vars.non_empty("ROLECALL_PROFILE").is_some() || vars.get(SAVED_VAR).is_some() {
        return changes; // an earlier export saved what the user had
    }
    let mut saved = serde_json::Map::new();
    for change in &changes {
        let name = change.name();
        // Never keys or tokens: the record goes to every command the shell starts, and the
        // point of a session is that they do not get the long-term secret.
        if name.starts_with("ROLECALL_") || SECRETS.contains(&name) {
            continue;
        }
        if let Some(value) = vars.get(name) {
            let replaced = match change {
                Change::Set(_, new) => new != value,
                Change::Unset(_) => true,
            };
            if replaced {
                saved.insert(name.to_string(), value.into());
            }
        }
    }
    if !saved.is_empty() {
        changes.push(Change::Set(
            SAVED_VAR,
            serde_json::Value::Object(saved).to_string(),
        ));
    }
    changes
}

/// `--unset`: removes what rolecall set and puts back what the first export replaced.
pub fn unset_and_restore(vars: &Vars) -> Vec<Change> {
    let saved: serde_json::Map<String, serde_json::Value> = vars
        .non_empty(SAVED_VAR)
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let changes: Vec<Change> = unset_all(vars)
        .into_iter()
        .map(
            |change| match saved.get(change.name()).and_then(|v| v.as_str()) {
                Some(value) => Change::Set(change.name(), value.to_string()),
                None => change,
            },
        )
        .collect();
    changes
}

pub fn unset_all(vars: &Vars) -> Vec<Change> {
    let optional =
        |name: &str| name.ends_with("_REGION") || PROFILE_SETTINGS.iter().any(|(_, v)| *v == name);
    MANAGED
        .iter()
        .filter(|name| !(optional(name) && users_own(vars, name)))
        .chain([&SAVED_VAR])
        .map(|name| Change::Unset(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment after a shell applied `changes` to `before`.
    fn applied(before: &Vars, changes: &[Change]) -> Vars {
        let mut all: Vec<(String, String)> = before
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for c in changes {
            all.retain(|(k, _)| k != c.name());
            if let Change::Set(k, v) = c {
                all.push((k.to_string(), v.clone()));
            }
        }
        Vars::from_pairs(all)
    }

    fn use_(vars: &Vars, profile: &str, region: Option<&str>) -> Vars {
        let c = save_replaced(changes(&creds(true), &target(profile, region), vars), vars);
        applied(vars, &c)
    }

    #[test]
    fn the_users_own_settings_do_not_depend_on_history() {
        let mine = Vars::from_pairs([("AWS_REGION", "ap-south-1"), ("AWS_PAGER", "")]);
        let direct = use_(&mine, "prod-ro", None);
        let after = use_(&use_(&mine, "staging", Some("eu-west-1")), "prod-ro", None);
        for name in ["AWS_REGION", "AWS_PAGER"] {
            assert_eq!(direct.get(name), after.get(name), "{name}");
        }
        assert_eq!(after.get("AWS_REGION"), Some("ap-south-1"));
        assert_eq!(after.get("AWS_PAGER"), Some(""), "an empty pager is kept");
        // --unset puts the user's own back and forgets the record.
        let back = applied(&after, &unset_and_restore(&after));
        assert_eq!(back.get("AWS_REGION"), Some("ap-south-1"));
        assert_eq!(back.get("AWS_PAGER"), Some(""));
        assert_eq!(back.get(SAVED_VAR), None);
        assert_eq!(back.get("ROLECALL_PROFILE"), None);
        // Without a shell's record (exec), an empty pager stays too.
        let child = applied(&mine, &changes(&creds(true), &target("x", None), &mine));
        assert_eq!(child.get("AWS_PAGER"), Some(""));
        assert!(unset_all(&mine).iter().any(|c| c.name() == SAVED_VAR));
    }

    #[test]
    fn unset_puts_back_what_the_first_export_replaced() {
        let before = Vars::from_pairs([
            ("AWS_REGION", "ap-south-1"),
            ("AWS_PROFILE", "dev"),
            ("AWS_SECRET_ACCESS_KEY", "long-term-secret"),
        ]);
        let first = save_replaced(
            changes(&creds(true), &target("prod", Some("eu-west-1")), &before),
            &before,
        );
        let saved = first
            .iter()
            .find_map(|c| match c {
                Change::Set(SAVED_VAR, v) => Some(v.clone()),
                _ => None,
            })
            .expect("saved");
        // The shell after the export, as it would be.
        let mut after: Vec<(String, String)> = vec![];
        for c in &first {
            if let Change::Set(k, v) = c {
                after.push((k.to_string(), v.clone()));
            }
        }
        let after = Vars::from_pairs(after);
        assert!(
            saved.contains("ap-south-1") && saved.contains("dev"),
            "{saved}"
        );
        assert!(
            !saved.contains("long-term-secret"),
            "never a secret: {saved}"
        );
        // A second export keeps the first record.
        let second = save_replaced(changes(&creds(true), &target("ops", None), &after), &after);
        assert!(!second.iter().any(|c| c.name() == SAVED_VAR));
        let undo = unset_and_restore(&after);
        assert!(
            undo.contains(&Change::Set("AWS_REGION", "ap-south-1".into())),
            "{undo:?}"
        );
        assert!(undo.contains(&Change::Set("AWS_PROFILE", "dev".into())));
        assert!(undo.contains(&Change::Unset("AWS_ACCESS_KEY_ID")));
        assert!(undo.contains(&Change::Unset(SAVED_VAR)));
    }
    use crate::domain::secret::Secret;
    use time::macros::datetime;

    fn target<'a>(profile: &'a str, region: Option<&'a str>) -> Target<'a> {
        Target {
            profile,
            region,
            settings: &[],
        }
    }

    fn creds(token: bool) -> Credentials {
        Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("sec"),
            session_token: token.then(|| Secret::new("tok")),
            expiration: token.then_some(datetime!(2026-11-22 11:00 UTC)),
            account_id: token.then(|| "123456789012".into()),
        }
    }

    #[test]
    fn session_credentials_with_region() {
        let c = changes(
            &creds(true),
            &target("prod", Some("eu-west-1")),
            &Vars::default(),
        );
        assert_eq!(
            c,
            vec![
                Change::Set("AWS_ACCESS_KEY_ID", "ASIAX".into()),
                Change::Set("AWS_SECRET_ACCESS_KEY", "sec".into()),
                Change::Set("AWS_SESSION_TOKEN", "tok".into()),
                Change::Set("AWS_CREDENTIAL_EXPIRATION", "2026-11-22T11:00:00Z".into()),
                Change::Set("AWS_ACCOUNT_ID", "123456789012".into()),
                Change::Set("AWS_REGION", "eu-west-1".into()),
                Change::Set("AWS_DEFAULT_REGION", "eu-west-1".into()),
                Change::Unset("AWS_DEFAULT_OUTPUT"),
                Change::Unset("AWS_PAGER"),
                Change::Unset("AWS_CA_BUNDLE"),
                Change::Unset("AWS_MAX_ATTEMPTS"),
                Change::Unset("AWS_RETRY_MODE"),
                Change::Unset("AWS_ENDPOINT_URL"),
                Change::Unset("AWS_ACCOUNT_ID_ENDPOINT_MODE"),
                Change::Set("ROLECALL_PROFILE", "prod".into()),
                Change::Set("ROLECALL_EXPIRATION", "2026-11-22T11:00:00Z".into()),
                Change::Set("ROLECALL_SET_VARS", "AWS_REGION:AWS_DEFAULT_REGION".into()),
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
        let changes = changes(&c, &target("p", None), &Vars::default());
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
        let c = changes(&creds(false), &target("keys", None), &Vars::default());
        assert!(c.contains(&Change::Unset("AWS_SESSION_TOKEN")));
        assert!(c.contains(&Change::Unset("AWS_CREDENTIAL_EXPIRATION")));
        assert!(c.contains(&Change::Unset("ROLECALL_EXPIRATION")));
        assert!(
            c.contains(&Change::Unset("AWS_ACCOUNT_ID")),
            "no account of a previous profile stays"
        );
        assert!(!c.iter().any(|x| matches!(x, Change::Set("AWS_REGION", _))));
    }

    #[test]
    fn every_managed_variable_is_set_or_unset_in_order() {
        for region in [Some("r"), None] {
            let names: Vec<_> = changes(&creds(true), &target("p", region), &Vars::default())
                .iter()
                .map(Change::name)
                .collect();
            assert_eq!(names, MANAGED, "{region:?}");
        }
        let names: Vec<_> = unset_all(&Vars::default())
            .iter()
            .map(Change::name)
            .collect();
        assert_eq!(names[..MANAGED.len()], *MANAGED);
        assert_eq!(
            names[MANAGED.len()..],
            [SAVED_VAR],
            "and the record of what it replaced"
        );
        let own = Vars::from_pairs([("AWS_ENDPOINT_URL", "http://localhost:4566")]);
        assert!(!unset_all(&own)
            .iter()
            .any(|c| c.name() == "AWS_ENDPOINT_URL"));
    }

    #[test]
    fn a_previous_profiles_settings_go_and_the_users_own_stay() {
        let unset = |c: &[Change], name| c.contains(&Change::Unset(name));
        let after_rolecall = Vars::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_OUTPUT", "text"),
            ("AWS_ENDPOINT_URL", "http://localstack:4566"),
            ("ROLECALL_PROFILE", "a"),
            (
                "ROLECALL_SET_VARS",
                "AWS_REGION:AWS_DEFAULT_REGION:AWS_DEFAULT_OUTPUT",
            ),
        ]);
        let c = changes(&creds(true), &target("b", None), &after_rolecall);
        assert!(
            unset(&c, "AWS_REGION") && unset(&c, "AWS_DEFAULT_OUTPUT"),
            "{c:?}"
        );
        assert!(
            !c.iter().any(|c| c.name() == "AWS_ENDPOINT_URL"),
            "the user's own stays: {c:?}"
        );
        // An export of an older rolecall (no record) set only the region.
        let legacy = Vars::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_PAGER", "less"),
            ("ROLECALL_PROFILE", "a"),
        ]);
        let c = changes(&creds(true), &target("b", None), &legacy);
        assert!(
            unset(&c, "AWS_REGION") && !c.iter().any(|c| c.name() == "AWS_PAGER"),
            "{c:?}"
        );
        let own = Vars::from_pairs([
            ("AWS_DEFAULT_REGION", "ap-south-1"),
            ("AWS_DEFAULT_OUTPUT", "json"),
        ]);
        let kept = changes(&creds(true), &target("b", None), &own);
        assert!(
            !kept
                .iter()
                .any(|c| c.name().contains("REGION") || c.name() == "AWS_DEFAULT_OUTPUT"),
            "{kept:?}"
        );
        assert!(unset(&kept, "AWS_PAGER"), "not set by the user: unset");
        let settings = [("AWS_DEFAULT_OUTPUT", "text".to_string())];
        let with = changes(
            &creds(true),
            &Target {
                profile: "t",
                region: None,
                settings: &settings,
            },
            &own,
        );
        assert!(with.contains(&Change::Set("AWS_DEFAULT_OUTPUT", "text".into())));
    }
}
