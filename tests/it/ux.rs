//! The everyday experience: list, the picker, --dry-run, notes and nesting.

use crate::support::*;

fn chain_sandbox() -> (Sandbox, Vec<String>) {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("user"));
    sb.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    let arns: Vec<String> = ["prod", "dev", "ops"]
        .iter()
        .map(|n| sb.role(&unique(n)))
        .collect();
    sb.write_config(&format!(
        "[profile prod]\nrole_arn = {}\nsource_profile = default\nregion = eu-west-1\n[profile dev]\nrole_arn = {}\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/maria\n[profile ops]\nrole_arn = {}\nsource_profile = prod\nduration_seconds = 7200\n[profile ci]\ncredential_process = /bin/false\n",
        arns[0], arns[1], arns[2]
    ));
    (sb, arns)
}

#[test]
fn list_shows_kinds_and_session_states_in_config_order() {
    let (sb, arns) = chain_sandbox();
    let out = sb.rolecall(&["export", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("PROFILE"), "{text}");
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names, vec!["prod", "dev", "ops", "ci", "default"]);
    assert!(
        lines[1].contains(&arns[0]) && lines[1].contains("eu-west-1"),
        "{text}"
    );
    assert!(
        lines[1].trim_end().ends_with("valid 59m") || lines[1].trim_end().ends_with("valid 1h 00m"),
        "{text}"
    );
    assert!(
        lines[2].contains("mfa/maria") && lines[2].trim_end().ends_with('—'),
        "{text}"
    );
    assert!(lines[4].contains("process"), "{text}");
    assert!(lines[5].contains("keys"), "{text}");

    let out = sb.rolecall(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["profile"], "prod");
    assert_eq!(rows[0]["session"], "valid");
    assert_eq!(rows[1]["session"], "none");
    assert_eq!(rows[2]["kind"], "role");
    assert_eq!(rows[2]["source"], "prod");
    let out = sb.rolecall(&["list", "--names"]);
    assert_eq!(stdout(&out), "prod\ndev\nops\nci\ndefault\n");
}

#[test]
fn list_of_ten_thousand_profiles_with_cached_states() {
    let (sb, _) = chain_sandbox();
    let out = sb.rolecall(&["export", "prod"]);
    assert!(out.status.success());
    let mut config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    for i in 0..10_000 {
        config.push_str(&format!(
            "[profile gen-{i}]\nrole_arn = arn:aws:iam::123456789012:role/gen-{i}\nsource_profile = default\nregion = us-east-1\n"
        ));
    }
    sb.write_config(&config);
    let out = sb.rolecall(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 10_005);
    assert_eq!(
        rows[0]["session"], "valid",
        "prod's session, cached earlier"
    );
    assert_eq!(rows[4 + 4999]["profile"], "gen-4999");
    assert_eq!(rows.iter().filter(|r| r["session"] == "valid").count(), 1);
}

#[test]
fn picker_on_a_terminal_and_a_clear_error_without_one() {
    let (sb, _) = chain_sandbox();
    let out = sb.rolecall(&["export"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("set AWS_PROFILE, or run on a terminal to pick one"),
        "{}",
        stderr(&out)
    );

    let script = sb.home().join("pick.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho sh -c \"{BIN} export > picked; echo exit=\\$?\"\nexpect {{\n  -ex \"profile\" {{}}\n  timeout {{ exit 3 }}\n}}\nsleep 0.3\nsend \"ops\"\nsleep 0.3\nsend \"\\r\"\nexpect {{\n  -re \"exit=(\\[0-9]+)\" {{}}\n  timeout {{ exit 4 }}\n}}\nexpect eof\n"
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("exit=0"), "{}", stdout(&out));
    let picked = std::fs::read_to_string(sb.home().join("picked")).unwrap();
    assert!(picked.contains("export ROLECALL_PROFILE='ops'"), "{picked}");
}

#[test]
fn dry_run_explains_a_three_role_chain_with_mfa_without_calling_sts() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIADRYRUN000001\naws_secret_access_key = s\n",
    );
    sb.write_config("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\nduration_seconds = 7200\n[profile c]\nrole_arn = arn:aws:iam::333333333333:role/c\nsource_profile = b\n");
    let out = sb.rolecall(&["export", "--dry-run", "c"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("# profile \"c\": 4 STS calls"), "{text}");
    assert!(
        text.lines().all(|l| l.starts_with("# ")),
        "comments only: {text}"
    );
    assert_eq!(text.matches("MFA: one code").count(), 1, "{text}");
    assert!(
        text.contains("1. GetSessionToken with MFA arn:aws:iam::111111111111:mfa/maria"),
        "{text}"
    );
    assert!(
        text.contains("3. AssumeRole arn:aws:iam::222222222222:role/b as rolecall-tester-"),
        "{text}"
    );
    assert!(text.contains("for 1h 00m [b]"), "{text}");
    assert!(
        text.contains("duration_seconds 7200 capped at 3600"),
        "{text}"
    );
    let out = sb.rolecall(&["exec", "--explain", "c", "--", "false"]);
    assert!(
        out.status.success(),
        "exec --explain runs nothing: {}",
        stderr(&out)
    );
}

