//! `rolecall console` against a stand-in for the sign-in federation endpoint
//! (support/signin.py) and a stand-in browser (support/browser.py) that records its argv and
//! follows the URL it is given.

use std::path::PathBuf;
use std::process::Child;

use crate::support::*;

struct SignInStandIn {
    url: String,
    record: PathBuf,
    child: Child,
}

impl SignInStandIn {
    fn start(sb: &Sandbox, reject_over: Option<u32>) -> Self {
        let port_file = sb.home().join(format!("signin-{}.port", unique("p")));
        let record = sb.home().join(format!("signin-{}.jsonl", unique("r")));
        let mut c = std::process::Command::new(python());
        c.arg(support_dir().join("signin.py"))
            .arg(&port_file)
            .arg(&record);
        if let Some(n) = reject_over {
            c.env("REJECT_DURATION_OVER", n.to_string());
        }
        let (url, child) = start_stand_in(c, &port_file, "sign-in");
        Self { url, record, child }
    }

    fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SignInStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browser(sb: &Sandbox) -> (String, PathBuf) {
    let record = sb.home().join("browser.json");
    let command = format!(
        "{} {} {}",
        python().display(),
        support_dir().join("browser.py").display(),
        record.display()
    );
    (command, record)
}

#[test]
fn the_browser_gets_a_one_shot_loopback_address_never_the_token() {
    let sb = Sandbox::new();
    let (keys, arn) = role_setup(&sb, "prod", "region = eu-west-1\n");
    let signin = SignInStandIn::start(&sb, None);
    let (browser, record) = browser(&sb);
    let out = sb.rolecall_env(
        &["console", "prod", "--destination", "s3"],
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &signin.url),
            ("BROWSER", &browser),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let argv = seen["argv"].to_string();
    let requests = signin.requests();
    let token = requests
        .iter()
        .find(|r| r["action"] == "login")
        .map(|r| r["SigninToken"].as_str().unwrap().to_string())
        .expect("the browser reached the login action");
    assert!(
        !argv.contains(&token) && !argv.contains("SigninToken"),
        "{argv}"
    );
    assert!(argv.contains("http://127.0.0.1:"), "{argv}");
    let landed = seen["landed"].as_str().unwrap();
    assert!(landed.contains(&format!("SigninToken={token}")), "{landed}");
    assert_eq!(seen["second"], 404, "one redirect only: {seen}");
    let issue = requests
        .iter()
        .find(|r| r["action"] == "getSigninToken")
        .unwrap();
    assert_eq!(issue["SessionDuration"], "3600");
    assert!(issue["sessionId"].as_str().unwrap().starts_with("ASIA"));
    assert_ne!(issue["sessionId"], keys.id.as_str());
    let login = requests.iter().find(|r| r["action"] == "login").unwrap();
    assert_eq!(login["known"], true);
    assert_eq!(login["Issuer"], "rolecall");
    assert_eq!(
        login["Destination"],
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    );
    let _ = arn;
}

#[test]
fn stdout_prints_the_sign_in_url_and_nothing_else() {
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "duration_seconds = 7200\n");
    let signin = SignInStandIn::start(&sb, None);
    let out = sb.rolecall_env(
        &["console", "prod", "--stdout", "--region", "us-west-2"],
        &[("AWS_ENDPOINT_URL_SIGNIN", &signin.url)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with(&format!("{}/federation?Action=login&Issuer=rolecall&Destination=https%3A%2F%2Fus-west-2.console.aws.amazon.com", signin.url)), "{text}");
    assert_eq!(
        signin.requests()[0]["SessionDuration"],
        "7200",
        "the profile's duration"
    );
    // -v never shows the token or the session.
    let out = sb.rolecall_env(
        &["console", "-v", "prod", "--stdout", "--duration", "2h"],
        &[("AWS_ENDPOINT_URL_SIGNIN", &signin.url)],
    );
    let err = stderr(&out);
    assert!(
        !err.contains("SigninToken=") && !err.contains("sessionKey"),
        "{err}"
    );
}

#[test]
fn a_refused_duration_is_retried_without_it_and_said() {
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    let signin = SignInStandIn::start(&sb, Some(3600));
    let out = sb.rolecall_env(
        &["console", "prod", "--stdout", "--duration", "4h"],
        &[("AWS_ENDPOINT_URL_SIGNIN", &signin.url)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused SessionDuration=14400"),
        "{}",
        stderr(&out)
    );
    let durations: Vec<serde_json::Value> = signin
        .requests()
        .iter()
        .map(|r| r["SessionDuration"].clone())
        .collect();
    assert_eq!(
        durations,
        vec![serde_json::json!("14400"), serde_json::Value::Null]
    );
}

#[test]
fn long_term_keys_get_a_federation_token_first() {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("consoleuser"));
    sb.write_credentials(&format!(
        "[keys]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    sb.write_config("[profile keys]\nregion = eu-central-1\n");
    let signin = SignInStandIn::start(&sb, None);
    let out = sb.rolecall_env(
        &["console", "keys", "--stdout"],
        &[("AWS_ENDPOINT_URL_SIGNIN", &signin.url)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        moto().count("GetFederationToken", "Name=rolecall-tester") >= 1,
        "GetFederationToken was asked for the federated user"
    );
    let issue = &signin.requests()[0];
    assert_ne!(
        issue["sessionId"],
        keys.id.as_str(),
        "never the long-term key"
    );
    assert!(
        issue["SessionDuration"].is_null(),
        "a federated user's session takes none"
    );
}

#[test]
fn console_errors_are_one_line_with_stdout_empty() {
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    // Unreachable endpoint.
    let out = sb.rolecall_env(
        &["console", "prod", "--stdout"],
        &[("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9")],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    // No browser to start.
    let signin = SignInStandIn::start(&sb, None);
    let out = sb.rolecall_env(
        &["console", "prod"],
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &signin.url),
            ("BROWSER", "/nonexistent/browser"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--stdout"), "{}", stderr(&out));
    // A destination off the console.
    let out = sb.rolecall_env(
        &[
            "console",
            "prod",
            "--stdout",
            "--destination",
            "https://evil.example/",
        ],
        &[("AWS_ENDPOINT_URL_SIGNIN", &signin.url)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    // Plain http to another machine.
    let out = sb.rolecall_env(
        &["console", "prod", "--stdout"],
        &[("AWS_ENDPOINT_URL_SIGNIN", "http://signin.example.com")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
#[ignore = "needs root: plays another user (setpriv); ./scripts/test runs it as root"]
fn another_user_who_reads_the_browsers_argv_gets_no_sign_in() {
    assert_root();
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    let signin = SignInStandIn::start(&sb, None);
    let (browser, record) = browser(&sb);
    // The browser's argv is world-readable: another user takes the address first, then the
    // real browser asks for it.
    let thief = sb.home().join("thief.txt");
    let wrapper = sb.home().join("browser-after-thief");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n{} -s -D - -o /dev/null --max-time 5 \"$1\" > {} 2>&1\nexec {browser} \"$1\"\n",
            as_nobody(&which("curl").display().to_string()),
            thief.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = sb.rolecall_env(
        &["console", "prod"],
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &signin.url),
            ("BROWSER", &wrapper.display().to_string()),
        ],
    );
    let stolen = std::fs::read_to_string(&thief).unwrap_or_default();
    assert!(
        !stolen.contains("SigninToken") && !stolen.contains(" 302"),
        "another user got the redirect: {stolen}"
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert!(
        seen["landed"]
            .as_str()
            .unwrap_or("")
            .contains("SigninToken="),
        "the user's own browser still signs in: {seen}"
    );
}

#[test]
fn the_sign_in_endpoint_is_called_through_the_proxy() {
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    let signin = SignInStandIn::start(&sb, None);
    let proxy = crate::support::net::Proxy::start(sb.home(), None);
    let out = sb.rolecall_env(
        &["console", "prod", "--stdout"],
        &[
            ("AWS_ENDPOINT_URL_SIGNIN", &signin.url),
            ("HTTP_PROXY", &proxy.url()),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let through = proxy.requests();
    assert!(
        through.iter().any(|r| r.starts_with(&format!(
            "GET {}/federation?Action=getSigninToken",
            signin.url
        ))),
        "{through:?}"
    );
}
