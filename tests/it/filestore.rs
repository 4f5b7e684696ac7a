//! The `file` store without D-Bus (SSH, WSL, containers): keys and tokens in one encrypted
//! file, unlocked once per login session, never handed to a child.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use crate::support::*;

const PASS: &str = "correct horse battery staple 7f3a";

/// `rolecall ARGS` as over SSH: no D-Bus session, no display, with more variables.
fn headless(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    sb.command(BIN)
        .args(args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("ROLECALL_KEYRING")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out)
}

fn store_path(sb: &Sandbox) -> std::path::PathBuf {
    sb.home().join(".local/share/rolecall/secrets.json")
}

/// A passphrase command that counts its runs in `HOME/asked`.
fn counting_command(sb: &Sandbox) -> String {
    let script = sb.home().join("pass.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> \"$HOME/asked\"\nenv > \"$HOME/pass-env\"\nprintf '%s\\n' '{PASS}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    script.display().to_string()
}

fn asked(sb: &Sandbox) -> usize {
    std::fs::read_to_string(sb.home().join("asked"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn without_dbus_keys_are_imported_into_the_file_store_and_chains_work() {
    let sb = Sandbox::new();
    let (keys, arn) = role_setup(&sb, "prod", "");
    let env = [("ROLECALL_FILE_PASSPHRASE", PASS)];
    let out = headless(&sb, &["keys", "import", "default"], &env);
    ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("no D-Bus session") && err.contains("secrets.json"),
        "the automatic choice is said: {err}"
    );
    let credentials = std::fs::read_to_string(sb.home().join(".aws/credentials")).unwrap();
    assert!(!credentials.contains(&keys.secret), "{credentials}");
    // The file and its directory are private, and hold no key in the clear.
    let path = store_path(&sb);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(&keys.secret) && !text.contains(&keys.id));
    assert!(text.contains("BEGIN AGE ENCRYPTED FILE"), "{text}");
    // The notice is said once.
    let out = headless(&sb, &["export", "--format", "json", "prod"], &env);
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert!(v["SessionToken"].as_str().is_some(), "{v}");
    assert!(
        !stderr(&out).contains("no D-Bus session"),
        "{}",
        stderr(&out)
    );
    // exec through the chain; the child sees the session, never the passphrase, in its
    // environment or in any process's arguments.
    let dump =
        "env; for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done";
    let out = headless(&sb, &["exec", "prod", "--", "sh", "-c", dump], &env);
    let seen = ok(&out);
    assert!(seen.contains("AWS_SESSION_TOKEN="), "{seen}");
    assert!(!seen.contains(PASS), "the passphrase reached a child");
    assert!(!seen.contains("ROLECALL_FILE_PASSPHRASE="), "{seen}");
    let who = sb.whoami_with(&parse_exports(&ok(&headless(
        &sb,
        &["export", "prod"],
        &env,
    ))));
    let role = arn.rsplit('/').next().unwrap();
    assert!(who.contains(&format!("assumed-role/{role}/")), "{who}");
    // doctor: the keys of default (and prod's chain) are in the file store, usable now.
    let out = headless(&sb, &["doctor"], &env);
    let report = ok(&out);
    assert!(
        report.contains("profile \"prod\" (keys of \"default\"): the file store"),
        "{report}"
    );
}

#[test]
fn the_passphrase_is_asked_once_per_login_session_until_locked() {
    let sb = Sandbox::new();
    let (keys, _) = role_setup(&sb, "prod", "");
    let command = counting_command(&sb);
    let env = [
        ("ROLECALL_KEYRING", "file"),
        ("ROLECALL_FILE_PASSPHRASE_COMMAND", command.as_str()),
        ("AWS_ACCESS_KEY_ID", keys.id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", keys.secret.as_str()),
    ];
    ok(&headless(
        &sb,
        &["keys", "add", "vault", "--from-env"],
        &env,
    ));
    assert_eq!(asked(&sb), 1, "asked to create the file");
    let env = &env[..2];
    // A second process (and a third) within the TTL ask nothing.
    ok(&headless(&sb, &["export", "--no-session", "vault"], env));
    ok(&headless(&sb, &["export", "--no-session", "vault"], env));
    assert_eq!(asked(&sb), 1);
    // The command never saw the passphrase variable.
    let pass_env = std::fs::read_to_string(sb.home().join("pass-env")).unwrap();
    assert!(
        !pass_env.contains("ROLECALL_FILE_PASSPHRASE="),
        "{pass_env}"
    );
    let out = headless(&sb, &["list", "--json"], env);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&ok(&out)).unwrap();
    let vault = rows.iter().find(|r| r["profile"] == "vault").unwrap();
    assert_eq!(vault["keys"], "file-store", "{vault}");
    let out = headless(&sb, &["lock"], env);
    ok(&out);
    assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    let out = headless(&sb, &["doctor"], &[("ROLECALL_KEYRING", "file")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "locked, no way to unlock: {}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("is locked"), "{}", stdout(&out));
    ok(&headless(&sb, &["export", "--no-session", "vault"], env));
    assert_eq!(asked(&sb), 2, "asked again after lock");
    // A warm run of a session made from the keys reads nothing from the store.
    ok(&headless(&sb, &["lock"], env));
    ok(&headless(&sb, &["export", "vault"], env));
    assert_eq!(asked(&sb), 3, "the cold session needed the keys");
    ok(&headless(&sb, &["lock"], env));
    ok(&headless(&sb, &["export", "vault"], env));
    assert_eq!(asked(&sb), 3, "the warm run did not unlock the store");
}

#[test]
fn a_wrong_passphrase_or_a_truncated_file_is_one_line_and_changes_nothing() {
    let sb = Sandbox::new();
    let (keys, _) = role_setup(&sb, "prod", "");
    let add = |profile: &str, pass: &str| {
        headless(
            &sb,
            &["keys", "add", profile, "--from-env"],
            &[
                ("ROLECALL_KEYRING", "file"),
                ("ROLECALL_FILE_PASSPHRASE", pass),
                ("ROLECALL_FILE_UNLOCK_TTL", "0"),
                ("AWS_ACCESS_KEY_ID", keys.id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", keys.secret.as_str()),
            ],
        )
    };
    ok(&add("one", PASS));
    let path = store_path(&sb);
    let before = std::fs::read(&path).unwrap();
    let out = add("two", "not the passphrase");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("wrong passphrase") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing changed");
    let out = headless(
        &sb,
        &["export", "--no-session", "one"],
        &[
            ("ROLECALL_KEYRING", "file"),
            ("ROLECALL_FILE_PASSPHRASE", "not the passphrase"),
            ("ROLECALL_FILE_UNLOCK_TTL", "0"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("wrong passphrase"),
        "{}",
        stderr(&out)
    );
    // Truncated: named, and never written over.
    let truncated = &before[..before.len() * 2 / 3];
    std::fs::write(&path, truncated).unwrap();
    let out = add("three", PASS);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&path.display().to_string()) && err.contains("corrupt or truncated"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), truncated);
}

#[test]
fn two_concurrent_writers_keep_each_others_keys() {
    let sb = Sandbox::new();
    let env = |id: &'static str| {
        vec![
            ("ROLECALL_KEYRING", "file"),
            ("ROLECALL_FILE_PASSPHRASE", PASS),
            ("AWS_ACCESS_KEY_ID", id),
            ("AWS_SECRET_ACCESS_KEY", "s3cret"),
        ]
    };
    ok(&headless(
        &sb,
        &["keys", "add", "seed", "--from-env"],
        &env("AKIAIOSFODNN7EXAMPL0"),
    ));
    let ids = ["AKIAIOSFODNN7EXAMPL1", "AKIAIOSFODNN7EXAMPL2"];
    let children: Vec<_> = (0..8)
        .map(|i| {
            sb.command(BIN)
                .args(["keys", "add", &format!("p{i}"), "--from-env"])
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .envs(env(ids[i % 2]))
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    for i in 0..8 {
        let out = headless(
            &sb,
            &[
                "export",
                "--no-session",
                "--format",
                "json",
                &format!("p{i}"),
            ],
            &env(ids[0]),
        );
        let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
        assert_eq!(v["AccessKeyId"], ids[i % 2], "p{i}");
    }
}

#[test]
fn keys_are_never_stored_where_they_would_vanish() {
    let sb = Sandbox::new();
    for choice in ["keyutils", "none"] {
        let out = headless(
            &sb,
            &["keys", "add", "p", "--from-env"],
            &[
                ("ROLECALL_KEYRING", choice),
                ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "s3cret"),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("ROLECALL_KEYRING=file") && err.contains("secret-service"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    sb.write_credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cret\n",
    );
    let before = std::fs::read(sb.home().join(".aws/credentials")).unwrap();
    let out = headless(
        &sb,
        &["keys", "import", "default"],
        &[("ROLECALL_KEYRING", "none")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ROLECALL_KEYRING=file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(sb.home().join(".aws/credentials")).unwrap(),
        before
    );
    assert!(!store_path(&sb).exists());
}

/// The Secret Service item of `profile`'s keys in this sandbox (`secret-tool lookup`).
fn keychain_item(sb: &Sandbox, profile: &str) -> String {
    let ns =
        std::fs::read_to_string(sb.home().join(".local/state/rolecall/keys/.namespace")).unwrap();
    let out = sb
        .command(which("secret-tool"))
        .args([
            "lookup",
            "service",
            "rolecall-keys",
            "username",
            &format!("{ns}{profile}"),
        ])
        .output()
        .unwrap();
    stdout(&out)
}

#[test]
fn keys_migrate_moves_keys_between_the_secret_service_and_the_file_store() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the suite through scripts/with-keyring"
    );
    let sb = Sandbox::new();
    let user = unique("migrator");
    let keys = sb.user(&user);
    let with_dbus = |args: &[&str], env: &[(&str, &str)]| {
        sb.command(BIN)
            .args(args)
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let pass = [("ROLECALL_FILE_PASSPHRASE", PASS)];
    ok(&with_dbus(
        &["keys", "add", "vault", "--from-env"],
        &[
            ("ROLECALL_KEYRING", "secret-service"),
            ("AWS_ACCESS_KEY_ID", keys.id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", keys.secret.as_str()),
        ],
    ));
    assert!(keychain_item(&sb, "vault").contains(&keys.id));
    // Over SSH the keys are in a Secret Service that cannot be reached: doctor says so.
    let out = headless(&sb, &["doctor"], &pass);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("Secret Service cannot be reached")
            && stdout(&out).contains("keys migrate --to file"),
        "{}",
        stdout(&out)
    );
    // Moved on the desktop; then over SSH they are there.
    let out = with_dbus(&["keys", "migrate", "--to", "file"], &pass);
    ok(&out);
    assert!(
        stderr(&out).contains("moved the keys of 1 profiles (vault)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(keychain_item(&sb, "vault"), "", "the old copy is gone");
    let out = headless(
        &sb,
        &["export", "--no-session", "--format", "json", "vault"],
        &pass,
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(v["AccessKeyId"], keys.id.as_str());
    let out = headless(&sb, &["doctor"], &pass);
    assert!(
        stdout(&out).contains("profile \"vault\": the file store"),
        "{}",
        stdout(&out)
    );
    // And back.
    let out = with_dbus(&["keys", "migrate", "--to", "secret-service"], &pass);
    ok(&out);
    assert!(keychain_item(&sb, "vault").contains(&keys.id));
    let out = with_dbus(
        &["export", "--no-session", "--format", "json", "vault"],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(v["AccessKeyId"], keys.id.as_str());
}

#[test]
fn the_terminal_asks_for_the_passphrase_hidden_and_twice_for_a_new_store() {
    let sb = Sandbox::new();
    let script = format!(
        "set timeout 30\n\
         spawn {BIN} keys add typed\n\
         expect \"Access key ID: \"\nsend \"AKIAIOSFODNN7TYPED0\\r\"\n\
         expect \"Secret access key: \"\nsend \"TopSecretTyped/xyz\\r\"\n\
         expect \"New passphrase for \"\nexpect \": \"\nsend \"typed passphrase 1\\r\"\n\
         expect \"The same passphrase again: \"\nsend \"typed passphrase 1\\r\"\n\
         expect eof\n\
         spawn {BIN} lock\nexpect eof\n\
         spawn {BIN} export --no-session --format json typed\n\
         expect \"Passphrase for \"\nexpect \": \"\nsend \"typed passphrase 1\\r\"\n\
         expect eof\ncatch wait result\nexit [lindex $result 3]\n"
    );
    let out = sb
        .command(which("expect"))
        .args(["-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("ROLECALL_KEYRING", "file")
        .output()
        .unwrap();
    let screen = stdout(&out);
    assert!(out.status.success(), "{screen}{}", stderr(&out));
    assert!(!screen.contains("typed passphrase 1"), "echoed: {screen}");
    assert!(
        screen.contains("\"AccessKeyId\": \"AKIAIOSFODNN7TYPED0\""),
        "{screen}"
    );
    assert!(store_path(&sb).exists());
}

#[test]
fn rotate_list_and_remove_work_on_keys_in_the_file_store() {
    let sb = Sandbox::new();
    let user = unique("filerot");
    let old = sb.user(&user);
    let env = [("ROLECALL_FILE_PASSPHRASE", PASS)];
    let mut add = env.to_vec();
    add.extend([
        ("AWS_ACCESS_KEY_ID", old.id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", old.secret.as_str()),
    ]);
    ok(&headless(&sb, &["keys", "add", "rot", "--from-env"], &add));
    ok(&headless(&sb, &["exec", "rot", "--", "true"], &env));
    ok(&headless(&sb, &["keys", "rotate", "rot"], &env));
    let now = sb.access_keys(&user);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now[0], old.id);
    assert_eq!(
        ok(&headless(&sb, &["keys", "list"], &env)),
        format!("rot\t{}\n", now[0])
    );
    let out = headless(
        &sb,
        &["export", "--no-session", "--format", "json", "rot"],
        &env,
    );
    assert!(ok(&out).contains(&now[0]));
    ok(&headless(&sb, &["clear-cache"], &env));
    ok(&headless(&sb, &["keys", "remove", "rot", "--yes"], &env));
    assert_eq!(ok(&headless(&sb, &["keys", "list"], &env)), "");
    let out = headless(&sb, &["export", "--no-session", "rot"], &env);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
#[ignore = "needs root: gives the store to another user (chown); ./scripts/test runs it as root"]
fn a_store_or_directory_of_another_user_is_refused() {
    assert_root();
    let sb = Sandbox::new();
    let env = [
        ("ROLECALL_KEYRING", "file"),
        ("ROLECALL_FILE_PASSPHRASE", PASS),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "s3cret"),
    ];
    ok(&headless(&sb, &["keys", "add", "p", "--from-env"], &env));
    let path = store_path(&sb);
    for target in [path.clone(), path.parent().unwrap().to_path_buf()] {
        std::os::unix::fs::chown(&target, Some(65534), Some(65534)).unwrap();
        let before = std::fs::read(&path).unwrap();
        let out = headless(&sb, &["keys", "add", "q", "--from-env"], &env);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("uid 65534, not to you"),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
        std::os::unix::fs::chown(&target, Some(0), Some(0)).unwrap();
    }
}

#[test]
fn the_unlocked_key_times_out_after_the_ttl() {
    let sb = Sandbox::new();
    let command = counting_command(&sb);
    let env = [
        ("ROLECALL_KEYRING", "file"),
        ("ROLECALL_FILE_PASSPHRASE_COMMAND", command.as_str()),
        ("ROLECALL_FILE_UNLOCK_TTL", "1"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "s3cret"),
    ];
    ok(&headless(
        &sb,
        &["keys", "add", "vault", "--from-env"],
        &env,
    ));
    assert_eq!(asked(&sb), 1);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    ok(&headless(
        &sb,
        &["export", "--no-session", "vault"],
        &env[..3],
    ));
    assert_eq!(asked(&sb), 2, "the kernel dropped the key after a second");
}
