use super::*;
use crate::domain::plan::{
    AssumeRole, Mfa, Step, StsEndpoint, TokenFrom, DEFAULT_MFA_SESSION_SECONDS,
};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

const CREDS: &str = "[default]\naws_access_key_id = AKIADEFAULT0001\naws_secret_access_key = defaultsecret\n\n[base-profile]\naws_access_key_id = AKIABASE00000002\naws_secret_access_key = basesecret\n";

fn vars() -> Vars {
    Vars::from_pairs([("USER", "maria")])
}

fn try_plan(config: &str, name: &str) -> Result<Plan, ConfigError> {
    try_plan_with(config, CREDS, name, &vars())
}

fn try_plan_with(config: &str, creds: &str, name: &str, vars: &Vars) -> Result<Plan, ConfigError> {
    try_plan_keys(config, creds, name, vars, &Overrides::default(), &[])
}

/// A plan with these overrides and these profiles' keys (profile, key id) in the keychain.
fn try_plan_keys(
    config: &str,
    creds: &str,
    name: &str,
    vars: &Vars,
    overrides: &Overrides,
    stored: &[(&str, &str)],
) -> Result<Plan, ConfigError> {
    let mut profiles = Profiles::from_strs(config, creds).expect("fixture parses");
    let stored = crate::domain::keys::StoredKeys(
        stored
            .iter()
            .map(|(p, k)| (p.to_string(), k.to_string()))
            .collect(),
    );
    profiles.add_stored(stored.profiles());
    let settings = Settings::from_vars(vars);
    plan(
        &profiles,
        name,
        &Inputs {
            vars,
            settings: &settings,
            now: NOW,
            overrides,
            identity: &crate::ports::identity::Anonymous,
            stored_keys: &stored,
            policies: &crate::ports::policy::NoPolicyFiles,
            checked: None,
        },
    )
}

const NO_SESSION: Overrides = Overrides {
    duration_seconds: None,
    region: None,
    no_session: true,
    policy_arns: Vec::new(),
    policy: None,
    read_only: false,
    min_token_size: None,
};

fn roles(plan: &Plan) -> Vec<&AssumeRole> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::AssumeRole(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn ops(plan: &Plan) -> Vec<&'static str> {
    plan.steps.iter().map(Step::operation).collect()
}

#[test]
fn seed_marketingadmin_with_source_profile() {
    let p = try_plan(
        "[profile marketingadmin]\nrole_arn = arn:aws:iam::123456789012:role/marketingadmin\nsource_profile = default\n",
        "marketingadmin",
    )
    .unwrap();
    assert!(
        matches!(&p.source, Source::Static { profile, credentials } if profile == "default" && credentials.access_key_id == "AKIADEFAULT0001")
    );
    let r = roles(&p);
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].role_arn,
        "arn:aws:iam::123456789012:role/marketingadmin"
    );
    assert_eq!(r[0].session_name, "rolecall-maria-1795341600");
    assert_eq!(r[0].duration_seconds, None);
    assert_eq!(p.region, None);
    assert_eq!(
        p.endpoint,
        StsEndpoint {
            region: "us-east-1".into(),
            url: None,
            ca_bundle: None,
        }
    );
}

#[test]
fn blog_post_options_with_inline_comments() {
    let config = "[profile base-profile]\nregion = us-east-1\noutput = json\n\n[profile assumed-role-profile]\nrole_arn = arn:aws:iam::123456789012:role/YourTargetRole\nsource_profile = base-profile\nregion = us-east-1\nrole_session_name = MySessionName\nduration_seconds = 3600\nexternal_id = SomeExternalId  # If required by the role\n";
    let p = try_plan(config, "assumed-role-profile").unwrap();
    let r = roles(&p)[0];
    assert_eq!(r.external_id.as_deref(), Some("SomeExternalId"));
    assert_eq!(r.session_name, "MySessionName");
    assert_eq!(r.duration_seconds, Some(3600));
    assert_eq!(p.region.as_deref(), Some("us-east-1"));
}

#[test]
fn mixed_case_keys_and_crlf() {
    let config = "[profile x]\r\nRole_ARN = arn:aws:iam::123456789012:role/x\r\nSOURCE_PROFILE = default\r\nRegion = eu-west-1\r\n";
    let p = try_plan(config, "x").unwrap();
    assert_eq!(roles(&p)[0].role_arn, "arn:aws:iam::123456789012:role/x");
    assert_eq!(p.region.as_deref(), Some("eu-west-1"));
    assert_eq!(p.endpoint.region, "eu-west-1");
}

