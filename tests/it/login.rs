//! `login_session` profiles against the AWS Sign-In stand-in (support/login.py), proven with a
//! real client: botocore's LoginProvider and rolecall refresh through it (it verifies each
//! DPoP proof and lets each refresh token work once), and each reads the file the other wrote.

use std::path::PathBuf;
use std::process::{Child, Command};

use crate::support::*;

const SESSION: &str = "arn:aws:iam::123456789012:user/maria";

struct SignIn {
    record: PathBuf,
    state: PathBuf,
    cache: PathBuf,
    child: Child,
}

impl SignIn {
    fn start(sb: &mut Sandbox, state: serde_json::Value) -> Self {
        let tag = unique("signin");
        let port_file = sb.home().join(format!("{tag}.port"));
        let record = sb.home().join(format!("{tag}.jsonl"));
        let state_file = sb.home().join(format!("{tag}.state.json"));
        std::fs::write(&state_file, state.to_string()).unwrap();
        let mut command = Command::new(python());
        command
            .arg(support_dir().join("login.py"))
            .arg("serve")
            .arg(&port_file)
            .arg(&record)
            .arg(&state_file);
        let (url, child) = start_stand_in(command, &port_file, "sign-in");
        let cache = sb.home().join("login-cache");
        sb.extra_env
            .push(("AWS_ENDPOINT_URL_SIGNIN".into(), url.clone()));
        sb.extra_env.push((
            "AWS_LOGIN_CACHE_DIRECTORY".into(),
            cache.display().to_string(),
        ));
        Self {
            record,
            state: state_file,
            cache,
            child,
        }
    }

    /// `aws login`'s token file for SESSION, its access token expiring in `seconds`.
    fn seed(&self, seconds: i64, extra: serde_json::Value) {
        let out = Command::new(python())
            .arg(support_dir().join("login.py"))
            .arg("seed")
            .arg(&self.cache)
            .arg(SESSION)
            .arg(&self.state)
            .arg(seconds.to_string())
            .arg(extra.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    fn refreshes(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["grantType"] == "refresh_token")
            .collect()
    }

    fn file(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.path()).unwrap()).unwrap()
    }

    fn path(&self) -> PathBuf {
        use sha2::{Digest, Sha256};
        let hex: String = Sha256::digest(SESSION.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.cache.join(format!("{hex}.json"))
    }

    /// Moves the file's access token to expire in `seconds`, every other field as it is.
    fn expire_in(&self, seconds: i64) {
        let mut file = self.file();
        let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
        file["accessToken"]["expiresAt"] = serde_json::Value::String(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        ));
        std::fs::write(self.path(), file.to_string()).unwrap();
    }

    fn set_state(&self, key: &str, value: serde_json::Value) {
        let mut state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&self.state).unwrap()).unwrap();
        state[key] = value;
        std::fs::write(&self.state, state.to_string()).unwrap();
    }
}

impl Drop for SignIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn setup() -> (Sandbox, SignIn) {
    let mut sb = Sandbox::new();
    sb.write_config(&format!(
        "[profile dev]\nlogin_session = {SESSION}\nregion = us-east-1\n"
    ));
    let signin = SignIn::start(&mut sb, serde_json::json!({}));
    (sb, signin)
}

