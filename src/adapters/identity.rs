//! What identifies the caller, for real: a token file's content, the instance, the container
//! task, a `credential_process`'s context. Digests only (never a token or a secret itself),
//! each worked out once per run.

use std::cell::OnceCell;

use sha2::{Digest, Sha256};

use crate::domain::env::MANAGED;
use crate::domain::Vars;
use crate::ports::identity::CallerIdentity;

/// The largest token file digested (the token source refuses bigger ones).
const MAX_TOKEN_BYTES: u64 = 64 << 10;

/// Variables that change between runs of one shell without changing who the caller is.
const VOLATILE: &[&str] = &[
    "_",
    "OLDPWD",
    "PWD",
    "SHLVL",
    "COLUMNS",
    "LINES",
    "PS1",
    "PS2",
    "PROMPT",
    "RPROMPT",
    "HISTCMD",
    "RANDOM",
    "SECONDS",
    "LINENO",
    "TERM_SESSION_ID",
    "WINDOWID",
    "WINDOWPATH",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "DISPLAY",
    "KITTY_PID",
    "TMUX_PANE",
    "STY",
    "ROLECALL_SHELL_FUNCTION",
];

pub struct SystemIdentity {
    vars: Vars,
    instance: OnceCell<String>,
    container: OnceCell<String>,
    process: OnceCell<String>,
}

impl SystemIdentity {
    pub fn new(vars: Vars) -> Self {
        Self {
            vars,
            instance: OnceCell::new(),
            container: OnceCell::new(),
            process: OnceCell::new(),
        }
    }
}

fn digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    crate::domain::text::hex(&h.finalize()[..16])
}

fn small_file(path: &str) -> Option<Vec<u8>> {
    super::files::read_regular(std::path::Path::new(path), MAX_TOKEN_BYTES).ok()
}

impl CallerIdentity for SystemIdentity {
    fn token(&self, path: &str) -> String {
        match small_file(path) {
            // The token as the source reads it (trimmed), so a trailing newline is no change.
            Some(bytes) => format!(
                "token:{}",
                digest(&[String::from_utf8_lossy(&bytes).trim().as_bytes()])
            ),
            None => format!("path:{path}"),
        }
    }

    fn instance(&self) -> String {
        self.instance
            .get_or_init(|| {
                // On EC2 (Nitro) the board's asset tag is the instance id; the machine id and
                // the metadata endpoint tell other hosts and set-ups apart.
                let read = |p: &str| std::fs::read(p).unwrap_or_default();
                let endpoint = self
                    .vars
                    .non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT")
                    .unwrap_or("");
                digest(&[
                    &read("/sys/devices/virtual/dmi/id/board_asset_tag"),
                    &read("/etc/machine-id"),
                    endpoint.as_bytes(),
                ])
            })
            .clone()
    }

    fn container(&self) -> String {
        self.container
            .get_or_init(|| {
                let var = |n: &str| self.vars.get(n).unwrap_or("").as_bytes().to_vec();
                let token_file = self
                    .vars
                    .non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
                    .and_then(small_file)
                    .unwrap_or_default();
                digest(&[
                    &var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                    &var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
                    &var("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                    &token_file,
                    &var("ECS_CONTAINER_METADATA_URI_V4"),
                    &var("ECS_CONTAINER_METADATA_URI"),
                ])
            })
            .clone()
    }

    fn process_context(&self) -> String {
        self.process
            .get_or_init(|| {
                let cwd = std::env::current_dir()
                    .map(|d| d.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut pairs: Vec<(&str, &str)> = self
                    .vars
                    .iter()
                    .filter(|(k, _)| !VOLATILE.contains(k) && !MANAGED.contains(k))
                    .collect();
                pairs.sort();
                let mut parts: Vec<&[u8]> = vec![cwd.as_bytes()];
                for (k, v) in &pairs {
                    parts.push(k.as_bytes());
                    parts.push(v.as_bytes());
                }
                digest(&parts)
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_told_apart_by_content_not_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let path_s = path.to_str().unwrap();
        let ids = SystemIdentity::new(Vars::default());
        std::fs::write(&path, "first-token\n").unwrap();
        let first = ids.token(path_s);
        std::fs::write(&path, "first-token").unwrap();
        assert_eq!(ids.token(path_s), first, "a trailing newline is no change");
        std::fs::write(&path, "second-token").unwrap();
        assert_ne!(ids.token(path_s), first);
        assert!(!first.contains("first-token"));
    }

    #[test]
    fn containers_and_process_contexts_differ_by_what_identifies_them() {
        let a = SystemIdentity::new(Vars::from_pairs([
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/a",
            ),
            ("TEAM", "x"),
        ]));
        let b = SystemIdentity::new(Vars::from_pairs([
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/b",
            ),
            ("TEAM", "x"),
        ]));
        assert_ne!(a.container(), b.container());
        let c = SystemIdentity::new(Vars::from_pairs([
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/a",
            ),
            ("TEAM", "y"),
            ("SHLVL", "3"),
            ("AWS_SESSION_TOKEN", "set by rolecall"),
        ]));
        assert_ne!(a.process_context(), c.process_context());
        let d = SystemIdentity::new(Vars::from_pairs([
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/a",
            ),
            ("TEAM", "x"),
            ("SHLVL", "9"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
        ]));
        assert_eq!(a.process_context(), d.process_context());
    }
}
