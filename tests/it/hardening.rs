//! Failure classes and secrets hygiene: STS faults from a scripted stub, every command run
//! with the most verbose logging, and the exit code of each failure class.

use std::time::{Duration, Instant};

use crate::support::stub::{self, Reply};
use crate::support::*;

fn stub_sandbox(replies: Vec<Reply>) -> (Sandbox, stub::Stub) {
    let s = stub::start(replies);
    let sb = Sandbox::with_endpoint(&s.url);
    sb.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = callersecret\n",
        fresh_key_id("G001")
    ));
    sb.write_config(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n",
    );
    (sb, s)
}

fn throttle() -> Reply {
    Reply::Http(400, stub::error_xml("Throttling", "Rate exceeded"))
}

fn requests(s: &stub::Stub) -> usize {
    s.requests.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn throttling_twice_then_success_is_retried() {
    let (sb, s) = stub_sandbox(vec![
        throttle(),
        throttle(),
        Reply::Http(200, stub::assume_role_xml("2099-01-01T00:00:00Z")),
    ]);
    let out = sb.rolecall(&["export", "--no-cache", "r"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(requests(&s), 3);
}

#[test]
fn throttling_forever_fails_cleanly_after_bounded_retries() {
    let (sb, s) = stub_sandbox(vec![throttle()]);
    let start = Instant::now();
    let out = sb.rolecall(&["export", "--no-cache", "r"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("STS throttled AssumeRole"),
        "{}",
        stderr(&out)
    );
    assert_eq!(requests(&s), 3, "three attempts");
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_black_holed_endpoint_times_out_with_its_own_exit_code() {
    let (sb, _s) = stub_sandbox(vec![Reply::Hang]);
    let start = Instant::now();
    let out = sb
        .command(BIN)
        .args(["export", "--no-cache", "r"])
        .env("ROLECALL_STS_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("could not reach STS for AssumeRole"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("2 seconds"), "{}", stderr(&out));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );

    let out = sb
        .command(BIN)
        .args(["export", "r"])
        .env("ROLECALL_STS_TIMEOUT", "forever")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_knob_fails_only_the_commands_that_use_it() {
    let (sb, _s) = stub_sandbox(vec![]);
    let bad = [
        ("ROLECALL_STS_TIMEOUT", "forever"),
        ("ROLECALL_KEYRING", "plaintext"),
    ];
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = sb.command(BIN);
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // Neither knob is used by init or completions; list uses the store but not STS.
    for args in [&["init", "bash"][..], &["completions", "zsh"]] {
        let out = run(args, &bad);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!out.stdout.is_empty());
    }
    let out = run(&["list"], &bad[..1]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("PROFILE"));
    let out = run(&["list"], &bad[1..]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ROLECALL_KEYRING"),
        "{}",
        stderr(&out)
    );
    // doctor names every bad knob and says something cannot work.
    let out = run(&["doctor"], &bad);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ROLECALL_STS_TIMEOUT=\"forever\"")
            && text.contains("ROLECALL_KEYRING=\"plaintext\""),
        "{text}"
    );
}

/// The codes of the README's exit-code table, in its order.
fn readme_exit_codes() -> Vec<i32> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("## Exit codes")
        .nth(1)
        .expect("an exit-code section");
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1)?.trim().parse().ok())
        .collect()
}

/// The status a shell sees of `rolecall ARGS` on a terminal, Ctrl-C sent once `wait_for` is
/// on it.
fn interrupted_status(sb: &Sandbox, args: &str, wait_for: &str) -> Option<i32> {
    let script = sb.home().join("ctrl-c.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho sh -c \"trap true INT; {BIN} {args}; echo rc=\\$?\"\nexpect {{\n  -ex \"{wait_for}\" {{}}\n  timeout {{ exit 3 }}\n}}\nsleep 0.3\nsend \"\\x03\"\nexpect {{\n  -re \"rc=(\\[0-9]+)\" {{}}\n  timeout {{ exit 4 }}\n}}\nexpect eof\n"
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    let text = stdout(&out);
    text.split("rc=")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn every_exit_code_of_the_readme_table_is_what_rolecall_exits_with() {
    let (sb, _s) = stub_sandbox(vec![Reply::Http(
        403,
        stub::error_xml("AccessDenied", "no"),
    )]);
    let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n\
         [profile m]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/m\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    sb.write_config(config);
    let code = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = sb.command(BIN);
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap().status.code()
    };
    let plain = sb.home().join("not-a-program");
    std::fs::write(&plain, "data").unwrap();
    let plain = plain.to_str().unwrap();
    let unreachable = Sandbox::with_endpoint(&format!("http://127.0.0.1:{}", free_port()));
    unreachable.write_credentials(
        "[default]\naws_access_key_id = AKIAHARDENING002\naws_secret_access_key = s\n",
    );
    unreachable.write_config(config);
    let broken = Sandbox::new();
    broken.write_config(
        "[profile loop]\nrole_arn = arn:aws:iam::123456789012:role/l\nsource_profile = loop\n",
    );
    // Each row of the table with the runs that must end with its code.
    let mut walked = Vec::new();
    let mut row = |expected: i32, runs: Vec<Option<i32>>| {
        for (i, got) in runs.into_iter().enumerate() {
            assert_eq!(got, Some(expected), "exit code {expected}, run {i}");
        }
        walked.push(expected);
    };
    row(
        0,
        vec![
            code(&["exec", "--no-session", "default", "--", "true"], &[]),
            code(&["list"], &[]),
        ],
    );
    row(1, vec![broken.rolecall(&["doctor"]).status.code()]);
    row(
        2,
        vec![
            code(&["export", "--format", "nonsense", "r"], &[]),
            code(&["export"], &[]),
            code(
                &["export", "m"],
                &[("ROLECALL_MFA_PROMPT", "carrier-pigeon")],
            ),
            code(
                &["exec", "--server", "--no-session", "default", "--", "true"],
                &[],
            ),
        ],
    );
    row(
        3,
        vec![
            code(&["export", "ghost"], &[]),
            code(&["sso", "login", "--sso-session", "nowhere"], &[]),
            broken.rolecall(&["export", "loop"]).status.code(),
        ],
    );
    row(
        4,
        vec![
            code(&["export", "--no-cache", "r"], &[]),
            code(&["export", "m"], &[]),
        ],
    );
    row(
        5,
        vec![unreachable.rolecall(&["export", "r"]).status.code()],
    );
    row(
        126,
        vec![code(&["exec", "--no-session", "default", "--", plain], &[])],
    );
    row(
        127,
        vec![code(
            &["exec", "--no-session", "default", "--", "/nonexistent/cmd"],
            &[],
        )],
    );
    row(130, vec![interrupted_status(&sb, "export m", "MFA code")]);
    assert_eq!(
        walked,
        readme_exit_codes(),
        "every row of the README's table, no other code"
    );
}

#[test]
fn no_secret_reaches_stderr_at_any_verbosity() {
    let sb = Sandbox::new();
    let (keys, _) = role_setup(&sb, "prod", "region = eu-west-1\n");
    let serial = format!("arn:aws:iam::123456789012:mfa/{}", unique("hyg"));
    let other = sb.role(&unique("mfarole"));
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!(
        "{config}[profile chained]\nrole_arn = {other}\nsource_profile = prod\n[profile mfa]\nrole_arn = {other}\nsource_profile = default\nmfa_serial = {serial}\n"
    ));
    let first = sb.rolecall(&["export", "prod"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let vars = parse_exports(&stdout(&first));
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).unwrap().1.clone();
    let mut secrets = vec![
        keys.secret.clone(),
        get("AWS_SECRET_ACCESS_KEY"),
        get("AWS_SESSION_TOKEN"),
        "864209".to_string(),
    ];
    let runs: Vec<Vec<&str>> = vec![
        vec!["-vvv", "export", "prod"],
        vec!["-vvv", "export", "--no-cache", "prod"],
        vec!["-vvv", "export", "chained"],
        vec!["-vvv", "export", "--format", "json", "chained"],
        vec!["-vvv", "export", "--mfa-token", "864209", "mfa"],
        vec!["-vvv", "export", "--dry-run", "mfa"],
        vec!["-vvv", "exec", "prod", "--", "true"],
        vec![
            "-vvv",
            "exec",
            "chained",
            "--",
            "sh",
            "-c",
            "echo $AWS_SECRET_ACCESS_KEY >&2",
        ],
        vec!["-vvv", "list"],
        vec!["-vvv", "list", "--json"],
        vec!["-vvv", "clear-cache", "prod"],
        vec!["-vvv", "export", "prod"],
        vec!["-vvv", "completions", "bash"],
        vec!["-vvv", "init", "zsh"],
        vec!["-vvv", "clear-cache"],
    ];
    for args in &runs {
        let out = sb
            .command(BIN)
            .args(args)
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        if args.contains(&"echo $AWS_SECRET_ACCESS_KEY >&2") {
            // The child printed its own secret; only that line may contain it.
            secrets.push(err.lines().last().unwrap_or("").to_string());
            let rolecall_lines: Vec<&str> =
                err.lines().filter(|l| l.starts_with("rolecall:")).collect();
            for s in &secrets[..secrets.len() - 1] {
                assert!(
                    !rolecall_lines.iter().any(|l| l.contains(s.as_str())),
                    "{args:?} leaked a secret"
                );
            }
            continue;
        }
        for s in &secrets {
            assert!(
                !err.contains(s.as_str()),
                "{args:?} leaked a secret on stderr: {err}"
            );
        }
        assert!(
            !err.contains(&keys.id),
            "{args:?} showed a whole key id: {err}"
        );
    }
}

/// One line on stderr, no panic, nothing on stdout: what every bad input must give.
fn refused(out: &std::process::Output, code: i32) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(out));
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(!err.contains('\u{1b}'), "no raw escape: {err:?}");
    err
}

