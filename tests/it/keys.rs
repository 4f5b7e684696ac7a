//! `rolecall keys`: long-term keys in a real Secret Service, sessions instead of raw keys,
//! `import` byte for byte, `rotate` against moto's IAM.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

/// The secret of the Secret Service item of `profile`'s keys (`secret-tool lookup`), in a
/// list: empty when there is none.
fn keychain_items(sb: &Sandbox, profile: &str) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let state = sb.home().join(".local/state/rolecall");
    let hash = Sha256::digest(state.to_string_lossy().as_bytes());
    let user = format!(
        "{:02x}{:02x}{:02x}{:02x}:{profile}",
        hash[0], hash[1], hash[2], hash[3]
    );
    let out = sb
        .command(which("secret-tool"))
        .args(["lookup", "service", "rolecall-keys", "username", &user])
        .output()
        .unwrap();
    let secret = stdout(&out);
    if secret.is_empty() {
        Vec::new()
    } else {
        vec![secret]
    }
}

fn add_from_env(sb: &Sandbox, profile: &str, keys: &Keys) -> std::process::Output {
    sb.rolecall_env(
        &["keys", "add", profile, "--from-env"],
        &[
            ("AWS_ACCESS_KEY_ID", &keys.id),
            ("AWS_SECRET_ACCESS_KEY", &keys.secret),
        ],
    )
}

