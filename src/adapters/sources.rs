//! Root credentials from outside the config files, for real: `credential_process`,
//! `mfa_process` and web identity token files here, the EC2 and ECS providers through the
//! shared AWS runtime.

use std::process::{Command, Stdio};
use std::rc::Rc;

use super::aws::Aws;
use crate::domain::{process_json, Credentials, Secret};
use crate::ports::sources::{SourceError, Sources};

/// The real sources.
pub struct SystemSources {
    aws: Rc<Aws>,
}

impl SystemSources {
    pub fn new(aws: Rc<Aws>) -> Self {
        Self { aws }
    }
}

impl Sources for SystemSources {
    fn instance_metadata(&self) -> Result<Credentials, SourceError> {
        self.aws.instance_metadata()
    }

    fn container(&self) -> Result<Credentials, SourceError> {
        self.aws.container()
    }

    fn process(&self, command: &str) -> Result<Credentials, SourceError> {
        let output = run(command, "credential_process")?;
        process_json::parse(&output).map_err(|e| SourceError::failed(e.to_string()))
    }

    fn mfa_process(&self, command: &str) -> Result<String, SourceError> {
        let output = run(command, "mfa_process")?;
        Ok(String::from_utf8_lossy(&output).trim().to_string())
    }

    fn web_identity_token(&self, path: &str) -> Result<Secret, SourceError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SourceError::failed(format!("cannot read web_identity_token_file {path}: {}", e))
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
        .map_err(|e| SourceError::failed(format!("cannot run {key} {:?}: {}", words[0], e)))?;
    if !output.status.success() {
        return Err(SourceError::failed(format!(
            "{key} {:?} failed ({}); see its message above",
            words[0], output.status
        )));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

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
