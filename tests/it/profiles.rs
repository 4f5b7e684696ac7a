//! Every profile shape of the AWS pages, end to end against moto, compared with what the AWS
//! CLI (PyPI awscli, pointed at the same moto) yields for the same config.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use crate::support::platform;
use crate::support::*;

fn aws_cli() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    assert!(
        p.exists(),
        "the AWS CLI is missing from .venv: run ./scripts/test"
    );
    p
}

/// The AWS CLI's identity for a profile; `stdin` answers its MFA prompt.
fn cli_identity(sb: &Sandbox, profile: &str, stdin: &str, env: &[(&str, &str)]) -> String {
    let mut c = sb.command(aws_cli());
    c.args([
        "sts",
        "get-caller-identity",
        "--profile",
        profile,
        "--query",
        "Arn",
        "--output",
        "text",
    ])
    .env("AWS_DEFAULT_REGION", "us-east-1")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "aws cli: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// rolecall's identity for a profile: GetCallerIdentity run under `rolecall exec`.
fn rolecall_identity(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = sb.command(BIN);
    c.arg("exec")
        .args(args)
        .arg("--")
        .arg(python())
        .arg(support_dir().join("aws.py"))
        .arg("whoami");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn identity(out: &Output) -> String {
    assert!(out.status.success(), "rolecall: {}", stderr(out));
    stdout(out).trim().to_string()
}

/// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` → `assumed-role/ROLE`.
fn role_part(arn: &str) -> String {
    let rest = arn.split(':').nth(5).unwrap_or("");
    rest.rsplit_once('/')
        .map(|(r, _)| r.to_string())
        .unwrap_or_default()
}

/// A user with keys as `[default]` and roles created in moto; returns the keys.
fn user_setup(sb: &Sandbox) -> Keys {
    let keys = sb.user(&unique("user"));
    sb.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    keys
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn seed_marketingadmin_with_source_profile_matches_the_aws_cli() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let arn = sb.role(&unique("marketingadmin"));
    sb.write_config(&format!(
        "[profile marketingadmin]\nrole_arn = {arn}\nsource_profile = default\n"
    ));
    let ours = identity(&rolecall_identity(&sb, &["marketingadmin"], &[]));
    let theirs = cli_identity(&sb, "marketingadmin", "", &[]);
    assert_eq!(role_part(&ours), role_part(&theirs));
    assert!(ours.contains("/rolecall-tester-"), "{ours}");
}

#[test]
fn seed_namedsessionrole_and_crossaccountrole_match_the_aws_cli() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let some_role = sb.role(&unique("SomeRole"));
    sb.write_config(&format!(
        "[profile namedsessionrole]\nrole_arn = {some_role}\nsource_profile = default\nrole_session_name = Session_Maria_Garcia\n\n[profile crossaccountrole]\nrole_arn = {some_role}\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/saanvi\nexternal_id = 123456\n"
    ));
    let ours = identity(&rolecall_identity(&sb, &["namedsessionrole"], &[]));
    assert_eq!(ours, cli_identity(&sb, "namedsessionrole", "", &[]));
    assert!(ours.ends_with("/Session_Maria_Garcia"));

    let ours = identity(&rolecall_identity(
        &sb,
        &["--mfa-token", "123456", "crossaccountrole"],
        &[],
    ));
    let theirs = cli_identity(&sb, "crossaccountrole", "654321\n", &[]);
    assert_eq!(role_part(&ours), role_part(&theirs));
    // rolecall: an MFA session on the user's keys, then AssumeRole with the external id.
    assert_eq!(
        moto().count(
            "GetSessionToken",
            "SerialNumber=arn:aws:iam::123456789012:mfa/saanvi&TokenCode=123456"
        ),
        1
    );
    let ours_request = moto()
        .requests_mentioning(&format!("RoleArn={some_role}"))
        .into_iter()
        .filter(|r| r.contains("ExternalId=123456") && !r.contains("TokenCode"))
        .count();
    assert!(
        ours_request >= 1,
        "rolecall's AssumeRole carries the external id and no code"
    );
}

#[test]
fn seed_mfa_profile_prompts_once_on_a_terminal_for_two_roles() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let serial = format!("arn:aws:iam::123456789012:mfa/{}", unique("jonsmith"));
    let (a, b) = (
        sb.role(&unique("marketingadmin")),
        sb.role(&unique("devadmin")),
    );
    sb.write_config(&format!(
        "[profile marketingadmin]\nrole_arn = {a}\nsource_profile = default\nmfa_serial = {serial}\n[profile devadmin]\nrole_arn = {b}\nsource_profile = default\nmfa_serial = {serial}\n"
    ));
    // A real pseudo-terminal: expect answers the hidden prompt, which is drawn on the
    // terminal, not on stdout, so the eval'd output stays clean.
    let script = sb.home().join("mfa.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nset prompts 0\nspawn -noecho sh -c \"{bin} export marketingadmin > out1; {bin} export devadmin > out2; echo finished\"\nexpect {{\n  -ex \"MFA code for {serial}: \" {{ incr prompts; sleep 0.3; send \"246810\\r\"; expect -ex {{[hidden]}}; exp_continue }}\n  \"finished\" {{}}\n  timeout {{ exit 3 }}\n}}\nexpect eof\nputs \"prompts=$prompts\"\n",
            bin = BIN
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("prompts=1"),
        "one prompt: {}",
        stdout(&out)
    );
    for f in ["out1", "out2"] {
        let text = std::fs::read_to_string(sb.home().join(f)).unwrap();
        // A file gets one compound statement: `{`, the statements, `}`.
        assert!(
            text.starts_with("{\nexport AWS_ACCESS_KEY_ID="),
            "{f}: {text}"
        );
        assert!(text.ends_with("\n}\n"), "{f}: {text}");
        assert!(!text.contains("MFA"), "the prompt is not on stdout");
    }
    assert_eq!(
        moto().count(
            "GetSessionToken",
            &format!("SerialNumber={serial}&TokenCode=246810")
        ),
        1
    );
    // While the MFA session lives, no prompt at all (there is no terminal here to ask on);
    // --no-cache bypasses the MFA session too, so then a code is needed.
    let out = sb.rolecall(&["export", "devadmin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["export", "--no-cache", "devadmin"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("--mfa-token CODE or set mfa_process"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mfa_process_supplies_the_code_and_no_secret_or_code_is_in_any_argv() {
    let sb = Sandbox::new();
    let keys = user_setup(&sb);
    let serial = format!("arn:aws:iam::123456789012:mfa/{}", unique("otp"));
    let arn = sb.role(&unique("mfarole"));
    let otp = sb.home().join("otp");
    let report = sb.home().join("argv-report");
    // While rolecall waits for the code, look at every process's argv.
    executable(
        &otp,
        &format!(
            "#!/bin/sh\nfor f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done > '{}.all'\ngrep -c -e '{}' -e '135790' '{}.all' > '{}' || true\necho 135790\n",
            report.display(),
            keys.secret,
            report.display(),
            report.display()
        ),
    );
    sb.write_config(&format!(
        "[profile otp]\nrole_arn = {arn}\nsource_profile = default\nmfa_serial = {serial}\nmfa_process = {} --quiet\n",
        otp.display()
    ));
    let out = sb.rolecall(&["-v", "export", "otp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("from mfa_process"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("135790"), "the code is never logged");
    assert_eq!(
        moto().count(
            "GetSessionToken",
            &format!("SerialNumber={serial}&TokenCode=135790")
        ),
        1
    );
    let hits = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        hits.trim(),
        "0",
        "a secret or the code appeared in some argv"
    );
    let all = std::fs::read_to_string(format!("{}.all", report.display())).unwrap();
    assert!(all.contains("rolecall"), "the scan saw rolecall itself");
}

#[test]
fn seed_ec2_instance_metadata_source_matches_the_aws_cli() {
    let sb = Sandbox::new();
    let keys = user_setup(&sb);
    let imds = platform::imds(&keys.id, &keys.secret);
    let arn = sb.role(&unique("marketingadmin"));
    sb.write_config(&format!(
        "[profile marketingadmin]\nrole_arn = {arn}\ncredential_source = Ec2InstanceMetadata\n"
    ));
    let env = [
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url.as_str()),
    ];
    let ours = identity(&rolecall_identity(&sb, &["marketingadmin"], &env));
    let theirs = cli_identity(&sb, "marketingadmin", "", &env);
    assert_eq!(role_part(&ours), role_part(&theirs));
    let seen = imds.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|r| r.method == "PUT" && r.path == "/latest/api/token"),
        "IMDSv2 token"
    );
    assert!(seen
        .iter()
        .filter(|r| r.method == "GET")
        .all(|r| r.header("x-aws-ec2-metadata-token").is_some()));
    // Warm: the role session is cached, so the metadata service is not asked again.
    let before = seen.len();
    identity(&rolecall_identity(&sb, &["marketingadmin"], &env));
    assert_eq!(imds.seen.lock().unwrap().len(), before);
    // Disabled metadata is a clear error.
    let out = sb.rolecall(&["export", "--no-cache", "marketingadmin"]);
    assert_failure_line(
        &out,
        5,
        "AWS_EC2_METADATA_DISABLED=true turns instance metadata off",
    );
    // So is an address where nothing listens: the real cause and the address, no SDK dump.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let env = [
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", closed.as_str()),
    ];
    let out = sb.rolecall_env(&["export", "--no-cache", "marketingadmin"], &env);
    assert_failure_line(
        &out,
        5,
        &format!("cannot reach instance metadata at {closed}: connection refused; check AWS_EC2_METADATA_SERVICE_ENDPOINT"),
    );
}

