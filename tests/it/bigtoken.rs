//! Sessions with a 4,096-byte session token, STS's largest: stored whole in each session
//! store, printed whole in every format, served by `exec --server` and used by a child.
//! moto hands out short tokens (it ignores `MinimumSessionTokenSize`), so the session comes
//! from a `credential_process`, which rolecall caches like an STS answer.

use crate::support::*;

/// A token of exactly 4,096 bytes of base64 text, as STS's are (cmd.exe can carry it too).
fn big_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut token: String = (0..4094)
        .map(|i| char::from(ALPHABET[(i * 7 + i / 64) % ALPHABET.len()]))
        .collect();
    token.push_str("==");
    token
}

/// A sandbox whose profile `big` is a `credential_process` answering a one-hour session with
/// the big token; each run of it is counted in `runs`.
fn big_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let script = sb.home().join("big.py");
    std::fs::write(
        &script,
        format!(
            "import datetime, json, pathlib\nhere = pathlib.Path(__file__).parent\nwith open(here / 'runs', 'a') as f:\n    f.write('run\\n')\nend = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)\nprint(json.dumps({{'Version': 1, 'AccessKeyId': 'ASIABIGTOKEN0000001', 'SecretAccessKey': 'big/secret+key', 'SessionToken': '{}', 'Expiration': end.strftime('%Y-%m-%dT%H:%M:%SZ')}}))\n",
            big_token()
        ),
    )
    .unwrap();
    sb.write_config(&format!(
        "[profile big]\ncredential_process = {} {}\nregion = eu-west-1\n",
        python().display(),
        script.display()
    ));
    sb
}

fn runs(sb: &Sandbox) -> usize {
    std::fs::read_to_string(sb.home().join("runs"))
        .unwrap_or_default()
        .lines()
        .count()
}

#[test]
fn each_session_store_keeps_a_4096_byte_token_whole() {
    for store in ["secret-service", "keyutils", "auto"] {
        let sb = big_sandbox();
        let env = [("ROLECALL_KEYRING", store)];
        for round in 0..2 {
            let out = sb.rolecall_env(&["export", "--format", "json", "big"], &env);
            assert!(out.status.success(), "{store}: {}", stderr(&out));
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                v["SessionToken"].as_str(),
                Some(big_token().as_str()),
                "{store}, run {round}"
            );
        }
        assert_eq!(
            runs(&sb),
            1,
            "{store}: the second run is served from the store"
        );
    }
}