/// The credentials `rolecall export PROFILE --format json ARGS` hands out.
fn export(sb: &Sandbox, profile: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["export", profile, "--format", "json"];
    all.extend_from_slice(args);
    let out = sb.rolecall(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// botocore's LoginProvider for PROFILE, as boto3 resolves it.
fn boto(sb: &Sandbox, profile: &str) -> serde_json::Value {
    let out = sb
        .command(python())
        .arg(support_dir().join("login.py"))
        .arg("boto")
        .arg(profile)
        .output()
        .unwrap();
    assert!(out.status.success(), "boto3: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn botocore_and_rolecall_refresh_through_the_stand_in_and_read_each_others_file() {
    let (sb, signin) = setup();
    signin.seed(
        60,
        serde_json::json!({"signInRegion": "us-east-1", "laterField": {"kept": [1, 2]}}),
    );
    // botocore refreshes first (five minutes of margin): rolecall reads what it wrote.
    let from_boto = boto(&sb, "dev");
    assert_eq!(signin.refreshes().len(), 1);
    assert_eq!(
        signin.file()["accessToken"]["accessKeyId"],
        from_boto["AccessKeyId"]
    );
    let ours = export(&sb, "dev", &[]);
    assert_eq!(ours["AccessKeyId"], from_boto["AccessKeyId"]);
    assert_eq!(ours["SessionToken"], from_boto["SessionToken"]);
    assert_eq!(
        signin.refreshes().len(),
        1,
        "a fresh token is not refreshed"
    );
    // Near expiry again: rolecall refreshes with the rotated token and writes the file back.
    signin.expire_in(60);
    let before = signin.file();
    let refreshed = export(&sb, "dev", &["--no-cache"]);
    assert_ne!(refreshed["AccessKeyId"], ours["AccessKeyId"]);
    let records = signin.refreshes();
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(
        records
            .iter()
            .all(|r| r["status"] == 200 && r["dpop"] == "ok"),
        "{records:?}"
    );
    assert_eq!(
        records[1]["token"], records[0]["issued"],
        "the rotated token was used"
    );
    let after = signin.file();
    assert_eq!(
        after["accessToken"]["accessKeyId"],
        refreshed["AccessKeyId"]
    );
    assert_ne!(after["refreshToken"], before["refreshToken"]);
    for kept in [
        "laterField",
        "idToken",
        "tokenType",
        "clientId",
        "dpopKey",
        "signInRegion",
    ] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["accessToken"]["accountId"], "123456789012");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(signin.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // botocore reads rolecall's file, and its next refresh uses rolecall's rotated token.
    assert_eq!(boto(&sb, "dev")["AccessKeyId"], refreshed["AccessKeyId"]);
    assert_eq!(signin.refreshes().len(), 2);
    signin.expire_in(60);
    let again = boto(&sb, "dev");
    let records = signin.refreshes();
    assert_eq!(records.len(), 3);
    assert_eq!(records[2]["status"], 200, "{records:?}");
    assert_eq!(records[2]["token"], records[1]["issued"]);
    assert_ne!(again["AccessKeyId"], refreshed["AccessKeyId"]);
}

#[test]
fn twenty_parallel_cold_starts_refresh_once() {
    let (sb, signin) = setup();
    signin.seed(30, serde_json::json!({}));
    signin.set_state("delay", serde_json::json!(0.3));
    let children: Vec<_> = (0..20)
        .map(|_| {
            sb.command(BIN)
                .args(["export", "dev", "--format", "json"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        keys.insert(v["AccessKeyId"].as_str().unwrap().to_string());
    }
    let records = signin.refreshes();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(keys.len(), 1, "{keys:?}");
    // The rotated refresh token reached the file: the next refresh works.
    signin.expire_in(30);
    export(&sb, "dev", &["--no-cache"]);
    let records = signin.refreshes();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["status"], 200, "{records:?}");
}

#[test]
fn a_warm_export_reads_no_token_file_and_a_role_chains_from_the_session() {
    let (sb, signin) = setup();
    let role = sb.role(&unique("login-admin"));
    sb.write_config(&format!(
        "[profile dev]\nlogin_session = {SESSION}\nregion = us-east-1\n\n[profile admin]\nrole_arn = {role}\nsource_profile = dev\n"
    ));
    signin.seed(600, serde_json::json!({}));
    let first = export(&sb, "dev", &[]);
    let role_creds = export(&sb, "admin", &[]);
    assert_ne!(role_creds["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(moto().count("AssumeRole", &role), 1);
    // Both sessions are cached: without the token file, both still come out.
    std::fs::remove_file(signin.path()).unwrap();
    assert_eq!(export(&sb, "dev", &[])["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(
        export(&sb, "admin", &[])["AccessKeyId"],
        role_creds["AccessKeyId"]
    );
    assert!(signin.refreshes().is_empty());
}

#[test]
fn an_expired_sign_in_says_how_to_sign_in_again() {
    let (sb, signin) = setup();
    signin.seed(-600, serde_json::json!({}));
    signin.set_state("expired", serde_json::json!(true));
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("the AWS Sign-In session {SESSION} of profile \"dev\" is over (TOKEN_EXPIRED: Your session has expired"))
            && err.contains("run \"aws login --profile dev\" (or \"rolecall login --profile dev\")"),
        "{err}"
    );
    // No file at all.
    std::fs::remove_file(signin.path()).unwrap();
    let err = stderr(&sb.rolecall(&["export", "dev"]));
    assert!(err.contains("has no token (none in "), "{err}");
}

/// The stand-in browser of the SSO tests: follows the URL, records its argv and where it landed.
fn browser(sb: &Sandbox) -> (String, PathBuf) {
    let record = sb.home().join(format!("{}.json", unique("browser")));
    (
        format!(
            "{} {} {}",
            python().display(),
            support_dir().join("sso_browser.py").display(),
            record.display()
        ),
        record,
    )
}

#[test]
fn rolecall_login_signs_in_through_the_loopback_and_keeps_the_tokens_in_the_keychain() {
    let mut sb = Sandbox::new();
    sb.write_config("[profile other]\nregion = eu-west-1\n");
    let signin = SignIn::start(&mut sb, serde_json::json!({"sub": SESSION, "tokenTtl": 60}));
    let (command, record) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["login", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains(&format!("signed in as {SESSION}")), "{err}");
    let visit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let argv = visit["argv"].to_string();
    assert!(
        !argv.contains("state=") && !argv.contains("code_challenge"),
        "nothing of the sign-in in the browser's argv: {argv}"
    );
    assert_eq!(visit["status"], 200, "{visit}");
    // The profile names the session; no plaintext token file was written.
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    assert_eq!(
        config,
        format!(
            "[profile other]\nregion = eu-west-1\n\n[profile dev]\nlogin_session = {SESSION}\n"
        )
    );
    assert!(
        !signin.cache.exists(),
        "no AWS CLI file without --aws-cache"
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&signin.record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[1]["grantType"], "authorization_code");
    assert_eq!(records[1]["status"], 200, "{records:?}");
    assert_eq!(records[1]["dpop"], "ok");
    // The token lasts a minute: the first export refreshes it from the keychain with
    // rolecall's own key, once.
    let creds = export(&sb, "dev", &[]);
    let refreshes = signin.refreshes();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0]["status"], 200, "{refreshes:?}");
    assert_eq!(refreshes[0]["token"], records[1]["issued"]);
    assert_eq!(
        refreshes[0]["jkt"], records[1]["jkt"],
        "the key of the sign-in"
    );
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    // logout forgets the tokens and the session made with them.
    let out = sb.rolecall(&["logout", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no token (none in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rolecall_login_with_aws_cache_writes_the_file_botocore_reads() {
    let (mut sb, signin) = setup();
    sb.write_config("[profile dev]\nregion = us-east-1\n");
    signin.set_state("sub", serde_json::json!(SESSION));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["login", "--profile", "dev", "--aws-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = signin.file();
    assert!(file["dpopKey"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
    assert_eq!(file["accessToken"]["accountId"], "123456789012");
    let from_boto = boto(&sb, "dev");
    assert_eq!(from_boto["AccessKeyId"], file["accessToken"]["accessKeyId"]);
    // botocore refreshes with rolecall's key: the stand-in checks the proof and the binding.
    signin.expire_in(60);
    let again = boto(&sb, "dev");
    let refreshes = signin.refreshes();
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0]["status"], 200, "{refreshes:?}");
    assert_ne!(again["AccessKeyId"], from_boto["AccessKeyId"]);
}

#[test]
fn a_callback_with_another_state_is_ignored_and_nothing_is_stored() {
    let (mut sb, signin) = setup();
    signin.set_state("authorizeMode", serde_json::json!("wrong_state"));
    let (command, record) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let mut child = sb
        .command(BIN)
        .args(["login", "--profile", "dev"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if std::fs::metadata(&record).is_ok_and(|m| m.len() > 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "a wrong state ended the login"
    );
    let visit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(visit["status"], 400, "{visit}");
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(2),
        "Ctrl-C ends it: {}",
        stderr(&out)
    );
    let records = std::fs::read_to_string(&signin.record).unwrap();
    assert!(!records.contains("authorization_code"), "{records}");
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    assert!(config.contains(&format!("login_session = {SESSION}")) && !config.contains("tester"));
}

#[test]
fn rolecall_login_remote_takes_the_code_the_page_shows_hidden() {
    let (sb, signin) = setup();
    sb.write_config("");
    signin.set_state("sub", serde_json::json!(SESSION));
    let pasted = sb.home().join("pasted");
    let script = format!(
        "set timeout 30\n\
         spawn {BIN} login --profile dev --remote\n\
         expect -re {{sign in: (http://\\S+)}}\n\
         set url $expect_out(1,string)\n\
         set code [exec {py} -c {{import sys, urllib.request; print(urllib.request.build_opener(urllib.request.ProxyHandler({{}})).open(sys.argv[1], timeout=10).read().decode())}} $url]\n\
         set f [open {pasted} w]\nputs $f $code\nclose $f\n\
         expect \"authorization code\"\n\
         send \"$code\\r\"\n\
         expect eof\ncatch wait result\nexit [lindex $result 3]\n",
        py = python().display(),
        pasted = pasted.display()
    );
    let out = sb
        .command(which("expect"))
        .args(["-c", &script])
        .output()
        .unwrap();
    let screen = stdout(&out);
    assert!(out.status.success(), "{screen}{}", stderr(&out));
    assert!(
        screen.contains(&format!("signed in as {SESSION}")),
        "{screen}"
    );
    let records = std::fs::read_to_string(&signin.record).unwrap();
    assert!(
        records.contains("\"clientId\": \"arn:aws:signin:::devtools/cross-device\""),
        "{records}"
    );
    let code = std::fs::read_to_string(&pasted).unwrap();
    assert!(code.trim().len() > 20, "{code}");
    assert!(
        !screen.contains(code.trim()),
        "the pasted code is not echoed: {screen}"
    );
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    assert_eq!(
        config,
        format!("[profile dev]\nlogin_session = {SESSION}\n")
    );
    assert!(export(&sb, "dev", &[])["AccessKeyId"]
        .as_str()
        .unwrap()
        .starts_with("ASIA"));
}

#[test]
fn without_dbus_rolecall_login_keeps_the_tokens_in_the_encrypted_file_store() {
    let (mut sb, signin) = setup();
    sb.write_config("");
    signin.set_state("sub", serde_json::json!(SESSION));
    signin.set_state("tokenTtl", serde_json::json!(60));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let headless = |args: &[&str]| {
        sb.command(BIN)
            .args(args)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("ROLECALL_KEYRING")
            .env(
                "ROLECALL_FILE_PASSPHRASE",
                "correct horse battery staple 5e1d",
            )
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = headless(&["login", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the tokens are in the file store"),
        "{}",
        stderr(&out)
    );
    // The token lasts a minute: the export refreshes it with the key kept in the store.
    let out = headless(&["export", "dev", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let refreshes = signin.refreshes();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0]["status"], 200, "{refreshes:?}");
    // No plaintext file holds a token or the key.
    let found = Command::new("grep")
        .args(["-rlE", "refreshToken|EC PRIVATE KEY|aws_sigv4"])
        .arg(sb.home())
        .output()
        .unwrap();
    let files = stdout(&found);
    let files: Vec<&str> = files
        .lines()
        .filter(|f| !f.ends_with(".jsonl") && !f.ends_with(".state.json"))
        .collect();
    assert!(files.is_empty(), "plaintext token files: {files:?}");
    assert!(!signin.cache.exists());
    // Moved to the Secret Service, the sign-in goes on there with no new login.
    let out = sb.rolecall(&["keys", "migrate", "--to", "secret-service"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(", 1 AWS sign-ins and 0 SSO sign-ins"),
        "{}",
        stderr(&out)
    );
    signin.set_state("tokenTtl", serde_json::json!(900));
    let out = sb.rolecall(&["export", "dev", "--format", "json", "--no-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = std::fs::read_to_string(&signin.record).unwrap();
    assert_eq!(
        records.matches("authorization_code").count(),
        1,
        "{records}"
    );
    let out = headless(&["export", "dev", "--no-cache"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "gone from the file store: {}",
        stderr(&out)
    );
}
