//! Flow tests: whole command lines through [`World`].

use super::World;
use crate::domain::Outcome;

#[test]
fn export_twice_calls_sts_once_and_prints_the_same() {
    let w = World::new();
    let (outcome, first, _) = w.run(&["export", "a", "--format", "sh"]);
    assert!(matches!(outcome, Ok(Outcome::Done)));
    assert!(
        first.contains("export AWS_ACCESS_KEY_ID='ASIA1'\n"),
        "{first}"
    );
    assert!(first.contains("export AWS_REGION='eu-west-1'\n"), "{first}");
    assert!(first.contains("unset AWS_PROFILE\n"), "{first}");
    assert_eq!(w.calls(), 1);
    let (_, second, _) = w.run(&["export", "a", "--format", "sh"]);
    assert_eq!(second, first);
    assert_eq!(w.calls(), 1, "the second export is served from the store");
}

#[test]
fn errors_leave_stdout_empty() {
    let w = World::new();
    let (outcome, out, _) = w.run(&["export", "b"]);
    let error = outcome.unwrap_err();
    assert_eq!(error.exit_code(), crate::domain::exit::CONFIG);
    assert!(
        error.to_string().contains("profile \"b\" not found"),
        "{error}"
    );
    assert!(out.is_empty());
    assert_eq!(w.calls(), 0);
}

#[test]
fn exec_hands_main_the_command_and_the_same_changes() {
    let w = World::new();
    let (outcome, out, _) = w.run(&["exec", "a", "--", "aws", "s3", "ls"]);
    let Ok(Outcome::Exec(request)) = outcome else {
        panic!("exec must end in an exec request");
    };
    assert_eq!(request.program, "aws");
    assert_eq!(request.args, ["s3", "ls"]);
    let names: Vec<_> = request.changes.iter().map(|c| c.name()).collect();
    assert_eq!(names, crate::domain::env::MANAGED);
    assert!(out.is_empty());
}

#[test]
fn use_marks_its_statements_and_clear_cache_forgets_the_chain() {
    let w = World::new();
    let (_, out, _) = w.run(&["use", "--shell", "fish", "a"]);
    assert!(
        out.starts_with(crate::commands::use_::MARKER)
            && out.contains("set -gx AWS_ACCESS_KEY_ID 'ASIA1'"),
        "{out}"
    );
    let (_, plan, _) = w.run(&["use", "--shell", "sh", "a", "--dry-run"]);
    assert!(!plan.starts_with(crate::commands::use_::MARKER), "{plan}");
    let (outcome, out, _) = w.run(&["clear-cache", "a"]);
    assert!(outcome.is_ok());
    assert_eq!(out, "removed 1 cached session of a\n");
    assert!(w.run(&["export", "a"]).0.is_ok());
    assert_eq!(w.calls(), 2, "a new session after clear-cache");
}

#[test]
fn dry_run_is_comments_on_stdout_or_goes_to_stderr_for_cmd_and_json() {
    let w = World::new();
    let (_, out, _) = w.run(&["export", "--dry-run", "a", "--format", "fish"]);
    assert!(
        out.lines().all(|l| l.starts_with("# ")) && !out.is_empty(),
        "{out}"
    );
    for format in ["cmd", "json"] {
        let (outcome, out, err) = w.run(&["export", "--dry-run", "a", "--format", format]);
        assert!(outcome.is_ok());
        assert!(out.is_empty(), "{format}: {out}");
        assert!(err.contains("# profile \"a\""), "{format}: {err}");
    }
    assert_eq!(w.calls(), 0);
}

