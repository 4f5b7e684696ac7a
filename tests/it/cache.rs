//! Sessions in the real keychains (gnome-keyring's Secret Service and the kernel keyring,
//! set up by scripts/with-keyring), counted against moto's request log.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::*;

/// The cache tests need the Secret Service session that `./scripts/test` provides.
fn keyring_session() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the suite through ./scripts/test (scripts/with-keyring)"
    );
}

fn assumes(arn: &str) -> usize {
    moto().count("AssumeRole", &format!("RoleArn={arn}"))
}

fn export(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = sb.command(BIN);
    c.arg("export").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out)
}

fn state_dir(sb: &Sandbox) -> std::path::PathBuf {
    sb.home().join(".local/state/rolecall")
}

#[test]
fn a_second_export_is_served_from_each_keychain_across_processes() {
    keyring_session();
    for store in ["auto", "secret-service", "keyutils"] {
        let sb = Sandbox::new();
        let (_, arn) = role_setup(&sb, "prod", "");
        let env = [("ROLECALL_KEYRING", store)];
        let first = ok(&export(&sb, &["prod"], &env));
        let second = export(&sb, &["-v", "prod"], &env);
        assert_eq!(ok(&second), first, "{store}: identical credentials");
        assert_eq!(assumes(&arn), 1, "{store}: one AssumeRole for two exports");
        assert!(
            stderr(&second).contains("cache hit for profile \"prod\""),
            "{}",
            stderr(&second)
        );
        let expected_store = match store {
            "auto" => "kernel keyring in front of Secret Service",
            "secret-service" => "session store: Secret Service",
            _ => "session store: kernel keyring",
        };
        assert!(
            stderr(&second).contains(expected_store),
            "{}",
            stderr(&second)
        );
    }
}

#[test]
fn the_secret_service_holds_the_session_for_a_fresh_kernel_keyring() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let first = ok(&export(&sb, &["prod"], &[]));
    // A new session keyring: the fast layer is empty, the Secret Service still has it.
    let out = sb
        .command(which("keyctl"))
        .args(["session", "-", BIN, "-v", "export", "prod"])
        .output()
        .unwrap();
    assert_eq!(ok(&out), first);
    assert_eq!(assumes(&arn), 1);
}

/// The entries of the Secret Service whose label names `profile`'s session.
fn secret_service_sessions(sb: &Sandbox, profile: &str) -> usize {
    let out = sb
        .command(which("secret-tool"))
        .args(["search", "--all", "service", "rolecall"])
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    let label = format!("label = rolecall session for profile {profile}\n");
    text.matches(&label).count()
}

#[test]
fn a_cold_export_leaves_the_secret_service_copy_to_the_background_and_clear_cache_waits_for_it() {
    keyring_session();
    let sb = Sandbox::new();
    let profile = unique("copied");
    let (_, arn) = role_setup(&sb, &profile, "");
    // Cleared at once, while the copy may still be under way: nothing of it may stay behind.
    let first = ok(&export(&sb, &[&profile], &[]));
    ok(&sb.rolecall(&["clear-cache", &profile]));
    let fresh = |sb: &Sandbox| {
        sb.command(which("keyctl"))
            .args(["session", "-", BIN, "export", &profile])
            .output()
            .unwrap()
    };
    let second = ok(&fresh(&sb));
    assert_ne!(second, first);
    assert_eq!(
        assumes(&arn),
        2,
        "the cleared session is gone from both layers"
    );
    // Read at once from a new session keyring: the copy is waited for, not missed.
    assert_eq!(ok(&fresh(&sb)), second);
    assert_eq!(assumes(&arn), 2);
    assert_eq!(secret_service_sessions(&sb, &profile), 1);
    ok(&sb.rolecall(&["clear-cache", &profile]));
    assert_eq!(secret_service_sessions(&sb, &profile), 0);
}

#[test]
fn changing_the_request_in_the_config_gets_a_fresh_session() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let other_arn = sb.role(&unique("other"));
    let base = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    ok(&export(&sb, &["prod"], &[]));
    let mut seen = vec![ok(&export(&sb, &["prod"], &[]))];
    for extra in [
        "external_id = partner-1\n",
        "duration_seconds = 1800\n",
        "role_session_name = maria\n",
    ] {
        sb.write_config(&format!("{base}{extra}"));
        let out = ok(&export(&sb, &["prod"], &[]));
        assert!(!seen.contains(&out), "{extra}: a new session");
        seen.push(out);
    }
    assert_eq!(assumes(&arn), 4);
    sb.write_config(&base.replace(&arn, &other_arn));
    let out = ok(&export(&sb, &["prod"], &[]));
    assert!(!seen.contains(&out));
    assert_eq!(assumes(&other_arn), 1);
    // Back to the original: its session is still cached.
    sb.write_config(&base);
    assert_eq!(ok(&export(&sb, &["prod"], &[])), seen[0]);
    assert_eq!(assumes(&arn), 4);
}

