//! `rolecall serve`: the credential endpoint without a command; `exec --imds` and
//! `serve --imds`: an IMDSv2 endpoint.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use crate::support::*;

fn sandbox() -> (Sandbox, String) {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("serve"));
    let arn = sb.role(&unique("served"));
    sb.write_credentials(&format!(
        "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    sb.write_config(&format!(
        "[profile prod]\nrole_arn = {arn}\nsource_profile = base\nregion = eu-west-1\n[profile base]\nregion = eu-west-1\n"
    ));
    (sb, arn)
}

/// `rolecall serve ARGS` in the background, and the first `lines` lines it printed.
fn start(sb: &Sandbox, args: &[&str], lines: usize) -> (Child, Vec<String>) {
    let mut child = sb
        .command(BIN)
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        printed.push(line.trim_end().to_string());
    }
    (child, printed)
}

/// Stops `serve` with `signal`; its exit status and stderr.
fn stop(mut child: Child, signal: &str) -> (Option<i32>, String) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (code, err)
}

/// boto3 with only `vars` (a JSON object): `serve_client.py`'s report.
fn client(sb: &Sandbox, vars: &str, prefix: &[&str]) -> serde_json::Value {
    let mut argv: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
    argv.push(python().display().to_string());
    argv.push(support_dir().join("serve_client.py").display().to_string());
    if prefix.is_empty() {
        argv.push("--whoami".into());
    }
    let mut c = sb.command(&argv[0]);
    c.args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        format!("{vars}\n").as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("{text}{}", stderr(&out)))
}

#[test]
fn serve_prints_one_token_per_client_and_stops_cleanly() {
    let (sb, arn) = sandbox();
    let (child, lines) = start(&sb, &["--format", "json", "--clients", "2", "prod"], 2);
    let role = arn.rsplit('/').next().unwrap();
    let mut keys = Vec::new();
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["AWS_REGION"], "eu-west-1", "{v}");
        let r = client(&sb, line, &[]);
        assert_eq!(r["method"], "container-role", "{r}");
        assert!(r["arn"].as_str().unwrap().contains(role), "{r}");
        keys.push(r["key"].clone());
    }
    let [one, two] =
        [&lines[0], &lines[1]].map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap());
    assert_eq!(
        one["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        two["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    );
    assert_ne!(
        one["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
        two["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    );
    assert_eq!(keys[0], keys[1], "one session, served to both");
    let uri = one["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri}");
    let (code, err) = stop(child, "TERM");
    assert_eq!(code, Some(0), "{err}");
    // The audit trail names the client whose token each request showed.
    let log = stdout(&sb.rolecall(&["log", "--json", "prod"]));
    for client in ["(client 1)", "(client 2)"] {
        assert!(
            log.lines()
                .any(|l| l.contains("serve request") && l.contains(client)),
            "{log}"
        );
    }
    // The port is closed once serve has stopped.
    let port = uri.rsplit(':').next().unwrap().split('/').next().unwrap();
    assert!(std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err());
}

#[test]
fn serve_prints_for_shells_and_docker() {
    let (sb, arn) = sandbox();
    let role = arn.rsplit('/').next().unwrap();
    // The sh statements, evaluated by a real shell over variables that would come first.
    let (child, lines) = start_until(
        &sb,
        &["--format", "sh", "prod"],
        "export AWS_CONTAINER_AUTHORIZATION_TOKEN=",
    );
    let script = format!(
        "export AWS_PROFILE=x AWS_ACCESS_KEY_ID=y AWS_SECRET_ACCESS_KEY=z\n{}\nexec {} {} --from-env --whoami",
        lines.join("\n"),
        python().display(),
        support_dir().join("serve_client.py").display()
    );
    let out = sb.shell("dash", &script);
    let r: serde_json::Value = serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|_| panic!("{}{}", stdout(&out), stderr(&out)));
    assert_eq!(r["method"], "container-role", "{r}");
    assert!(r["arn"].as_str().unwrap().contains(role), "{r}");
    let (code, err) = stop(child, "INT");
    assert_eq!(code, Some(0), "{err}");
    // fish's statements, in fish.
    let (child, lines) = start_until(
        &sb,
        &["--format", "fish", "prod"],
        "set -gx AWS_CONTAINER_AUTHORIZATION_TOKEN ",
    );
    let script = format!(
        "set -gx AWS_PROFILE x\n{}\nexec {} {} --from-env --whoami",
        lines.join("\n"),
        python().display(),
        support_dir().join("serve_client.py").display()
    );
    let out = sb.shell("fish", &script);
    let r: serde_json::Value = serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|_| panic!("{}{}", stdout(&out), stderr(&out)));
    assert!(r["arn"].as_str().unwrap().contains(role), "{r}");
    let (code, err) = stop(child, "TERM");
    assert_eq!(code, Some(0), "{err}");
    // docker run's -e arguments: unquoted words that give the same variables.
    let (child, lines) = start(&sb, &["--format", "docker", "prod"], 1);
    let mut vars = serde_json::Map::new();
    let words: Vec<&str> = lines[0].split(' ').collect();
    for pair in words.chunks(2) {
        assert_eq!(pair[0], "-e", "{}", lines[0]);
        let (k, v) = pair[1].split_once('=').unwrap();
        vars.insert(k.into(), v.into());
    }
    assert_eq!(vars["AWS_REGION"], "eu-west-1");
    let r = client(&sb, &serde_json::Value::Object(vars).to_string(), &[]);
    assert!(r["arn"].as_str().unwrap().contains(role), "{r}");
    let (code, err) = stop(child, "TERM");
    assert_eq!(code, Some(0), "{err}");
}

/// `serve ARGS` in the background, and what it printed up to the line holding `marker`.
#[allow(clippy::zombie_processes)] // the caller stops it
fn start_until(sb: &Sandbox, args: &[&str], marker: &str) -> (Child, Vec<String>) {
    let mut child = sb
        .command(BIN)
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            let status = child.wait();
            panic!("serve ended ({status:?}) after {printed:?}");
        }
        printed.push(line.trim_end().to_string());
        if line.contains(marker) {
            return (child, printed);
        }
    }
}

