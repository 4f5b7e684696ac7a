//! The account of a session, as boto3 and the AWS CLI read it: `AWS_ACCOUNT_ID`, `AccountId`
//! in `credential_process` output and in the `exec --server` answer, and
//! `account_id_endpoint_mode`.

use crate::support::*;

/// What boto3's credential chain says the account is.
const BOTO3_ACCOUNT: &str = "import boto3\nc = boto3.Session().get_credentials().get_frozen_credentials()\nprint(c.account_id)";

fn account_sandbox() -> (Sandbox, String) {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(
        &sb,
        "acct",
        "region = us-east-1\naccount_id_endpoint_mode = required\n",
    );
    (sb, arn)
}

fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap().to_string()
}

#[test]
fn boto3_reads_the_account_from_export_exec_and_the_server() {
    let (sb, arn) = account_sandbox();
    let account = account_of(&arn);
    let out = sb.rolecall(&["export", "acct", "--format", "sh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let vars = parse_exports(&stdout(&out));
    let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("AWS_ACCOUNT_ID"), Some(account.clone()));
    assert_eq!(
        get("AWS_ACCOUNT_ID_ENDPOINT_MODE").as_deref(),
        Some("required")
    );
    let py = python().display().to_string();
    for server in [false, true] {
        let mut argv = vec!["exec"];
        if server {
            argv.push("--server");
        }
        argv.extend(["acct", "--", &py, "-c", BOTO3_ACCOUNT]);
        let out = sb.rolecall(&argv);
        assert!(out.status.success(), "server {server}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), account, "server {server}");
    }
}

/// `aws dynamodb list-tables --debug` with every request sent to a closed port of 127.0.0.1
/// (as a proxy), so nothing leaves the machine: the endpoint the AWS CLI chose, from its debug
/// log. With `account_id_endpoint_mode = required` it names the account, or the CLI fails
/// without sending anything when it knows none.
fn dynamodb_endpoint(sb: &Sandbox, prefix: &[&str]) -> String {
    let aws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    assert!(
        aws.exists(),
        "the AWS CLI is missing from .venv: run ./scripts/test"
    );
    let closed = format!("http://127.0.0.1:{}", free_port());
    let mut command = sb.command(prefix.first().copied().unwrap_or(aws.to_str().unwrap()));
    if !prefix.is_empty() {
        command.args(&prefix[1..]).arg(&aws);
    }
    let out = command
        .args(["dynamodb", "list-tables", "--debug"])
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ENDPOINT_URL_STS", &sb.endpoint)
        .env("HTTPS_PROXY", &closed)
        .env("AWS_MAX_ATTEMPTS", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let log = stderr(&out);
    log.lines()
        .find_map(|l| {
            l.split_once("Endpoint provider result: ")
                .map(|(_, e)| e.trim().to_string())
        })
        .unwrap_or_else(|| {
            panic!(
                "no endpoint in the AWS CLI's log: {}",
                &log[log.len().saturating_sub(2000)..]
            )
        })
}

#[test]
fn the_aws_cli_routes_to_the_account_from_exec_and_credential_process() {
    let (sb, arn) = account_sandbox();
    let account = account_of(&arn);
    let expected = format!("https://{account}.ddb.us-east-1.amazonaws.com");
    // Through exec: AWS_ACCOUNT_ID and AWS_ACCOUNT_ID_ENDPOINT_MODE in the environment.
    assert_eq!(
        dynamodb_endpoint(&sb, &[BIN, "exec", "acct", "--"]),
        expected
    );
    // Through credential_process: AccountId in its JSON.
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!(
        "{config}[profile via]\ncredential_process = {BIN} export --format process acct\nregion = us-east-1\naccount_id_endpoint_mode = required\n"
    ));
    assert_eq!(
        dynamodb_endpoint(&sb, &["env", "AWS_PROFILE=via"]),
        expected
    );
}