/// One line on stderr containing `wanted`, nothing on stdout, exit `code`; no SDK Debug dump.
fn assert_failure_line(out: &Output, code: i32, wanted: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(wanted), "{err}");
    for dump in ["{", "Some(", "source:", "hyper", "dispatch failure"] {
        assert!(!err.contains(dump), "{dump} in {err}");
    }
}

#[test]
fn ecs_errors_say_which_variable_and_the_real_cause() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let arn = sb.role(&unique("taskrole"));
    sb.write_config(&format!(
        "[profile task]\nrole_arn = {arn}\ncredential_source = EcsContainer\n"
    ));
    let out = sb.rolecall(&["export", "task"]);
    assert_failure_line(&out, 5, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
    let closed = format!("http://127.0.0.1:{}/creds", free_port());
    let out = sb.rolecall_env(
        &["export", "task"],
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", closed.as_str())],
    );
    assert_failure_line(
        &out,
        5,
        &format!("cannot reach the container credentials endpoint at {closed}: connection refused; check AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    );
}

#[test]
fn ecs_container_source_sends_the_authorization_token() {
    let sb = Sandbox::new();
    let keys = user_setup(&sb);
    let ecs = platform::ecs(&keys.id, &keys.secret, "Bearer task-secret");
    let arn = sb.role(&unique("taskrole"));
    sb.write_config(&format!(
        "[profile task]\nrole_arn = {arn}\ncredential_source = EcsContainer\n"
    ));
    let token_file = sb.home().join("ecs-token");
    std::fs::write(&token_file, "Bearer task-secret").unwrap();
    let full_uri = format!("{}/creds", ecs.url);
    let env = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.as_str()),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token_file.to_str().unwrap(),
        ),
    ];
    let ours = identity(&rolecall_identity(&sb, &["task"], &env));
    assert_eq!(
        role_part(&ours),
        format!("assumed-role/{}", arn.rsplit('/').next().unwrap())
    );
    assert_eq!(ecs.seen.lock().unwrap().len(), 1);
}

