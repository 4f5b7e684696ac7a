//! Flow tests of the account of a session and the variables a prompt reads.

use super::World;
use crate::domain::Outcome;

fn exec_changes(w: &World, profile: &str) -> Vec<(String, Option<String>)> {
    let (outcome, _, err) = w.run(&["exec", profile, "--", "true"]);
    let Ok(Outcome::Exec(request)) = outcome else {
        panic!("exec must end in an exec request: {err}");
    };
    request
        .changes
        .iter()
        .map(|c| match c {
            crate::domain::env::Change::Set(k, v) => (k.to_string(), Some(v.clone())),
            crate::domain::env::Change::Unset(k) => (k.to_string(), None),
        })
        .collect()
}

fn value(changes: &[(String, Option<String>)], name: &str) -> Option<String> {
    changes
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.clone())
}

#[test]
fn a_roles_account_reaches_every_format_and_the_cache() {
    let w = World::new();
    let (_, json, _) = w.run(&["export", "a", "--format", "process"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["AccountId"], "111111111111", "{json}");
    // The second run is served from the cache, which kept the account.
    let (_, sh, _) = w.run(&["export", "a", "--format", "sh"]);
    assert_eq!(w.calls(), 1);
    assert!(
        sh.contains("export AWS_ACCOUNT_ID='111111111111'\n"),
        "{sh}"
    );
    assert!(sh.contains("export ROLECALL_EXPIRATION='"), "{sh}");
    let changes = exec_changes(&w, "a");
    assert_eq!(
        value(&changes, "AWS_ACCOUNT_ID").as_deref(),
        Some("111111111111")
    );
}

#[test]
fn a_profiles_aws_account_id_and_endpoint_mode_are_passed_on() {
    let w = World::new();
    std::fs::write(
        w.credentials_path(),
        "[keys]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = s\naws_account_id = 222222222222\naccount_id_endpoint_mode = required\n",
    )
    .unwrap();
    w.write_config("[profile other]\nregion = eu-west-1\n");
    let changes = exec_changes(&w, "keys");
    assert_eq!(
        value(&changes, "AWS_ACCOUNT_ID").as_deref(),
        Some("222222222222"),
        "a GetSessionToken session is in its keys' account"
    );
    assert_eq!(
        value(&changes, "AWS_ACCOUNT_ID_ENDPOINT_MODE").as_deref(),
        Some("required")
    );
    // Without an account anywhere, the variable is removed, not left from a previous profile.
    w.write_config("[profile other]\nregion = eu-west-1\n");
    std::fs::write(
        w.credentials_path(),
        "[plain]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = s\n",
    )
    .unwrap();
    let changes = exec_changes(&w, "plain");
    assert!(
        changes.contains(&("AWS_ACCOUNT_ID".into(), None)),
        "{changes:?}"
    );
}

#[test]
fn a_bad_aws_account_id_is_a_config_error_naming_it() {
    let w = World::new();
    w.write_config("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\naws_account_id = 12345\n");
    let (outcome, out, _) = w.run(&["export", "a"]);
    let e = outcome.unwrap_err().to_string();
    assert!(
        e.contains("aws_account_id") && e.contains("12-digit"),
        "{e}"
    );
    assert!(out.is_empty());
}

#[test]
fn doctor_online_asks_sts_for_the_largest_token_and_checks_it_everywhere() {
    let w = World::new();
    let (outcome, out, err) = w.run(&["doctor", "--online", "a"]);
    assert!(
        out.contains("Online: a session of profile \"a\" with a 4096-byte token\n  STS answered a 4096-byte token\n"),
        "{out}{err}"
    );
    for place in [
        "memory (this run only)",
        "format sh",
        "format cmd",
        "format json",
    ] {
        assert!(
            out.contains(&format!("  {place}: keeps it whole\n")),
            "{out}"
        );
    }
    assert!(matches!(outcome, Ok(Outcome::Done)), "{out}");
    // Only that run: the session is not cached under the profile.
    let (_, _, _) = w.run(&["export", "a"]);
    assert_eq!(w.calls(), 2, "export asks STS again");
    let (_, json, _) = w.run(&["doctor", "--json", "--online", "nope"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["online"]["problem"]
            .as_str()
            .unwrap()
            .contains("profile \"nope\" not found"),
        "{v}"
    );
    assert_eq!(v["ok"], false);
}