#[test]
fn long_term_keys_hand_out_a_session_unless_no_session() {
    let p = try_plan("", "base-profile").unwrap();
    match &p.steps[..] {
        [Step::GetSessionToken(g)] => {
            assert_eq!(g.mfa, None);
            assert_eq!(g.duration_seconds, 3600);
            assert_eq!(g.profile, "base-profile");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(p.source, Source::Static { .. }));
    let raw = try_plan_keys("", CREDS, "base-profile", &vars(), &NO_SESSION, &[]).unwrap();
    assert!(raw.steps.is_empty());
    // --duration is the session's; mfa_serial makes it an MFA session.
    let config = "[profile base-profile]\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n";
    let two_hours = Overrides {
        duration_seconds: Some(7200),
        ..Overrides::default()
    };
    let p = try_plan_keys(config, CREDS, "base-profile", &vars(), &two_hours, &[]).unwrap();
    match &p.steps[..] {
        [Step::GetSessionToken(g)] => {
            assert_eq!(
                g.mfa.as_ref().unwrap().serial,
                "arn:aws:iam::111111111111:mfa/maria"
            );
            assert_eq!(g.duration_seconds, 7200);
        }
        other => panic!("{other:?}"),
    }
    // Temporary keys in the file are passed on as they are.
    let temp = "[t]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n";
    assert!(try_plan_with("", temp, "t", &vars())
        .unwrap()
        .steps
        .is_empty());
}

#[test]
fn keys_in_the_keychain_win_and_keep_the_same_sessions() {
    let config =
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base-profile\n";
    let from_file = try_plan(config, "r").unwrap();
    let stored = [("base-profile", "AKIABASE00000002")];
    let p = try_plan_keys(config, CREDS, "r", &vars(), &Overrides::default(), &stored).unwrap();
    match &p.source {
        Source::Stored {
            profile,
            access_key_id,
            plaintext_copy,
        } => {
            assert_eq!(profile, "base-profile");
            assert_eq!(access_key_id, "AKIABASE00000002");
            assert!(*plaintext_copy);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        p.notes.iter().any(|n| n.contains("plaintext copy")),
        "{:?}",
        p.notes
    );
    // The same key as in the file: the same session.
    assert_eq!(p.final_key(), from_file.final_key());
    // A profile that exists only in the keychain.
    let only = try_plan_keys(
        "",
        "",
        "vault",
        &vars(),
        &Overrides::default(),
        &[("vault", "AKIAVAULT")],
    )
    .unwrap();
    assert!(matches!(
        only.source,
        Source::Stored {
            plaintext_copy: false,
            ..
        }
    ));
    assert_eq!(only.steps.len(), 1);
}

#[test]
fn chain_caps_the_chained_step_at_one_hour() {
    let config = "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nduration_seconds = 7200\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\nduration_seconds = 43200\n";
    let p = try_plan(config, "b").unwrap();
    let r = roles(&p);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].profile, "a");
    assert_eq!(r[0].duration_seconds, Some(7200));
    assert_eq!(r[1].profile, "b");
    assert_eq!(r[1].duration_seconds, Some(3600));
    assert_eq!(p.notes.len(), 1);
    assert!(p.notes[0].contains("capped at 3600"), "{}", p.notes[0]);
}

#[test]
fn first_role_on_temporary_credentials_is_capped_too() {
    let long = "duration_seconds = 43200\n";
    // An MFA session (GetSessionToken) is temporary: the role assumed with it is chained.
    let mfa = format!("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nmfa_serial = {MFA_X}\n{long}");
    let p = try_plan(&mfa, "a").unwrap();
    assert_eq!(ops(&p), vec!["GetSessionToken", "AssumeRole"]);
    assert_eq!(roles(&p)[0].duration_seconds, Some(3600));
    assert!(p.notes[0].contains("MFA session"), "{}", p.notes[0]);
    for source in [
        "credential_source = Ec2InstanceMetadata",
        "credential_source = EcsContainer",
        "source_profile = temp",
    ] {
        let creds = "[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n";
        let config =
            format!("[profile r]\nrole_arn = arn:aws:iam::111111111111:role/r\n{source}\n{long}");
        let p = try_plan_with(&config, creds, "r", &vars()).unwrap();
        assert_eq!(roles(&p)[0].duration_seconds, Some(3600), "{source}");
        assert!(p.notes[0].contains("capped at 3600"), "{source}");
    }
    // Long-term keys without MFA: the full duration.
    let plain = format!("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\n{long}");
    let p = try_plan(&plain, "a").unwrap();
    assert_eq!(roles(&p)[0].duration_seconds, Some(43200));
    assert!(p.notes.is_empty());
}

#[test]
fn a_source_profiles_own_keys_win_over_its_role_arn() {
    // As in the AWS CLI: only the profile asked for follows role_arn first.
    let creds = "[b]\naws_access_key_id = AKIAB00000000004\naws_secret_access_key = bsecret\n";
    let config = "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = b\n";
    let p = try_plan_with(config, creds, "a", &vars()).unwrap();
    assert!(matches!(&p.source, Source::Static { profile, .. } if profile == "b"));
    assert_eq!(roles(&p).len(), 1);
    assert_eq!(roles(&p)[0].role_arn, "arn:aws:iam::111111111111:role/a");
    // Asked for directly, b assumes its own role with its own keys.
    let p = try_plan_with(config, creds, "b", &vars()).unwrap();
    assert_eq!(roles(&p)[0].role_arn, "arn:aws:iam::222222222222:role/b");
}

#[test]
fn self_referencing_source_profile_uses_its_own_keys() {
    let creds = "[me]\naws_access_key_id = AKIAME0000000003\naws_secret_access_key = mesecret\n";
    let config =
        "[profile me]\nrole_arn = arn:aws:iam::123456789012:role/me\nsource_profile = me\n";
    let p = try_plan_with(config, creds, "me", &vars()).unwrap();
    assert!(matches!(&p.source, Source::Static { profile, .. } if profile == "me"));
    assert_eq!(roles(&p).len(), 1);
}