#[test]
fn aws_vaults_short_flags_and_what_duration_cannot_do() {
    let w = World::new();
    w.write_config("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\n[profile p]\ncredential_process = /bin/true\n");
    // -n: the keys themselves; -t: the MFA code; -d: the session's length.
    let (outcome, out, _) = w.run(&["export", "-n", "--format", "json", "default"]);
    assert!(outcome.is_ok() && out.contains("AKIAROOT"), "{out}");
    let (outcome, _, stderr) = w.run(&["export", "-d", "2h", "-t", "123456", "b"]);
    assert!(outcome.is_ok(), "{stderr}");
    assert!(
        stderr.contains("--duration 2h is capped at 1h for profile \"b\""),
        "{stderr}"
    );
    let (_, _, stderr) = w.run(&["export", "-d", "2h", "a"]);
    assert!(
        !stderr.contains("capped"),
        "a is assumed with keys: {stderr}"
    );
    let (_, _, stderr) = w.run(&["export", "--dry-run", "-d", "2h", "p"]);
    assert!(
        stderr.contains("--duration applies to profile \"p\" only if its credential_process answers long-term keys"),
        "{stderr}"
    );
    w.write_config("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n[profile s]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = R\n");
    let (_, _, stderr) = w.run(&["export", "--dry-run", "-d", "2h", "s"]);
    assert!(
        stderr.contains("--duration has no effect for profile \"s\""),
        "{stderr}"
    );
    w.write_config(
        "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\n",
    );
    // --server serves sessions only.
    let (outcome, _, _) = w.run(&["exec", "--server", "-n", "default", "--", "true"]);
    let e = outcome.unwrap_err();
    assert_eq!(e.exit_code(), crate::domain::exit::USAGE);
    assert!(e.to_string().contains("--no-session"), "{e}");
}

#[test]
fn a_misspelt_key_is_named_in_the_error_and_doctor_names_a_profile_once() {
    let w = World::new();
    w.write_config("[profile typo]\nrole_arm = arn:aws:iam::111111111111:role/a\nsource_profile = default\n[profile loop]\nrole_arn = arn:aws:iam::111111111111:role/l\nsource_profile = loop\n");
    let e = w.run(&["export", "typo"]).0.unwrap_err();
    assert_eq!(e.exit_code(), crate::domain::exit::CONFIG);
    let text = e.to_string();
    assert!(
        text.contains("profile \"typo\" has an unknown key \"role_arm\" (config line 2); did you mean \"role_arn\"?"),
        "{text}"
    );
    let (_, out, _) = w.run(&["doctor"]);
    assert!(!out.contains("profile \"loop\": profile \"loop\""), "{out}");
    assert!(!out.contains("PROBLEM: profile \"loop\""), "{out}");
}

#[test]
fn dry_run_says_what_exec_server_console_and_a_process_hand_out() {
    let w = World::new();
    w.write_config("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nregion = eu-west-1\n[profile p]\ncredential_process = make-creds\n");
    let (outcome, out, _) = w.run(&["exec", "--server", "--dry-run", "a", "--", "true"]);
    assert!(outcome.is_ok());
    assert!(
        out.contains("serves the session on 127.0.0.1")
            && out.contains("sets AWS_ACCOUNT_ID=111111111111, AWS_REGION=eu-west-1, AWS_DEFAULT_REGION=eu-west-1, ROLECALL_PROFILE=a, AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN")
            && out.contains("unsets AWS_DEFAULT_OUTPUT")
            && out.contains("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"),
        "{out}"
    );
    // [default] has keys in this world: the command gets no shared files.
    assert!(
        out.contains("reads no shared config or credentials file"),
        "{out}"
    );
    let (_, _, err) = w.run(&["console", "--dry-run", "a"]);
    assert!(
        err.contains("then getSigninToken at https://signin.aws.amazon.com/federation for a console session of 1h 00m")
            && err.contains("sets no variable"),
        "{err}"
    );
    let (_, _, err) = w.run(&["console", "--dry-run", "-d", "2h", "default"]);
    assert!(err.contains("then GetFederationToken for 2h 00m"), "{err}");
    let (_, out, _) = w.run(&["export", "--dry-run", "p"]);
    assert!(
        out.contains("at most 1 STS call")
            && out.contains("only if credential_process answers long-term keys")
            && out.contains("sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION"),
        "{out}"
    );
    assert_eq!(w.calls(), 0, "a dry run calls nothing");
}