#[test]
fn twenty_parallel_cold_starts_make_one_call() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let children: Vec<_> = (0..20)
        .map(|_| {
            sb.command(BIN)
                .args(["export", "prod"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|c| ok(&c.wait_with_output().unwrap()))
        .collect();
    assert!(
        outputs.iter().all(|o| o == &outputs[0]),
        "all the same credentials"
    );
    assert!(outputs[0].contains("export AWS_SESSION_TOKEN="));
    assert_eq!(assumes(&arn), 1, "one AssumeRole for 20 processes");
}

#[test]
fn clear_cache_by_profile_and_all() {
    keyring_session();
    let sb = Sandbox::new();
    let (keys, prod_arn) = role_setup(&sb, "prod", "");
    let dev_arn = sb.role(&unique("dev"));
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!(
        "{config}[profile dev]\nrole_arn = {dev_arn}\nsource_profile = default\n[profile chained]\nrole_arn = {dev_arn}\nsource_profile = prod\nrole_session_name = chained\n"
    ));
    let _ = keys;
    ok(&export(&sb, &["prod"], &[]));
    ok(&export(&sb, &["dev"], &[]));
    ok(&export(&sb, &["chained"], &[]));
    assert_eq!(assumes(&prod_arn), 1, "chained reuses prod's session");

    let out = sb.rolecall(&["clear-cache", "prod"]);
    assert_eq!(ok(&out), "removed 1 cached session of prod\n");
    ok(&export(&sb, &["prod"], &[]));
    assert_eq!(assumes(&prod_arn), 2, "one new call after clearing prod");
    ok(&export(&sb, &["dev"], &[]));
    assert_eq!(assumes(&dev_arn), 2, "dev + chained, dev still cached");

    // A profile's sessions are those of its whole chain: clearing "chained" clears the
    // session of its source "prod" too, and leaves "dev" alone.
    let out = sb.rolecall(&["clear-cache", "chained"]);
    assert_eq!(ok(&out), "removed 2 cached sessions of chained\n");
    ok(&export(&sb, &["chained"], &[]));
    assert_eq!(assumes(&prod_arn), 3);
    ok(&export(&sb, &["dev"], &[]));
    assert_eq!(assumes(&dev_arn), 3, "dev still cached");

    // A name that is no profile and has no session is a typo, not "removed 0".
    let out = sb.rolecall(&["clear-cache", "prdo"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("did you mean \"prod\""),
        "{}",
        stderr(&out)
    );

    let out = sb.rolecall(&["clear-cache"]);
    assert_eq!(ok(&out), "removed 3 cached sessions\n");
    let out = sb.rolecall(&["clear-cache"]);
    assert_eq!(ok(&out), "removed 0 cached sessions\n");
    ok(&export(&sb, &["dev"], &[]));
    assert_eq!(assumes(&dev_arn), 4);
}

fn keyctl(args: &[&str]) -> String {
    let out = Command::new(which("keyctl")).args(args).output().unwrap();
    assert!(out.status.success(), "keyctl {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// The persistent keyring and the description of the session `key` in it
/// (`rolecall:NS-KEY`).
fn kernel_entry(key: &str) -> (String, String) {
    let ring = keyctl(&["get_persistent", "@s"]);
    let description = keyctl(&["rlist", &ring])
        .split_whitespace()
        .filter_map(|id| {
            let d = Command::new(which("keyctl"))
                .args(["rdescribe", id])
                .output()
                .ok()?;
            let d = stdout(&d);
            let desc = d.trim().rsplit(';').next()?.to_string();
            desc.ends_with(&format!("-{key}")).then_some(desc)
        })
        .next()
        .expect("the session's entry is in the persistent keyring");
    (ring, description)
}

fn only_session_key(sb: &Sandbox) -> String {
    let mut keys: Vec<String> = std::fs::read_dir(state_dir(sb).join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    keys.pop().unwrap()
}

#[test]
fn clear_cache_finds_sessions_the_index_lost() {
    keyring_session();
    for store in ["auto", "keyutils", "secret-service"] {
        let sb = Sandbox::new();
        let (_, arn) = role_setup(&sb, "prod", "");
        let env = [("ROLECALL_KEYRING", store)];
        ok(&export(&sb, &["prod"], &env));
        std::fs::remove_dir_all(state_dir(&sb).join("sessions")).unwrap();
        // The index says nothing; the keychain still has it, and so do list and export.
        let out = sb.rolecall_env(&["clear-cache", "prod"], &env);
        assert_eq!(ok(&out), "removed 1 cached session of prod\n", "{store}");
        ok(&export(&sb, &["prod"], &env));
        assert_eq!(assumes(&arn), 2, "{store}: the session was really gone");
        std::fs::remove_dir_all(state_dir(&sb).join("sessions")).unwrap();
        let out = sb.rolecall_env(&["clear-cache"], &env);
        assert_eq!(ok(&out), "removed 1 cached session\n", "{store}");
        ok(&export(&sb, &["prod"], &env));
        assert_eq!(assumes(&arn), 3, "{store}");
    }
}

#[test]
fn list_and_dry_run_claim_only_what_the_keychain_holds() {
    keyring_session();
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    let env = [("ROLECALL_KEYRING", "keyutils")];
    ok(&export(&sb, &["prod"], &env));
    let list = ok(&sb.rolecall_env(&["list"], &env));
    assert!(list.contains("valid"), "{list}");
    let key = only_session_key(&sb);
    let (ring, description) = kernel_entry(&key);
    let id = keyctl(&["search", &ring, "user", &description]);
    keyctl(&["invalidate", &id]);
    let list = ok(&sb.rolecall_env(&["list"], &env));
    assert!(
        !list.contains("valid"),
        "the index still lists it, the keychain does not: {list}"
    );
    let plan = ok(&export(&sb, &["--dry-run", "prod"], &env));
    assert!(plan.contains("calls STS"), "{plan}");
}

#[test]
fn a_store_that_cannot_delete_makes_clear_cache_fail() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let env = [("ROLECALL_KEYRING", "secret-service")];
    let first = ok(&export(&sb, &["prod"], &env));
    let out = sb.rolecall_env(
        &["clear-cache", "prod"],
        &[
            ("ROLECALL_KEYRING", "secret-service"),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Secret Service") && err.lines().count() == 1,
        "{err}"
    );
    // Not reported as done: the session is still there, and still served.
    assert_eq!(ok(&export(&sb, &["prod"], &env)), first);
    assert_eq!(assumes(&arn), 1);
}

#[test]
fn a_session_whose_index_entry_cannot_be_written_is_not_left_behind() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let env = [("ROLECALL_KEYRING", "keyutils")];
    std::fs::create_dir_all(state_dir(&sb)).unwrap();
    // `sessions` is a file: no index entry can be written (as a full disk would refuse).
    std::fs::write(state_dir(&sb).join("sessions"), b"").unwrap();
    ok(&export(&sb, &["prod"], &env));
    ok(&export(&sb, &["prod"], &env));
    assert_eq!(
        assumes(&arn),
        2,
        "nothing was cached that list could not see"
    );
    std::fs::remove_file(state_dir(&sb).join("sessions")).unwrap();
    let out = sb.rolecall_env(&["clear-cache"], &env);
    assert_eq!(ok(&out), "removed 0 cached sessions\n");
}

#[test]
fn corrupt_entries_are_a_miss_and_get_replaced() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let env = [("ROLECALL_KEYRING", "keyutils")];
    let first = ok(&export(&sb, &["prod"], &env));
    let key = std::fs::read_dir(state_dir(&sb).join("sessions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    let (ring, description) = kernel_entry(&key);
    assert!(description.starts_with("rolecall:"), "{description}");
    for garbage in [
        "{\"v\":1,\"k\":\"ASIA",
        "not json at all",
        "{\"v\":9,\"k\":\"A\",\"s\":\"B\",\"e\":1}",
    ] {
        let status = Command::new(which("keyctl"))
            .args(["padd", "user", &description, &ring])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(garbage.as_bytes())?;
                c.wait()
            })
            .unwrap();
        assert!(status.success());
        let out = export(&sb, &["prod"], &env);
        let text = ok(&out);
        assert_ne!(text, first, "a fresh session replaces {garbage:?}");
        assert!(!stderr(&out).contains(garbage), "never echoed");
        let again = ok(&export(&sb, &["prod"], &env));
        assert_eq!(again, text, "the replacement is cached");
    }
    assert_eq!(assumes(&arn), 4);
}

#[test]
fn an_unavailable_keychain_means_uncached_with_one_note() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let env = [
        ("ROLECALL_KEYRING", "secret-service"),
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
    ];
    for round in 1..=3 {
        let args: &[&str] = if round == 3 {
            &["-v", "prod"]
        } else {
            &["prod"]
        };
        let out = export(&sb, args, &env);
        ok(&out);
        let err = stderr(&out);
        if round == 2 {
            // Told once: the same failure on the next run is no news.
            assert_eq!(err, "", "round 2");
        } else {
            let note: Vec<&str> = err
                .lines()
                .filter(|l| l.contains("could not cache the session"))
                .collect();
            assert_eq!(note.len(), 1, "one note: {err}");
            assert!(
                note[0].contains("start gnome-keyring"),
                "says what to do: {err}"
            );
            assert!(!note[0].contains("(("), "no nested parentheses: {err}");
        }
        assert_eq!(assumes(&arn), round, "uncached");
    }
    assert!(
        !state_dir(&sb).join("sessions").exists()
            || std::fs::read_dir(state_dir(&sb).join("sessions"))
                .unwrap()
                .count()
                == 0
    );
}

#[test]
fn auto_falls_back_to_the_kernel_keyring_without_a_secret_service() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    let env = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let out = export(&sb, &["prod"], &env);
    let first = ok(&out);
    let note = stderr(&out);
    assert!(note.contains("kernel keyring"), "{note}");
    // One line, without library text wrapped in parentheses of ours.
    assert_eq!(note.lines().count(), 1, "{note}");
    assert!(
        note.contains("the Secret Service is unavailable: "),
        "{note}"
    );
    let again = export(&sb, &["prod"], &env);
    assert_eq!(ok(&again), first);
    assert_eq!(assumes(&arn), 1);
    // The same fallback on the next run is no news: the notice shows once per boot.
    assert_eq!(stderr(&again), "", "shown once");
}

#[test]
fn no_cache_and_refresh_window() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    ok(&export(&sb, &["--no-cache", "prod"], &[]));
    assert!(
        !state_dir(&sb).join("sessions").exists(),
        "--no-cache writes nothing"
    );
    ok(&export(&sb, &["prod"], &[]));
    ok(&export(&sb, &["--no-cache", "prod"], &[]));
    assert_eq!(assumes(&arn), 3, "--no-cache does not read");
    ok(&export(&sb, &["prod"], &[]));
    assert_eq!(assumes(&arn), 3, "cached");
    // A one-hour session is inside a 60-minute window at once.
    ok(&export(
        &sb,
        &["prod"],
        &[("ROLECALL_REFRESH_WINDOW", "60m")],
    ));
    assert_eq!(assumes(&arn), 4);
    let out = export(&sb, &["prod"], &[("ROLECALL_REFRESH_WINDOW", "soon")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("ROLECALL_REFRESH_WINDOW"));
    let out = export(&sb, &["prod"], &[("ROLECALL_KEYRING", "plaintext")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not one of auto, secret-service, keyutils, file, none"));
}

#[test]
fn files_are_private_and_hold_no_secret() {
    keyring_session();
    let sb = Sandbox::new();
    let (keys, _) = role_setup(&sb, "prod", "");
    let out = sb
        .command(which("sh"))
        .args(["-c", "umask 000; rolecall export prod"])
        .output()
        .unwrap();
    let text = ok(&out);
    let vars = parse_exports(&text);
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).unwrap().1.clone();
    let secrets = [get("AWS_SECRET_ACCESS_KEY"), get("AWS_SESSION_TOKEN")];
    let state = state_dir(&sb);
    let mut checked = 0;
    walk(sb.home(), &mut |path| {
        let meta = std::fs::symlink_metadata(path).unwrap();
        let bytes = if meta.is_file() {
            std::fs::read(path).unwrap()
        } else {
            Vec::new()
        };
        for s in &secrets {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(s.as_str()),
                "secret in {}",
                path.display()
            );
        }
        if path.starts_with(&state) {
            let mode = meta.permissions().mode() & 0o777;
            let expected = if meta.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode, expected, "{}", path.display());
            checked += 1;
        }
    });
    assert!(checked >= 4, "state dir, sessions/, locks/ and their files");
    let _ = keys;
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    f(dir);
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                walk(&p, f);
            } else {
                f(&p);
            }
        }
    }
}