#[test]
fn hostile_input_gets_one_line_and_no_panic() {
    let (sb, s) = stub_sandbox(vec![]);
    // A control character in a key id would make the HTTP layer panic: refused before STS.
    sb.write_credentials("[default]\naws_access_key_id = AKIA\u{1}B\naws_secret_access_key = s\n");
    let err = refused(&sb.rolecall(&["export", "r"]), 3);
    assert!(err.contains("access key id"), "{err}");
    assert_eq!(requests(&s), 0);

    // Names with a newline or an escape sequence are shown escaped, on one line.
    sb.write_config("[profile \u{1b}[31mevil]\nregion = x\n");
    let err = refused(&sb.rolecall(&["export", "pr\nod"]), 3);
    assert!(err.contains("pr\\nod"), "{err}");
    refused(&sb.rolecall(&["clear-cache", "\u{1b}[2J"]), 3);

    // Command-line mistakes are one line too.
    let err = refused(&sb.rolecall(&["export", "--bogus"]), 2);
    assert!(
        err.starts_with("rolecall export: unexpected argument \"--bogus\"")
            && err.contains("see \"rolecall export --help\""),
        "{err}"
    );

    // An STS region that is not one is a configuration error, before any request.
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIAOK0000000001\naws_secret_access_key = s\n",
    );
    sb.write_config("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nregion = eu west\n");
    refused(&sb.rolecall(&["export", "r"]), 3);
    assert_eq!(requests(&s), 0);

    // exec: an empty program name, a script whose interpreter is missing, a NUL in a value.
    refused(
        &sb.rolecall(&["exec", "--no-session", "default", "--", ""]),
        2,
    );
    let script = sb.home().join("badint");
    std::fs::write(&script, "#!/nonexistent/interpreter\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let err = refused(
        &sb.rolecall(&["exec", "--no-session", "default", "--", "./badint"]),
        126,
    );
    assert!(err.contains("interpreter"), "{err}");
}

