//! The core promise against a real STS server (moto): a profile becomes role credentials for
//! `exec` and `export`, and every failure is one line, an empty stdout and a documented code.

use std::os::unix::fs::PermissionsExt;

use crate::support::stub::{self, Reply};
use crate::support::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[test]
fn exec_gives_the_child_the_role_credentials() {
    let sb = Sandbox::new();
    let (keys, _) = role_setup(&sb, "role", "role_session_name = execsession\n");
    let out = sb.rolecall(&["exec", "role", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_string();
    assert!(key.starts_with("ASIA"), "{key}");
    assert_ne!(key, keys.id);

    let out = sb
        .command(BIN)
        .args(["exec", "role", "--"])
        .arg(python())
        .arg(support_dir().join("aws.py"))
        .arg("whoami")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let arn = stdout(&out);
    assert!(
        arn.trim()
            .starts_with("arn:aws:sts::123456789012:assumed-role/role-")
            && arn.trim().ends_with("/execsession"),
        "{arn}"
    );
}

#[test]
fn export_evaluated_in_bash_and_dash_yields_the_role_identity() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "role", "role_session_name = Session_Maria_Garcia\n");
    let role_name = arn.rsplit('/').next().unwrap();
    for shell in ["bash", "dash"] {
        let script = format!(
            "eval \"$(rolecall export role)\" || exit 9; [ -z \"${{AWS_PROFILE+x}}\" ] || exit 8; '{}' '{}' whoami",
            python().display(),
            support_dir().join("aws.py").display()
        );
        let out = sb
            .command(which(shell))
            .arg("-c")
            .arg(&script)
            .env("AWS_PROFILE", "should-be-unset")
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            format!("arn:aws:sts::123456789012:assumed-role/{role_name}/Session_Maria_Garcia"),
            "{shell}"
        );
    }
}

#[test]
fn the_request_carries_external_id_duration_and_region() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(
        &sb,
        "xacct",
        "external_id = ext-4711  # from the partner\nduration_seconds = 1800\nregion = eu-west-1\n",
    );
    let before = OffsetDateTime::now_utc();
    let out = sb.rolecall(&["export", "xacct"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let vars = parse_exports(&stdout(&out));
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("AWS_REGION").as_deref(), Some("eu-west-1"));
    assert_eq!(get("AWS_DEFAULT_REGION").as_deref(), Some("eu-west-1"));
    assert_eq!(get("ROLECALL_PROFILE").as_deref(), Some("xacct"));
    let expiry =
        OffsetDateTime::parse(&get("AWS_CREDENTIAL_EXPIRATION").unwrap(), &Rfc3339).unwrap();
    let lifetime = (expiry - before).whole_seconds();
    assert!((1790..=1810).contains(&lifetime), "lifetime {lifetime}");

    let requests = moto().requests_mentioning(&arn);
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r: serde_json::Value = serde_json::from_str(&requests[0]).unwrap();
    let body = r["body"].as_str().unwrap();
    assert!(body.contains("Action=AssumeRole"), "{body}");
    assert!(
        body.contains("ExternalId=ext-4711&") || body.ends_with("ExternalId=ext-4711"),
        "{body}"
    );
    assert!(body.contains("DurationSeconds=1800"), "{body}");
    assert!(body.contains("RoleSessionName=rolecall-tester-"), "{body}");
    let auth = r["authorization"].as_str().unwrap();
    assert!(auth.contains("/eu-west-1/sts/aws4_request"), "{auth}");
}

#[test]
fn static_keys_profile_exports_keys_without_token_with_no_session() {
    let sb = Sandbox::new();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYSONLY0001\naws_secret_access_key = it's $ecret\n",
    );
    let out = sb.rolecall(&["export", "--no-session", "keys"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("export AWS_SECRET_ACCESS_KEY='it'\\''s $ecret'\n"),
        "{text}"
    );
    assert!(text.contains("unset AWS_SESSION_TOKEN\n"), "{text}");
    let out = sb.shell(
        "dash",
        "eval \"$(rolecall export --no-session keys)\"; printf '%s|%s' \"$AWS_SECRET_ACCESS_KEY\" \"${AWS_SESSION_TOKEN-none}\"",
    );
    assert_eq!(stdout(&out), "it's $ecret|none");
}

#[test]
fn profile_comes_from_aws_profile_when_not_named() {
    let sb = Sandbox::new();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYSONLY0002\naws_secret_access_key = s\n",
    );
    let out = sb
        .command(BIN)
        .args(["export", "--no-session"])
        .env("AWS_PROFILE", "keys")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("AKIAKEYSONLY0002"));
}