#[test]
fn session_policies_are_sent_shown_and_cached_apart() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deny.json");
    std::fs::write(
        &file,
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]\n}\n",
    )
    .unwrap();
    w.write_config(&format!("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\n[profile scoped]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\npolicy_arns = arn:aws:iam::111111111111:policy/Team\npolicy = {}\n", file.display()));
    let sent = |i: usize| w.sts.calls.borrow()[i].request.clone().unwrap().policy;
    // --read-only: the ReadOnlyAccess managed policy, in the role's partition.
    assert!(w.run(&["export", "--read-only", "a"]).0.is_ok());
    assert_eq!(sent(0).arns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    assert_eq!(sent(0).document, None);
    // The unscoped profile is another session, and each is then served from the cache.
    assert!(w.run(&["export", "a"]).0.is_ok());
    assert!(sent(1).is_empty());
    assert!(w.run(&["export", "--read-only", "a"]).0.is_ok());
    assert!(w.run(&["export", "a"]).0.is_ok());
    assert_eq!(w.calls(), 2, "one session each");
    // The profile's own: its managed policy and its file, without white space.
    assert!(w.run(&["export", "scoped"]).0.is_ok());
    assert_eq!(sent(2).arns, ["arn:aws:iam::111111111111:policy/Team"]);
    assert_eq!(
        sent(2).document.as_deref(),
        Some("{\"Statement\":[{\"Action\":\"s3:*\",\"Effect\":\"Deny\",\"Resource\":\"*\"}],\"Version\":\"2012-10-17\"}")
    );
    let (_, out, _) = w.run(&[
        "export",
        "--dry-run",
        "--policy-arn",
        "arn:aws:iam::aws:policy/ViewOnlyAccess",
        "scoped",
    ]);
    assert!(
        out.contains("scoped by Team and ViewOnlyAccess and an inline policy (87 characters)"),
        "{out}"
    );
    // STS's limits and the sources that take no policy, before any call.
    let many: Vec<String> = (0..11)
        .flat_map(|i| {
            [
                "--policy-arn".to_string(),
                format!("arn:aws:iam::aws:policy/P{i}"),
            ]
        })
        .collect();
    let mut line = vec!["export"];
    line.extend(many.iter().map(String::as_str));
    line.push("a");
    let e = w.run(&line).0.unwrap_err();
    assert!(
        e.to_string()
            .contains("at most 10 managed session policies"),
        "{e}"
    );
    let e = w
        .run(&["export", "--policy", "{not json", "a"])
        .0
        .unwrap_err();
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    let e = w.run(&["export", "--read-only", "default"]).0.unwrap_err();
    assert_eq!(e.exit_code(), crate::domain::exit::CONFIG);
    assert!(
        e.to_string().contains("whose call takes no session policy"),
        "{e}"
    );
    assert_eq!(w.calls(), 3);
}

#[test]
fn every_credential_handed_out_is_recorded_without_a_secret() {
    let w = World::new();
    w.write_config("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nsource_identity = auto\n");
    assert!(w.run(&["export", "a"]).0.is_ok());
    assert!(w.run(&["exec", "a", "--", "/usr/bin/env"]).0.is_ok());
    assert!(w.run(&["export", "--dry-run", "a"]).0.is_ok());
    let lines = w.audit.0.borrow().clone();
    assert_eq!(lines.len(), 2, "a dry run hands nothing out: {lines:?}");
    let first: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first["command"], "export");
    assert_eq!(first["role_arn"], "arn:aws:iam::111111111111:role/a");
    assert_eq!(first["account"], "111111111111");
    assert_eq!(first["source_identity"], "maria", "auto is the login name");
    let second: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(second["command"], "exec");
    assert_eq!(second["run"], "env");
    assert!(second["cwd"].as_str().is_some());
    for line in &lines {
        assert!(
            !line.contains("secret") && !line.contains("token"),
            "{line}"
        );
    }
    // STS got the login name as the source identity.
    let request = w.sts.calls.borrow()[0].request.clone().unwrap();
    assert_eq!(request.tags.source_identity.as_deref(), Some("maria"));
    let (_, out, _) = w.run(&["log", "a"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("export") && out.contains("ran env in"),
        "{out}"
    );
    let (_, out, _) = w.run(&["log", "--json", "--since", "1h", "b"]);
    assert!(out.is_empty(), "{out}");
}