#[test]
fn cycles_name_the_path() {
    let config = "[profile a]\nrole_arn = arn:aws:iam::1:role/aaaaaa\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/bbbbbb\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::1:role/cccccc\nsource_profile = a\n";
    let e = try_plan(config, "a").unwrap_err();
    assert_eq!(
        e.to_string(),
        "source_profile cycle: a -> b -> c -> a; point one of these profiles at a profile with keys"
    );
    let e = try_plan(config, "b").unwrap_err();
    assert!(e.to_string().contains("b -> c -> a -> b"), "{e}");
    let selfloop = "[profile s]\nrole_arn = arn:aws:iam::1:role/ssssss\nsource_profile = s\n";
    let e = try_plan(selfloop, "s").unwrap_err();
    assert!(e.to_string().contains("s -> s"), "{e}");
}

#[test]
fn deep_chain_of_one_hundred_profiles() {
    let mut config = String::new();
    for i in 0..100 {
        let source = if i == 0 {
            "default".to_string()
        } else {
            format!("p{}", i - 1)
        };
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = {source}\n"
        ));
    }
    let p = try_plan(&config, "p99").unwrap();
    assert_eq!(p.steps.len(), 100);
    let mut keys: Vec<_> = p.steps.iter().map(|s| s.cache_key().to_string()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 100);
}

#[test]
fn errors_for_bad_configurations() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "nope", "profile \"nope\" not found"),
        (
            "[profile prod]\nregion = x\n",
            "prd",
            "did you mean \"prod\"?",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::1:role/rrrrrr\nsource_profile = ghost\n",
            "r",
            "names source_profile \"ghost\", which is not in",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::1:role/rrrrrr\nsource_profile = default\ncredential_source = Environment\n",
            "r",
            "sets both source_profile and credential_source",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::1:role/rrrrrr\n",
            "r",
            "has role_arn but neither source_profile nor credential_source",
        ),
        ("[profile r]\nregion = x\n", "r", "has no credentials"),
        (
            "[profile r]\nrole_arn = not-an-arn\nsource_profile = default\n",
            "r",
            "invalid role_arn \"not-an-arn\"",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:user/bob\nsource_profile = default\n",
            "r",
            "invalid role_arn",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 899\n",
            "r",
            "invalid duration_seconds \"899\"",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 43201\n",
            "r",
            "from 900 to 43200",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 1h\n",
            "r",
            "invalid duration_seconds",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nrole_session_name = has space\n",
            "r",
            "invalid role_session_name",
        ),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Laptop\n",
            "r",
            "credential_source \"Laptop\" is not one of",
        ),
        (
            "[profile k]\naws_access_key_id = AKIA\n",
            "k",
            "has aws_access_key_id but no aws_secret_access_key",
        ),
    ];
    for (config, name, expected) in cases {
        let e = try_plan(config, name).unwrap_err().to_string();
        assert!(e.contains(expected), "{config:?}: {e}");
        assert!(!e.contains('\n'), "one line: {e}");
        assert!(
            !e.contains("defaultsecret") && !e.contains("basesecret"),
            "no secret: {e}"
        );
    }
}

#[test]
fn duration_bounds_are_accepted() {
    for d in ["900", "43200"] {
        let config = format!("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = {d}\n");
        assert!(try_plan(&config, "r").is_ok(), "{d}");
    }
}