#[test]
fn serve_refuses_what_it_cannot_do_safely() {
    let (sb, _) = sandbox();
    for (args, says) in [
        (
            vec!["--bind", "0.0.0.0", "prod"],
            "not one interface's address",
        ),
        (
            vec!["--imds", "--bind", "169.254.170.2", "prod"],
            "127.0.0.1 only",
        ),
        (vec!["--no-session", "base"], "never long-term keys"),
    ] {
        let mut argv = vec!["serve"];
        argv.extend(args);
        let out = sb.rolecall(&argv);
        assert_eq!(out.status.code(), Some(2), "{argv:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn exec_imds_serves_boto3_through_instance_metadata_alone() {
    let (sb, arn) = sandbox();
    let script = support_dir().join("imds_child.py");
    let py = python().display().to_string();
    let out = sb.rolecall(&[
        "exec",
        "--imds",
        "prod",
        "--",
        &py,
        script.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let r: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|_| panic!("{text}{}", stderr(&out)));
    let role = arn.rsplit('/').next().unwrap();
    assert_eq!(r["container"], serde_json::json!([]), "{r}");
    assert_eq!(
        r["disabled"],
        serde_json::Value::Null,
        "the sandbox's AWS_EC2_METADATA_DISABLED is removed"
    );
    assert_eq!(r["has_keys"], false);
    assert_eq!(r["put"], 200);
    assert_eq!(r["put_ttl"], "60");
    assert_eq!(r["put_no_ttl"], 400);
    assert_eq!(r["put_big_ttl"], 400);
    assert_eq!(r["put_forwarded"], 403);
    assert_eq!(r["get_token_path"], 405);
    assert_eq!(r["no_token"], 401);
    assert_eq!(r["wrong_token"], 401);
    assert_eq!(r["other_host"], 403);
    assert_eq!(r["forwarded"], 403);
    assert_eq!(r["role"], role);
    assert_eq!(
        r["document"],
        serde_json::json!([
            "AccessKeyId",
            "Code",
            "Expiration",
            "LastUpdated",
            "SecretAccessKey",
            "Token",
            "Type"
        ])
    );
    assert_eq!(r["type"], "AWS-HMAC");
    assert_eq!(r["code"], "Success");
    assert_eq!(r["other_role"], 404);
    assert_eq!(r["region_path"], "eu-west-1");
    let account = arn.split(':').nth(4).unwrap();
    assert_eq!(
        r["identity"],
        serde_json::json!({"region": "eu-west-1", "accountId": account})
    );
    assert_eq!(
        r["botocore_imds_region"], "eu-west-1",
        "the region from instance metadata"
    );
    assert_eq!(r["method"], "iam-role", "{r}");
    assert!(
        r["arn"]
            .as_str()
            .unwrap()
            .contains(&format!("assumed-role/{role}/")),
        "{r}"
    );
}

#[test]
fn both_aws_clis_get_the_role_from_instance_metadata() {
    let (sb, arn) = sandbox();
    let role = arn.rsplit('/').next().unwrap();
    let empty = sb.home().join("empty");
    std::fs::write(&empty, "").unwrap();
    let v1 = python().parent().unwrap().join("aws");
    for aws in [v1.as_path(), std::path::Path::new("/usr/bin/aws")] {
        assert!(
            aws.exists(),
            "{} is missing: run scripts/install-test-deps",
            aws.display()
        );
        let line = format!(
            "AWS_CONFIG_FILE={e} AWS_SHARED_CREDENTIALS_FILE={e} exec {aws} --endpoint-url \"$AWS_ENDPOINT_URL\" sts get-caller-identity --output text --query Arn",
            e = empty.display(),
            aws = aws.display()
        );
        let out = sb.rolecall(&["exec", "--imds", "prod", "--", "sh", "-c", &line]);
        assert!(out.status.success(), "{}: {}", aws.display(), stderr(&out));
        assert!(
            stdout(&out).contains(&format!("assumed-role/{role}/")),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn serve_imds_prints_the_endpoint_for_a_client() {
    let (sb, arn) = sandbox();
    let (child, lines) = start(&sb, &["--imds", "--format", "json", "prod"], 1);
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let endpoint = v["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{v}");
    let script = format!(
        "import boto3, os; os.environ.pop('AWS_EC2_METADATA_DISABLED', None); os.environ['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = '{endpoint}'; print(boto3.client('sts', region_name='eu-west-1').get_caller_identity()['Arn'])"
    );
    let out = sb.command(python()).args(["-c", &script]).output().unwrap();
    let role = arn.rsplit('/').next().unwrap();
    assert!(
        stdout(&out).contains(role),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let (code, err) = stop(child, "TERM");
    assert_eq!(code, Some(0), "{err}");
}

/// A network namespace joined to this one by a veth pair: this side 169.254.170.2 (the ECS
/// agent's address, which the SDKs accept over plain http), the other 169.254.170.1. Removed
/// on drop.
struct Namespace(String);

impl Namespace {
    fn new() -> Self {
        let name = format!("rc-serve-{}", std::process::id());
        let (host, inner) = (
            format!("vh{}", std::process::id()),
            format!("vn{}", std::process::id()),
        );
        let ns = Namespace(name.clone());
        for line in [
            format!("ip netns add {name}"),
            format!("ip link add {host} type veth peer name {inner}"),
            format!("ip link set {inner} netns {name}"),
            format!("ip addr add 169.254.170.2/30 dev {host}"),
            format!("ip link set {host} up"),
            format!("ip netns exec {name} ip addr add 169.254.170.1/30 dev {inner}"),
            format!("ip netns exec {name} ip link set {inner} up"),
            format!("ip netns exec {name} ip link set lo up"),
        ] {
            let out = Command::new("sh").arg("-c").arg(&line).output().unwrap();
            assert!(out.status.success(), "{line}: {}", stderr(&out));
        }
        ns
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // Deleting the namespace deletes the veth pair with it.
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
#[ignore = "needs root: creates a network namespace and a veth pair (ip netns)"]
fn boto3_in_another_network_namespace_reaches_serve_on_the_ecs_address() {
    assert_root();
    let (sb, _) = sandbox();
    let ns = Namespace::new();
    let (child, lines) = start(
        &sb,
        &["--bind", "169.254.170.2", "--format", "json", "prod"],
        1,
    );
    let vars: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let uri = vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(uri.starts_with("http://169.254.170.2:"), "{uri}");
    let inside = ["ip", "netns", "exec", ns.0.as_str()];
    let r = client(&sb, &lines[0], &inside);
    assert_eq!(r["method"], "container-role", "{r}");
    assert_eq!(r["host_allowed"], true);
    // The same session as this side's cache holds.
    let out = sb.rolecall(&["export", "--format", "json", "prod"]);
    let here: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["key"], here["AccessKeyId"], "{r}");
    // Another address over plain http (a Docker bridge's, say) is refused by botocore itself.
    let mut elsewhere = vars.clone();
    elsewhere["AWS_CONTAINER_CREDENTIALS_FULL_URI"] =
        uri.replace("169.254.170.2", "169.254.170.1").into();
    let r = client(&sb, &elsewhere.to_string(), &inside);
    assert_eq!(r["host_allowed"], false, "{r}");
    assert!(
        r["error"].as_str().unwrap().contains("Unsupported host"),
        "{r}"
    );
    let (code, err) = stop(child, "TERM");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn dry_run_says_which_endpoint_is_served() {
    let (sb, _) = sandbox();
    let out = sb.rolecall(&["exec", "--imds", "--dry-run", "prod", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("instance metadata service (IMDSv2)"),
        "{text}"
    );
    assert!(text.contains("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "{text}");
    let out = sb.rolecall(&["serve", "--dry-run", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn serve_refreshes_the_session_it_serves() {
    let (mut sb, arn) = sandbox();
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&config.replace(
        "region = eu-west-1\n[profile base]",
        "region = eu-west-1\nduration_seconds = 900\n[profile base]",
    ));
    // Due for a refresh two seconds after it starts.
    sb.extra_env
        .push(("ROLECALL_REFRESH_WINDOW".into(), "898".into()));
    let (child, lines) = start(&sb, &["--format", "json", "prod"], 1);
    let first = client(&sb, &lines[0], &[]);
    std::thread::sleep(std::time::Duration::from_secs(5));
    let second = client(&sb, &lines[0], &[]);
    assert_ne!(first["key"], second["key"], "{first} {second}");
    assert!(moto().count("AssumeRole", &format!("RoleArn={arn}")) >= 2);
    let (code, err) = stop(child, "TERM");
    assert_eq!(code, Some(0), "{err}");
}