#[test]
fn web_identity_profile_and_environment_variables() {
    let sb = Sandbox::new();
    let arn = sb.role(&unique("RoleNameToAssume"));
    let token = sb.home().join("token");
    std::fs::write(&token, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln\n").unwrap();
    sb.write_credentials("");
    sb.write_config(&format!(
        "[profile web-identity]\nrole_arn={arn}\nweb_identity_token_file={}\nrole_session_name = ci-job\n[profile bare]\nregion = us-east-1\n",
        token.display()
    ));
    let ours = identity(&rolecall_identity(&sb, &["web-identity"], &[]));
    let theirs = cli_identity(&sb, "web-identity", "", &[]);
    assert_eq!(ours, theirs);
    assert!(ours.ends_with("/ci-job"));
    assert_eq!(
        moto().count("AssumeRoleWithWebIdentity", &format!("RoleArn={arn}")),
        2
    );

    let env = [
        ("AWS_ROLE_ARN", arn.as_str()),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_SESSION_NAME", "from-env"),
    ];
    let ours = identity(&rolecall_identity(&sb, &["bare"], &env));
    assert!(ours.ends_with("/from-env"), "{ours}");
    std::fs::remove_file(&token).unwrap();
    let out = sb.rolecall(&["export", "--no-cache", "web-identity"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("cannot read web_identity_token_file"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&token, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln\n").unwrap();
    // No config file at all (an EKS pod, a CI runner): "default" is an empty profile, as the
    // AWS CLI treats it when no profile is named.
    sb.write_config("");
    let ours = identity(&rolecall_identity(&sb, &["default"], &env));
    assert!(ours.ends_with("/from-env"), "{ours}");
}

#[test]
fn a_source_profile_with_keys_and_a_role_uses_its_keys_like_the_aws_cli() {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("user"));
    sb.write_credentials(&format!(
        "[b]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    let (a, b) = (sb.role(&unique("a")), sb.role(&unique("b")));
    sb.write_config(&format!(
        "[profile a]\nrole_arn = {a}\nsource_profile = b\n[profile b]\nrole_arn = {b}\nsource_profile = b\n"
    ));
    let ours = identity(&rolecall_identity(&sb, &["a"], &[]));
    assert_eq!(
        role_part(&ours),
        role_part(&cli_identity(&sb, "a", "", &[]))
    );
    assert!(role_part(&ours).ends_with(&a.rsplit('/').next().unwrap().to_string()));
    assert_eq!(
        moto().count("AssumeRole", &format!("RoleArn={b}")),
        0,
        "neither tool assumes b on the way to a"
    );
}

#[test]
fn chains_cap_the_chained_step_and_say_so() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let (a, b, c) = (
        sb.role(&unique("a")),
        sb.role(&unique("b")),
        sb.role(&unique("c")),
    );
    sb.write_config(&format!(
        "[profile a]\nrole_arn = {a}\nsource_profile = default\nduration_seconds = 7200\n[profile b]\nrole_arn = {b}\nsource_profile = a\nduration_seconds = 7200\n[profile c]\nrole_arn = {c}\nsource_profile = b\n"
    ));
    let out = sb.rolecall(&["-v", "export", "c"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("profile \"b\": duration_seconds 7200 capped at 3600"),
        "{}",
        stderr(&out)
    );
    assert!(moto().requests_mentioning(&format!("RoleArn={a}"))[0].contains("DurationSeconds=7200"));
    assert!(moto().requests_mentioning(&format!("RoleArn={b}"))[0].contains("DurationSeconds=3600"));
    let ours = identity(&rolecall_identity(&sb, &["c"], &[]));
    assert_eq!(
        role_part(&ours),
        role_part(&cli_identity(&sb, "c", "", &[]))
    );
    // Warm: zero STS calls for the three-role chain.
    let count = |arn: &str| moto().count("AssumeRole", &format!("RoleArn={arn}"));
    let before = (count(&a), count(&b), count(&c));
    let out = sb.rolecall(&["export", "c"]);
    assert!(out.status.success());
    assert_eq!((count(&a), count(&b), count(&c)), before);
}

#[test]
fn credential_process_is_a_root_source_cached_by_its_expiry() {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("procuser"));
    let arn = sb.role(&unique("procrole"));
    let runs = sb.home().join("runs");
    let script = sb.home().join("creds tool");
    executable(
        &script,
        &format!(
            "#!/bin/sh\necho run >> '{}'\nprintf '{{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\", \"Expiration\": \"2099-01-01T00:00:00Z\"}}' '{}' '{}'\n",
            runs.display(),
            keys.id,
            keys.secret
        ),
    );
    sb.write_credentials("");
    sb.write_config(&format!(
        "[profile tool]\ncredential_process = \"{}\" --flag 'two words'\n[profile viatool]\nrole_arn = {arn}\nsource_profile = tool\n",
        script.display()
    ));
    let ours = identity(&rolecall_identity(&sb, &["viatool"], &[]));
    assert_eq!(
        role_part(&ours),
        role_part(&cli_identity(&sb, "viatool", "", &[]))
    );
    let ours_runs = || std::fs::read_to_string(&runs).unwrap().lines().count();
    let after_first = ours_runs(); // rolecall once, the AWS CLI once
                                   // Long-term keys (with an Expiration of 2099) are never cached, and plain export hands
                                   // out a GetSessionToken session of them, as for a keys profile; that session is cached.
    for _ in 0..2 {
        let out = sb.rolecall(&["export", "tool"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).contains(&keys.id), "{}", stdout(&out));
        assert!(!stdout(&out).contains(&keys.secret));
        assert!(
            stdout(&out).contains("AWS_SESSION_TOKEN="),
            "{}",
            stdout(&out)
        );
    }
    assert_eq!(
        ours_runs(),
        after_first + 1,
        "the keys were not cached, the session was"
    );
    let out = sb.rolecall(&["export", "--no-session", "tool"]);
    assert!(stdout(&out).contains(&keys.id), "--no-session passes them");
    let bad = sb.home().join("bad");
    executable(&bad, "#!/bin/sh\necho '{\"Version\": 2}'\n");
    sb.write_config(&format!(
        "[profile bad]\ncredential_process = {}\n",
        bad.display()
    ));
    let out = sb.rolecall(&["export", "bad"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("\"Version\" must be 1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_mfa_prompt_reaches_the_terminal_through_the_aws_clis_credential_process() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let serial = format!("arn:aws:iam::123456789012:mfa/{}", unique("viaprocess"));
    let role = sb.role(&unique("procmfa"));
    sb.write_config(&format!(
        "[profile mfa]\nrole_arn = {role}\nsource_profile = default\nmfa_serial = {serial}\n[profile viaproc]\ncredential_process = {BIN} export --format process mfa\nregion = us-east-1\n"
    ));
    // The AWS CLI captures the helper's stderr; the prompt must still reach the person.
    let aws = python().parent().unwrap().join("aws");
    let script = sb.home().join("proc.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 30\nspawn -noecho {aws} sts get-caller-identity --profile viaproc --output text\nexpect {{\n  -ex \"MFA code for {serial}: \" {{ sleep 0.3; send \"135790\\r\" }}\n  timeout {{ exit 3 }}\n}}\nexpect {{\n  -re \"assumed-role\" {{}}\n  timeout {{ exit 4 }}\n}}\nexpect eof\n",
            aws = aws.display()
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        moto().count(
            "GetSessionToken",
            &format!("SerialNumber={serial}&TokenCode=135790")
        ),
        1
    );
}

/// A stand-in for zenity (or kdialog) on PATH that records its arguments and answers with
/// `answer` and `status`.
fn stand_in_prompt(sb: &Sandbox, name: &str, answer: &str, status: i32) -> std::path::PathBuf {
    let dir = sb.home().join("gui-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join(name);
    let record = sb.home().join(format!("{name}.argv"));
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nprintf '%s\\n' '{answer}'\nexit {status}\n",
            record.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    record
}

#[test]
fn without_a_terminal_the_mfa_code_is_asked_in_a_graphical_prompt() {
    let sb = Sandbox::new();
    user_setup(&sb);
    let serial = format!("arn:aws:iam::123456789012:mfa/{}", unique("gui"));
    let role = sb.role(&unique("guimfa"));
    sb.write_config(&format!(
        "[profile mfa]\nrole_arn = {role}\nsource_profile = default\nmfa_serial = {serial}\n"
    ));
    let record = stand_in_prompt(&sb, "zenity", "246801", 0);
    let path = format!(
        "{}:{}",
        sb.home().join("gui-bin").display(),
        sb.env().iter().find(|(k, _)| k == "PATH").unwrap().1
    );
    // No terminal at all (stdin null, stdout and stderr pipes), but a display.
    let out = sb.rolecall_env(&["export", "mfa"], &[("PATH", &path), ("DISPLAY", ":42")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let argv = std::fs::read_to_string(&record).unwrap();
    assert!(
        argv.contains("--hide-text") && argv.contains(&serial),
        "{argv}"
    );
    assert_eq!(
        moto().count(
            "GetSessionToken",
            &format!("SerialNumber={serial}&TokenCode=246801")
        ),
        1
    );

    // Dismissed: one line, nothing on stdout. No display: the terminal error, never a hang.
    sb.rolecall(&["clear-cache"]);
    stand_in_prompt(&sb, "zenity", "", 1);
    let out = sb.rolecall_env(&["export", "mfa"], &[("PATH", &path), ("DISPLAY", ":42")]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("(zenity) was dismissed") && err.lines().count() == 1,
        "{err}"
    );
    let out = sb.rolecall_env(&["export", "mfa"], &[("PATH", &path)]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("no terminal to ask on"),
        "{}",
        stderr(&out)
    );
    // Chosen explicitly: a missing program says so; none never asks.
    let out = sb.rolecall_env(
        &["export", "mfa"],
        &[("ROLECALL_MFA_PROMPT", "kdialog"), ("DISPLAY", ":42")],
    );
    assert!(
        stderr(&out).contains("kdialog is not installed"),
        "{}",
        stderr(&out)
    );
    let out = sb.rolecall_env(
        &["export", "mfa"],
        &[
            ("ROLECALL_MFA_PROMPT", "none"),
            ("PATH", &path),
            ("DISPLAY", ":42"),
        ],
    );
    assert!(
        stderr(&out).contains("ROLECALL_MFA_PROMPT=none"),
        "{}",
        stderr(&out)
    );
    // A prompt nobody answers ends at ROLECALL_PROCESS_TIMEOUT.
    let dir = sb.home().join("gui-bin");
    std::fs::write(dir.join("zenity"), "#!/bin/sh\nexec sleep 60\n").unwrap();
    let start = std::time::Instant::now();
    let out = sb.rolecall_env(
        &["export", "mfa"],
        &[
            ("PATH", &path),
            ("DISPLAY", ":42"),
            ("ROLECALL_PROCESS_TIMEOUT", "1"),
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did not finish within 1 s"),
        "{}",
        stderr(&out)
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn credential_and_mfa_processes_are_bounded_in_time_and_size() {
    let sb = Sandbox::new();
    let slow = sb.home().join("slow.sh");
    std::fs::write(&slow, "#!/bin/sh\nexec sleep 60\n").unwrap();
    let flood = sb.home().join("flood.sh");
    std::fs::write(&flood, "#!/bin/sh\nexec cat /dev/zero\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for p in [&slow, &flood] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sb.write_config(&format!(
        "[profile slow]\ncredential_process = {}\n[profile flood]\ncredential_process = {}\n\
         [profile fifo]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /dev/zero\n",
        slow.display(),
        flood.display()
    ));
    let start = std::time::Instant::now();
    let out = sb.rolecall_env(&["export", "slow"], &[("ROLECALL_PROCESS_TIMEOUT", "1")]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did not finish within 1 s"),
        "{}",
        stderr(&out)
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(15));
    let out = sb.rolecall(&["export", "flood"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("more than 64 KiB"),
        "{}",
        stderr(&out)
    );
    let out = sb.rolecall(&["export", "fifo"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_new_token_at_the_same_path_is_a_new_caller() {
    let sb = Sandbox::new();
    let arn = sb.role(&unique("TokenCaller"));
    let token = sb.home().join("token");
    std::fs::write(&token, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbmUifQ.c2ln\n").unwrap();
    sb.write_credentials("");
    sb.write_config(&format!(
        "[profile w]\nrole_arn = {arn}\nweb_identity_token_file = {}\n",
        token.display()
    ));
    let calls = || moto().count("AssumeRoleWithWebIdentity", &format!("RoleArn={arn}"));
    let first = stdout(&sb.rolecall(&["export", "w"]));
    assert_eq!(stdout(&sb.rolecall(&["export", "w"])), first);
    assert_eq!(calls(), 1, "the same token: cached");
    // Another container of the same uid, another token at the same path.
    std::fs::write(&token, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0d28ifQ.c2ln\n").unwrap();
    let second = stdout(&sb.rolecall(&["export", "w"]));
    assert_ne!(second, first, "never the first caller's session");
    assert_eq!(calls(), 2);
}

#[test]
fn a_read_only_session_policy_reaches_sts_and_the_scoped_session_is_cached_apart() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let scoped = |out: &Output| assert!(out.status.success(), "{}", stderr(out));
    scoped(&sb.rolecall(&["export", "--read-only", "prod"]));
    let read_only = "PolicyArns.member.1.arn=arn:aws:iam::aws:policy/ReadOnlyAccess";
    assert_eq!(moto().count("AssumeRole", read_only), 1, "sent to STS");
    scoped(&sb.rolecall(&["export", "prod"]));
    scoped(&sb.rolecall(&["export", "--read-only", "prod"]));
    let all = moto().count("AssumeRole", &format!("RoleArn={arn}"));
    assert_eq!(all, 2, "one scoped session, one unscoped, each cached");
}

#[test]
fn the_audit_log_records_what_was_handed_out_privately_and_without_a_secret() {
    let sb = Sandbox::new();
    let (keys, _) = role_setup(&sb, "prod", "");
    let out = sb.rolecall(&["export", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = stdout(&out);
    let out = sb.rolecall(&["exec", "prod", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall_env(&["export", "prod"], &[("ROLECALL_AUDIT", "off")]);
    assert!(out.status.success());
    let log = sb.home().join(".local/state/rolecall/audit/audit.log");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!text.contains(&keys.secret));
    for (name, value) in parse_exports(&exported) {
        if name == "AWS_SECRET_ACCESS_KEY"
            || name == "AWS_SESSION_TOKEN"
            || name == "AWS_ACCESS_KEY_ID"
        {
            assert!(!text.contains(&value), "{name} in the log");
        }
    }
    let out = sb.rolecall(&["log", "--json", "prod"]);
    assert_eq!(stdout(&out), text, "log --json prints the records as kept");
    let out = sb.rolecall(&["log", "--since", "1h"]);
    assert!(stdout(&out).contains("ran true in"), "{}", stdout(&out));
}

#[test]
fn a_rolecall_file_names_the_profile_only_once_allowed_and_as_it_was_allowed() {
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    let project = sb.home().join("work/project");
    let deep = project.join("src/deep");
    std::fs::create_dir_all(&deep).unwrap();
    let file = project.join(".rolecall");
    std::fs::write(&file, "prod\nregion = eu-central-1\n").unwrap();
    let export_in = |dir: &Path| {
        sb.command(BIN)
            .arg("export")
            .current_dir(dir)
            .output()
            .unwrap()
    };
    // Not allowed yet: refused with one line, nothing printed.
    let out = export_in(&deep);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("run \"rolecall allow\" there"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .command(BIN)
        .args(["allow"])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // From a subdirectory: the parent's file, its profile and region.
    let out = export_in(&deep);
    assert!(out.status.success(), "{}", stderr(&out));
    let vars = parse_exports(&stdout(&out));
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("ROLECALL_PROFILE").as_deref(), Some("prod"));
    assert_eq!(get("AWS_REGION").as_deref(), Some("eu-central-1"));
    // An edit, however small, needs a new allow.
    std::fs::write(&file, "prod\nregion = eu-west-1\n").unwrap();
    assert_eq!(export_in(&deep).status.code(), Some(3));
    sb.command(BIN)
        .args(["allow"])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(export_in(&deep).status.success());
    let out = sb
        .command(BIN)
        .args(["deny", project.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(export_in(&deep).status.code(), Some(3));
    // A hostile name is a name, never run; a link and a huge file are refused.
    let marker = sb.home().join("ran");
    std::fs::write(&file, format!("prod'; touch {}; '\n", marker.display())).unwrap();
    sb.command(BIN)
        .args(["allow"])
        .current_dir(&project)
        .output()
        .unwrap();
    let out = export_in(&deep);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!marker.exists());
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(sb.home().join(".aws/config"), &file).unwrap();
    let out = sb
        .command(BIN)
        .args(["allow"])
        .current_dir(&project)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, "prod\n".repeat(2000)).unwrap();
    let out = sb
        .command(BIN)
        .args(["allow"])
        .current_dir(&project)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A profile on the command line needs no file.
    std::fs::remove_file(&file).unwrap();
    assert!(sb
        .command(BIN)
        .args(["export", "prod"])
        .current_dir(&deep)
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn web_identity_token_process_of_aws_vault_gives_the_printed_token() {
    let sb = Sandbox::new();
    let arn = sb.role(&unique("TokenProcessRole"));
    let token = format!("eyJhbGciOiJIUzI1NiJ9.{}.c2ln", unique("proc"));
    sb.write_credentials("");
    sb.write_config(&format!(
        "[profile vault-web]\nrole_arn = {arn}\nweb_identity_token_process = sh -c 'printf \"%s\\n\" {token}'\nrole_session_name = from-process\n"
    ));
    let ours = identity(&rolecall_identity(&sb, &["vault-web"], &[]));
    assert!(ours.ends_with("/from-process"), "{ours}");
    assert_eq!(
        moto().count(
            "AssumeRoleWithWebIdentity",
            &format!("WebIdentityToken={token}")
        ),
        1
    );
    // A command that prints nothing is one line naming the key.
    sb.write_config(&format!(
        "[profile vault-web]\nrole_arn = {arn}\nweb_identity_token_process = true\n"
    ));
    let out = sb.rolecall(&["export", "--no-cache", "vault-web"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("web_identity_token_process \"true\" printed no token"),
        "{err}"
    );
}

#[test]
fn the_container_endpoint_is_never_proxied_while_sts_is() {
    let sb = Sandbox::new();
    let keys = user_setup(&sb);
    let ecs = platform::ecs(&keys.id, &keys.secret, "Bearer task-secret");
    let arn = sb.role(&unique("proxiedtask"));
    sb.write_config(&format!(
        "[profile task]\nrole_arn = {arn}\ncredential_source = EcsContainer\n"
    ));
    let proxy = crate::support::net::Proxy::start(sb.home(), None);
    let full_uri = format!("{}/creds", ecs.url);
    let out = sb.rolecall_env(
        &["export", "task"],
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.as_str()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer task-secret"),
            ("HTTP_PROXY", &proxy.url()),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ecs.seen.lock().unwrap().len(), 1);
    let through = proxy.requests();
    assert!(
        through
            .iter()
            .any(|r| r.starts_with(&format!("POST {}/", moto().url))),
        "STS through the proxy: {through:?}"
    );
    assert!(
        !through.iter().any(|r| r.contains(&ecs.url)),
        "the container endpoint directly: {through:?}"
    );
}