#[test]
fn special_files_and_a_missing_home_are_refused_not_followed() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    // (/dev/null is an empty file, as for the AWS CLI: see ux.rs.)
    for path in ["/dev/zero", "/dev/urandom"] {
        let start = Instant::now();
        let out = sb
            .command(BIN)
            .args(["list"])
            .env("AWS_CONFIG_FILE", path)
            .output()
            .unwrap();
        let err = refused(&out, 3);
        assert!(err.contains("not a regular file"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
    // Without HOME, a config in the current directory is not read.
    let planted = sb.home().join("cwd");
    std::fs::create_dir_all(planted.join(".aws")).unwrap();
    std::fs::write(
        planted.join(".aws/config"),
        "[profile planted]\ncredential_process = /bin/sh -c 'touch PLANTED'\n",
    )
    .unwrap();
    let out = sb
        .command(BIN)
        .args(["export", "planted"])
        .env_remove("HOME")
        .current_dir(&planted)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(!planted.join("PLANTED").exists());
}

#[test]
fn a_closed_stderr_is_no_reason_to_panic() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    let out = sb
        .command("bash")
        .arg("-c")
        .arg("rolecall export nope 2>&1 | true; echo ${PIPESTATUS[0]}")
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "3", "{}", stderr(&out));
}

#[test]
fn plain_http_endpoints_off_this_machine_are_refused_and_passwords_never_shown() {
    let (sb, s) = stub_sandbox(vec![]);
    let out = sb.rolecall_env(
        &["export", "r"],
        &[("AWS_ENDPOINT_URL", "http://sts.example.com")],
    );
    let err = refused(&out, 3);
    assert!(
        err.contains("plain http:// to another machine") && err.contains("ROLECALL_ALLOW_HTTP=1"),
        "{err}"
    );
    assert_eq!(requests(&s), 0);
    // A password in the URL is shown as …@ in errors, -v and --dry-run alike.
    let port = s.url.rsplit(':').next().unwrap().to_string();
    let with_password = format!("http://bob:hunter2@127.0.0.1:{port}");
    let plan = sb.rolecall_env(
        &["export", "--dry-run", "r"],
        &[("AWS_ENDPOINT_URL", &with_password)],
    );
    assert!(
        stdout(&plan).contains(&format!("http://…@127.0.0.1:{port}")),
        "{}",
        stdout(&plan)
    );
    let closed = format!("http://bob:hunter2@127.0.0.1:{}", free_port());
    for args in [
        &["-v", "export", "--no-cache", "r"][..],
        &["export", "--dry-run", "r"],
    ] {
        let out = sb.rolecall_env(args, &[("AWS_ENDPOINT_URL", &closed)]);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains("hunter2"), "{args:?}: {all}");
    }
    // A lab may allow it.
    let out = sb.rolecall_env(
        &["export", "--dry-run", "r"],
        &[
            ("AWS_ENDPOINT_URL", "http://sts.example.com"),
            ("ROLECALL_ALLOW_HTTP", "1"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_leaked_completion_variable_and_a_directory_as_the_command_are_no_silent_no_ops() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials("[k]\naws_access_key_id = AKIALEAK00000001\naws_secret_access_key = s\n");
    let out = sb.rolecall_env(
        &["export", "--no-session", "--format", "sh", "k"],
        &[("ROLECALL_COMPLETE", "bash")],
    );
    assert!(
        stdout(&out).contains("export AWS_ACCESS_KEY_ID='AKIALEAK00000001'"),
        "{}",
        stderr(&out)
    );
    let out = sb.rolecall(&["exec", "--no-session", "k", "--", "/tmp"]);
    let err = refused(&out, 126);
    assert!(err.contains("cannot run /tmp: it is a directory"), "{err}");
}

#[test]
fn non_utf8_config_paths_and_profile_names_are_errors_not_the_default() {
    use std::os::unix::ffi::OsStrExt;
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIADEFAULT00001\naws_secret_access_key = s\n",
    );
    let bad = std::ffi::OsStr::from_bytes(b"/tmp/\xff\xfe");
    for name in [
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_PROFILE",
    ] {
        let out = sb
            .command(BIN)
            .args(["export", "--format", "sh"])
            .env(name, bad)
            .output()
            .unwrap();
        let err = refused(&out, 3);
        assert!(
            err.contains(&format!(
                "{name} is set to something that is not valid UTF-8"
            )),
            "{err}"
        );
    }
}

#[test]
fn an_unusable_credential_process_answer_is_refused_and_not_cached() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    let helper = sb.home().join("creds.sh");
    std::fs::write(
        &helper,
        "#!/bin/sh\necho \"$0\" >> \"$HOME/ran\"\nprintf '%s' '{\"Version\":1,\"AccessKeyId\":\"ASIANUL\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"a\\u0000b\",\"Expiration\":\"2099-01-01T00:00:00Z\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    sb.write_config(&format!(
        "[profile p]\ncredential_process = {}\n",
        helper.display()
    ));
    for _ in 0..2 {
        let err = refused(&sb.rolecall(&["export", "p"]), 4);
        assert!(err.contains("control characters"), "{err}");
    }
    let ran = std::fs::read_to_string(sb.home().join("ran")).unwrap();
    assert_eq!(
        ran.lines().count(),
        2,
        "not served from a cache the second time"
    );
}