/// As an ordinary user (root's key quota is 25 MB, an ordinary user's 20,000 bytes), many
/// sessions in the kernel keyring leave room for the other programs that keep keys there,
/// and every entry has a kernel timeout.
#[test]
#[ignore = "needs root: gives the sandbox to another user (chown, setpriv); ./scripts/test runs it as root"]
fn the_kernel_keyring_quota_of_an_ordinary_user_is_shared_not_filled() {
    assert_root();
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let uid = 40000 + (std::process::id() % 20000);
    let keys = sb.user(&unique("quota"));
    sb.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    let mut config = String::new();
    let mut last_arn = String::new();
    for i in 0..24 {
        let arn = sb.role(&unique(&format!("q{i}")));
        last_arn = arn.clone();
        config.push_str(&format!(
            "[profile p{i}]\nrole_arn = {arn}\nsource_profile = default\n"
        ));
    }
    sb.write_config(&config);
    // The sandbox belongs to the ordinary user.
    let status = Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(sb.home())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::set_permissions(sb.home(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let as_user = |program: &str, args: &[&str], input: Option<&[u8]>| {
        let mut c = sb.command(which("setpriv"));
        c.args([
            &format!("--reuid={uid}"),
            &format!("--regid={uid}"),
            "--clear-groups",
            "--",
            program,
        ])
        .args(args)
        .env("ROLECALL_KEYRING", "keyutils")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("XDG_RUNTIME_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            if let Some(bytes) = input {
                stdin.write_all(bytes).unwrap();
            }
        }
        child.wait_with_output().unwrap()
    };
    let keyctl = which("keyctl").display().to_string();
    // Another program's 6,000-byte key (a Kerberos ticket cache, say) in the same quota.
    let other = vec![b'k'; 6000];
    let out = as_user(&keyctl, &["padd", "user", "krb-like", "@u"], Some(&other));
    assert!(out.status.success(), "keyctl: {}", stderr(&out));
    for i in 0..24 {
        let out = as_user(BIN, &["export", &format!("p{i}")], None);
        assert!(out.status.success(), "p{i}: {}", stderr(&out));
        assert!(stdout(&out).contains("AWS_SESSION_TOKEN"));
    }
    // The other program can still store its next key: rolecall kept to half the quota.
    let more = vec![b'k'; 2500];
    let out = as_user(&keyctl, &["padd", "user", "krb-like-2", "@u"], Some(&more));
    assert!(
        out.status.success(),
        "the other program's key no longer fits: {}",
        stderr(&out)
    );
    // Every rolecall entry has a timeout (/proc/keys shows "perm" for none).
    let out = as_user("/bin/cat", &["/proc/keys"], None);
    let keys_text = stdout(&out);
    let ours: Vec<&str> = keys_text
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 8 && f[5] == uid.to_string() && f[8].starts_with("rolecall:")
        })
        .collect();
    assert!(!ours.is_empty(), "{keys_text}");
    for line in &ours {
        let expiry = line.split_whitespace().nth(3).unwrap();
        assert_ne!(expiry, "perm", "{line}");
    }
    // The latest sessions are still served from the cache.
    let out = as_user(BIN, &["export", "p23"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(assumes(&last_arn), 1, "p23 was cached");
    // Nothing of the user stays behind.
    let _ = as_user(BIN, &["clear-cache"], None);
}

#[test]
fn clear_cache_without_a_secret_service_clears_the_kernel_keyring_and_succeeds() {
    keyring_session();
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "prod", "");
    // An SSH session or a container: no D-Bus session bus at all.
    let env = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    ok(&export(&sb, &["prod"], &env));
    assert_eq!(assumes(&arn), 1);
    let out = sb.rolecall_env(&["clear-cache"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "removed 1 cached session\n");
    ok(&export(&sb, &["prod"], &env));
    assert_eq!(
        assumes(&arn),
        2,
        "the session is gone from the kernel keyring"
    );
}

#[test]
fn dry_run_without_the_index_says_the_keychain_may_serve_the_session() {
    keyring_session();
    // The kernel keyring answers by name; the Secret Service is not asked (a search may ask to
    // unlock), so with it alone a session outside the index is not seen.
    for store in ["auto", "keyutils"] {
        let sb = Sandbox::new();
        let (_, arn) = role_setup(&sb, "prod", "");
        let env = [("ROLECALL_KEYRING", store)];
        ok(&export(&sb, &["prod"], &env));
        std::fs::remove_dir_all(state_dir(&sb).join("sessions")).unwrap();
        let text = ok(&export(&sb, &["--dry-run", "prod"], &env));
        assert!(
            text.contains("at most 1 STS call")
                && text.contains(
                    "unless the session the keychain holds outside the index is still fresh"
                ),
            "{store}: {text}"
        );
        // And the run indeed takes it from the keychain.
        ok(&export(&sb, &["prod"], &env));
        assert_eq!(assumes(&arn), 1, "{store}");
    }
}
