//! Where SSO tokens live: rolecall's own (and its client registrations) in the durable
//! keychain under the service `rolecall-sso`, with a non-secret summary in `STATE/sso/`; the
//! AWS CLI's in `~/.aws/sso/cache/<sha1>.json`, read as the AWS CLI writes it and written back
//! (temporary file, fsync, rename, 0600, every field kept) when rolecall refreshes it.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use zeroize::Zeroize;

use super::backend::Backend;
use super::statedir::StateDir;
use crate::domain::sso::{SsoSession, Token};
use crate::domain::Secret;
use crate::ports::sso::{Registration, SsoTokens, TokenSummary};
use crate::ports::store::{SessionLock, StoreError};

/// The keychain service name of SSO tokens and registrations.
pub const SSO_SERVICE: &str = "rolecall-sso";

pub struct SsoStore {
    backend: Result<Box<dyn Backend>, String>,
    state: StateDir,
    cli_dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    access_token: String,
    expires_at: i64,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    registration_expires_at: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct StoredRegistration {
    client_id: String,
    client_secret: String,
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Summary {
    session: String,
    expires_at: i64,
    refreshable_until: Option<i64>,
}

use crate::domain::text::hex;

/// What names a session's entries: its start URL, name and region.
fn session_key(session: &SsoSession) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        session.start_url.as_str(),
        session.name.as_deref().unwrap_or(""),
        &session.region,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize()[..16])
}

fn time_of(seconds: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

fn parse_cli_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&text.replace("UTC", "Z"), &Rfc3339).ok())
}

impl SsoStore {
    pub fn new(
        backend: Result<Box<dyn Backend>, String>,
        state: StateDir,
        cli_dir: PathBuf,
    ) -> Self {
        Self {
            backend,
            state,
            cli_dir,
        }
    }

    fn backend(&self) -> Result<&dyn Backend, StoreError> {
        self.backend
            .as_ref()
            .map(|b| b.as_ref())
            .map_err(|e| StoreError(e.clone()))
    }

    /// A keychain entry's name: this state directory's name space (so two set-ups of one
    /// user, or two test sandboxes, never share a token), the kind, the session.
    fn entry(&self, kind: &str, session: &SsoSession) -> String {
        format!(
            "{}{kind}-{}",
            super::keys::namespace(&self.state),
            session_key(session)
        )
    }

    /// `~/.aws/sso/cache/<sha1 of the session name, or the start URL>.json`.
    pub fn cli_path(&self, session: &SsoSession) -> PathBuf {
        use sha1::{Digest, Sha1};
        let name = hex(&Sha1::digest(session.cache_name().as_bytes()));
        self.cli_dir.join(format!("{name}.json"))
    }

    fn read_json(
        &self,
        session: &SsoSession,
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>, StoreError> {
        let path = self.cli_path(session);
        let bytes = match crate::adapters::files::read_regular(&path, MAX_CLI_TOKEN_FILE) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError(format!(
                    "cannot read the AWS CLI's token file {}: {e}; remove it and sign in again",
                    path.display()
                )))
            }
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|_| {
            StoreError(format!(
                "{} is not the AWS CLI's token JSON",
                path.display()
            ))
        })
    }
}

/// The largest AWS CLI token file read (one is a few KiB).
const MAX_CLI_TOKEN_FILE: u64 = 256 << 10;