#[test]
fn secrets_stay_out_of_core_dumps() {
    // The child of exec keeps the core limit it had.
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials("[k]\naws_access_key_id = AKIACORE00000001\naws_secret_access_key = s\n");
    let out = sb
        .command(which("bash"))
        .args([
            "-c",
            "ulimit -c; rolecall exec --no-session k -- bash -c 'ulimit -c'",
        ])
        .output()
        .unwrap();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{}", stderr(&out));
    assert_eq!(
        lines[0], lines[1],
        "the command keeps the core limit it had"
    );
}

#[test]
#[ignore = "needs root: runs rolecall as another user (setpriv); ./scripts/test runs it as root"]
fn secrets_stay_out_of_other_processes_memory() {
    assert_root();
    // While rolecall waits at the MFA prompt, run as an ordinary user, its /proc files are
    // root's (not dumpable): another process of that user cannot read its memory or environ.
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIACORE00000002\naws_secret_access_key = s\n",
    )
    .unwrap();
    std::fs::write(home.path().join(".aws/config"), "[profile m]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/m\n").unwrap();
    let script = home.path().join("wait.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho env -i HOME={home} ROLECALL_KEYRING=none AWS_ENDPOINT_URL=http://127.0.0.1:9 {setpriv} --reuid=65534 --regid=65534 --clear-groups {bin} export m\nexpect {{\n  -ex \"MFA code\" {{}}\n  eof {{ puts ended-early; exit 4 }}\n  timeout {{ exit 3 }}\n}}\nset pid [exp_pid]\nputs \"comm=[exec cat /proc/$pid/comm]\"\nputs \"uid=[exec awk {{/^Uid:/ {{print $2}}}} /proc/$pid/status]\"\nputs \"owner=[exec stat -c %u /proc/$pid/environ]\"\nsend \"\\003\"\nexpect eof\n",
            home = home.path().display(),
            setpriv = which("setpriv").display(),
            bin = BIN
        ),
    )
    .unwrap();
    let out = std::process::Command::new(which("expect"))
        .arg(&script)
        .output()
        .unwrap();
    // It really ran, as that user, at the prompt: then its files are root's.
    let text = stdout(&out);
    assert!(
        text.contains("comm=rolecall") && text.contains("uid=65534"),
        "{text}{}",
        stderr(&out)
    );
    assert!(text.contains("owner=0"), "{text}{}", stderr(&out));
}

#[test]
fn a_credential_process_that_runs_rolecall_for_its_own_chain_stops_at_once() {
    let sb = Sandbox::new();
    sb.write_credentials("");
    sb.write_config(&format!(
        "[profile selfish]\ncredential_process = {BIN} export --format process selfish\n\
         [profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n\
         [profile b]\ncredential_process = {BIN} export --format process a\n"
    ));
    for name in ["selfish", "a"] {
        let start = std::time::Instant::now();
        let out = sb.rolecall(&["export", name]);
        assert_ne!(out.status.code(), Some(0), "{name}");
        assert!(stdout(&out).is_empty());
        let err = stderr(&out);
        assert!(err.contains("credential_process loop"), "{name}: {err}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{name}: {:?}",
            start.elapsed()
        );
        // --dry-run says so from the config alone, running nothing.
        let plan = stdout(&sb.rolecall(&["export", "--dry-run", name]));
        assert!(plan.contains("which is on this chain"), "{name}: {plan}");
    }
}