#[test]
fn every_format_prints_a_4096_byte_token_whole() {
    let sb = big_sandbox();
    let token = big_token();
    // POSIX shells and fish evaluate it and give it back byte for byte.
    for shell in ["bash", "dash", "zsh"] {
        let out = sb.shell(
            shell,
            "eval \"$(rolecall export --format sh big)\" && printf '%s' \"$AWS_SESSION_TOKEN\"",
        );
        assert_eq!(stdout(&out), token, "{shell}: {}", stderr(&out));
    }
    let out = sb.shell(
        "fish",
        "rolecall export --format fish big | source; and printf '%s' \"$AWS_SESSION_TOKEN\"",
    );
    assert_eq!(stdout(&out), token, "fish: {}", stderr(&out));
    let out = sb.shell(
        "bash",
        "rolecall export --format dotenv big > big.env && set -a && . ./big.env && printf '%s' \"$AWS_SESSION_TOKEN\"",
    );
    assert_eq!(stdout(&out), token, "dotenv: {}", stderr(&out));
    for (format, line) in [
        ("powershell", format!("$Env:AWS_SESSION_TOKEN = '{token}'")),
        ("cmd", format!("set \"AWS_SESSION_TOKEN={token}\"")),
    ] {
        let out = sb.rolecall(&["export", "--format", format, "big"]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        assert!(
            stdout(&out).lines().any(|l| l == line),
            "{format}: the token is not whole"
        );
    }
}

#[test]
fn a_child_and_the_server_hand_a_4096_byte_token_to_boto3() {
    let sb = big_sandbox();
    let py = python().display().to_string();
    // boto3 reads it and signs a request with it (moto does not check session tokens).
    let script = "import boto3\nc = boto3.Session().get_credentials().get_frozen_credentials()\nboto3.client('sts').get_caller_identity()\nprint(len(c.token), c.token[-8:])";
    let expected = format!("4096 {}", &big_token()[4088..]);
    for server in [false, true] {
        let mut argv = vec!["exec"];
        if server {
            argv.push("--server");
        }
        argv.extend(["big", "--", &py, "-c", script]);
        let out = sb.rolecall(&argv);
        assert!(out.status.success(), "server {server}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), expected, "server {server}");
    }
}

/// As an ordinary user (an ordinary user's key quota is 20,000 bytes; root's 25 MB), a session
/// with a 4,096-byte token fits the kernel keyring beside another program's keys, and is
/// served from it.
#[test]
#[ignore = "needs root: gives the sandbox to another user (chown, setpriv); ./scripts/test runs it as root"]
fn an_ordinary_users_kernel_keyring_keeps_a_4096_byte_session() {
    assert_root();
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let uid = 40000 + (std::process::id() % 20000) + 1;
    // A process of plain sh, which the other user may run.
    let script = sb.home().join("big.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> \"$HOME/runs\"\nprintf '{{\"Version\":1,\"AccessKeyId\":\"ASIABIGTOKEN0000001\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"{}\",\"Expiration\":\"%s\"}}\\n' \"$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)\"\n",
            big_token()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.write_config(&format!(
        "[profile big]\ncredential_process = {}\n",
        script.display()
    ));
    let status = std::process::Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(sb.home())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::set_permissions(sb.home(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let as_user = |program: &str, args: &[&str], input: &[u8]| {
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
            child.stdin.take().unwrap().write_all(input).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let keyctl = which("keyctl").display().to_string();
    // Another program's 6,000-byte key in the same quota.
    let out = as_user(&keyctl, &["padd", "user", "krb-like", "@u"], &[b'k'; 6000]);
    assert!(out.status.success(), "keyctl: {}", stderr(&out));
    for _ in 0..2 {
        let out = as_user(BIN, &["export", "--format", "json", "big"], b"");
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["SessionToken"].as_str(), Some(big_token().as_str()));
        assert!(
            !stderr(&out).contains("quota"),
            "no quota trouble: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        runs(&sb),
        1,
        "the second export is served from the kernel keyring"
    );
    let keys = stdout(&as_user("/bin/cat", &["/proc/keys"], b""));
    let _ = std::process::Command::new("rm")
        .arg("-rf")
        .arg(sb.home())
        .status();
    assert!(
        keys.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 8 && f[5] == uid.to_string() && f[8].starts_with("rolecall:")
        }),
        "{keys}"
    );
}

#[test]
fn doctor_online_asks_sts_for_a_4096_byte_token_and_says_what_it_got() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "padded", "region = us-east-1\n");
    let out = sb.rolecall(&["doctor", "--online", "padded"]);
    let report = stdout(&out);
    assert!(out.status.success(), "{report}{}", stderr(&out));
    // The request carried the parameter; moto ignores it, and doctor says so.
    let asked = moto().requests_mentioning(&arn);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("MinimumSessionTokenSize=4096"),
        "{asked:?}"
    );
    assert!(
        report.contains("does not pad tokens to MinimumSessionTokenSize"),
        "{report}"
    );
    for place in ["kernel keyring", "Secret Service", "format cmd"] {
        assert!(
            report
                .lines()
                .any(|l| l.contains(place) && l.ends_with(": keeps it whole")),
            "{place}: {report}"
        );
    }
    // Nothing cached: the next export assumes the role again.
    let out = sb.rolecall(&["export", "padded"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let asked = moto().requests_mentioning(&arn);
    assert_eq!(asked.len(), 2);
    assert!(!asked[1].contains("MinimumSessionTokenSize"), "{asked:?}");
}
