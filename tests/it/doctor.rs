//! `rolecall doctor`, `include_profile` and the unknown-key warnings, with the real binary.

use crate::support::*;

fn keys_sandbox() -> (Sandbox, Keys) {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("doctor"));
    sb.write_credentials(&format!(
        "[keys]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    (sb, keys)
}

#[test]
fn doctor_warns_without_failing_and_never_shows_a_secret() {
    let (sb, keys) = keys_sandbox();
    let role = sb.role(&unique("doctor"));
    sb.write_config(&format!(
        "[profile base]\nregion = eu-west-1 # home region\n\
         [profile prod]\ninclude_profile = base\nrole_arm = {role}\nrole_arn = {role}\nsource_profile = keys\n\
         [profile settings]\noutput = json\n"
    ));
    let out = sb.rolecall(&["doctor"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(!text.contains(&keys.secret), "{text}");
    assert!(text.contains("did you mean \"role_arn\"?"), "{text}");
    assert!(
        text.contains("region (config line 2) has an inline comment"),
        "{text}"
    );
    assert_eq!(
        text.matches("inline comment").count(),
        1,
        "said once, not again for the profile that includes it: {text}"
    );
    assert!(text.contains("long-term keys in plaintext"), "{text}");
    assert!(text.contains("works"), "{text}");
    assert!(text.contains("not installed in this shell"), "{text}");

    let out = sb.rolecall(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    let status = |name: &str| {
        v["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["profile"] == name)
            .map(|p| p["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("prod").as_deref(), Some("ok"));
    assert_eq!(status("settings").as_deref(), Some("settings-only"));
    let kinds: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    for kind in ["unknown-key", "inline-comment", "plaintext-keys"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    assert!(v["stores"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["ok"] == true));
}

#[test]
fn doctor_exits_1_for_a_profile_that_cannot_work_or_no_working_store() {
    let (sb, _) = keys_sandbox();
    sb.write_config(
        "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n\
         [profile lost]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = nowhere\n",
    );
    let out = sb.rolecall(&["doctor"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("include_profile cycle: a -> b -> a"),
        "{text}"
    );
    assert!(text.contains("\"nowhere\""), "{text}");
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    // A good configuration, but the only store asked for cannot be reached.
    sb.write_config("[profile p]\nregion = eu-west-1\n");
    let out = sb.rolecall_env(
        &["doctor", "--json"],
        &[
            ("ROLECALL_KEYRING", "secret-service"),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["stores"][0]["ok"], false, "{v}");

    // A malformed file is reported, not a crash.
    sb.write_config("[profile p\n");
    let out = sb.rolecall(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("malformed at line 1"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn doctor_sees_the_shell_function_it_runs_through() {
    let (sb, _) = keys_sandbox();
    for (shell, script) in [
        ("bash", "eval \"$(rolecall init bash)\"; rolecall doctor"),
        ("dash", "eval \"$(rolecall init sh)\"; rolecall doctor"),
        ("fish", "rolecall init fish | source; rolecall doctor"),
    ] {
        let out = sb.shell(shell, script);
        let text = stdout(&out);
        assert!(
            text.contains("shell function (") && text.contains("is installed here"),
            "{shell}: {text}{}",
            stderr(&out)
        );
    }
}

#[test]
fn include_profile_merges_keys_and_a_cycle_is_a_config_error() {
    let (sb, keys) = keys_sandbox();
    let role = sb.role(&unique("included"));
    sb.write_config(&format!(
        "[profile base]\nrole_arn = {role}\nsource_profile = keys\nregion = ap-south-1\n\
         [profile prod]\ninclude_profile = base\nregion = eu-north-1\nrole_sesion_name = typo\n\
         [profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n"
    ));
    let out = sb.rolecall(&["export", "-v", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let vars = parse_exports(&stdout(&out));
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("AWS_REGION"),
        Some("eu-north-1"),
        "the profile's own key wins"
    );
    let who = sb.whoami_with(&vars);
    assert!(who.contains(role.rsplit('/').next().unwrap()), "{who}");
    assert!(!who.contains(&keys.id), "{who}");
    let err = stderr(&out);
    assert!(
        err.contains("unknown key \"role_sesion_name\"")
            && err.contains("did you mean \"role_session_name\"?"),
        "{err}"
    );
    // Without -v the warning is not shown.
    let out = sb.rolecall(&["export", "prod"]);
    assert!(!stderr(&out).contains("unknown key"), "{}", stderr(&out));

    let out = sb.rolecall(&["export", "a"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("include_profile cycle"),
        "{}",
        stderr(&out)
    );
}
