//! `rolecall eks token` and `rolecall eks kubeconfig`.

use crate::support::*;

fn sandbox(extra: &str) -> (Sandbox, String) {
    let sb = Sandbox::new();
    let keys = sb.user(&unique("eks"));
    let arn = sb.role(&unique("eks-role"));
    sb.write_credentials(&format!(
        "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    sb.write_config(&format!(
        "[profile prod]\nrole_arn = {arn}\nsource_profile = base\nregion = eu-west-1\n{extra}[profile base]\nregion = eu-west-1\n"
    ));
    (sb, arn)
}

#[test]
fn the_token_is_the_aws_clis_for_the_same_session_and_time_and_sts_answers_it() {
    let (sb, arn) = sandbox("");
    let out = sb.rolecall(&["eks", "token", "--cluster", "dev-cluster", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let credential = stdout(&out);
    let calls = moto().count("AssumeRole", &format!("RoleArn={arn}"));
    // The same cached session, as the AWS CLI would be given it.
    let out = sb.rolecall(&["export", "--format", "json", "prod"]);
    let session: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut check = sb.command(python());
    check
        .arg(support_dir().join("eks_check.py"))
        .args([
            session["AccessKeyId"].as_str().unwrap(),
            session["SecretAccessKey"].as_str().unwrap(),
            session["SessionToken"].as_str().unwrap(),
            "dev-cluster",
            "eu-west-1",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = check.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), credential.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let r: serde_json::Value = serde_json::from_str(stdout(&out).trim())
        .unwrap_or_else(|_| panic!("{}{}", stdout(&out), stderr(&out)));
    assert_eq!(r["kind"], "ExecCredential");
    assert_eq!(r["api_version"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(r["padding"], false);
    assert_eq!(r["same_url_base"], true, "{r}");
    // Every query parameter, the signature included: the same canonical request, signed
    // with the same key at the same second.
    assert_eq!(r["ours"], r["theirs"], "{r}");
    assert_eq!(r["ours"]["X-Amz-Expires"], "60");
    assert_eq!(r["ours"]["X-Amz-SignedHeaders"], "host;x-k8s-aws-id");
    assert_eq!(r["ours"]["Action"], "GetCallerIdentity");
    // Expires 14 minutes after signing.
    let fmt = time::format_description::well_known::Rfc3339;
    let signed = time::OffsetDateTime::parse(r["signed_at"].as_str().unwrap(), &fmt).unwrap();
    let expires = time::OffsetDateTime::parse(r["expiration"].as_str().unwrap(), &fmt).unwrap();
    assert_eq!(expires - signed, time::Duration::minutes(14), "{r}");
    // The presigned request, sent as EKS sends it, is GetCallerIdentity of the role's session.
    assert_eq!(r["sts_status"], 200);
    let role = arn.rsplit('/').next().unwrap();
    assert!(
        r["sts_arn"]
            .as_str()
            .unwrap()
            .contains(&format!("assumed-role/{role}/")),
        "{r}"
    );
    // A warm call signs with the cached session: no STS call.
    let out = sb.rolecall(&["eks", "token", "--cluster", "dev-cluster", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(moto().count("AssumeRole", &format!("RoleArn={arn}")), calls);
}

#[test]
fn kubectls_v1_is_answered_in_v1() {
    let (sb, _) = sandbox("");
    let out = sb.rolecall_env(
        &["eks", "token", "--cluster", "c", "prod"],
        &[("KUBERNETES_EXEC_INFO", r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
}

#[test]
fn without_a_terminal_an_mfa_profile_fails_at_once_naming_the_command() {
    let (sb, _) = sandbox("mfa_serial = arn:aws:iam::123456789012:mfa/eks\n");
    let out = sb.rolecall(&["eks", "token", "--cluster", "dev", "prod"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains("no terminal to ask on; run \"rolecall eks token --cluster dev prod\" in a terminal once"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn the_kubeconfig_entry_runs_rolecall_for_the_cluster() {
    let (sb, _) = sandbox("");
    let out = sb.rolecall(&[
        "eks",
        "kubeconfig",
        "--cluster",
        "dev",
        "--region",
        "eu-west-1",
        "prod",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "users:\n- name: \"rolecall-prod-dev\"\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: rolecall\n      args:\n      - eks\n      - token\n      - --cluster\n      - \"dev\"\n      - --region\n      - \"eu-west-1\"\n      - \"prod\"\n      interactiveMode: IfAvailable\n      provideClusterInfo: false\n"
    );
    let out = sb.rolecall(&["eks", "kubeconfig", "--cluster", "dev", "prdo"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("prod"), "{}", stderr(&out));
}