#[test]
fn exec_passes_arguments_verbatim_and_the_exit_status_through() {
    let sb = Sandbox::new();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYSONLY0003\naws_secret_access_key = s\n",
    );
    let hostile = ["a b", "it's", "$HOME", "`id`", "*", "", "-n", "line\nbreak"];
    let mut args = vec![
        "exec",
        "keys",
        "--",
        "sh",
        "-c",
        "for a in \"$@\"; do printf '[%s]' \"$a\"; done; exit 7",
        "sh",
    ];
    args.extend(hostile);
    let out = sb.rolecall(&args);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "[a b][it's][$HOME][`id`][*][][-n][line\nbreak]"
    );
}

#[test]
fn exec_without_a_command_runs_the_users_shell() {
    let sb = Sandbox::new();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYSONLY0004\naws_secret_access_key = s\n",
    );
    let fake_shell = sb.home().join("fakeshell");
    std::fs::write(
        &fake_shell,
        "#!/bin/sh\necho \"shell sees $AWS_ACCESS_KEY_ID as $ROLECALL_PROFILE\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake_shell, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = sb
        .command(BIN)
        .args(["exec", "--no-session", "keys"])
        .env("SHELL", &fake_shell)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "shell sees AKIAKEYSONLY0004 as keys\n");
}

#[test]
fn exec_clears_stale_credentials_from_the_parent() {
    let sb = Sandbox::new();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYSONLY0005\naws_secret_access_key = s\n",
    );
    let out = sb
        .command(BIN)
        .args([
            "exec",
            "--no-session",
            "keys",
            "--",
            "sh",
            "-c",
            "echo \"${AWS_SESSION_TOKEN-none} ${AWS_SECURITY_TOKEN-none} ${AWS_PROFILE-none}\"",
        ])
        .env("AWS_SESSION_TOKEN", "stale")
        .env("AWS_SECURITY_TOKEN", "stale")
        .env("AWS_PROFILE", "keys")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "none none none\n", "{}", stderr(&out));
}