impl SsoTokens for SsoStore {
    fn own(&self, session: &SsoSession) -> Result<Option<Token>, StoreError> {
        let Some(mut bytes) = self.backend()?.get(&self.entry("token", session))? else {
            return Ok(None);
        };
        let parsed = serde_json::from_slice::<Stored>(&bytes);
        bytes.zeroize();
        let Ok(mut s) = parsed else {
            return Ok(None);
        };
        let token = Token {
            access_token: Secret::new(s.access_token.as_str()),
            expires_at: time_of(s.expires_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            refresh_token: s.refresh_token.as_deref().map(Secret::new),
            client_id: s.client_id.clone(),
            client_secret: s.client_secret.as_deref().map(Secret::new),
            registration_expires_at: s.registration_expires_at.and_then(time_of),
            scopes: None,
        };
        s.access_token.zeroize();
        if let Some(r) = s.refresh_token.as_mut() {
            r.zeroize();
        }
        if let Some(c) = s.client_secret.as_mut() {
            c.zeroize();
        }
        Ok(Some(token))
    }

    fn put_own(&self, session: &SsoSession, token: &Token) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec(&Stored {
            access_token: token.access_token.expose().to_string(),
            expires_at: token.expires_at.unix_timestamp(),
            refresh_token: token.refresh_token.as_ref().map(|t| t.expose().to_string()),
            client_id: token.client_id.clone(),
            client_secret: token.client_secret.as_ref().map(|t| t.expose().to_string()),
            registration_expires_at: token.registration_expires_at.map(|t| t.unix_timestamp()),
        })
        .map_err(|e| StoreError(e.to_string()))?;
        let set = self.backend()?.set(
            &self.entry("token", session),
            &format!("rolecall SSO token for {}", session.describe()),
            &bytes,
        );
        bytes.zeroize();
        set?;
        let summary = Summary {
            session: session.describe(),
            expires_at: token.expires_at.unix_timestamp(),
            refreshable_until: token
                .refresh_token
                .as_ref()
                .and(token.registration_expires_at)
                .map(|t| t.unix_timestamp()),
        };
        let json = serde_json::to_vec(&summary).map_err(|e| StoreError(e.to_string()))?;
        self.state.write_atomic("sso", &session_key(session), &json)
    }

    fn remove_own(&self, session: &SsoSession) -> Result<(), StoreError> {
        let _ = std::fs::remove_file(self.state.root().join("sso").join(session_key(session)));
        match self.backend() {
            // The client registration stays: the next login reuses it.
            Ok(b) => b.delete(&self.entry("token", session)),
            Err(_) => Ok(()),
        }
    }

    fn own_summary(&self, session: &SsoSession) -> Option<TokenSummary> {
        let bytes = std::fs::read(self.state.root().join("sso").join(session_key(session))).ok()?;
        let s: Summary = serde_json::from_slice(&bytes).ok()?;
        Some(TokenSummary {
            expires_at: time_of(s.expires_at)?,
            refreshable_until: s.refreshable_until.and_then(time_of),
        })
    }

    fn cli(&self, session: &SsoSession) -> Result<Option<Token>, StoreError> {
        let Some(map) = self.read_json(session)? else {
            return Ok(None);
        };
        let text = |k: &str| {
            map.get(k)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
        };
        let (Some(access), Some(expires)) = (text("accessToken"), text("expiresAt")) else {
            return Ok(None);
        };
        let Some(expires_at) = parse_cli_time(expires) else {
            return Ok(None);
        };
        Ok(Some(Token {
            access_token: Secret::new(access),
            expires_at,
            refresh_token: text("refreshToken").map(Secret::new),
            client_id: text("clientId").map(str::to_string),
            client_secret: text("clientSecret").map(Secret::new),
            registration_expires_at: text("registrationExpiresAt").and_then(parse_cli_time),
            scopes: map.get("scopes").and_then(|v| v.as_array()).map(|list| {
                list.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            }),
        }))
    }

    fn cli_file(&self, session: &SsoSession) -> String {
        self.cli_path(session).display().to_string()
    }

    fn put_cli(&self, session: &SsoSession, token: &Token) -> Result<(), StoreError> {
        // A file that went away meanwhile (aws sso logout) is not brought back half-empty.
        let mut map = self.read_json(session)?.ok_or_else(|| {
            StoreError(format!(
                "{} is gone (signed out meanwhile?); the refreshed token is not written",
                self.cli_path(session).display()
            ))
        })?;
        let s = |v: &str| serde_json::Value::String(v.to_string());
        map.insert("accessToken".into(), s(token.access_token.expose()));
        map.insert(
            "expiresAt".into(),
            s(&crate::domain::text::timestamp(token.expires_at)),
        );
        if let Some(r) = &token.refresh_token {
            map.insert("refreshToken".into(), s(r.expose()));
        }
        let mut bytes = serde_json::to_vec_pretty(&map).map_err(|e| StoreError(e.to_string()))?;
        // Through a symbolic link to the file itself (a managed dotfile stays a link).
        let path = std::fs::canonicalize(self.cli_path(session))
            .unwrap_or_else(|_| self.cli_path(session));
        let written = crate::adapters::files::write_private(&path, &bytes);
        bytes.zeroize();
        written.map_err(|e| StoreError(format!("cannot write {}: {e}", path.display())))
    }