#[test]
fn credential_source_environment() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n";
    let e = try_plan(config, "r").unwrap_err();
    assert!(e.to_string().contains("AWS_ACCESS_KEY_ID"), "{e}");
    let v = Vars::from_pairs([
        ("AWS_ACCESS_KEY_ID", "AKIAENV000000004"),
        ("AWS_SECRET_ACCESS_KEY", "envsecret"),
        ("AWS_SESSION_TOKEN", "envtoken"),
    ]);
    let p = try_plan_with(config, "", "r", &v).unwrap();
    match &p.source {
        Source::Environment { credentials } => {
            assert_eq!(credentials.access_key_id, "AKIAENV000000004");
            assert_eq!(
                credentials.session_token.as_ref().map(|s| s.expose()),
                Some("envtoken")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn endpoint_precedence() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nregion = eu-west-2\nendpoint_url = https://profile\nservices = local\n[services local]\nsts =\n  endpoint_url = https://services\n";
    let p = try_plan(config, "r").unwrap();
    assert_eq!(p.endpoint.url.as_deref(), Some("https://services"));
    assert_eq!(p.endpoint.region, "eu-west-2");
    let v = Vars::from_pairs([("AWS_ENDPOINT_URL", "https://global")]);
    let p = try_plan_with(config, CREDS, "r", &v).unwrap();
    assert_eq!(p.endpoint.url.as_deref(), Some("https://global"));
    let v = Vars::from_pairs([
        ("AWS_ENDPOINT_URL", "https://global"),
        ("AWS_ENDPOINT_URL_STS", "https://sts"),
    ]);
    let p = try_plan_with(config, CREDS, "r", &v).unwrap();
    assert_eq!(p.endpoint.url.as_deref(), Some("https://sts"));
    let v = Vars::from_pairs([("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]);
    let p = try_plan_with(config, CREDS, "r", &v).unwrap();
    assert_eq!(p.endpoint.url, None);
    let plain = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nendpoint_url = https://profile\n";
    let v = Vars::from_pairs([("AWS_REGION", "ca-central-1")]);
    let p = try_plan_with(plain, CREDS, "r", &v).unwrap();
    assert_eq!(p.endpoint.url.as_deref(), Some("https://profile"));
    assert_eq!(p.endpoint.region, "ca-central-1");
    assert_eq!(p.region, None);
    // The environment's region comes first for STS, as in the AWS CLI; the export keeps the
    // profile's.
    let regional = format!("{plain}region = eu-west-1\n");
    let p = try_plan_with(&regional, CREDS, "r", &v).unwrap();
    assert_eq!(p.endpoint.region, "ca-central-1");
    assert_eq!(p.region.as_deref(), Some("eu-west-1"));
    let p = try_plan_with(&regional, CREDS, "r", &vars()).unwrap();
    assert_eq!(p.endpoint.region, "eu-west-1");
    // Inside a rolecall shell the region variables are the previous profile's: not used.
    let nested = Vars::from_pairs([("AWS_REGION", "ca-central-1"), ("ROLECALL_PROFILE", "a")]);
    let p = try_plan_with(&regional, CREDS, "r", &nested).unwrap();
    assert_eq!(p.endpoint.region, "eu-west-1");
}

#[test]
fn an_endpoint_that_is_not_a_url_is_a_config_error() {
    let config =
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n";
    for bad in ["not a url", "ftp://x", "http://", "127.0.0.1:4566"] {
        let v = Vars::from_pairs([("AWS_ENDPOINT_URL_STS", bad)]);
        let e = try_plan_with(config, CREDS, "r", &v).unwrap_err();
        assert!(matches!(e, ConfigError::InvalidEndpoint(_)), "{bad}: {e}");
    }
    for good in ["http://127.0.0.1:4566", "HTTPS://sts.example.com/path"] {
        let v = Vars::from_pairs([("AWS_ENDPOINT_URL_STS", good)]);
        assert!(try_plan_with(config, CREDS, "r", &v).is_ok(), "{good}");
    }
}

#[test]
fn plans_that_share_their_checks_are_the_plans_made_alone() {
    // Profiles with their own endpoint_url, good and bad, in turns: a URL found usable once
    // is not checked again, and no other URL passes for it.
    let config = "[profile good]\nrole_arn = arn:aws:iam::123456789012:role/g\nsource_profile = default\nendpoint_url = http://127.0.0.1:4566\n[profile bad]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = default\nendpoint_url = http://sts.example.com\n[profile space]\nrole_arn = arn:aws:iam::123456789012:role/s\nsource_profile = default\nendpoint_url = http://127.0.0.1:4566 x\n";
    let profiles = Profiles::from_strs(config, CREDS).unwrap();
    let vars = vars();
    for allow in ["", "1"] {
        let vars = Vars::from_pairs(vars.iter().chain([("ROLECALL_ALLOW_HTTP", allow)]));
        let settings = Settings::from_vars(&vars);
        let alone = Inputs::basic(&vars, &settings, NOW);
        let checked = Checked::default();
        let shared = Inputs {
            checked: Some(&checked),
            ..alone
        };
        for name in ["good", "bad", "good", "space", "good", "bad", "space"] {
            let a = plan(&profiles, name, &alone).map(|p| format!("{p:?}"));
            let b = plan(&profiles, name, &shared).map(|p| format!("{p:?}"));
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{name} {allow:?}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name} {allow:?}: {a:?} against {b:?}"),
            }
        }
        assert_eq!(
            plan(&profiles, "bad", &shared).is_ok(),
            allow == "1",
            "{allow:?}"
        );
    }
}

#[test]
fn an_unusable_sts_region_is_a_config_error() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nregion = eu west\n";
    let e = try_plan(config, "r").unwrap_err();
    assert!(e.to_string().contains("invalid region \"eu west\""), "{e}");
    let v = Vars::from_pairs([("AWS_REGION", "x;y")]);
    let e = try_plan_with(config, CREDS, "r", &v).unwrap_err();
    assert!(
        e.to_string().starts_with("AWS_REGION=\"x;y\" is invalid"),
        "{e}"
    );
    // Keys passed on as they are call no STS: any region is only exported (and quoted).
    let keys = "[profile base-profile]\nregion = eu west\n";
    assert!(try_plan_keys(keys, CREDS, "base-profile", &vars(), &NO_SESSION, &[]).is_ok());
    assert!(try_plan(keys, "base-profile").is_err());
}

#[test]
fn cache_key_changes_with_every_request_input() {
    let base =
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n";
    let key = |extra: &str, creds: &str| {
        let p = try_plan_with(&format!("{base}{extra}"), creds, "r", &vars()).unwrap();
        p.steps[0].cache_key().to_string()
    };
    let k0 = key("", CREDS);
    assert_eq!(
        k0,
        key("region = eu-west-1\n", CREDS),
        "region alone keeps the key"
    );
    let variants = [
        key("external_id = abc123\n", CREDS),
        key("mfa_serial = arn:aws:iam::123456789012:mfa/maria\n", CREDS),
        key("role_session_name = maria\n", CREDS),
        key("duration_seconds = 1800\n", CREDS),
        key("endpoint_url = http://127.0.0.1:1\n", CREDS),
        key(
            "",
            "[default]\naws_access_key_id = AKIAOTHER0000005\naws_secret_access_key = x\n",
        ),
    ];
    for (i, v) in variants.iter().enumerate() {
        assert_ne!(&k0, v, "variant {i}");
    }
    let other_role = try_plan(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = default\n",
        "r",
    )
    .unwrap();
    assert_ne!(k0, other_role.steps[0].cache_key());
}

#[test]
fn default_session_name_is_sanitised_and_bounded() {
    let v = Vars::from_pairs([("USER", "jöhn doe/x")]);
    assert_eq!(default_session_name(&v, NOW), "rolecall-jhndoex-1795341600");
    let v = Vars::from_pairs([("USER", "a".repeat(200))]);
    assert!(default_session_name(&v, NOW).len() <= 64);
    assert_eq!(
        default_session_name(&Vars::default(), NOW),
        "rolecall-user-1795341600"
    );
}

const MFA_X: &str = "arn:aws:iam::123456789012:mfa/maria";
const MFA_Y: &str = "arn:aws:iam::999999999999:mfa/other";

#[test]
fn mfa_on_long_term_keys_uses_one_cached_session_token() {
    let config = format!("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nmfa_serial = {MFA_X}\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = default\nmfa_serial = {MFA_X}\n");
    let a = try_plan(&config, "a").unwrap();
    assert_eq!(ops(&a), vec!["GetSessionToken", "AssumeRole"]);
    match &a.steps[0] {
        Step::GetSessionToken(g) => {
            assert_eq!(g.mfa.as_ref().unwrap().serial, MFA_X);
            assert_eq!(g.duration_seconds, DEFAULT_MFA_SESSION_SECONDS);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(roles(&a)[0].mfa, None, "the role call carries no code");
    let b = try_plan(&config, "b").unwrap();
    assert_eq!(
        a.steps[0].cache_key(),
        b.steps[0].cache_key(),
        "roles sharing an mfa_serial share the MFA session"
    );
    assert_ne!(a.steps[1].cache_key(), b.steps[1].cache_key());
}

#[test]
fn mfa_once_per_chain_and_again_only_for_another_device() {
    let same = format!("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nmfa_serial = {MFA_X}\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\nmfa_serial = {MFA_X}\n");
    let p = try_plan(&same, "b").unwrap();
    assert_eq!(ops(&p), vec!["GetSessionToken", "AssumeRole", "AssumeRole"]);
    assert!(roles(&p).iter().all(|r| r.mfa.is_none()));

    let other = same.replacen(
        &format!("source_profile = a\nmfa_serial = {MFA_X}"),
        &format!("source_profile = a\nmfa_serial = {MFA_Y}"),
        1,
    );
    let p = try_plan(&other, "b").unwrap();
    assert_eq!(ops(&p), vec!["GetSessionToken", "AssumeRole", "AssumeRole"]);
    assert_eq!(
        roles(&p)[1].mfa.as_ref().map(|m| m.serial.as_str()),
        Some(MFA_Y)
    );
}

#[test]
fn mfa_on_temporary_credentials_goes_with_the_assume_role_call() {
    let creds =
        "[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n";
    let config = format!("[profile r]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = temp\nmfa_serial = {MFA_X}\nmfa_process = get-code --now\n");
    let p = try_plan_with(&config, creds, "r", &vars()).unwrap();
    assert_eq!(ops(&p), vec!["AssumeRole"]);
    assert_eq!(
        roles(&p)[0].mfa,
        Some(Mfa {
            serial: MFA_X.into(),
            profile: "r".into(),
            process: Some("get-code --now".into())
        })
    );
    let ec2 = format!("[profile r]\nrole_arn = arn:aws:iam::111111111111:role/r\ncredential_source = Ec2InstanceMetadata\nmfa_serial = {MFA_X}\n");
    let p = try_plan(&ec2, "r").unwrap();
    assert!(matches!(p.source, Source::InstanceMetadata));
    assert_eq!(ops(&p), vec!["AssumeRole"]);
    assert!(roles(&p)[0].mfa.is_some());
}

#[test]
fn mfa_session_duration_setting() {
    let config = format!("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nmfa_serial = {MFA_X}\n");
    let v = Vars::from_pairs([("ROLECALL_MFA_SESSION_DURATION", "12h")]);
    let p = try_plan_with(&config, CREDS, "a", &v).unwrap();
    assert!(matches!(&p.steps[0], Step::GetSessionToken(g) if g.duration_seconds == 43200));
    for bad in ["10m", "37h", "soon", "0"] {
        let v = Vars::from_pairs([("ROLECALL_MFA_SESSION_DURATION", bad)]);
        let e = try_plan_with(&config, CREDS, "a", &v).unwrap_err();
        assert!(
            e.to_string().contains("ROLECALL_MFA_SESSION_DURATION"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn platform_credential_sources() {
    for (kind, expected) in [
        ("Ec2InstanceMetadata", "ec2"),
        ("EcsContainer", "ecs"),
        ("ecscontainer", "ecs"),
    ] {
        let config = format!("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\ncredential_source = {kind}\n");
        let p = try_plan(&config, "r").unwrap();
        let got = match p.source {
            Source::InstanceMetadata => "ec2",
            Source::Container => "ecs",
            _ => "other",
        };
        assert_eq!(got, expected, "{kind}");
        assert_eq!(ops(&p), vec!["AssumeRole"]);
    }
}

#[test]
fn web_identity_from_the_profile_and_chained() {
    let config = "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/RoleNameToAssume\nweb_identity_token_file = /var/run/token\nrole_session_name = ci-run\n[profile next]\nrole_arn = arn:aws:iam::123456789012:role/next\nsource_profile = web\nduration_seconds = 7200\n";
    let p = try_plan_with(config, "", "web", &vars()).unwrap();
    assert!(matches!(p.source, Source::WebIdentity));
    match &p.steps[..] {
        [Step::AssumeRoleWithWebIdentity(w)] => {
            assert_eq!(w.token, TokenFrom::File("/var/run/token".into()));
            assert_eq!(w.session_name, "ci-run");
        }
        other => panic!("{other:?}"),
    }
    let p = try_plan_with(config, "", "next", &vars()).unwrap();
    assert_eq!(ops(&p), vec!["AssumeRoleWithWebIdentity", "AssumeRole"]);
    assert_eq!(roles(&p)[0].duration_seconds, Some(3600), "chained: capped");
}

#[test]
fn web_identity_from_the_environment_without_any_file() {
    let v = Vars::from_pairs([
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
    ]);
    let p = try_plan_with("", "", "default", &v).unwrap();
    assert_eq!(ops(&p), vec!["AssumeRoleWithWebIdentity"]);
    // Without those variables a missing default is still an error.
    assert!(matches!(
        try_plan_with("", "", "default", &vars()),
        Err(ConfigError::ProfileNotFound { .. })
    ));
    assert!(try_plan_with("", "", "other", &v).is_err());
}

#[test]
fn web_identity_from_the_environment() {
    let v = Vars::from_pairs([
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
        ("AWS_ROLE_SESSION_NAME", "pod-1"),
    ]);
    let p = try_plan_with("[profile bare]\nregion = eu-west-1\n", "", "bare", &v).unwrap();
    match &p.steps[..] {
        [Step::AssumeRoleWithWebIdentity(w)] => {
            assert_eq!(w.role_arn, "arn:aws:iam::123456789012:role/eks");
            assert_eq!(w.session_name, "pod-1");
        }
        other => panic!("{other:?}"),
    }
    // A profile with keys of its own ignores the variables.
    let p = try_plan_with("", CREDS, "default", &v).unwrap();
    assert!(matches!(p.steps[..], [Step::GetSessionToken(_)]));
}

#[test]
fn credential_process_root_and_chain() {
    let config = "[profile proc]\ncredential_process = /opt/bin/creds --profile x\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = proc\n";
    let p = try_plan_with(config, "", "proc", &vars()).unwrap();
    let Source::Process {
        command, cache_key, ..
    } = &p.source
    else {
        panic!("{:?}", p.source)
    };
    assert_eq!(command, "/opt/bin/creds --profile x");
    assert_eq!(cache_key.len(), 32);
    let p = try_plan_with(config, "", "r", &vars()).unwrap();
    assert_eq!(ops(&p), vec!["AssumeRole"]);
}

#[test]
fn overlong_chains_are_an_error_not_a_stack_overflow() {
    let mut config = String::new();
    for i in 0..5000 {
        let source = if i == 0 {
            "default".to_string()
        } else {
            format!("p{}", i - 1)
        };
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = {source}\n"
        ));
    }
    let e = try_plan(&config, "p4999").unwrap_err();
    assert!(e.to_string().contains("longer than 256 profiles"), "{e}");
    assert!(try_plan(&config, "p200").is_ok());
}

#[test]
fn huge_and_odd_files_give_a_result_or_an_error() {
    // About 10 MB of profiles, with a BOM, CRLF line ends and a nested block each.
    let mut config = String::from("\u{feff}");
    let mut i = 0;
    while config.len() < 10_000_000 {
        config.push_str(&format!("[profile p{i}]\r\nregion = us-east-1 ; c\r\ns3 =\r\n  max_concurrent_requests = 20\r\n"));
        i += 1;
    }
    let profiles = Profiles::from_strs(&config, "").unwrap();
    assert_eq!(profiles.names().count(), i);
    assert_eq!(profiles.get("p7").unwrap().get("region"), Some("us-east-1"));
    for text in [
        "[",
        "[profile",
        "=",
        "\u{0}",
        "[a]\n\u{0}=\u{0}",
        "[a]\n  x",
        "\n\n\n[]",
    ] {
        let _ = Profiles::from_strs(text, text);
    }
}

#[test]
fn session_tags_and_source_identity_are_validated_and_part_of_the_cache_key() {
    let base =
        "[profile t]\nrole_arn = arn:aws:iam::111111111111:role/t\nsource_profile = default\n";
    let p = try_plan(&format!("{base}session_tags = team=platform, cost-center = 42\ntransitive_session_tags = team\nsource_identity = maria\n"), "t").unwrap();
    let role = roles(&p)[0];
    assert_eq!(
        role.tags.tags,
        vec![
            ("team".to_string(), "platform".to_string()),
            ("cost-center".to_string(), "42".to_string())
        ]
    );
    assert_eq!(role.tags.transitive, vec!["team"]);
    assert_eq!(role.tags.source_identity.as_deref(), Some("maria"));
    let plain = try_plan(base, "t").unwrap();
    assert_ne!(plain.steps[0].cache_key(), p.steps[0].cache_key());
    let other = try_plan(&format!("{base}session_tags = team=other\n"), "t").unwrap();
    assert_ne!(other.steps[0].cache_key(), p.steps[0].cache_key());
    for (bad, key) in [
        ("session_tags = team\n", "session_tags"),
        ("session_tags = a=1,A=2\n", "session_tags"),
        ("session_tags = t=va;lue\n", "session_tags"),
        (
            "session_tags = a=1\ntransitive_session_tags = b\n",
            "transitive_session_tags",
        ),
        ("source_identity = aws:me\n", "source_identity"),
        ("source_identity = x\n", "source_identity"),
    ] {
        let e = try_plan(&format!("{base}{bad}"), "t").unwrap_err();
        assert!(
            e.to_string().contains(&format!("invalid {key}")),
            "{bad}: {e}"
        );
    }
    let many: Vec<String> = (0..51).map(|i| format!("k{i}=v")).collect();
    assert!(try_plan(&format!("{base}session_tags = {}\n", many.join(",")), "t").is_err());
}

/// A caller whose every fact is `0`.
struct Caller(&'static str);

impl crate::ports::identity::CallerIdentity for Caller {
    fn token(&self, path: &str) -> String {
        format!("{path}:{}", self.0)
    }
    fn instance(&self) -> String {
        self.0.into()
    }
    fn container(&self) -> String {
        self.0.into()
    }
    fn process_context(&self) -> String {
        self.0.into()
    }
}

#[test]
fn sources_that_are_not_keys_are_keyed_by_who_the_caller_is() {
    let config = "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /t\n\
        [profile e]\nrole_arn = arn:aws:iam::123456789012:role/e\ncredential_source = Ec2InstanceMetadata\n\
        [profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\ncredential_source = EcsContainer\n\
        [profile p]\ncredential_process = tool\n[profile viap]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = p\n";
    let profiles = Profiles::from_strs(config, "").unwrap();
    let vars = Vars::from_pairs([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x")]);
    let settings = Settings::from_vars(&vars);
    let key = |name: &str, caller: &'static str| {
        let plan = plan(
            &profiles,
            name,
            &Inputs {
                vars: &vars,
                settings: &settings,
                now: NOW,
                overrides: &Overrides::default(),
                identity: &Caller(caller),
                stored_keys: &Default::default(),
                policies: &crate::ports::policy::NoPolicyFiles,
                checked: None,
            },
        )
        .unwrap();
        let source = plan.source.cache_key().map(str::to_string);
        (plan.final_key().map(str::to_string), source)
    };
    for name in ["w", "e", "c", "viap"] {
        assert_ne!(key(name, "one"), key(name, "two"), "{name}");
        assert_eq!(key(name, "one"), key(name, "one"), "{name}");
    }
    assert_ne!(key("p", "one").1, key("p", "two").1);
}

#[test]
fn sso_endpoints_in_cleartext_off_this_machine_are_refused() {
    let config = "[sso-session c]\nsso_start_url = https://c.awsapps.com/start\nsso_region = us-east-1\n[profile s]\nsso_session = c\nsso_account_id = 111122223333\nsso_role_name = R\n";
    assert!(try_plan(config, "s").is_ok());
    let v = Vars::from_pairs([("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc.example.com")]);
    let e = try_plan_with(config, "", "s", &v).unwrap_err();
    assert!(
        e.to_string().contains("SSO OIDC endpoint") && e.to_string().contains("cleartext"),
        "{e}"
    );
    let v = Vars::from_pairs([("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")]);
    assert!(
        try_plan_with(config, "", "s", &v).is_ok(),
        "loopback is fine"
    );
}

#[test]
fn a_profile_of_granted_sso_populate_is_read_as_its_sso_role_not_run() {
    let config = "[profile granted-dev]\ngranted_sso_start_url = https://corp.awsapps.com/start\ngranted_sso_region = eu-west-1\ngranted_sso_account_id = 111122223333\ngranted_sso_role_name = ReadOnly\ngranted_sso_registration_scopes = sso:account:access\ncommon_fate_generated_from = aws-sso\ncredential_process = granted credential-process --profile granted-dev\nregion = eu-west-1\n";
    let p = try_plan(config, "granted-dev").unwrap();
    let Source::Sso { role, .. } = &p.source else {
        panic!("not an SSO source: {:?}", p.source);
    };
    assert_eq!(role.session.start_url, "https://corp.awsapps.com/start");
    assert_eq!(role.session.region, "eu-west-1");
    assert_eq!(
        role.session.name, None,
        "the start URL's token file, as granted's"
    );
    assert_eq!(role.session.scopes, vec!["sso:account:access".to_string()]);
    assert_eq!(role.account_id, "111122223333");
    assert_eq!(role.role_name, "ReadOnly");
    // The AWS CLI's own keys win over granted's.
    let both = format!("{config}sso_role_name = Admin\n");
    let p = try_plan(&both, "granted-dev").unwrap();
    assert!(matches!(&p.source, Source::Sso { role, .. } if role.role_name == "Admin"));
}

#[test]
fn web_identity_token_process_of_aws_vault_is_a_web_identity_root() {
    let config = "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_process = oidc-token --audience sts\n";
    let p = try_plan_with(config, "", "w", &vars()).unwrap();
    assert!(matches!(p.source, Source::WebIdentity));
    match &p.steps[..] {
        [Step::AssumeRoleWithWebIdentity(w)] => assert_eq!(
            w.token,
            TokenFrom::Process("oidc-token --audience sts".into())
        ),
        other => panic!("{other:?}"),
    }
    let other = try_plan_with(&config.replace("sts\n", "other\n"), "", "w", &vars()).unwrap();
    assert_ne!(
        p.final_key(),
        other.final_key(),
        "the command is in the key"
    );
}

#[test]
fn a_check_finds_what_a_plan_finds() {
    let config = "[default]\nregion = us-east-1\n[profile ok]\nrole_arn = arn:aws:iam::123456789012:role/ok\nsource_profile = default\n[profile ghost]\nrole_arn = arn:aws:iam::123456789012:role/g\nsource_profile = nobody\n[profile bad-arn]\nrole_arn = arn:aws:s3:::bucket\nsource_profile = default\n[profile loop-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop-b\n[profile loop-b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = loop-a\n[profile bad-region]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nregion = Mars 1\n[profile http]\nrole_arn = arn:aws:iam::123456789012:role/h\nsource_profile = default\nendpoint_url = http://sts.example.com\n[profile policy]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = default\npolicy_arns = nope\n[profile nothing]\nregion = eu-west-1\n[profile mfa-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/m\nduration_seconds = 7200\n[profile mfa-b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = mfa-a\nmfa_serial = arn:aws:iam::123456789012:mfa/m\n[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = R\n[profile process]\ncredential_process = x\n[profile keys-bad-mfa]\nmfa_serial = x\n[profile web]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /t\n[profile from-temp]\nrole_arn = arn:aws:iam::123456789012:role/t\nsource_profile = temp\nduration_seconds = 7200\n[profile vault]\nregion = us-east-1\n[profile from-vault]\nrole_arn = arn:aws:iam::123456789012:role/v\nsource_profile = vault\n";
    // Keys with a session token (temporary: no session of them, a chained cap) and keys in
    // the keychain (the shared source of a stored key).
    let creds = format!(
        "{CREDS}[keys-bad-mfa]\naws_access_key_id = AKIAKB\naws_secret_access_key = s\n[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n"
    );
    let stored = crate::domain::keys::StoredKeys(
        [("vault".to_string(), "AKIAVAULT0001".to_string())].into(),
    );
    let profiles = Profiles::from_strs(config, &creds).expect("fixture parses");
    // The run's overrides: none, a session policy (which a profile of keys or an SSO role
    // cannot carry), the keys themselves, another duration and region.
    let scoped = Overrides {
        read_only: true,
        ..Overrides::default()
    };
    let other = Overrides {
        duration_seconds: Some(7200),
        region: Some("eu-west-1".into()),
        ..Overrides::default()
    };
    let runs = [Overrides::default(), scoped, NO_SESSION, other];
    {
        // The fixture reaches the roots it is meant to.
        let (vars, settings) = (vars(), Settings::default());
        let inputs = Inputs {
            stored_keys: &stored,
            ..Inputs::basic(&vars, &settings, NOW)
        };
        let source = |name| plan(&profiles, name, &inputs).expect(name).source;
        assert!(matches!(source("from-vault"), Source::Stored { .. }));
        assert!(matches!(source("from-temp"), Source::Static { .. }));
        assert!(plan(&profiles, "temp", &inputs).unwrap().steps.is_empty());
    }
    // With the MFA session's duration valid, then not: an error only a chain that starts
    // with an MFA session on long-term keys meets.
    for (duration, broken_names) in [("3600", 10), ("60", 12)] {
        let vars = Vars::from_pairs([
            ("USER", "maria"),
            ("ROLECALL_MFA_SESSION_DURATION", duration),
        ]);
        let settings = Settings::from_vars(&vars);
        for (run, overrides) in runs.iter().enumerate() {
            let checked = Checked::default();
            let inputs = Inputs {
                overrides,
                stored_keys: &stored,
                ..Inputs::basic(&vars, &settings, NOW)
            };
            let checking = Inputs {
                checked: Some(&checked),
                ..inputs
            };
            let mut broken = 0;
            for name in profiles.names().chain(["absent"]) {
                let planned = plan(&profiles, name, &inputs).map(drop);
                broken += usize::from(planned.is_err());
                let message = |r: Result<(), ConfigError>| r.map_err(|e| e.to_string());
                assert_eq!(
                    message(check(&profiles, name, &checking)),
                    message(planned),
                    "{name} {duration} {run}"
                );
            }
            match run {
                0 => assert_eq!(broken, broken_names, "{duration}"),
                // Keys, SSO and a credential_process cannot carry a session policy.
                1 => assert!(broken > broken_names, "{duration}: {broken}"),
                _ => {}
            }
        }
    }
}

/// The sessions cached by earlier versions are found under these keys: a change to what a key
/// is made of (its parts, their order) orphans every cached session, so it must be meant.
#[test]
fn cache_keys_stay_those_sessions_were_cached_under() {
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n[profile m]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/maria\nexternal_id = ext-1\nduration_seconds = 7200\n[profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = m\nsession_tags = team=a\npolicy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess\n[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /t\n[profile s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = R\n[profile p]\ncredential_process = x\n";
    let profiles = Profiles::from_strs(config, CREDS).expect("fixture parses");
    let vars = vars();
    let settings = Settings::from_vars(&vars);
    let inputs = Inputs::basic(&vars, &settings, NOW);
    let expected: [(&str, &[&str]); 7] = [
        ("default", &["69afd6bfe8a33a4c7e72da38bc16d5b2"]),
        ("r", &["ddb62462057285a3fee31bbdf6ad4943"]),
        (
            "m",
            &[
                "6964d68cbb4386fc8573bb70ddb423cb",
                "77738742dbf861f9099c23235e35ea5d",
            ],
        ),
        (
            "c",
            &[
                "6964d68cbb4386fc8573bb70ddb423cb",
                "77738742dbf861f9099c23235e35ea5d",
                "832da5550668a2868525401cda7603e3",
            ],
        ),
        ("w", &["9230fa84a80f5795f01ff3cddb96c518"]),
        ("s", &["86a2a2b50af16c29b9e69bbf4f746711"]),
        (
            "p",
            &[
                "1f774c8adf9b62909284e710ef85457e",
                "01f723159f7d399bc81227f2c93d47bc",
            ],
        ),
    ];
    for (name, keys) in expected {
        let plan = plan(&profiles, name, &inputs).expect("fixture plans");
        assert_eq!(plan.session_keys().collect::<Vec<_>>(), keys, "{name}");
    }
}
