//! IAM Identity Center profiles against a local stand-in of the SSO OIDC and portal APIs
//! (support/sso.py, proven with boto3 by support/sso_check.py), a stand-in browser, moto for
//! the role chained from an SSO profile, and boto3 reading the token file rolecall refreshed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::*;

struct SsoStandIn {
    url: String,
    record: PathBuf,
    state: PathBuf,
    child: Child,
}

impl SsoStandIn {
    fn start(sb: &Sandbox, state: serde_json::Value) -> Self {
        let tag = unique("sso");
        let port_file = sb.home().join(format!("{tag}.port"));
        let record = sb.home().join(format!("{tag}.jsonl"));
        let state_file = sb.home().join(format!("{tag}.state.json"));
        std::fs::write(&state_file, state.to_string()).unwrap();
        let mut command = Command::new(python());
        command
            .arg(support_dir().join("sso.py"))
            .arg(&port_file)
            .arg(&record)
            .arg(&state_file)
            .arg(&moto().url)
            .env("NO_PROXY", "127.0.0.1");
        let (url, child) = start_stand_in(command, &port_file, "SSO");
        Self {
            url,
            record,
            state: state_file,
            child,
        }
    }

    fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn count(&self, op: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["op"] == op && r["status"] == 200)
            .count()
    }

    fn count_grant(&self, grant: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["op"] == "CreateToken" && r["grantType"] == grant && r["status"] == 200)
            .count()
    }

    fn set(&self, state: serde_json::Value) {
        std::fs::write(&self.state, state.to_string()).unwrap();
    }
}

impl Drop for SsoStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn iso(t: i64) -> String {
    let out = Command::new(python())
        .args(["-c", "import sys,datetime;print(datetime.datetime.fromtimestamp(int(sys.argv[1]),datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))"])
        .arg(t.to_string())
        .output()
        .unwrap();
    stdout(&out).trim().to_string()
}

fn sha1(text: &str) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const ACCOUNT: &str = "111122223333";

fn accounts() -> serde_json::Value {
    serde_json::json!([
        {"accountId": ACCOUNT, "accountName": "Dev Account", "emailAddress": "dev@example.com", "roles": ["ReadOnly", "Admin"]},
        {"accountId": "444455556666", "accountName": "Prod (EU)", "emailAddress": "prod@example.com", "roles": ["ReadOnly"]}
    ])
}

/// A sandbox with `[sso-session corp]`, `dev` on it, and `admin`, a moto role assumed with
/// dev's credentials; the SSO endpoints point at a fresh stand-in.
fn sso_sandbox(state: serde_json::Value) -> (Sandbox, SsoStandIn, String) {
    let mut sb = Sandbox::new();
    let stand_in = SsoStandIn::start(&sb, state);
    let role = unique("ssoadmin");
    let arn = sb.role(&role);
    sb.write_config(&format!(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = ReadOnly\nregion = eu-west-1\n\n[profile admin]\nrole_arn = {arn}\nsource_profile = dev\nduration_seconds = 7200\n\n[profile nope]\nsso_session = corp\nsso_account_id = 999999999999\nsso_role_name = ReadOnly\n"
    ));
    sb.extra_env
        .push(("AWS_ENDPOINT_URL_SSO".into(), stand_in.url.clone()));
    sb.extra_env
        .push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), stand_in.url.clone()));
    (sb, stand_in, role)
}

/// The AWS CLI's token cache file for sso-session `corp`, as `aws sso login` writes it.
fn write_cli_token(sb: &Sandbox, access: &str, expires: i64, refresh: Option<&str>) -> PathBuf {
    let dir = sb.home().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.json", sha1("corp")));
    let mut token = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": access,
        "expiresAt": iso(expires),
        "clientId": "cli-client",
        "clientSecret": "cli-secret",
        "registrationExpiresAt": iso(now() + 80 * 86400),
        "somethingNew": {"kept": true}
    });
    if let Some(r) = refresh {
        token["refreshToken"] = r.into();
    }
    std::fs::write(&path, serde_json::to_string(&token).unwrap()).unwrap();
    path
}

fn cli_state(access_expires: i64) -> serde_json::Value {
    serde_json::json!({
        "accounts": accounts(),
        "clients": [{"clientId": "cli-client", "clientSecret": "cli-secret", "scopes": ["sso:account:access"]}],
        "accessTokens": [{"accessToken": "cli-token", "expiresAt": access_expires}],
        "refreshTokens": [{"refreshToken": "cli-refresh", "clientId": "cli-client"}]
    })
}