#[test]
fn exec_reports_missing_and_non_executable_commands() {
    let sb = Sandbox::new();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAKEYSONLY0006\naws_secret_access_key = s\n",
    );
    let out = sb.rolecall(&["exec", "keys", "--", "no-such-command-xyz"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        stderr(&out),
        "rolecall: command not found: no-such-command-xyz; check the name and your PATH\n"
    );
    let plain = sb.home().join("plain.txt");
    std::fs::write(&plain, "not a program").unwrap();
    let out = sb.rolecall(&["exec", "keys", "--", plain.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("permission denied"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// Asserts the failure contract: the exit code, nothing on stdout, one line on stderr.
fn assert_fails(out: &std::process::Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty: {}",
        stdout(out)
    );
    assert!(err.starts_with("rolecall: "), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn configuration_errors() {
    let creds =
        "[default]\naws_access_key_id = AKIACONFIGERR001\naws_secret_access_key = topsecretvalue\n";
    let cases: &[(&str, &[&str], i32, &str)] = &[
        ("", &["export"], 2, "no profile given"),
        ("[profile prod]\nregion = x\n", &["export", "prd"], 3, "did you mean \"prod\"?"),
        ("", &["exec", "ghost", "--", "true"], 3, "profile \"ghost\" not found"),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = missing\n",
            &["export", "r"],
            3,
            "names source_profile \"missing\"",
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
            &["export", "a"],
            3,
            "source_profile cycle: a -> b -> a",
        ),
        ("[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\ngarbage\n", &["export", "r"], 3, "is malformed at line 4"),
        ("[profile r]\nrole_arn = role/r\nsource_profile = default\n", &["export", "r"], 3, "invalid role_arn"),
        (
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 50000\n",
            &["export", "r"],
            3,
            "invalid duration_seconds \"50000\"",
        ),
        ("[profile r]\nregion = us-east-1\n", &["exec", "r"], 3, "has no credentials"),
    ];
    for (config, args, code, needle) in cases {
        let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
        sb.write_config(config);
        sb.write_credentials(creds);
        let out = sb.rolecall(args);
        assert_fails(&out, *code, needle);
        assert!(!stderr(&out).contains("topsecretvalue"));
    }
}

#[test]
fn unreadable_config_is_an_error() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    std::fs::write(
        sb.home().join(".aws/config"),
        b"[profile x]\nregion = \xff\n",
    )
    .unwrap();
    assert_fails(&sb.rolecall(&["export", "x"]), 3, "is not valid UTF-8");
}

fn stub_sandbox(replies: Vec<Reply>) -> (Sandbox, stub::Stub) {
    let s = stub::start(replies);
    let sb = Sandbox::with_endpoint(&s.url);
    sb.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = callersecret\n",
        fresh_key_id("ER01")
    ));
    sb.write_config(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n",
    );
    (sb, s)
}

#[test]
fn sts_access_denied() {
    let (sb, _s) = stub_sandbox(vec![Reply::Http(
        403,
        stub::error_xml(
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole",
        ),
    )]);
    let out = sb.rolecall(&["export", "r"]);
    assert_fails(
        &out,
        4,
        "STS rejected AssumeRole of arn:aws:iam::123456789012:role/r for profile \"r\" with key …ER01 (AccessDenied): User: arn:aws:iam::123456789012:user/bob",
    );
    assert!(stderr(&out).contains("trust policy"));
}

#[test]
fn sts_expired_token() {
    let (sb, _s) = stub_sandbox(vec![Reply::Http(
        400,
        stub::error_xml(
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
    )]);
    assert_fails(&sb.rolecall(&["export", "r"]), 4, "have expired");
}

#[test]
fn sts_unreachable() {
    let port = free_port(); // nothing listens there
    let sb = Sandbox::with_endpoint(&format!("http://127.0.0.1:{port}"));
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIASTUBCALLER02\naws_secret_access_key = s\n",
    );
    sb.write_config(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n",
    );
    assert_fails(
        &sb.rolecall(&["export", "r"]),
        5,
        "could not reach STS for AssumeRole",
    );
}

#[test]
fn sts_malformed_answer() {
    let (sb, _s) = stub_sandbox(vec![Reply::Http(200, "<AssumeRoleResponse><oops".into())]);
    assert_fails(&sb.rolecall(&["export", "r"]), 5, "AssumeRole");
}

#[test]
fn sts_answer_already_expired() {
    let (sb, _s) = stub_sandbox(vec![Reply::Http(
        200,
        stub::assume_role_xml("2001-01-01T00:00:00Z"),
    )]);
    assert_fails(&sb.rolecall(&["export", "r"]), 5, "already expired");
}

#[test]
fn sts_throttling_is_retried() {
    let (sb, s) = stub_sandbox(vec![
        Reply::Http(400, stub::error_xml("Throttling", "Rate exceeded")),
        Reply::Http(200, stub::assume_role_xml("2099-01-01T00:00:00Z")),
    ]);
    let out = sb.rolecall(&["export", "r"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("ASIASTUBSTUBSTUB0001"));
    assert_eq!(s.requests.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn help_shows_the_whole_product() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let text = stdout(&out);
    for cmd in ["exec", "export", "list", "clear-cache", "completions"] {
        assert!(text.contains(cmd), "{cmd} in {text}");
    }
}

#[test]
fn sts_messages_name_the_url_the_status_and_the_fix() {
    // Not STS XML: the HTTP status and the URL, once, with no doubled punctuation.
    let (sb, s) = stub_sandbox(vec![Reply::Http(502, "<html>bad gateway</html>".into())]);
    let out = sb.rolecall(&["export", "--no-cache", "r"]);
    let err = stderr(&out);
    assert_fails(&out, 5, &format!("{} answered HTTP 502", s.url));
    assert!(
        !err.contains(".;") && !err.contains(";;") && !err.contains(" sts "),
        "{err}"
    );

    // A refused DurationSeconds names duration_seconds and the profile.
    let (sb, _s) = stub_sandbox(vec![Reply::Http(
        400,
        stub::error_xml(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
    )]);
    sb.write_config("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 43200\n");
    let out = sb.rolecall(&["export", "r"]);
    assert_fails(
        &out,
        4,
        "for this role; lower duration_seconds (43200) of profile \"r\"",
    );

    // A failing intermediate role names the step and the profile asked for.
    let (sb, _s) = stub_sandbox(vec![Reply::Http(
        403,
        stub::error_xml("AccessDenied", "not authorized"),
    )]);
    sb.write_config("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n[profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = r\n");
    let out = sb.rolecall(&["export", "c"]);
    assert_fails(
        &out,
        4,
        "of arn:aws:iam::123456789012:role/r for profile \"r\" with key …ER01, step 1 of 2 for profile \"c\" (AccessDenied)",
    );
}

#[test]
fn sts_transport_errors_name_the_url_and_a_tls_mismatch() {
    let port = free_port();
    let sb = Sandbox::with_endpoint(&format!("http://127.0.0.1:{port}"));
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIASTUBCALLER02\naws_secret_access_key = s\n",
    );
    sb.write_config(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n",
    );
    assert_fails(
        &sb.rolecall(&["export", "r"]),
        5,
        &format!("could not reach STS for AssumeRole of arn:aws:iam::123456789012:role/r for profile \"r\" with key …ER02: http://127.0.0.1:{port}: connection refused"),
    );
    // https:// aimed at a plain-HTTP server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::Write;
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let out = sb.rolecall_env(
        &["export", "--no-cache", "r"],
        &[("AWS_ENDPOINT_URL", &format!("https://{addr}"))],
    );
    assert_fails(&out, 5, "does not speak TLS; if it is a plain-HTTP endpoint (moto, LocalStack), write http:// instead of https://");
}

#[test]
fn duration_and_region_override_the_profile_for_one_run() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "over", "region = eu-west-1\n");
    let out = sb.rolecall(&[
        "export",
        "--format",
        "sh",
        "over",
        "--duration",
        "2h",
        "--region",
        "eu-central-1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("export AWS_REGION='eu-central-1'\n"),
        "{text}"
    );
    assert_eq!(moto().count("AssumeRole", &format!("RoleArn={arn}")), 1);
    let sent = moto().requests_mentioning(&arn);
    assert!(
        sent.iter().any(|r| r.contains("DurationSeconds=7200")),
        "{sent:?}"
    );
    // Another duration is another session; the same one is cached.
    sb.rolecall(&["export", "over", "--duration", "2h"]);
    assert_eq!(moto().count("AssumeRole", &format!("RoleArn={arn}")), 1);
    sb.rolecall(&["export", "over"]);
    assert_eq!(moto().count("AssumeRole", &format!("RoleArn={arn}")), 2);
    // Outside STS's limits: a usage error before any call.
    let out = sb.rolecall(&["export", "over", "--duration", "13h"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(moto().count("AssumeRole", &format!("RoleArn={arn}")), 2);
}

#[test]
fn exec_takes_the_command_without_a_double_dash() {
    let sb = Sandbox::new();
    role_setup(&sb, "nodash", "");
    let out = sb.rolecall(&[
        "exec",
        "nodash",
        "--no-cache",
        "sh",
        "-c",
        "echo $ROLECALL_PROFILE",
        "-x",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "nodash\n");
    let out = sb
        .command(BIN)
        .args(["exec", "--", "sh", "-c", "echo $ROLECALL_PROFILE"])
        .env("AWS_PROFILE", "nodash")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "nodash\n", "{}", stderr(&out));
}

#[test]
fn the_profiles_other_settings_reach_the_child_without_aws_profile() {
    let sb = Sandbox::new();
    role_setup(
        &sb,
        "texty",
        "output = text\ncli_pager =\nmax_attempts = 7\nretry_mode = adaptive\nregion = us-east-1\n",
    );
    let out = sb.rolecall(&["exec", "texty", "--", "sh", "-c", "echo \"[$AWS_DEFAULT_OUTPUT][${AWS_PAGER-unset}][$AWS_MAX_ATTEMPTS][$AWS_RETRY_MODE][${AWS_PROFILE-unset}]\""]);
    assert_eq!(
        stdout(&out),
        "[text][][7][adaptive][unset]\n",
        "{}",
        stderr(&out)
    );
    // The AWS CLI under exec prints text, as `output = text` asks.
    let aws = python().parent().unwrap().join("aws");
    let out = sb
        .command(BIN)
        .args(["exec", "texty", "--"])
        .arg(&aws)
        .args(["sts", "get-caller-identity"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !text.trim_start().starts_with('{') && text.contains("assumed-role"),
        "{text}"
    );
    // Switching to a profile without them removes what rolecall set, not the user's own.
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!("{config}[profile plain]\nrole_arn = arn:aws:iam::123456789012:role/texty-plain\nsource_profile = default\n"));
    let script = "eval \"$(rolecall export --format sh texty)\" && eval \"$(rolecall export --format sh plain)\" || exit 9; echo \"[${AWS_DEFAULT_OUTPUT-unset}][${AWS_MAX_ATTEMPTS-unset}][$AWS_CA_BUNDLE]\"";
    let out = sb
        .command(which("bash"))
        .args(["-c", script])
        .env("AWS_CA_BUNDLE", "/etc/mine.pem")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "[unset][unset][/etc/mine.pem]\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn session_tags_and_source_identity_reach_sts() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(
        &sb,
        "tagged",
        "session_tags = team=platform,env=prod\ntransitive_session_tags = team\nsource_identity = maria.garcia\n",
    );
    let out = sb.rolecall(&["export", "tagged"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sent = moto().requests_mentioning(&arn);
    assert_eq!(sent.len(), 1, "{sent:?}");
    for part in [
        "Tags.member.1.Key=team",
        "Tags.member.1.Value=platform",
        "Tags.member.2.Key=env",
        "TransitiveTagKeys.member.1=team",
        "SourceIdentity=maria.garcia",
    ] {
        assert!(sent[0].contains(part), "{part} in {}", sent[0]);
    }
}
