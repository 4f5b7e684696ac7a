//! Root credentials from outside the config files, for real: `credential_process`,
//! `mfa_process` and web identity token files here, the EC2 and ECS providers through the
//! shared AWS runtime.

use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use super::aws::platform::Lookup;
use super::aws::Aws;
use super::helper;
use crate::domain::plan::CHAIN_VAR;
use crate::domain::{process_json, Credentials, Secret, Vars};
use crate::ports::sources::{SourceError, Sources};
use crate::settings::SettingError;

/// The real sources. `vars` is the environment the platform providers read (they read the
/// process's, of which it is the snapshot), for the messages that say where they looked.
pub struct SystemSources {
    aws: Rc<Aws>,
    vars: Vars,
    /// `ROLECALL_PROCESS_TIMEOUT`, an error only for the runs that start a helper.
    limit: Result<Duration, SettingError>,
}

impl SystemSources {
    pub fn new(aws: Rc<Aws>, vars: Vars, limit: Result<Duration, SettingError>) -> Self {
        Self { aws, vars, limit }
    }

    fn limit(&self) -> Result<Duration, SourceError> {
        self.limit
            .clone()
            .map_err(|e| SourceError::failed(e.to_string()))
    }
}

/// The most a `credential_process` may print (real answers are about a kilobyte).
const MAX_PROCESS_OUTPUT: usize = 64 << 10;
/// The most an `mfa_process` may print (a code is six digits).
const MAX_MFA_OUTPUT: usize = 1 << 10;
/// The largest web identity token file read (STS takes tokens of up to 20,000 characters).
const MAX_TOKEN_BYTES: u64 = 64 << 10;

impl Sources for SystemSources {
    fn instance_metadata(&self) -> Result<Credentials, SourceError> {
        if self
            .vars
            .non_empty("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Err(SourceError {
                unreachable: true,
                message: "EC2 instance metadata is turned off: AWS_EC2_METADATA_DISABLED=true turns instance metadata off; unset it to use credential_source = Ec2InstanceMetadata".into(),
            });
        }
        let custom = self.vars.non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        let ipv6 = self
            .vars
            .non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
            .is_some_and(|m| m.eq_ignore_ascii_case("ipv6"));
        let url = match (custom, ipv6) {
            (Some(url), _) => url.to_string(),
            (None, true) => "http://[fd00:ec2::254]".into(),
            (None, false) => "http://169.254.169.254".into(),
        };
        self.aws.instance_metadata(&Lookup {
            what: "instance metadata",
            url,
            hint: if custom.is_some() {
                "check AWS_EC2_METADATA_SERVICE_ENDPOINT"
            } else {
                "credential_source = Ec2InstanceMetadata works on an EC2 instance with a role (AWS_EC2_METADATA_SERVICE_ENDPOINT sets another address)"
            },
        })
    }

    fn container(&self) -> Result<Credentials, SourceError> {
        // The SDKs' order: the relative URI (ECS) before the full one (EKS, Greengrass, tests).
        let relative = self
            .vars
            .non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        let full = self.vars.non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        let (url, hint) = match (relative, full) {
            (Some(path), _) => (
                format!("http://169.254.170.2{path}"),
                "check AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; outside an ECS task, unset it",
            ),
            (None, Some(url)) => (
                url.to_string(),
                "check AWS_CONTAINER_CREDENTIALS_FULL_URI (and AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE)",
            ),
            (None, None) => {
                return Err(SourceError {
                    unreachable: true,
                    message: "ECS container credentials: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set; credential_source = EcsContainer works inside an ECS task or an EKS pod with Pod Identity, which set them".into(),
                })
            }
        };
        self.aws.container(&Lookup {
            what: "the container credentials endpoint",
            url,
            hint,
        })
    }

    fn process(&self, command: &str, chain: &str) -> Result<Credentials, SourceError> {
        let output = run(
            command,
            "credential_process",
            self.limit()?,
            MAX_PROCESS_OUTPUT,
            Some(chain),
        )?;
        process_json::parse(&output).map_err(|e| SourceError::failed(e.to_string()))
    }

    fn mfa_process(&self, command: &str) -> Result<String, SourceError> {
        let output = run(command, "mfa_process", self.limit()?, MAX_MFA_OUTPUT, None)?;
        Ok(String::from_utf8_lossy(&output).trim().to_string())
    }

    fn web_identity_token(&self, path: &str) -> Result<Secret, SourceError> {
        let text = read_token(path)?;
        let token = text.trim();
        if token.is_empty() {
            return Err(SourceError::failed(format!(
                "web_identity_token_file {path} is empty"
            )));
        }
        Ok(Secret::new(token))
    }

    fn web_identity_token_process(&self, command: &str) -> Result<Secret, SourceError> {
        self.token_process(command)
    }
}

