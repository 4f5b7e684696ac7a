//! Root credentials that come from outside the config files: the EC2 instance metadata
//! service, the ECS container endpoint, `credential_process`, `mfa_process`, and web identity
//! token files. The `Sources` trait keeps the executor testable; `SystemSources` is the real one.

use std::cell::OnceCell;
use std::fmt;
use std::process::{Command, Stdio};

use aws_credential_types::provider::ProvideCredentials;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Credentials, Secret};

/// A root source failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The source could not be reached (as opposed to answering something wrong).
    pub unreachable: bool,
    pub message: String,
}

impl SourceError {
    fn failed(message: impl Into<String>) -> Self {
        Self {
            unreachable: false,
            message: message.into(),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SourceError {}

pub trait Sources {
    /// The EC2 instance role's credentials (IMDSv2).
    fn instance_metadata(&self) -> Result<Credentials, SourceError>;
    /// The ECS task role's credentials.
    fn container(&self) -> Result<Credentials, SourceError>;
    /// Runs a `credential_process` command and reads its JSON.
    fn process(&self, command: &str) -> Result<Credentials, SourceError>;
    /// Runs an `mfa_process` command and returns what it printed.
    fn mfa_process(&self, command: &str) -> Result<String, SourceError>;
    /// Reads a web identity token file.
    fn web_identity_token(&self, path: &str) -> Result<Secret, SourceError>;
}

/// The real sources.
#[derive(Default)]
pub struct SystemSources {
    runtime: OnceCell<tokio::runtime::Runtime>,
}

impl SystemSources {
    pub fn new() -> Self {
        Self::default()
    }

    /// `hint` says what to check when the platform does not answer.
    fn provide(
        &self,
        what: &str,
        hint: &str,
        provider: impl ProvideCredentials,
    ) -> Result<Credentials, SourceError> {
        let rt = match self.runtime.get() {
            Some(rt) => rt,
            None => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        SourceError::failed(format!("cannot start the network runtime: {e}"))
                    })?;
                self.runtime.get_or_init(|| rt)
            }
        };
        let c = rt
            .block_on(provider.provide_credentials())
            .map_err(|e| SourceError {
                unreachable: true,
                message: format!(
                    "{what}: {}; {hint}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                        .to_string()
                        .to_lowercase()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            })?;
        Ok(Credentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: Secret::new(c.secret_access_key()),
            session_token: c.session_token().map(Secret::new),
            expiration: c.expiry().map(OffsetDateTime::from),
        })
    }

    fn provider_config() -> aws_config::provider_config::ProviderConfig {
        aws_config::provider_config::ProviderConfig::without_region()
            .with_http_client(super::sts::http_client())
            .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
    }
}

impl Sources for SystemSources {
    fn instance_metadata(&self) -> Result<Credentials, SourceError> {
        let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
            .configure(&Self::provider_config())
            .build();
        self.provide(
            "EC2 instance metadata",
            "credential_source = Ec2InstanceMetadata works on an EC2 instance with a role (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address)",
            provider,
        )
    }

    fn container(&self) -> Result<Credentials, SourceError> {
        let provider = aws_config::ecs::EcsCredentialsProvider::builder()
            .configure(&Self::provider_config())
            .build();
        self.provide(
            "ECS container credentials",
            "credential_source = EcsContainer needs AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, as ECS sets them in a task",
            provider,
        )
    }

    fn process(&self, command: &str) -> Result<Credentials, SourceError> {
        let output = run(command, "credential_process")?;
        parse_process_output(&output)
    }

    fn mfa_process(&self, command: &str) -> Result<String, SourceError> {
        let output = run(command, "mfa_process")?;
        Ok(String::from_utf8_lossy(&output).trim().to_string())
    }

    fn web_identity_token(&self, path: &str) -> Result<Secret, SourceError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SourceError::failed(format!(
                "cannot read web_identity_token_file {path}: {}",
                e.to_string().to_lowercase()
            ))
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(SourceError::failed(format!(
                "web_identity_token_file {path} is empty"
            )));
        }
        Ok(Secret::new(token))
    }
}

/// Runs `command` split as the AWS CLI splits it (POSIX shell words, no shell), with the
/// terminal's stdin and stderr, and returns its stdout.
fn run(command: &str, key: &str) -> Result<Vec<u8>, SourceError> {
    let words = shlex::split(command)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| {
            SourceError::failed(format!("{key} {command:?} is not a valid command line"))
        })?;
    let output = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| {
            SourceError::failed(format!(
                "cannot run {key} {:?}: {}",
                words[0],
                e.to_string().to_lowercase()
            ))
        })?;
    if !output.status.success() {
        return Err(SourceError::failed(format!(
            "{key} {:?} failed ({}); see its message above",
            words[0], output.status
        )));
    }
    Ok(output.stdout)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessOutput {
    version: Option<i64>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    expiration: Option<String>,
}

/// Validates `credential_process` output: `Version` 1, both keys, an RFC 3339 expiration.
pub fn parse_process_output(bytes: &[u8]) -> Result<Credentials, SourceError> {
    let bad =
        |what: &str| SourceError::failed(format!("credential_process output is invalid: {what}"));
    let out: ProcessOutput =
        serde_json::from_slice(bytes).map_err(|_| bad("it is not a JSON object"))?;
    if out.version != Some(1) {
        return Err(bad("\"Version\" must be 1"));
    }
    let access_key_id = out
        .access_key_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("\"AccessKeyId\" is missing"))?;
    let secret = out
        .secret_access_key
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("\"SecretAccessKey\" is missing"))?;
    let expiration = match out.expiration.as_deref() {
        None => None,
        Some(text) => Some(
            OffsetDateTime::parse(text, &Rfc3339)
                .map_err(|_| bad("\"Expiration\" is not an RFC 3339 time"))?,
        ),
    };
    Ok(Credentials {
        access_key_id,
        secret_access_key: Secret::new(secret),
        session_token: out.session_token.filter(|s| !s.is_empty()).map(Secret::new),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_output_validation() {
        let ok = parse_process_output(
            br#"{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-22T11:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(ok.access_key_id, "ASIA");
        assert!(ok.expiration.is_some());
        let long_term =
            parse_process_output(br#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}"#)
                .unwrap();
        assert!(long_term.expiration.is_none() && long_term.session_token.is_none());
        for (bad, why) in [
            (&b"nope"[..], "not a JSON object"),
            (br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}"#, "Version"),
            (br#"{"Version":1,"SecretAccessKey":"s"}"#, "AccessKeyId"),
            (br#"{"Version":1,"AccessKeyId":"A"}"#, "SecretAccessKey"),
            (br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"topsecret","Expiration":"tomorrow"}"#, "RFC 3339"),
        ] {
            let e = parse_process_output(bad).unwrap_err();
            assert!(e.message.contains(why), "{e}");
            assert!(!e.message.contains("topsecret"));
        }
    }

    #[test]
    fn process_commands_are_split_without_a_shell() {
        let out = run("printf '%s|%s' 'a b' \"c'd\"", "credential_process").unwrap();
        assert_eq!(out, b"a b|c'd");
        let e = run("sh -c 'exit 3'", "credential_process").unwrap_err();
        assert!(e.message.contains("failed"), "{e}");
        let e = run("no-such-program-xyz", "mfa_process").unwrap_err();
        assert!(e.message.contains("cannot run mfa_process"), "{e}");
        assert!(run("'unterminated", "credential_process").is_err());
    }
}