fn exports(out: &std::process::Output) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {} / {}", stdout(out), stderr(out)));
    v.as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .map(|(k, v)| {
            let name = match k.as_str() {
                "AccessKeyId" => "AWS_ACCESS_KEY_ID",
                "SecretAccessKey" => "AWS_SECRET_ACCESS_KEY",
                "SessionToken" => "AWS_SESSION_TOKEN",
                _ => "",
            };
            (name.to_string(), v)
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

#[test]
fn an_aws_cli_token_is_refreshed_written_back_and_read_by_boto3() {
    let soon = now() + 300;
    // Throttling is retried, not surfaced.
    let mut state = cli_state(soon);
    state["throttleOnce"] = serde_json::json!(["GetRoleCredentials", "CreateToken"]);
    let (sb, stand_in, admin_role) = sso_sandbox(state);
    let path = write_cli_token(&sb, "cli-token", soon, Some("cli-refresh"));
    let out = sb.rolecall(&["export", "--format", "json", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let creds = exports(&out);
    let who = sb.whoami_with(&creds);
    assert!(who.contains("assumed-role/ReadOnly/"), "{who}");
    assert_eq!(
        stand_in.count_grant("refresh_token"),
        1,
        "{:?}",
        stand_in.requests()
    );
    assert_eq!(stand_in.count("GetRoleCredentials"), 1);
    assert_eq!(
        stand_in
            .requests()
            .iter()
            .filter(|r| r["status"] == 429)
            .count(),
        2,
        "both throttled calls were retried"
    );
    // Written back: a new token, every other field kept, private, in the AWS CLI's format.
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_ne!(v["accessToken"], "cli-token");
    assert_ne!(
        v["refreshToken"], "cli-refresh",
        "the new refresh token is kept"
    );
    assert_eq!(v["somethingNew"]["kept"], true);
    assert_eq!(v["clientId"], "cli-client");
    assert!(v["expiresAt"].as_str().unwrap().ends_with('Z'), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left beside it");

    // boto3 (botocore's own SSO token provider) reads the file rolecall refreshed.
    let script = format!(
        "import boto3; print(boto3.Session(profile_name='dev').client('sts', endpoint_url='{}').get_caller_identity()['Arn'])",
        moto().url
    );
    let boto = sb.command(python()).args(["-c", &script]).output().unwrap();
    assert!(boto.status.success(), "{}", stderr(&boto));
    assert!(
        stdout(&boto).contains("assumed-role/ReadOnly/"),
        "{}",
        stdout(&boto)
    );
    assert_eq!(
        stand_in.count_grant("refresh_token"),
        1,
        "boto3 found the token fresh"
    );

    // A warm export makes no request at all.
    let before = stand_in.requests().len();
    let out = sb.rolecall(&["export", "--format", "json", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stand_in.requests().len(), before);

    // The role chained from the SSO profile reaches moto signed with the SSO role's key, and
    // is capped at an hour (said with -v).
    let out = sb.rolecall(&["-v", "export", "--format", "json", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "capped at 3600 because it is assumed with an IAM Identity Center role's session"
        ),
        "{}",
        stderr(&out)
    );
    let who = sb.whoami_with(&exports(&out));
    assert!(
        who.contains(&format!("assumed-role/{admin_role}/")),
        "{who}"
    );
    let sso_key = creds
        .iter()
        .find(|(k, _)| k == "AWS_ACCESS_KEY_ID")
        .unwrap()
        .1
        .clone();
    let signed: Vec<String> = moto()
        .requests_mentioning(&admin_role)
        .into_iter()
        .filter(|r| r.contains("AssumeRole"))
        .collect();
    assert!(
        signed
            .iter()
            .any(|r| r.contains(&format!("Credential={sso_key}/"))),
        "AssumeRole signed with the SSO role's key {sso_key}: {signed:?}"
    );
    assert!(
        signed.iter().any(|r| r.contains("DurationSeconds=3600")),
        "{signed:?}"
    );
}

#[test]
fn twenty_parallel_cold_starts_refresh_once_and_fetch_once() {
    let soon = now() + 300;
    let (sb, stand_in, _) = sso_sandbox(cli_state(soon));
    write_cli_token(&sb, "cli-token", soon, Some("cli-refresh"));
    let children: Vec<_> = (0..20)
        .map(|_| {
            sb.command(BIN)
                .args(["export", "--format", "json", "dev"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        stand_in.count_grant("refresh_token"),
        1,
        "{:?}",
        stand_in.requests()
    );
    assert_eq!(stand_in.count("GetRoleCredentials"), 1);
}

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

fn login_state(mode: &str) -> serde_json::Value {
    serde_json::json!({"accounts": accounts(), "authorizeMode": mode, "deviceSlowDown": true, "devicePendingPolls": 1})
}

#[test]
fn login_with_the_browser_keeps_the_token_in_the_keychain_only() {
    let (mut sb, stand_in, _) = sso_sandbox(login_state("approve"));
    let (command, record) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["sso", "login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    assert!(
        stderr(&out).contains("if it does not open, open http://127.0.0.1:"),
        "the one-shot address is on stderr: {}",
        stderr(&out)
    );
    let visit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let argv = visit["argv"].to_string();
    assert!(
        !argv.contains("state=") && !argv.contains("code_challenge"),
        "nothing of the login in the browser's argv: {argv}"
    );
    assert_eq!(visit["status"], 200, "{visit}");
    assert!(
        visit["landed"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{visit}"
    );
    assert_eq!(stand_in.count("RegisterClient"), 1);
    assert_eq!(stand_in.count_grant("authorization_code"), 1);
    assert!(
        !sb.home().join(".aws/sso").exists(),
        "no token file written"
    );
    let out = sb.rolecall(&["export", "--format", "json", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb
        .whoami_with(&exports(&out))
        .contains("assumed-role/ReadOnly/"));
    // The registration is reused by the next login.
    let out = sb.rolecall(&["sso", "login", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stand_in.count("RegisterClient"), 1);
    // sso profiles prints ready blocks, for the roles no profile has yet (dev has ReadOnly
    // in 111122223333), and appending them twice adds nothing the second time.
    let out = sb.rolecall(&["sso", "profiles", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("[profile dev-account-admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = us-east-1\n"), "{text}");
    assert!(text.contains("[profile prod--eu--readonly]"), "{text}");
    assert!(
        !text.contains("dev-account-readonly"),
        "dev has that role: {text}"
    );
    let config = sb.home().join(".aws/config");
    let before = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{before}\n{text}")).unwrap();
    let again = sb.rolecall(&["sso", "profiles", "dev"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), "", "nothing new the second time");
    assert!(
        stderr(&again).contains("already has a profile for every role"),
        "{}",
        stderr(&again)
    );
    let listed = stdout(&sb.rolecall(&["list", "--names"]));
    assert!(
        listed.contains("dev-account-admin") && !listed.contains("-2"),
        "{listed}"
    );
    // logout: Logout at the portal, and everything forgotten.
    let out = sb.rolecall(&["sso", "logout", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stand_in.count("Logout"), 1);
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_failed_login_exits_4_and_stores_nothing() {
    let mode = "deny";
    let (mut sb, stand_in, _) = sso_sandbox(login_state(mode));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["sso", "login", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{mode}: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("rolecall: SSO login failed"),
        "{err}"
    );
    assert_eq!(stand_in.count_grant("authorization_code"), 0);
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "nothing was stored: {}",
        stderr(&out)
    );
}

#[test]
fn device_code_login_handles_pending_and_slow_down() {
    let (mut sb, stand_in, _) = sso_sandbox(login_state("approve"));
    let (command, record) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["sso", "login", "dev", "--use-device-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("enter the code"), "{}", stderr(&out));
    let visit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(visit["kind"], "device", "{visit}");
    assert_eq!(
        stand_in.count_grant("urn:ietf:params:oauth:grant-type:device_code"),
        1
    );
    let out = sb.rolecall(&["export", "--format", "json", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn without_a_usable_token_and_a_terminal_the_error_names_both_logins() {
    let past = now() - 60;
    let (sb, stand_in, _) = sso_sandbox(cli_state(past));
    write_cli_token(&sb, "cli-token", past, None);
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("rolecall sso login dev") && err.contains("aws sso login --sso-session corp"),
        "{err}"
    );
    assert_eq!(stand_in.requests().len(), 0);
}

#[test]
fn portal_refusals_and_an_unreachable_portal() {
    let later = now() + 3600;
    let (mut sb, stand_in, _) = sso_sandbox(cli_state(later));
    write_cli_token(&sb, "cli-token", later, Some("cli-refresh"));
    // A role the sign-in does not have: 403, naming account and role.
    let out = sb.rolecall(&["export", "nope"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("999999999999") && err.contains("ReadOnly"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A revoked token: 401, log in again.
    let mut state = cli_state(later);
    state["accessTokens"] = serde_json::json!([]);
    stand_in.set(state);
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("log in again"), "{}", stderr(&out));
    // Unreachable: exit 5.
    let closed = format!("http://127.0.0.1:{}", free_port());
    sb.extra_env
        .retain(|(k, _)| !k.starts_with("AWS_ENDPOINT_URL_SSO"));
    sb.extra_env
        .push(("AWS_ENDPOINT_URL_SSO".into(), closed.clone()));
    sb.extra_env
        .push(("AWS_ENDPOINT_URL_SSO_OIDC".into(), closed));
    let out = sb.rolecall(&["export", "--no-cache", "dev"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn list_and_dry_run_show_the_sso_step_without_a_request() {
    let soon = now() + 300;
    let (sb, stand_in, _) = sso_sandbox(cli_state(soon));
    write_cli_token(&sb, "cli-token", soon, Some("cli-refresh"));
    let out = sb.rolecall(&["list", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let dev = rows.iter().find(|r| r["profile"] == "dev").unwrap();
    assert_eq!(dev["kind"], "sso");
    assert_eq!(dev["sso_account_id"], ACCOUNT);
    assert_eq!(dev["sso_role_name"], "ReadOnly");
    let out = sb.rolecall(&["export", "--dry-run", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "SSO: GetRoleCredentials ReadOnly in account 111122223333 through sso-session \"corp\""
        ),
        "{text}"
    );
    assert!(text.contains("the AWS CLI's token expires in"), "{text}");
    assert!(text.contains("refreshed first with CreateToken"), "{text}");
    assert!(text.contains("capped at 3600"), "{text}");
    assert_eq!(stand_in.requests().len(), 0, "--dry-run makes no request");
}

#[test]
fn session_values_that_disagree_are_a_configuration_error() {
    let (sb, _stand_in, _) = sso_sandbox(cli_state(now()));
    sb.write_config("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n[profile bad]\nsso_session = corp\nsso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = R\n[profile gone]\nsso_session = other\nsso_account_id = 111122223333\nsso_role_name = R\n");
    let out = sb.rolecall(&["export", "bad"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("sso_region"), "{}", stderr(&out));
    let out = sb.rolecall(&["export", "gone"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn ctrl_c_during_a_login_dies_by_sigint_and_stores_nothing() {
    let (sb, _stand_in, _) = sso_sandbox(login_state("ignore"));
    let mut child = sb
        .command(BIN)
        .args(["sso", "login", "dev", "--no-browser"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the login did not stop at Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // Died by the signal, as at the MFA prompt, so that a calling script stops too.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(2), "{status:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("interrupted; no token stored"), "{err}");
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn one_login_at_a_time_and_the_second_uses_the_first_token() {
    let (mut sb, stand_in, _) = sso_sandbox(login_state("approve"));
    // A slow browser that counts how often it is started.
    let count = sb.home().join("opened");
    let (command, _) = browser(&sb);
    let slow = sb.home().join("slow-browser");
    std::fs::write(
        &slow,
        format!(
            "#!/bin/sh\necho x >> {}\nsleep 2\nexec {command} \"$@\"\n",
            count.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.extra_env
        .push(("BROWSER".into(), slow.display().to_string()));
    let first = sb
        .command(BIN)
        .args(["sso", "login", "dev"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let second = sb
        .command(BIN)
        .args(["sso", "login", "dev"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = Vec::new();
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        said.push(stderr(&out));
    }
    assert!(
        said[1].contains(
            "another rolecall is signing in to sso-session \"corp\"; waiting for it to finish"
        ),
        "the second says it waits: {}",
        said[1]
    );
    assert_eq!(
        std::fs::read_to_string(&count).unwrap().lines().count(),
        1,
        "one browser tab"
    );
    assert_eq!(stand_in.count_grant("authorization_code"), 1);
}

#[test]
fn the_stand_in_speaks_the_wire_format_of_boto3_and_botocores_token_provider() {
    let out = Command::new(python())
        .arg(support_dir().join("sso_check.py"))
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out).trim(), "ok");
}

#[test]
fn export_on_a_terminal_signs_in_on_stderr_and_keeps_stdout_for_eval() {
    let (mut sb, stand_in, _) = sso_sandbox(login_state("approve"));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let file = sb.home().join("exported.json");
    let script = format!(
        "set timeout 30\nspawn sh -c \"{BIN} export --format json dev > {}\"\nexpect eof\ncatch wait result\nexit [lindex $result 3]\n",
        file.display()
    );
    let out = sb
        .command(which("expect"))
        .args(["-c", &script])
        .output()
        .unwrap();
    let screen = stdout(&out);
    assert!(out.status.success(), "{screen}{}", stderr(&out));
    assert!(
        screen.contains("needs a sign-in") && screen.contains("open http://127.0.0.1:"),
        "{screen}"
    );
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .expect("stdout holds only the credentials");
    assert!(exported["SessionToken"].as_str().is_some(), "{exported}");
    assert_eq!(stand_in.count_grant("authorization_code"), 1);
}

#[test]
fn legacy_profiles_use_the_start_urls_cache_file_and_sign_in_with_the_device_code() {
    let later = now() + 3600;
    let (mut sb, stand_in, _) = sso_sandbox(cli_state(later));
    let url = "https://legacy.awsapps.com/start";
    sb.write_config(&format!(
        "[profile old]\nsso_start_url = {url}\nsso_region = us-east-1\nsso_account_id = {ACCOUNT}\nsso_role_name = ReadOnly\n"
    ));
    let dir = sb.home().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let token = serde_json::json!({"startUrl": url, "region": "us-east-1", "accessToken": "cli-token", "expiresAt": iso(later)});
    std::fs::write(dir.join(format!("{}.json", sha1(url))), token.to_string()).unwrap();
    let out = sb.rolecall(&["export", "--format", "json", "old"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb
        .whoami_with(&exports(&out))
        .contains("assumed-role/ReadOnly/"));
    // Without the file, a sign-in: the device flow, as the AWS CLI does for legacy profiles.
    std::fs::remove_dir_all(&dir).unwrap();
    stand_in.set(login_state("approve"));
    let (command, record) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["sso", "login", "old"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let visit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(visit["kind"], "device", "{visit}");
    let out = sb.rolecall(&["export", "--no-cache", "--format", "json", "old"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Waits for a file to exist (a stand-in browser's record), at most 20 s.
fn wait_for(path: &std::path::Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_answer_with_another_state_is_ignored_and_the_login_goes_on() {
    let (mut sb, stand_in, _) = sso_sandbox(login_state("wrong_state"));
    let (command, record) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let mut child = sb
        .command(BIN)
        .args(["sso", "login", "dev"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&record);
    std::thread::sleep(Duration::from_millis(500));
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
    assert_eq!(stand_in.count_grant("authorization_code"), 0);
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "nothing stored: {}",
        stderr(&out)
    );
}

#[test]
#[ignore = "needs root: plays another user (setpriv); ./scripts/test runs it as root"]
fn another_user_cannot_end_or_hijack_a_browser_login() {
    assert_root();
    let (mut sb, stand_in, _) = sso_sandbox(login_state("approve"));
    let (command, record) = browser(&sb);
    // Before the real browser goes, another user reads its argv (world-readable), asks for
    // the address it was given and sends the callback a forged code with whatever state the
    // argv shows.
    let thief = sb.home().join("thief.txt");
    let wrapper = sb.home().join("browser-after-thief");
    let curl = as_nobody(&format!("{} -s -i --max-time 5", which("curl").display()));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nu=\"$1\"\n\
             cb=$(printf '%s' \"$u\" | sed -n 's/.*redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A\\([0-9]*\\).*/\\1/p')\n\
             [ -n \"$cb\" ] || cb=$(printf '%s' \"$u\" | sed -n 's#^http://127\\.0\\.0\\.1:\\([0-9]*\\)/.*#\\1#p')\n\
             st=$(printf '%s' \"$u\" | sed -n 's/.*[?&]state=\\([^&]*\\).*/\\1/p')\n\
             {{ {curl} \"$u\"; echo; {curl} \"http://127.0.0.1:$cb/oauth/callback?code=forged&state=${{st:-guess}}\"; }} > {thief} 2>&1\n\
             exec {command} \"$u\"\n",
            thief = thief.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    sb.extra_env
        .push(("BROWSER".into(), wrapper.display().to_string()));
    let out = sb.rolecall(&["sso", "login", "dev"]);
    let stolen = std::fs::read_to_string(&thief).unwrap_or_default();
    assert!(
        !stolen.contains("Signed in") && !stolen.contains("Location:"),
        "another user was answered: {stolen}"
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let visit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(visit["status"], 200, "{visit}");
    assert_eq!(stand_in.count_grant("authorization_code"), 1);
}

#[test]
fn the_aws_cli_token_file_must_be_a_small_regular_file() {
    let later = now() + 3600;
    let (sb, _stand_in, _) = sso_sandbox(cli_state(later));
    let path = write_cli_token(&sb, "cli-token", later, Some("cli-refresh"));
    // A FIFO would block for ever, /dev/zero never ends, a huge file fills memory.
    std::fs::remove_file(&path).unwrap();
    assert!(Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap()
        .success());
    let mut cases = vec![("a FIFO", "not a regular file")];
    let run = |what: &str, needle: &str| {
        let start = std::time::Instant::now();
        let out = sb
            .command("timeout")
            .args(["20", BIN, "export", "dev"])
            .output()
            .unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{what}: took {:?}",
            start.elapsed()
        );
        assert_ne!(out.status.code(), Some(0), "{what}");
        assert_ne!(out.status.code(), Some(124), "{what}: still reading");
        assert!(stderr(&out).contains(needle), "{what}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    };
    run(cases[0].0, cases[0].1);
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    cases.push(("/dev/zero", "not a regular file"));
    run(cases[1].0, cases[1].1);
    std::fs::remove_file(&path).unwrap();
    let big = std::fs::File::create(&path).unwrap();
    big.set_len(300 << 20).unwrap();
    drop(big);
    run("a 300 MB file", "larger than");
}

#[test]
fn without_dbus_the_sign_in_is_kept_in_the_file_store() {
    let (mut sb, stand_in, role) = sso_sandbox(login_state("approve"));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    sb.extra_env.push((
        "ROLECALL_FILE_PASSPHRASE".into(),
        "a passphrase for the sso test".into(),
    ));
    let headless = |args: &[&str]| {
        sb.command(BIN)
            .args(args)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("ROLECALL_KEYRING")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = headless(&["sso", "login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("file store"), "{}", stderr(&out));
    let store = sb.home().join(".local/share/rolecall/secrets.json");
    assert!(store.exists());
    assert!(
        !sb.home().join(".aws/sso").exists(),
        "no token file written"
    );
    let out = headless(&["export", "--format", "json", "admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb
        .whoami_with(&exports(&out))
        .contains(&format!("assumed-role/{role}/")));
    for args in [&["list"][..], &["clear-cache"][..], &["doctor"][..]] {
        let out = headless(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    let out = headless(&["export", "--format", "json", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stand_in.count("RegisterClient"), 1);
    let out = headless(&["sso", "logout", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = headless(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // The registration stays for the next sign-in, in the file store.
    let out = headless(&["sso", "login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stand_in.count("RegisterClient"), 1);
    // Moved to the Secret Service, the sign-in is used there with no new login.
    let logins = stand_in.count_grant("authorization_code");
    let out = sb.rolecall(&["keys", "migrate", "--to", "secret-service"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("and 1 SSO sign-ins"),
        "{}",
        stderr(&out)
    );
    let out = sb.rolecall(&["export", "--format", "json", "dev", "--no-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stand_in.count_grant("authorization_code"), logins);
    let out = headless(&["export", "--no-cache", "dev"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "gone from the file store: {}",
        stderr(&out)
    );
}

#[test]
fn sign_in_and_role_credentials_go_through_the_proxy() {
    let (mut sb, stand_in, _) = sso_sandbox(login_state("approve"));
    let proxy = crate::support::net::Proxy::start(sb.home(), None);
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    for (k, v) in [
        ("HTTP_PROXY", proxy.url()),
        ("NO_PROXY", String::new()),
        ("no_proxy", String::new()),
    ] {
        sb.extra_env.push((k.into(), v));
    }
    let out = sb.rolecall(&["sso", "login", "dev", "--use-device-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["export", "--format", "json", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let through = proxy.requests();
    for call in [
        format!("POST {}/client/register", stand_in.url),
        format!("POST {}/token", stand_in.url),
        format!("GET {}/federation/credentials", stand_in.url),
    ] {
        assert!(
            through.iter().any(|r| r.starts_with(&call)),
            "{call}: {through:?}"
        );
    }
}

#[test]
fn granted_sso_populate_profiles_work_without_granted_and_doctor_names_the_dependency() {
    let later = now() + 3600;
    let (sb, _stand_in, _) = sso_sandbox(cli_state(later));
    let url = "https://granted.awsapps.com/start";
    sb.write_config(&format!(
        "[profile gdev]\ngranted_sso_start_url = {url}\ngranted_sso_region = us-east-1\ngranted_sso_account_id = {ACCOUNT}\ngranted_sso_role_name = ReadOnly\ncommon_fate_generated_from = aws-sso\ncredential_process = granted credential-process --profile gdev\n\n[profile broken-tool]\ncredential_process = no-such-credential-tool --json\n"
    ));
    let dir = sb.home().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let token = serde_json::json!({"startUrl": url, "region": "us-east-1", "accessToken": "cli-token", "expiresAt": iso(later)});
    std::fs::write(dir.join(format!("{}.json", sha1(url))), token.to_string()).unwrap();
    let out = sb.rolecall(&["export", "--format", "json", "gdev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb
        .whoami_with(&exports(&out))
        .contains("assumed-role/ReadOnly/"));

    let out = sb.rolecall(&["doctor"]);
    let text = stdout(&out);
    assert!(
        text.contains("its credential_process runs granted, which is not installed")
            && text.contains("rolecall reads its granted_sso_* keys itself"),
        "{text}"
    );
    assert!(
        text.contains(
            "its credential_process runs no-such-credential-tool, which is not installed"
        ),
        "{text}"
    );
}

#[test]
fn over_ssh_without_a_display_the_login_uses_the_device_code_and_says_how_to_cancel() {
    let mut state = login_state("approve");
    state["deviceAutoApprove"] = true.into();
    let (mut sb, stand_in, _) = sso_sandbox(state);
    sb.extra_env.push((
        "SSH_CONNECTION".into(),
        "127.0.0.1 50000 127.0.0.1 22".into(),
    ));
    let out = sb.rolecall(&["sso", "login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("and enter the code"), "{err}");
    assert!(
        err.contains("for the code to be approved (Ctrl-C to cancel)"),
        "{err}"
    );
    assert_eq!(
        stand_in.count_grant("urn:ietf:params:oauth:grant-type:device_code"),
        1
    );
    assert_eq!(stand_in.count_grant("authorization_code"), 0);
    // With a browser named, the same session gets the loopback callback (PKCE).
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let out = sb.rolecall(&["sso", "login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("for the browser to come back to this machine (Ctrl-C to cancel)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stand_in.count_grant("authorization_code"), 1);
    // --no-browser: the device code, whatever the machine has.
    let out = sb.rolecall(&["sso", "login", "dev", "--no-browser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stand_in.count_grant("urn:ietf:params:oauth:grant-type:device_code"),
        2
    );
}

/// The AWS CLI (PyPI) with a profile that runs rolecall as its credential_process.
fn via_rolecall(sb: &Sandbox) {
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!(
        "{config}\n[profile via-rolecall]\ncredential_process = rolecall export --format process dev\nregion = us-east-1\n"
    ));
}

#[test]
fn as_the_aws_clis_credential_process_the_sign_in_is_on_the_terminal() {
    let (mut sb, _stand_in, _) = sso_sandbox(login_state("approve"));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    via_rolecall(&sb);
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    let t = crate::ux::Tmux::start(
        &sb,
        &format!(
            "{} sts get-caller-identity --profile via-rolecall --query Arn --output text 2>{}; echo \"exit=$?\"; sleep 30",
            aws.display(),
            sb.home().join("aws.err").display()
        ),
    );
    let screen = t.wait_for("exit=");
    let err = std::fs::read_to_string(sb.home().join("aws.err")).unwrap_or_default();
    let err: String = err.lines().rev().take(25).collect::<Vec<_>>().join("\n");
    assert!(screen.contains("exit=0"), "{screen}\n{err}");
    assert!(
        screen.contains("needs a sign-in to") && screen.contains("Ctrl-C to cancel"),
        "{screen}"
    );
    assert!(screen.contains("assumed-role/ReadOnly/"), "{screen}");
}

#[test]
fn without_a_terminal_a_credential_process_fails_at_once_naming_the_login() {
    let (sb, stand_in, _) = sso_sandbox(login_state("approve"));
    via_rolecall(&sb);
    let started = std::time::Instant::now();
    let out = sb
        .command(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws"))
        .args(["sts", "get-caller-identity", "--profile", "via-rolecall"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(30));
    let err = stderr(&out);
    assert!(err.contains("rolecall sso login dev"), "{err}");
    assert_eq!(stand_in.requests().len(), 0);
}

/// The PyPI AWS CLI's caller identity with `--profile profile`, in `sb`.
fn aws_cli_arn(sb: &Sandbox, profile: &str) -> std::process::Output {
    sb.command(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws"))
        .args([
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ])
        .args(["--profile", profile])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn aws_cache_lets_the_aws_cli_see_the_sign_in_and_credential_process_profiles_route_through_rolecall(
) {
    let (mut sb, _stand_in, _) = sso_sandbox(login_state("approve"));
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let cache = sb.home().join(".aws/sso/cache");
    let file = cache.join(format!("{}.json", sha1("corp")));

    // Without --aws-cache only rolecall has the token: the AWS CLI has none.
    let out = sb.rolecall(&["sso", "login", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!file.exists());
    assert!(!aws_cli_arn(&sb, "dev").status.success());

    // sso profiles --credential-process: profiles any tool reads through rolecall.
    let out = sb.rolecall(&["sso", "profiles", "dev", "--credential-process"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("[profile dev-account-admin]\ncredential_process = rolecall export --format process dev-account-admin-sso\nregion = us-east-1\n"),
        "{text}"
    );
    assert!(
        text.contains("[profile dev-account-admin-sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n"),
        "{text}"
    );
    let config = sb.home().join(".aws/config");
    let before = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{before}\n{text}")).unwrap();
    let out = aws_cli_arn(&sb, "dev-account-admin");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("assumed-role/Admin/"),
        "{}",
        stdout(&out)
    );
    let again = sb.rolecall(&["sso", "profiles", "dev", "--credential-process"]);
    assert_eq!(stdout(&again), "", "nothing new the second time");

    // --aws-cache: the AWS CLI's own file, private, read by the AWS CLI itself.
    let out = sb.rolecall(&["sso", "login", "dev", "--aws-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote the AWS CLI's token cache"),
        "{}",
        stderr(&out)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for field in [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ] {
        assert!(token[field].is_string(), "{field}: {token}");
    }
    let out = aws_cli_arn(&sb, "dev");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("assumed-role/ReadOnly/"),
        "{}",
        stdout(&out)
    );
}

/// An IDE extension's sign-in to the same start URL, in the file the AWS CLI would use for
/// sso-session `corp`: valid, refreshable, but without `sso:account:access`.
fn write_foreign_token(sb: &Sandbox, expires: i64) -> PathBuf {
    let path = write_cli_token(sb, "ide-token", expires, Some("ide-refresh"));
    let mut token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    token["scopes"] = serde_json::json!(["codewhisperer:completions", "codewhisperer:analysis"]);
    std::fs::write(&path, token.to_string()).unwrap();
    path
}

#[test]
fn another_tools_token_without_account_access_is_never_used_and_doctor_names_it() {
    let later = now() + 3600;
    let mut state = login_state("approve");
    state["accessTokens"] = serde_json::json!([{"accessToken": "ide-token", "expiresAt": later,
        "scopes": ["codewhisperer:completions", "codewhisperer:analysis"]}]);
    let (mut sb, stand_in, _) = sso_sandbox(state);
    let file = write_foreign_token(&sb, later);
    let before = std::fs::read(&file).unwrap();
    // Without a terminal: no portal call with it (no 401), and the error says whose it is.
    let out = sb.rolecall(&["export", "dev"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&file.display().to_string()) && err.contains("sso:account:access"),
        "{err}"
    );
    let doctor = sb.rolecall(&["doctor"]);
    let report = stdout(&doctor);
    assert!(
        report.contains(&file.display().to_string())
            && report.contains("codewhisperer:completions")
            && report.contains("lack sso:account:access"),
        "{report}"
    );
    // On a terminal: a sign-in instead, and the role credentials with rolecall's own token.
    let (command, _) = browser(&sb);
    sb.extra_env.push(("BROWSER".into(), command));
    let exported = sb.home().join("exported.json");
    let script = format!(
        "set timeout 30\nspawn sh -c \"{BIN} export --format json dev > {}\"\nexpect eof\ncatch wait result\nexit [lindex $result 3]\n",
        exported.display()
    );
    let out = sb
        .command(which("expect"))
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("needs a sign-in"), "{}", stdout(&out));
    let creds: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert_eq!(creds["AccountId"], ACCOUNT, "{creds}");
    let portal: Vec<_> = stand_in
        .requests()
        .into_iter()
        .filter(|r| r["op"] == "GetRoleCredentials")
        .collect();
    assert_eq!(portal.len(), 1, "{portal:?}");
    assert_eq!(portal[0]["status"], 200, "{portal:?}");
    assert_eq!(stand_in.count_grant("refresh_token"), 0, "never refreshed");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the IDE's file is left alone"
    );
}

#[test]
fn the_stand_in_refuses_a_token_without_account_access_as_the_portal_does() {
    let later = now() + 3600;
    let mut state = cli_state(later);
    state["accessTokens"] = serde_json::json!([{"accessToken": "ide-token", "expiresAt": later,
        "scopes": ["codewhisperer:completions"]}]);
    let (sb, _stand_in, _) = sso_sandbox(state);
    write_foreign_token(&sb, later);
    // boto3's own SSO provider reads the same file and gets the portal's 401.
    let script = "import boto3\ntry:\n    boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials()\n    print('used')\nexcept Exception as e:\n    print(type(e).__name__, e)";
    let out = sb.command(python()).args(["-c", script]).output().unwrap();
    assert!(
        stdout(&out).contains("Unauthorized"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}