impl SystemSources {
    /// aws-vault's `web_identity_token_process`: bounded like `credential_process`.
    fn token_process(&self, command: &str) -> Result<Secret, SourceError> {
        let key = "web_identity_token_process";
        let output = run(command, key, self.limit()?, MAX_TOKEN_BYTES as usize, None)?;
        let text = String::from_utf8(output)
            .map_err(|_| SourceError::failed(format!("{key} {command:?} printed no UTF-8 text")))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(SourceError::failed(format!(
                "{key} {command:?} printed no token"
            )));
        }
        Ok(Secret::new(token))
    }
}

/// A token file's text: a regular file of at most [`MAX_TOKEN_BYTES`] (a FIFO or a device
/// such as `/dev/zero` would block or never end).
fn read_token(path: &str) -> Result<String, SourceError> {
    let failed = |why: String| {
        SourceError::failed(format!("cannot read web_identity_token_file {path}: {why}"))
    };
    let bytes = super::files::read_regular(std::path::Path::new(path), MAX_TOKEN_BYTES)
        .map_err(|e| failed(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| failed("it is not UTF-8 text".into()))
}

/// Runs `command` split as the AWS CLI splits it (POSIX shell words, no shell), with the
/// terminal's stdin and stderr, within `limit`, and returns its stdout (at most `cap` bytes).
fn run(
    command: &str,
    key: &str,
    limit: Duration,
    cap: usize,
    chain: Option<&str>,
) -> Result<Vec<u8>, SourceError> {
    let words = shlex::split(command)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| {
            SourceError::failed(format!("{key} {command:?} is not a valid command line"))
        })?;
    let mut child = Command::new(&words[0]);
    child
        .args(&words[1..])
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit());
    if let Some(chain) = chain {
        child.env(CHAIN_VAR, chain);
    }
    helper::run(&mut child, limit, cap)
        .map_err(|e| SourceError::failed(e.describe(&format!("{key} {:?}", words[0]))))
}

#[cfg(test)]
#[cfg(unix)] // they run sh and printf
mod tests {
    use super::*;

    #[test]
    fn process_commands_are_split_without_a_shell() {
        let run = |c: &str, k: &str| run(c, k, Duration::from_secs(10), 1024, None);
        let out = run("printf '%s|%s' 'a b' \"c'd\"", "credential_process").unwrap();
        assert_eq!(out, b"a b|c'd");
        let e = run("sh -c 'exit 3'", "credential_process").unwrap_err();
        assert!(e.message.contains("failed"), "{e}");
        let e = run("no-such-program-xyz", "mfa_process").unwrap_err();
        assert!(e.message.contains("cannot run mfa_process"), "{e}");
        assert!(run("'unterminated", "credential_process").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn token_files_must_be_small_regular_files() {
        let e = read_token("/dev/zero").unwrap_err();
        assert!(e.message.contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 70 << 10]).unwrap();
        let e = read_token(big.to_str().unwrap()).unwrap_err();
        assert!(e.message.contains("larger than 64 KiB"), "{e}");
    }
}