    fn write_cli(&self, session: &SsoSession, token: &Token) -> Result<String, StoreError> {
        let path = self.cli_path(session);
        let shown = path.display().to_string();
        let failed = |e: std::io::Error| StoreError(format!("cannot write {shown}: {e}"));
        if !self.cli_dir.is_dir() {
            // Private, as the AWS CLI makes it.
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&self.cli_dir).map_err(failed)?;
        }
        let mut map = self.read_json(session).ok().flatten().unwrap_or_default();
        let s = |v: &str| serde_json::Value::String(v.to_string());
        map.insert("startUrl".into(), s(&session.start_url));
        map.insert("region".into(), s(&session.region));
        map.insert("accessToken".into(), s(token.access_token.expose()));
        map.insert(
            "expiresAt".into(),
            s(&crate::domain::text::timestamp(token.expires_at)),
        );
        // Another tool's scopes (an IDE extension's token in this file) are not this token's.
        map.remove("scopes");
        // The AWS CLI refreshes only with all four, as rolecall does.
        if let (Some(id), Some(secret), Some(until), Some(refresh)) = (
            &token.client_id,
            &token.client_secret,
            token.registration_expires_at,
            &token.refresh_token,
        ) {
            map.insert("clientId".into(), s(id));
            map.insert("clientSecret".into(), s(secret.expose()));
            map.insert(
                "registrationExpiresAt".into(),
                s(&crate::domain::text::timestamp(until)),
            );
            map.insert("refreshToken".into(), s(refresh.expose()));
        } else {
            for key in [
                "clientId",
                "clientSecret",
                "registrationExpiresAt",
                "refreshToken",
            ] {
                map.remove(key);
            }
        }
        let mut bytes = serde_json::to_vec_pretty(&map).map_err(|e| StoreError(e.to_string()))?;
        let target = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let written = crate::adapters::files::write_private(&target, &bytes);
        bytes.zeroize();
        written.map_err(failed)?;
        Ok(shown)
    }

    fn remove_cli(&self, session: &SsoSession) -> Result<bool, StoreError> {
        let path = self.cli_path(session);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError(format!("cannot remove {}: {e}", path.display()))),
        }
    }

    fn registration(
        &self,
        session: &SsoSession,
        flow: &str,
    ) -> Result<Option<Registration>, StoreError> {
        let key = self.entry(&format!("client-{flow}"), session);
        let Some(mut bytes) = self.backend()?.get(&key)? else {
            return Ok(None);
        };
        let parsed = serde_json::from_slice::<StoredRegistration>(&bytes);
        bytes.zeroize();
        Ok(parsed.ok().map(|r| Registration {
            client_id: r.client_id,
            client_secret: Secret::new(r.client_secret),
            expires_at: time_of(r.expires_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }))
    }

    fn put_registration(
        &self,
        session: &SsoSession,
        flow: &str,
        r: &Registration,
    ) -> Result<(), StoreError> {
        let key = self.entry(&format!("client-{flow}"), session);
        let mut bytes = serde_json::to_vec(&StoredRegistration {
            client_id: r.client_id.clone(),
            client_secret: r.client_secret.expose().to_string(),
            expires_at: r.expires_at.unix_timestamp(),
        })
        .map_err(|e| StoreError(e.to_string()))?;
        let set = self.backend()?.set(
            &key,
            &format!("rolecall SSO client for {}", session.describe()),
            &bytes,
        );
        bytes.zeroize();
        set
    }

    fn lock(
        &self,
        session: &SsoSession,
        purpose: &str,
        wait: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Option<SessionLock>, StoreError> {
        Ok(self
            .state
            .lock(
                &format!("sso-{purpose}-{}", session_key(session)),
                wait,
                waiting,
            )?
            .map(SessionLock::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_and_times_as_the_aws_cli_has_them() {
        let store = SsoStore::new(
            Err("none".into()),
            StateDir::at("/nonexistent"),
            PathBuf::from("/c"),
        );
        let session = SsoSession {
            name: Some("my-sso".into()),
            start_url: "https://d-123.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: vec![],
        };
        // botocore: hashlib.sha1("my-sso".encode("utf-8")).hexdigest()
        assert_eq!(
            store.cli_path(&session),
            PathBuf::from("/c/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
        let t = parse_cli_time("2026-12-02T05:00:00Z").unwrap();
        assert_eq!(crate::domain::text::timestamp(t), "2026-12-02T05:00:00Z");
        assert!(parse_cli_time("2026-12-02T05:00:00+00:00").is_some());
        assert!(parse_cli_time("2026-12-02T05:00:00UTC").is_some());
    }
}