/// Every file under ~/.aws with its bytes.
fn aws_dir(sb: &Sandbox) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(sb.home().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn added_keys_live_in_the_secret_service_and_children_get_a_session() {
    let sb = Sandbox::new();
    let user = unique("vaultuser");
    let keys = sb.user(&user);
    let role = unique("vaultrole");
    let arn = sb.role(&role);
    sb.write_config(&format!(
        "[profile app]\nrole_arn = {arn}\nsource_profile = vault\nregion = eu-west-1\n"
    ));
    let before = aws_dir(&sb);
    let out = add_from_env(&sb, "vault", &keys);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(!stderr(&out).contains(&keys.secret));
    assert_eq!(aws_dir(&sb), before, "~/.aws is not touched by add");
    let items = keychain_items(&sb, "vault");
    assert_eq!(items.len(), 1, "one keychain item: {items:?}");
    assert!(items[0].contains(&keys.id), "{}", items[0]);

    // The AWS CLI as the child of exec of a role whose source keys are in the keychain.
    let aws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    let out = sb
        .command(BIN)
        .args(["exec", "app", "--"])
        .arg(&aws)
        .args([
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("assumed-role/{role}/")),
        "{}",
        stdout(&out)
    );

    // The keys profile itself: a session, never the long-term secret.
    let out = sb.rolecall(&["export", "--format", "json", "vault"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["SessionToken"].as_str().is_some_and(|t| !t.is_empty()),
        "{v}"
    );
    assert!(
        !stdout(&out).contains(&keys.secret),
        "the long-term secret never reaches the shell"
    );
    let out = sb.rolecall(&["export", "--format", "process", "vault"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["SessionToken"].as_str().is_some(), "{v}");
    // --no-session passes the keys.
    let out = sb.rolecall(&["export", "--format", "json", "--no-session", "vault"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccessKeyId"], keys.id.as_str());
    assert!(v.get("SessionToken").is_none_or(|t| t.is_null()), "{v}");

    // list says where the keys live, and clear-cache leaves them alone.
    let out = sb.rolecall(&["list", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let vault = rows
        .iter()
        .find(|r| r["profile"] == "vault")
        .expect("vault is listed");
    assert_eq!(vault["keys"], "keychain");
    assert_eq!(vault["kind"], "keys");
    let out = sb.rolecall(&["clear-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(keychain_items(&sb, "vault").len(), 1);
    let out = sb.rolecall(&["keys", "list"]);
    assert_eq!(stdout(&out), format!("vault\t{}\n", keys.id));
}

#[test]
fn add_refuses_sessions_bad_shapes_argv_and_the_kernel_keyring_alone() {
    let sb = Sandbox::new();
    let out = sb.rolecall_env(
        &["keys", "add", "p", "--from-env"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s3cret"),
            ("AWS_SESSION_TOKEN", "tok"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AWS_SESSION_TOKEN"),
        "{}",
        stderr(&out)
    );
    let out = sb.rolecall_env(
        &["keys", "add", "p", "--from-env"],
        &[
            ("AWS_ACCESS_KEY_ID", "not-a-key"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // No terminal and no --from-env: asks for nothing, stores nothing.
    let out = sb.rolecall(&["keys", "add", "p"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--from-env"), "{}", stderr(&out));
    // There is no option that takes a secret.
    let out = sb.rolecall(&["keys", "add", "p", "--secret-access-key", "x"]);
    assert_eq!(out.status.code(), Some(2));
    // The kernel keyring forgets at logout: refused, nothing stored.
    let out = sb.rolecall_env(
        &["keys", "add", "p", "--from-env"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s3cret"),
            ("ROLECALL_KEYRING", "keyutils"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("kernel keyring"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(keychain_items(&sb, "p").is_empty());
    assert_eq!(stdout(&sb.rolecall(&["keys", "list"])), "");
}

#[test]
fn the_secret_is_not_echoed_on_the_terminal() {
    let sb = Sandbox::new();
    let script = format!(
        "set timeout 20\nspawn {BIN} keys add typed\nexpect \"Access key ID: \"\nsend \"AKIAIOSFODNN7TYPED0\\r\"\nexpect \"Secret access key: \"\nsend \"TopSecretTyped/xyz\\r\"\nexpect eof\ncatch wait result\nexit [lindex $result 3]\n"
    );
    let out = sb
        .command(which("expect"))
        .args(["-c", &script])
        .output()
        .unwrap();
    let screen = stdout(&out);
    assert!(out.status.success(), "{screen}{}", stderr(&out));
    assert!(
        screen.contains("AKIAIOSFODNN7TYPED0"),
        "the key id is shown as typed: {screen}"
    );
    assert!(
        !screen.contains("TopSecretTyped"),
        "the secret was echoed: {screen}"
    );
    assert!(screen.contains("[hidden]"), "{screen}");
    let items = keychain_items(&sb, "typed");
    assert!(
        items.len() == 1 && items[0].contains("TopSecretTyped/xyz"),
        "{items:?}"
    );
}

const CREDENTIALS: &str = "# work keys, rotated 2026-01\r\n[default]\r\naws_access_key_id = AKIADEFAULTKEY00001\r\naws_secret_access_key = defaultsecret\r\n\r\n; the one to import\r\n[move]\r\naws_access_key_id=MOVEKEYID\r\naws_secret_access_key = MOVESECRET # inline\r\n\r\n[kept]\r\n# a comment under kept\r\naws_access_key_id = AKIAKEPTKEY000000001\r\naws_secret_access_key = keptsecret\r\nregion = eu-west-1\r\n";

#[test]
fn import_moves_exactly_the_key_lines_and_nothing_else() {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("importuser"));
    let text = CREDENTIALS
        .replace("MOVEKEYID", &keys.id)
        .replace("MOVESECRET", &keys.secret);
    sb.write_credentials(&text);
    let path = sb.home().join(".aws/credentials");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = sb.rolecall(&["keys", "import", "move"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = text.replace(
        &format!(
            "[move]\r\naws_access_key_id={}\r\naws_secret_access_key = {} # inline\r\n",
            keys.id, keys.secret
        ),
        "",
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the file keeps its mode");
    let names: Vec<String> = aws_dir(&sb).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["credentials"],
        "no backup or temporary file beside it"
    );
    assert_eq!(keychain_items(&sb, "move").len(), 1);
    // The imported keys still work (they are a keychain-only profile now).
    let out = sb.rolecall(&["exec", "move", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["-v", "export", "--no-session", "move"]);
    assert!(stdout(&out).contains(&keys.id), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("keys from the keychain"),
        "{}",
        stderr(&out)
    );

    // --keep-file copies; -v then says a plaintext copy remains.
    let out = sb.rolecall(&["keys", "import", "kept", "--keep-file"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    let out = sb.rolecall(&["-v", "export", "--no-session", "--format", "json", "kept"]);
    assert!(stderr(&out).contains("plaintext copy"), "{}", stderr(&out));

    // A keychain that cannot keep them: the file is untouched, nothing stored.
    let out = sb.rolecall_env(
        &["keys", "import", "default"],
        &[("ROLECALL_KEYRING", "keyutils")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    assert!(keychain_items(&sb, "default").is_empty());
    // A file that cannot be replaced (its directory is read-only): the keychain copy goes again.
    let aws = sb.home().join(".aws");
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o500)).unwrap();
    let out = sb.rolecall(&["keys", "import", "default"]);
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o700)).unwrap();
    if rustix::process::geteuid().is_root() {
        // root writes anyway; the import then simply works.
        assert!(out.status.success(), "{}", stderr(&out));
    } else {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        assert!(keychain_items(&sb, "default").is_empty());
    }
}

#[test]
fn remove_asks_then_forgets_keys_and_sessions() {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("removeuser"));
    let arn = sb.role(&unique("removerole"));
    sb.write_config(&format!(
        "[profile r]\nrole_arn = {arn}\nsource_profile = gone\n"
    ));
    assert!(add_from_env(&sb, "gone", &keys).status.success());
    let out = sb.rolecall(&["export", "r"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["keys", "remove", "gone"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "needs --yes without a terminal: {}",
        stderr(&out)
    );
    assert_eq!(keychain_items(&sb, "gone").len(), 1);
    let out = sb.rolecall(&["keys", "remove", "gone", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(keychain_items(&sb, "gone").is_empty());
    // The session made with them is gone too, and the profile now fails as a config error.
    let out = sb.rolecall(&["export", "r"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let out = sb.rolecall(&["keys", "remove", "gone", "--yes"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn rotate_replaces_the_key_in_iam_and_in_the_keychain() {
    let sb = Sandbox::new();
    let user = unique("rotuser");
    let old = sb.user(&user);
    assert!(add_from_env(&sb, "rot", &old).status.success());
    let out = sb.rolecall(&["exec", "rot", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["keys", "rotate", "rot"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let now = sb.access_keys(&user);
    assert_eq!(now.len(), 1, "exactly one key in IAM: {now:?}");
    assert_ne!(now[0], old.id, "the old key is deleted");
    let items = keychain_items(&sb, "rot");
    assert_eq!(items.len(), 1);
    assert!(
        items[0].contains(&now[0]) && !items[0].contains(&old.id),
        "{}",
        items[0]
    );
    assert_eq!(
        stdout(&sb.rolecall(&["keys", "list"])),
        format!("rot\t{}\n", now[0])
    );
    // The new key is the one in use.
    let out = sb.rolecall(&["export", "--no-session", "--format", "json", "rot"]);
    assert!(stdout(&out).contains(&now[0]), "{}", stderr(&out));
}

#[test]
fn rotate_rewrites_the_credentials_file_in_place_and_refuses_a_third_key() {
    let sb = Sandbox::new();
    let user = unique("rotfile");
    let old = sb.user(&user);
    let text = format!(
        "# mine\n[other]\naws_access_key_id = AKIAOTHER0000000001\naws_secret_access_key = o\n\n[f]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = eu-west-1\n",
        old.id, old.secret
    );
    sb.write_credentials(&text);
    let out = sb.rolecall(&["keys", "rotate", "f"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let now = sb.access_keys(&user);
    assert_eq!(now.len(), 1);
    let file = std::fs::read_to_string(sb.home().join(".aws/credentials")).unwrap();
    assert!(file.starts_with("# mine\n[other]\naws_access_key_id = AKIAOTHER0000000001\naws_secret_access_key = o\n\n[f]\n"), "{file}");
    assert!(
        file.contains(&format!("aws_access_key_id = {}\n", now[0])),
        "{file}"
    );
    assert!(
        !file.contains(&old.id) && !file.contains(&old.secret),
        "{file}"
    );
    assert!(file.ends_with("region = eu-west-1\n"), "{file}");
    // Two keys already: a clear error, and nothing changes.
    let second = sb.add_key(&user);
    let before = sb.access_keys(&user);
    let out = sb.rolecall(&["keys", "rotate", "f"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already has two access keys"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    assert_eq!(sb.access_keys(&user), before);
    assert!(before.contains(&second.id));
    assert_eq!(
        std::fs::read_to_string(sb.home().join(".aws/credentials")).unwrap(),
        file
    );
}

#[test]
fn keys_split_between_the_files_are_refused_before_iam_is_touched() {
    let sb = Sandbox::new();
    let user = unique("rotsplit");
    let old = sb.user(&user);
    sb.write_credentials(&format!("[s]\naws_access_key_id = {}\n", old.id));
    sb.write_config(&format!(
        "[profile s]\naws_secret_access_key = {}\n",
        old.secret
    ));
    let before = sb.access_keys(&user);
    let out = sb.rolecall(&["keys", "rotate", "s"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("one file"), "{}", stderr(&out));
    assert_eq!(sb.access_keys(&user), before, "no key was created");
    let out = sb.rolecall(&["keys", "import", "s"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Plain http:// to another machine for IAM is refused before any call.
    sb.write_credentials(&format!(
        "[s]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        old.id, old.secret
    ));
    sb.write_config("");
    let out = sb.rolecall_env(
        &["keys", "rotate", "s"],
        &[("AWS_ENDPOINT_URL_IAM", "http://iam.example.com")],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("cleartext"), "{}", stderr(&out));
    assert_eq!(sb.access_keys(&user), before);
}

#[test]
fn an_import_waits_for_another_rolecalls_rewrite_of_the_file_and_keeps_its_change() {
    let sb = Sandbox::new();
    let path = sb.home().join(".aws/credentials");
    let id = fresh_key_id("LCK1");
    sb.write_credentials(&format!(
        "[a]\naws_access_key_id = {id}\naws_secret_access_key = secret-a\n"
    ));
    // Another rolecall's rewrite in progress: it holds the lock, has read the file and will
    // rename its edit (a new section) over it.
    let lock = std::fs::File::open(sb.home().join(".aws")).unwrap();
    lock.lock().unwrap();
    let read = std::fs::read_to_string(&path).unwrap();
    let child = sb
        .command(BIN)
        .args(["keys", "import", "a"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::fs::write(&path, format!("{read}\n[c]\nregion = eu-west-1\n")).unwrap();
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(&id) && !text.contains("secret-a"),
        "the import said moved, yet the file keeps the keys:\n{text}"
    );
    assert!(text.contains("[c]"), "the other change was lost:\n{text}");
}

#[test]
fn stored_keys_are_found_through_any_spelling_of_home() {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("spelluser"));
    sb.write_credentials("");
    sb.write_config("[profile spelled]\nregion = eu-west-1\n");
    let out = add_from_env(&sb, "spelled", &keys);
    assert!(out.status.success(), "{}", stderr(&out));
    // The same home through a symbolic link, as on machines whose /home is a link.
    let link = sb.home().with_file_name(unique("homelink"));
    std::os::unix::fs::symlink(sb.home(), &link).unwrap();
    let out = sb.rolecall_env(
        &["export", "--no-session", "--format", "json", "spelled"],
        &[("HOME", link.to_str().unwrap())],
    );
    let _ = std::fs::remove_file(&link);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&keys.id), "{}", stdout(&out));
    // Another state directory has no index of them: the error advises no plaintext keys.
    let other = sb.home().join("other-state");
    let out = sb.rolecall_env(
        &["export", "spelled"],
        &[("XDG_STATE_HOME", other.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("rolecall keys add spelled") && !err.contains("to the credentials file"),
        "{err}"
    );
}
