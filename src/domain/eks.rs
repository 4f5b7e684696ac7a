//! Amazon EKS tokens, as `aws eks get-token` and aws-iam-authenticator make them: a presigned
//! STS `GetCallerIdentity` GET URL whose signed headers include `x-k8s-aws-id: CLUSTER`, valid
//! for 60 s of signing skew (`X-Amz-Expires=60`; EKS accepts it for 15 minutes after signing),
//! as `k8s-aws-v1.` + base64url without padding; kubectl's `ExecCredential` around it, and the
//! kubeconfig entry that runs rolecall for it.

use time::{Duration, OffsetDateTime};

use super::sso::base64url;

pub const CLUSTER_HEADER: &str = "x-k8s-aws-id";
/// The presigned URL's `X-Amz-Expires`, as the AWS CLI signs it.
pub const URL_EXPIRES_SECONDS: u64 = 60;
/// How long kubectl may reuse a token: 14 minutes after signing, as the AWS CLI says.
pub const TOKEN_MINUTES: i64 = 14;
const PREFIX: &str = "k8s-aws-v1.";
pub const BETA: &str = "client.authentication.k8s.io/v1beta1";
const V1: &str = "client.authentication.k8s.io/v1";

/// The unsigned GET of `GetCallerIdentity`: the endpoint's URL (an override, else the region's
/// STS endpoint) with the action's query.
pub fn caller_identity_url(region: &str, endpoint: Option<&str>) -> String {
    let base = match endpoint {
        Some(url) => url.trim_end_matches('/').to_string(),
        None if region.starts_with("cn-") => format!("https://sts.{region}.amazonaws.com.cn"),
        None => format!("https://sts.{region}.amazonaws.com"),
    };
    format!("{base}/?Action=GetCallerIdentity&Version=2011-06-15")
}

/// The bearer token for a presigned URL.
pub fn token(presigned_url: &str) -> String {
    format!("{PREFIX}{}", base64url(presigned_url.as_bytes()))
}

/// When kubectl should ask again: 14 minutes after signing, or sooner if the session that
/// signed ends sooner (EKS checks the session when it verifies the token).
pub fn expiration(signed: OffsetDateTime, session_ends: Option<OffsetDateTime>) -> OffsetDateTime {
    let by_url = signed + Duration::minutes(TOKEN_MINUTES);
    session_ends.map_or(by_url, |end| end.min(by_url))
}

/// The API version kubectl asks for in `KUBERNETES_EXEC_INFO` (v1 or v1beta1), else v1beta1.
pub fn api_version(exec_info: Option<&str>) -> &'static str {
    let asked = exec_info
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .and_then(|v| v["apiVersion"].as_str().map(str::to_string));
    match asked.as_deref() {
        Some(V1) => V1,
        _ => BETA,
    }
}

/// kubectl's `ExecCredential`, one line.
pub fn exec_credential(api_version: &str, token: &str, expires: OffsetDateTime) -> String {
    serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": api_version,
        "spec": {},
        "status": {
            "expirationTimestamp": super::text::timestamp(expires),
            "token": token,
        },
    })
    .to_string()
        + "\n"
}

/// The kubeconfig `users:` entry whose exec plugin is `rolecall eks token`. Every value the
/// user chose is a JSON string, which YAML reads as the same string.
pub fn kubeconfig_user(user: &str, profile: &str, cluster: &str, region: Option<&str>) -> String {
    let q = |s: &str| serde_json::Value::from(s).to_string();
    let mut args = vec![
        "eks".to_string(),
        "token".into(),
        "--cluster".into(),
        q(cluster),
    ];
    if let Some(region) = region {
        args.extend(["--region".to_string(), q(region)]);
    }
    args.push(q(profile));
    let args: String = args.iter().map(|a| format!("      - {a}\n")).collect();
    format!(
        "users:\n- name: {}\n  user:\n    exec:\n      apiVersion: {BETA}\n      command: rolecall\n      args:\n{args}      interactiveMode: IfAvailable\n      provideClusterInfo: false\n",
        q(user)
    )
}

/// A query value as SigV4 writes it: everything but the unreserved characters escaped.
pub fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_tokens_and_times() {
        assert_eq!(
            caller_identity_url("eu-west-1", None),
            "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
        );
        assert!(caller_identity_url("cn-north-1", None)
            .starts_with("https://sts.cn-north-1.amazonaws.com.cn/"));
        assert!(caller_identity_url("x", Some("http://127.0.0.1:5000/"))
            .starts_with("http://127.0.0.1:5000/?Action"));
        // base64url without padding: "?>" is "Pz4" in base64url, "Pz4=" padded.
        assert_eq!(token("?>"), "k8s-aws-v1.Pz4");
        let t = time::macros::datetime!(2026-12-07 10:00:00 UTC);
        assert_eq!(expiration(t, None), t + Duration::minutes(14));
        let soon = t + Duration::minutes(3);
        assert_eq!(expiration(t, Some(soon)), soon);
    }

    #[test]
    fn the_exec_credential_follows_kubectls_version() {
        assert_eq!(api_version(None), BETA);
        assert_eq!(
            api_version(Some(r#"{"apiVersion":"client.authentication.k8s.io/v1"}"#)),
            V1
        );
        assert_eq!(api_version(Some("not json")), BETA);
        let t = time::macros::datetime!(2026-12-07 10:00:00.5 UTC);
        let v: serde_json::Value =
            serde_json::from_str(&exec_credential(BETA, "k8s-aws-v1.x", t)).unwrap();
        assert_eq!(v["kind"], "ExecCredential");
        assert_eq!(v["status"]["expirationTimestamp"], "2026-12-07T10:00:00Z");
        assert_eq!(v["spec"], serde_json::json!({}));
    }

    #[test]
    fn the_kubeconfig_entry_quotes_what_the_user_chose() {
        let text = kubeconfig_user("me", "prod: x", "dev", Some("eu-west-1"));
        assert!(text.contains("      - \"prod: x\"\n"), "{text}");
        assert!(
            text.contains("      - --region\n      - \"eu-west-1\"\n"),
            "{text}"
        );
        assert!(text.starts_with("users:\n- name: \"me\"\n"));
        assert_eq!(query_escape("a/b+c=d~"), "a%2Fb%2Bc%3Dd~");
    }
}