#[test]
fn quiet_silences_notes_and_nested_shells_are_announced() {
    let (sb, _) = chain_sandbox();
    let broken = [
        ("ROLECALL_KEYRING", "secret-service"),
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent"),
    ];
    let mut c = sb.command(BIN);
    c.args(["-q", "export", "prod"]).envs(broken);
    let out = c.output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    let out = sb
        .command(BIN)
        .args(["exec", "prod"])
        .env("SHELL", "/bin/true")
        .env("ROLECALL_PROFILE", "dev")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already has the credentials of profile \"dev\""),
        "{}",
        stderr(&out)
    );

    // Inside a rolecall shell, an Environment-sourced profile would chain from the outer
    // session: said on stderr (the STS call itself fails here, on a closed port).
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_config("[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\ncredential_source = Environment\n");
    let out = sb
        .command(BIN)
        .args(["export", "ci"])
        .env("ROLECALL_PROFILE", "prod")
        .env("AWS_ACCESS_KEY_ID", "ASIAOUTER0000001")
        .env("AWS_SECRET_ACCESS_KEY", "outer")
        .env("AWS_SESSION_TOKEN", "outer-token")
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("holds profile \"prod\"'s session")
            && stderr(&out).contains("rolecall use --unset"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verbose_explains_decisions_with_redacted_keys() {
    let (sb, _) = chain_sandbox();
    let out = sb.rolecall(&["-v", "export", "ops"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        "session store:",
        "cache miss for profile \"prod\"",
        "source: static keys of profile \"default\" (…",
        "STS AssumeRole",
        "capped at 3600",
    ] {
        assert!(err.contains(needle), "{needle} in {err}");
    }
    let out = sb.rolecall(&["-v", "export", "ops"]);
    assert!(
        stderr(&out).contains("cache hit for profile \"ops\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_at_the_mfa_prompt_gives_the_terminal_back() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIACTRLC0000001\naws_secret_access_key = s\n",
    );
    sb.write_config("[profile m]\nrole_arn = arn:aws:iam::111111111111:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n");
    let script = sb.home().join("ctrlc.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho sh -c \"trap true INT; {BIN} export m; echo rc=\\$?; stty -a\"\nexpect {{\n  -ex \"MFA code for\" {{}}\n  timeout {{ exit 3 }}\n}}\nsleep 0.3\nsend \"\\x03\"\nexpect {{\n  -re \"rc=(\\[0-9]+)\" {{}}\n  timeout {{ exit 4 }}\n}}\nexpect eof\n"
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(text.contains("rc=130"), "{text}");
    let echo_on = text.split_whitespace().any(|word| word == "echo");
    assert!(echo_on, "echo is back on: {text}");

    // rolecall dies by SIGINT, so a calling bash script stops too (an exit 130 would not stop it).
    let script = sb.home().join("ctrlc-script.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho bash -c \"{BIN} export m; echo after=\\$?\"\nexpect {{\n  -ex \"MFA code for\" {{}}\n  timeout {{ exit 3 }}\n}}\nsleep 0.3\nsend \"\\x03\"\nexpect eof\n"
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(!text.contains("after="), "the script went on: {text}");

    // The picker reads Ctrl-C as a key in raw mode: the same exit, and the cursor comes back.
    let script = sb.home().join("ctrlc-pick.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho sh -c \"trap true INT; {BIN} export; echo rc=\\$?\"\nexpect {{\n  -ex \"profile\" {{}}\n  timeout {{ exit 3 }}\n}}\nsleep 0.3\nsend \"\\x03\"\nexpect {{\n  -re \"rc=(\\[0-9]+)\" {{}}\n  timeout {{ exit 4 }}\n}}\nexpect eof\n"
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(text.contains("rc=130"), "{text:?}");
    let hidden = text.rfind("\u{1b}[?25l");
    let shown = text.rfind("\u{1b}[?25h");
    assert!(shown > hidden, "the cursor is shown again: {text:?}");
}

fn keys_only() -> Sandbox {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials("[k]\naws_access_key_id = AKIAKEYSONLY\naws_secret_access_key = s\n");
    sb
}

#[test]
fn dev_null_is_an_empty_file_as_for_the_aws_cli() {
    let sb = keys_only();
    let out = sb.rolecall_env(
        &["export", "--no-session", "--format", "sh", "k"],
        &[("AWS_CONFIG_FILE", "/dev/null")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("AKIAKEYSONLY"));
    sb.write_config("[profile c]\nregion = eu-west-1\n");
    let out = sb.rolecall_env(
        &["list", "--names"],
        &[("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")],
    );
    assert_eq!(stdout(&out), "c\n", "{}", stderr(&out));
    // Other devices are still refused: /dev/zero would never end.
    let out = sb.rolecall_env(&["list"], &[("AWS_CONFIG_FILE", "/dev/zero")]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "rolecall: cannot read the config file /dev/zero (from AWS_CONFIG_FILE): it is not a regular file; point AWS_CONFIG_FILE at your config file\n"
    );
}

#[test]
fn a_reader_that_closes_the_pipe_ends_list_quietly() {
    let sb = keys_only();
    let mut config = String::new();
    for i in 0..2000 {
        config.push_str(&format!("[profile p{i}]\nregion = eu-west-1\n"));
    }
    sb.write_config(&config);
    let out = sb
        .command(which("bash"))
        .args([
            "-o",
            "pipefail",
            "-c",
            "rolecall list | head -1; echo \"status ${PIPESTATUS[0]}\"",
        ])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out).lines().last(),
        Some("status 0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn file_errors_name_the_variable_the_file_and_the_fix() {
    let sb = keys_only();
    let dir = sb.home().join("adir");
    std::fs::create_dir(&dir).unwrap();
    let out = sb.rolecall_env(
        &["list"],
        &[("AWS_SHARED_CREDENTIALS_FILE", dir.to_str().unwrap())],
    );
    assert_eq!(
        stderr(&out),
        format!("rolecall: cannot read the credentials file {} (from AWS_SHARED_CREDENTIALS_FILE): it is not a regular file; point AWS_SHARED_CREDENTIALS_FILE at your credentials file\n", dir.display())
    );
    std::fs::remove_file(sb.home().join(".aws/credentials")).unwrap();
    std::fs::create_dir(sb.home().join(".aws/credentials")).unwrap();
    let out = sb.rolecall(&["list"]);
    assert!(
        stderr(&out).contains("(the default; AWS_SHARED_CREDENTIALS_FILE is not set)"),
        "{}",
        stderr(&out)
    );
    // A profile name from AWS_PROFILE says so.
    let sb = keys_only();
    let out = sb.rolecall_env(&["export", "--format", "sh"], &[("AWS_PROFILE", "nope")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with("rolecall: profile \"nope\" (from AWS_PROFILE) not found in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_machine_without_aws_files_is_told_so_by_list_and_export() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    for args in [&["list"][..], &["export", "prod"], &["list", "--json"]] {
        let out = sb.rolecall(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(
            err.starts_with("rolecall: no AWS configuration: neither ")
                && err.contains("aws configure"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn smaller_messages_name_the_profile_and_the_nearest_value() {
    let sb = keys_only();
    sb.write_config("[profile typo]\nrole_arn = arn:aws:iam::123456789012:role/t\ncredential_source = Ec2InstanceMetdata\n[profile proc]\ncredential_process = sh -c 'exit 3'\n");
    let out = sb.rolecall(&["export", "typo"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out)
            .trim_end()
            .ends_with("; did you mean Ec2InstanceMetadata?"),
        "{}",
        stderr(&out)
    );
    let out = sb.rolecall(&["export", "proc"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("rolecall: profile \"proc\": credential_process \"sh\" failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_default_session_name_has_the_login_name_without_user_or_logname() {
    let sb = keys_only();
    sb.write_config(
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = k\n",
    );
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8(me.stdout).unwrap().trim().to_string();
    let out = sb
        .command(BIN)
        .args(["export", "--dry-run", "r"])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains(&format!(" as rolecall-{me}-")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn dry_run_names_the_cached_session_the_process_the_variables_and_what_will_fail() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "named", "region = eu-west-1\n");
    let out = sb.rolecall(&["export", "--format", "sh", "named"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who = sb.whoami_with(&parse_exports(&stdout(&out)));
    let session = who.rsplit('/').next().unwrap().trim().to_string();
    // A later dry run would plan a new name: the cached step shows the one STS was given.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let plan = stdout(&sb.rolecall(&["export", "--dry-run", "named"]));
    assert!(
        plan.contains(&format!("AssumeRole {arn} as {session} for"))
            && plan.contains("cached, valid"),
        "{session}: {plan}"
    );
    assert!(
        plan.contains("#   sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_ACCOUNT_ID=123456789012, AWS_REGION=eu-west-1, AWS_DEFAULT_REGION=eu-west-1, ROLECALL_PROFILE=named, ROLECALL_EXPIRATION; unsets AWS_DEFAULT_OUTPUT, AWS_PAGER, AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, AWS_ACCOUNT_ID_ENDPOINT_MODE, AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN"),
        "{plan}"
    );
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!("{config}\n[profile proc]\ncredential_process = make-creds --for ci\n[profile ec2]\nrole_arn = {arn}\ncredential_source = Ec2InstanceMetadata\n"));
    let plan = stdout(&sb.rolecall(&["export", "--dry-run", "proc"]));
    assert!(
        plan.contains("credential_process of profile \"proc\", which runs make-creds --for ci"),
        "{plan}"
    );
    let plan = stdout(&sb.rolecall(&["export", "--dry-run", "ec2"]));
    assert!(
        plan.contains("#   warning: AWS_EC2_METADATA_DISABLED=true turns instance metadata off"),
        "{plan}"
    );
}

#[test]
fn list_marks_profiles_that_cannot_work_and_stays_whole_when_piped() {
    let sb = keys_only();
    let long = format!(
        "arn:aws:iam::123456789012:role/{}",
        "very-long-role-name-".repeat(8)
    );
    sb.write_config(&format!(
        "[profile loop-a]\nrole_arn = {long}\nsource_profile = loop-b\n[profile loop-b]\nrole_arn = {long}\nsource_profile = loop-a\n[profile both]\nrole_arn = {long}\nsource_profile = k\ncredential_source = Environment\n[profile bad-arn]\nrole_arn = nope\nsource_profile = k\n[profile \"evil\u{1b}[2J\"]\nregion = x\n"
    ));
    let out = sb
        .command(BIN)
        .arg("list")
        .env("COLUMNS", "40")
        .output()
        .unwrap();
    let text = stdout(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("loop-a ").ends_with("broken: source_profile cycle"),
        "{text}"
    );
    assert!(
        line("both ").ends_with("broken: both source_profile and credential_source"),
        "{text}"
    );
    assert!(
        line("bad-arn ").ends_with("broken: invalid role_arn"),
        "{text}"
    );
    assert!(line("k ").ends_with("—"), "{text}");
    // Piped, the table is whole whatever the terminal's width: the long ARN is all there.
    assert!(line("loop-a ").contains(&long), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let json = stdout(&sb.rolecall(&["list", "--json"]));
    assert!(
        json.contains("\"problem\": \"source_profile cycle\""),
        "{json}"
    );
    // --names escapes control characters as the table does.
    let names = stdout(&sb.rolecall(&["list", "--names"]));
    assert!(
        names.contains("evil\\u{1b}[2J") && !names.contains('\u{1b}'),
        "{names:?}"
    );
}

/// A command in a real terminal (tmux, 80×24): send keys, read the screen.
pub(crate) struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    pub(crate) fn start(sb: &Sandbox, command: &str) -> Tmux {
        // A socket of its own each time: a server being killed may still hold the last one.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = sb.home().join(format!("tmux{n}.sock"));
        let env: Vec<String> = sb
            .env()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(&v)))
            .collect();
        let line = format!("env -i {} sh -c {}", env.join(" "), shell_quote(command));
        let out = std::process::Command::new(which("tmux"))
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                &line,
            ])
            .current_dir(sb.home())
            .output()
            .unwrap();
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        Tmux { socket }
    }

    pub(crate) fn tmux(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(which("tmux"))
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        stdout(&out)
    }

    pub(crate) fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    pub(crate) fn wait_for(&self, what: &str) -> String {
        for _ in 0..100 {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{what:?} never appeared:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn the_picker_clears_its_query_with_ctrl_u_and_its_drawing_on_ctrl_c() {
    let (sb, _) = chain_sandbox();
    let t = Tmux::start(&sb, "rolecall export > picked; echo \"exit=$?\"; sleep 30");
    t.wait_for("profile:");
    t.tmux(&["send-keys", "-l", "zzz"]);
    t.wait_for("no profile matches");
    t.tmux(&["send-keys", "C-u"]);
    t.tmux(&["send-keys", "-l", "ops"]);
    t.wait_for("profile: ops");
    t.tmux(&["send-keys", "Enter"]);
    let screen = t.wait_for("exit=0");
    assert!(
        !screen.contains("profile:"),
        "the picker cleared its lines:\n{screen}"
    );
    let picked = std::fs::read_to_string(sb.home().join("picked")).unwrap();
    assert!(picked.contains("export ROLECALL_PROFILE='ops'"), "{picked}");
    drop(t);

    let t = Tmux::start(&sb, "rolecall export > picked; echo \"exit=$?\"; sleep 30");
    t.wait_for("profile:");
    t.tmux(&["send-keys", "C-c"]);
    let screen = t.wait_for("exit=");
    assert!(
        !screen.contains("profile:") && !screen.contains("> "),
        "Ctrl-C cleared the picker:\n{screen}"
    );
    assert!(screen.contains("exit=130"), "{screen}");
}

#[test]
fn ctrl_backslash_at_the_mfa_prompt_dumps_nothing_and_gives_the_terminal_back() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIAQUIT00000001\naws_secret_access_key = s\n",
    );
    sb.write_config("[profile m]\nrole_arn = arn:aws:iam::111111111111:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n");
    let script = sb.home().join("quit.exp");
    std::fs::write(
        &script,
        format!(
            "set timeout 20\nspawn -noecho sh -c \"{BIN} export m; echo rc=\\$?; stty -a\"\nexpect {{\n  -ex \"MFA code for\" {{}}\n  timeout {{ exit 3 }}\n}}\nsleep 0.3\nsend \"\\x1c\\r\"\nexpect {{\n  -re \"rc=(\\[0-9]+)\" {{}}\n  timeout {{ exit 4 }}\n}}\nexpect eof\n"
        ),
    )
    .unwrap();
    let out = sb.command(which("expect")).arg(&script).output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    // Not killed by SIGQUIT (131): an ordinary refusal of a malformed code.
    assert!(text.contains("rc=4"), "{text}");
    assert!(
        text.split_whitespace().any(|w| w == "echo"),
        "echo is back on: {text}"
    );
    assert!(!sb.home().join("core").exists());
}

#[test]
fn bash_completion_puts_profile_names_on_the_line_quoted() {
    let sb = Sandbox::new();
    sb.write_config(
        "[profile evil$(touch PWNED)]\nregion = eu-west-1\n[profile my prod]\nregion = eu-west-1\n\
         [profile star*]\nregion = eu-west-1\n",
    );
    std::fs::write(sb.home().join("starfile"), b"").unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/rolecall.bash");
    let t = Tmux::start(&sb, "PS1='$ ' exec bash --norc --noprofile -i");
    t.wait_for("$");
    t.tmux(&["send-keys", "-l", &format!("source {}\n", script.display())]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    t.tmux(&["send-keys", "-l", "rolecall export ev"]);
    t.tmux(&["send-keys", "Tab"]);
    let screen = t.wait_for("export evil\\$\\(touch\\ PWNED\\)");
    assert!(screen.contains("evil\\$\\(touch\\ PWNED\\)"), "{screen}");
    t.tmux(&["send-keys", "Enter"]);
    t.wait_for("has no credentials");
    assert!(!sb.home().join("PWNED").exists(), "the name ran as code");
    t.tmux(&["send-keys", "-l", "rolecall export my"]);
    t.tmux(&["send-keys", "Tab"]);
    t.wait_for("export my\\ prod");
    t.tmux(&["send-keys", "C-u"]);
    t.tmux(&["send-keys", "-l", "rolecall export sta"]);
    t.tmux(&["send-keys", "Tab"]);
    let screen = t.wait_for("export star\\*");
    assert!(!screen.contains("starfile"), "{screen}");
}

#[test]
fn man_rolecall_finds_the_page_where_scripts_install_puts_it() {
    // The layout of ./scripts/install: the binary in ~/.cargo/bin, the page beside it.
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join(".cargo/bin");
    let man1 = home.path().join(".cargo/share/man/man1");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&man1).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("rolecall")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/man/rolecall.1"),
        man1.join("rolecall.1"),
    )
    .unwrap();
    let out = std::process::Command::new(which("man"))
        .args(["-P", "cat", "rolecall"])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    for section in [
        "COMMANDS",
        "ENVIRONMENT",
        "EXIT STATUS",
        "rolecall sso login",
        "ROLECALL_KEYRING",
    ] {
        assert!(text.contains(section), "{section}: {text}");
    }
}
