//! `rolecall exec --server`: the command gets a refreshing local credential endpoint.

use crate::support::*;

fn server_sandbox(extra: &str) -> (Sandbox, Keys, String) {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("server"));
    let arn = sb.role(&unique("served"));
    // Not `default`: its keys would come before the endpoint for the SDKs.
    sb.write_credentials(&format!(
        "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    sb.write_config(&format!(
        "[profile prod]\nrole_arn = {arn}\nsource_profile = base\nregion = eu-west-1\n{extra}[profile base]\nregion = eu-west-1\n"
    ));
    (sb, keys, arn)
}

/// `rolecall exec --server PROFILE -- python SCRIPT ARGS…` with more variables.
fn serve(
    sb: &Sandbox,
    profile: &str,
    script: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let script = support_dir().join(script);
    let py = python().display().to_string();
    let mut argv = vec![
        "exec",
        "--server",
        profile,
        "--",
        &py,
        script.to_str().unwrap(),
    ];
    argv.extend_from_slice(args);
    sb.rolecall_env(&argv, env)
}

fn child_report(out: &std::process::Output) -> serde_json::Value {
    let text = stdout(out);
    serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("{text}{}", stderr(out)))
}

#[test]
fn the_command_gets_an_endpoint_not_keys_and_its_exit_status_is_rolecalls() {
    let (sb, keys, arn) = server_sandbox("");
    let out = serve(&sb, "prod", "server_child.py", &[], &[("EXIT_WITH", "7")]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let r = child_report(&out);
    assert_eq!(r["has_keys"], false, "{r}");
    assert_eq!(r["has_profile"], false);
    assert_eq!(r["region"], "eu-west-1");
    assert_eq!(r["no_token"], 401);
    assert_eq!(r["wrong_token"], 403);
    assert_eq!(r["other_host"], 403);
    assert_eq!(r["origin"], 403);
    assert_eq!(r["post"], 405);
    assert_eq!(r["other_path"], 404);
    assert_eq!(r["ok"], 200);
    assert_eq!(
        r["keys"],
        serde_json::json!([
            "AccessKeyId",
            "AccountId",
            "Expiration",
            "SecretAccessKey",
            "Token"
        ])
    );
    let role = arn.rsplit('/').next().unwrap();
    assert!(r["arn"].as_str().unwrap().contains(role), "{r}");
    assert!(!stderr(&out).contains(&keys.secret));
    // The session came from (and went to) the same cache as export's.
    let out = sb.rolecall(&["export", "-v", "prod"]);
    assert!(stderr(&out).contains("cache hit"), "{}", stderr(&out));
}

#[test]
fn the_server_refreshes_in_the_background() {
    let (sb, _, arn) = server_sandbox("duration_seconds = 900\n");
    // Due for a refresh two seconds after it starts.
    let out = serve(
        &sb,
        "prod",
        "server_child.py",
        &[],
        &[
            ("ROLECALL_REFRESH_WINDOW", "898"),
            ("WAIT_FOR_REFRESH", "5"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = child_report(&out);
    assert_ne!(r["first_key"], r["second_key"], "{r}");
    assert!(moto().count("AssumeRole", &format!("RoleArn={arn}")) >= 2);
}

#[test]
fn long_term_keys_are_never_served() {
    let (sb, keys, _) = server_sandbox("");
    let out = serve(&sb, "base", "server_child.py", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = child_report(&out);
    let served = r["first_key"].as_str().unwrap();
    // moto answers GetSessionToken with a fixed key id; what matters is that the keys'
    // own id is never the one served, and that the session was asked for.
    assert_ne!(served, keys.id, "a GetSessionToken session, not the keys");
    assert!(moto().count("GetSessionToken", "") >= 1);
}

#[test]
fn signals_are_passed_on_and_a_signal_death_is_128_plus_n() {
    let (sb, _, _) = server_sandbox("");
    let child = sb
        .command(BIN)
        .args([
            "exec",
            "--server",
            "prod",
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; sleep 30 >/dev/null 2>&1 & wait",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(42), "{}", stderr(&out));
    let out = sb.rolecall(&[
        "exec",
        "--server",
        "prod",
        "--",
        "sh",
        "-c",
        "kill -KILL $$",
    ]);
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
}

#[test]
fn ten_clients_through_refreshes_see_no_error_and_the_port_closes_after() {
    let (sb, _, arn) = server_sandbox("duration_seconds = 900\n");
    // A refresh about every two seconds.
    let script = support_dir().join("server_load.py");
    let py = python().display().to_string();
    let out = sb.rolecall_env(
        &[
            "exec",
            "-v",
            "--server",
            "prod",
            "--",
            &py,
            script.to_str().unwrap(),
            "6",
        ],
        &[("ROLECALL_REFRESH_WINDOW", "898")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = child_report(&out);
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    let keys = r["keys"].as_array().unwrap().len();
    assert!(keys >= 2, "the clients saw refreshed sessions: {r}");
    // One AssumeRole per refresh, however many clients ask: the endpoint serves from memory.
    let refreshes = stderr(&out)
        .matches("refreshed the session of profile")
        .count();
    let calls = moto().count("AssumeRole", &format!("RoleArn={arn}"));
    assert!(
        calls <= refreshes + 1,
        "{calls} calls for the first session and {refreshes} refreshes"
    );
    assert!(refreshes < 10, "no refresh loop: {refreshes} in 6 s");
    // The port is closed once the command has ended.
    let uri = r["uri"].as_str().unwrap();
    let port = uri.rsplit(':').next().unwrap().split('/').next().unwrap();
    assert!(std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err());
}

#[test]
fn the_aws_cli_as_the_command_gets_the_roles_identity() {
    let (sb, _, arn) = server_sandbox("");
    let aws = python().parent().unwrap().join("aws");
    let out = sb.rolecall(&[
        "exec",
        "--server",
        "prod",
        "--",
        aws.to_str().unwrap(),
        "sts",
        "get-caller-identity",
        "--output",
        "text",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let role = arn.rsplit('/').next().unwrap();
    assert!(
        stdout(&out).contains(&format!("assumed-role/{role}/")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_refresh_that_needs_a_new_mfa_code_says_so_and_keeps_serving() {
    let serial = format!("arn:aws:iam::123456789012:mfa/{}", unique("served"));
    let (sb, _, _) = server_sandbox(&format!("duration_seconds = 900\nmfa_serial = {serial}\n"));
    let script = support_dir().join("server_child.py");
    let py = python().display().to_string();
    let out = sb.rolecall_env(
        &[
            "exec",
            "--server",
            "--mfa-token",
            "123456",
            "prod",
            "--",
            &py,
            script.to_str().unwrap(),
        ],
        &[
            // Both the role session and the MFA session are due at once.
            ("ROLECALL_REFRESH_WINDOW", "898"),
            ("ROLECALL_MFA_SESSION_DURATION", "900"),
            ("WAIT_FOR_REFRESH", "4"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("only mfa_process can give one")
            && err.contains("still serving the current one"),
        "{err}"
    );
    let r = child_report(&out);
    assert_eq!(
        r["first_key"], r["second_key"],
        "the valid session is still served: {r}"
    );
}

/// The identity each AWS client finds inside `exec --server`: boto3, the AWS CLI v1 and v2.
fn identities_inside(sb: &Sandbox) -> Vec<(&'static str, String)> {
    let py = python();
    let venv_aws = py.parent().unwrap().join("aws");
    let clients = [
        (
            "boto3",
            format!(
                "{} -c 'import boto3, os; print(boto3.client(\"sts\", endpoint_url=os.environ[\"AWS_ENDPOINT_URL\"]).get_caller_identity()[\"Arn\"])'",
                py.display()
            ),
        ),
        (
            "aws v1",
            format!("{} sts get-caller-identity --query Arn --output text", venv_aws.display()),
        ),
        (
            "aws v2",
            format!(
                "{} --endpoint-url \"$AWS_ENDPOINT_URL\" sts get-caller-identity --query Arn --output text",
                which("aws").display()
            ),
        ),
    ];
    clients
        .into_iter()
        .map(|(name, line)| {
            let out = sb.rolecall(&["exec", "--server", "prod", "--", "sh", "-c", &line]);
            (
                name,
                format!("{}{}", stdout(&out).trim(), stderr(&out).trim()),
            )
        })
        .collect()
}

#[test]
fn the_command_uses_the_endpoint_whatever_default_holds() {
    let (sb, keys, arn) = server_sandbox("");
    let role = arn.rsplit('/').next().unwrap().to_string();
    let other = sb.user(&unique("dflt"));
    let other_role = sb.role(&unique("dfltrole"));
    let base_credentials = format!(
        "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    );
    let base_config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    let defaults = [
        (
            "keys",
            format!(
                "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                other.id, other.secret
            ),
            "[default]\nregion = us-east-1\n".to_string(),
        ),
        (
            "sso",
            String::new(),
            "[default]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n".to_string(),
        ),
        (
            "role",
            String::new(),
            format!("[default]\nrole_arn = {other_role}\nsource_profile = base\n"),
        ),
    ];
    for (kind, credentials, config) in defaults {
        sb.write_credentials(&format!("{base_credentials}{credentials}"));
        sb.write_config(&format!("{base_config}{config}"));
        for (client, identity) in identities_inside(&sb) {
            assert!(
                identity.contains(&format!("assumed-role/{role}/")),
                "[default] with {kind}: {client} found {identity}"
            );
        }
    }
}

#[test]
#[ignore = "needs root: plays another user (setpriv); ./scripts/test runs it as root"]
fn another_users_connection_flood_neither_starves_the_command_nor_spins() {
    assert_root();
    let (sb, _, _) = server_sandbox("");
    // Another user opens as many idle connections as it can; meanwhile the command asks for
    // its credentials, and rolecall's CPU time over three seconds is measured (rolecall is the
    // parent of the command's warden).
    let flood = "import socket, sys, time\nport = int(sys.argv[1])\nheld = []\nfor _ in range(1000):\n    try:\n        held.append(socket.create_connection(('127.0.0.1', port), timeout=1))\n    except OSError:\n        time.sleep(0.01)\ntime.sleep(20)\n";
    let script = format!(
        "port=${{AWS_CONTAINER_CREDENTIALS_FULL_URI#http://127.0.0.1:}}; port=${{port%%/*}}\n\
         {nobody} -c \"$FLOOD\" \"$port\" >/dev/null 2>&1 &\n\
         sleep 3\n\
         rc=$(awk '{{print $4}}' /proc/$PPID/stat)\n\
         t0=$(awk '{{print $14+$15}}' /proc/$rc/stat)\n\
         code=$({curl} -s -o /dev/null -w '%{{http_code}}' --max-time 5 -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\")\n\
         sleep 3\n\
         t1=$(awk '{{print $14+$15}}' /proc/$rc/stat)\n\
         kill $! 2>/dev/null\n\
         echo \"$code $((t1 - t0))\"\n",
        nobody = as_nobody("/usr/bin/python3"),
        curl = which("curl").display()
    );
    let out = sb
        .command(which("sh"))
        .args([
            "-c",
            &format!("ulimit -n 256; exec {BIN} exec --server prod -- sh -c \"$SCRIPT\""),
        ])
        .env("SCRIPT", &script)
        .env("FLOOD", flood)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut fields = text.split_whitespace();
    assert_eq!(
        fields.next(),
        Some("200"),
        "the command was answered: {text}"
    );
    let ticks: u64 = fields.next().unwrap().parse().unwrap();
    // Clock ticks are 1/100 s: more than half a second of CPU in three is a busy loop.
    assert!(ticks < 50, "rolecall used {ticks} ticks of CPU in 3 s");
}

#[test]
fn what_the_command_leaves_running_ends_with_the_endpoint() {
    let (sb, _, _) = server_sandbox("");
    // The command starts a background process that keeps the endpoint's address and token
    // (and ignores SIGTERM), then exits.
    let out = sb.rolecall(&[
        "exec",
        "--server",
        "prod",
        "--",
        "sh",
        "-c",
        "(trap '' TERM; exec sleep 60) >/dev/null 2>&1 & echo $!",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pid = stdout(&out).trim().to_string();
    assert!(!pid.is_empty());
    let alive = || std::path::Path::new(&format!("/proc/{pid}")).exists();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while alive() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let left = alive();
    if left {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status();
    }
    assert!(!left, "the background process {pid} outlived the endpoint");
}

#[test]
fn a_killed_rolecall_takes_the_command_and_what_it_left_running_with_it() {
    let (sb, _, _) = server_sandbox("");
    let pids = sb.home().join("pids");
    // The command starts a background process, records both, and waits.
    let line = format!(
        "sleep 300 & echo $! > {0}.bg; echo $$ > {0}.fg; wait",
        pids.display()
    );
    let mut rolecall = sb
        .command(BIN)
        .args(["exec", "--server", "prod", "--", "sh", "-c", &line])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let read = |ext: &str| -> Option<i32> {
        std::fs::read_to_string(format!("{}.{ext}", pids.display()))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (fg, bg) = loop {
        if let (Some(fg), Some(bg)) = (read("fg"), read("bg")) {
            break (fg, bg);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the command did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let alive = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
    };
    assert!(alive(fg) && alive(bg));
    rolecall.kill().unwrap(); // SIGKILL: rolecall can do nothing about it
    rolecall.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while (alive(fg) || alive(bg)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!alive(fg), "the command outlived rolecall");
    assert!(
        !alive(bg),
        "the command's background process outlived rolecall"
    );
}

#[test]
fn each_connection_of_the_command_is_in_the_audit_log_once_per_session() {
    let (sb, _, _) = server_sandbox("");
    // Two requests on one keep-alive connection, then one on a second connection.
    let child = "import http.client, os, urllib.parse\n\
        url = urllib.parse.urlparse(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'])\n\
        auth = {'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}\n\
        for n in (2, 1):\n\
        \x20   c = http.client.HTTPConnection(url.hostname, url.port)\n\
        \x20   for _ in range(n):\n\
        \x20       c.request('GET', url.path, headers=auth)\n\
        \x20       assert c.getresponse().read()\n\
        \x20   c.close()\n";
    let py = python().display().to_string();
    let out = sb.rolecall(&["exec", "--server", "prod", "--", &py, "-c", child]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.rolecall(&["log", "--json", "prod"]);
    let requests: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &serde_json::Value| r["command"] == "exec --server request")
        .collect();
    assert_eq!(requests.len(), 2, "{}", stdout(&out));
    assert_ne!(requests[0]["client"], requests[1]["client"]);
    assert!(requests[0]["client"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    assert_eq!(requests[0]["key"].as_str().unwrap().len(), 4);
}
