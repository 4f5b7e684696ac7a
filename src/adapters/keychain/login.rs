//! Where sign-in tokens live: rolecall's own (`rolecall login`) in the durable keychain (or
//! the file store) under the service `rolecall-sso`, as the same JSON the AWS CLI writes; the
//! AWS CLI's in `~/.aws/login/cache/<sha256 of the login_session>.json`
//! (`AWS_LOGIN_CACHE_DIRECTORY` instead of the folder), read as the AWS CLI and the SDKs write
//! it, and written back after a refresh under the rewrite lock of `files::hold` (every
//! rolecall takes it), in one step, every field rolecall does not know kept.

use std::path::PathBuf;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use zeroize::Zeroize;

use super::backend::Backend;
use super::statedir::StateDir;
use crate::adapters::files::{self, RewriteError};
use crate::domain::login::{LoginSession, LoginToken};
use crate::domain::{Credentials, Secret, Vars};
use crate::ports::login::{HeldLogin, LoginFiles, Place};
use crate::ports::store::{SessionLock, StoreError};

/// The largest token file read (one is a few KiB).
const MAX_FILE: u64 = 256 << 10;

/// How long a refresh of rolecall's own token waits for another rolecall's.
const REFRESH_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

pub struct LoginStore {
    dir: PathBuf,
    backend: Result<Box<dyn Backend>, String>,
    state: StateDir,
    /// What rolecall's own tokens are kept in, for messages.
    own_name: &'static str,
}

impl LoginStore {
    /// The AWS CLI's folder is `AWS_LOGIN_CACHE_DIRECTORY` (`~` and `$VAR` expanded, as
    /// botocore does), else `~/.aws/login/cache`.
    pub fn new(
        vars: &Vars,
        backend: Result<Box<dyn Backend>, String>,
        state: StateDir,
        own_name: &'static str,
    ) -> Self {
        let home = vars.home();
        let dir = match vars.non_empty("AWS_LOGIN_CACHE_DIRECTORY") {
            Some(dir) => PathBuf::from(expand(dir, vars, &home.to_string_lossy())),
            None => home.join(".aws").join("login").join("cache"),
        };
        Self {
            dir,
            backend,
            state,
            own_name,
        }
    }

    fn file(&self, session: &LoginSession) -> PathBuf {
        self.dir.join(session.cache_file_name())
    }

    fn backend(&self) -> Result<&dyn Backend, StoreError> {
        self.backend
            .as_ref()
            .map(|b| b.as_ref())
            .map_err(|e| StoreError(e.clone()))
    }

    /// The keychain entry of rolecall's own token: this state directory's name space and the
    /// session's file name.
    fn entry(&self, session: &LoginSession) -> String {
        format!(
            "{}login-{}",
            super::keys::namespace(&self.state),
            session.cache_file_name().trim_end_matches(".json")
        )
    }

    fn own_map(&self, session: &LoginSession) -> Result<Option<Map<String, Value>>, StoreError> {
        let Some(bytes) = self.backend()?.get(&self.entry(session))? else {
            return Ok(None);
        };
        parse(bytes, "rolecall's sign-in token").map(Some)
    }

    fn put_own_map(
        &self,
        session: &LoginSession,
        map: &Map<String, Value>,
    ) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec(map).map_err(|e| StoreError(e.to_string()))?;
        let set = self.backend()?.set(
            &self.entry(session),
            &format!("rolecall sign-in {}", session.session),
            &bytes,
        );
        bytes.zeroize();
        set
    }

    /// A new file's JSON, as `aws login` writes it.
    fn new_map(token: &LoginToken) -> Map<String, Value> {
        let s = |v: &str| Value::String(v.to_string());
        let mut map = Map::new();
        map.insert("tokenType".into(), s("aws_sigv4"));
        map.insert("clientId".into(), s(&token.client_id));
        map.insert("dpopKey".into(), s(token.dpop_key.expose()));
        if let Some(region) = &token.region {
            map.insert("signInRegion".into(), s(region));
        }
        merged(map, token)
    }
}

/// `~/x` and `$VAR`/`${VAR}` in a directory named by a variable.
fn expand(text: &str, vars: &Vars, home: &str) -> String {
    let text = match text.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => text.to_string(),
    };
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(b) => match b.find('}') {
                Some(end) => (&b[..end], &b[end + 1..]),
                None => ("", after),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        match vars.get(name) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ => out.push_str(&rest[i..rest.len() - tail.len()]),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// The token a file's JSON holds, or what it lacks.
fn token_of(map: &Map<String, Value>, path: &str) -> Result<LoginToken, StoreError> {
    let lacks = |what: &str| {
        StoreError(format!(
            "the sign-in token file {path} has no {what}; sign in again"
        ))
    };
    let text = |m: &Map<String, Value>, k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let access = map
        .get("accessToken")
        .and_then(Value::as_object)
        .ok_or_else(|| lacks("accessToken"))?;
    let field = |k: &'static str| text(access, k).ok_or_else(|| lacks(k));
    let expires = field("expiresAt")?;
    let expiration = parse_time(&expires).ok_or_else(|| lacks("readable expiresAt"))?;
    Ok(LoginToken {
        credentials: Credentials {
            access_key_id: field("accessKeyId")?,
            secret_access_key: Secret::new(field("secretAccessKey")?),
            session_token: Some(Secret::new(field("sessionToken")?)),
            expiration: Some(expiration),
            account_id: None,
        },
        account_id: text(access, "accountId"),
        refresh_token: Secret::new(text(map, "refreshToken").ok_or_else(|| lacks("refreshToken"))?),
        client_id: text(map, "clientId").ok_or_else(|| lacks("clientId"))?,
        dpop_key: Secret::new(text(map, "dpopKey").ok_or_else(|| lacks("dpopKey"))?),
        region: text(map, "signInRegion"),
    })
}

fn parse(mut bytes: Vec<u8>, path: &str) -> Result<Map<String, Value>, StoreError> {
    let parsed = serde_json::from_slice::<Map<String, Value>>(&bytes);
    bytes.zeroize();
    parsed.map_err(|_| {
        StoreError(format!(
            "{path} is not a sign-in token file (JSON object); sign in again"
        ))
    })
}

/// `map` with the refreshed token's fields; `accessToken`'s other members kept too.
fn merged(mut map: Map<String, Value>, token: &LoginToken) -> Map<String, Value> {
    let s = |v: &str| Value::String(v.to_string());
    let mut access = match map.remove("accessToken") {
        Some(Value::Object(a)) => a,
        _ => Map::new(),
    };
    let c = &token.credentials;
    access.insert("accessKeyId".into(), s(&c.access_key_id));
    access.insert("secretAccessKey".into(), s(c.secret_access_key.expose()));
    if let Some(t) = &c.session_token {
        access.insert("sessionToken".into(), s(t.expose()));
    }
    if let Some(id) = &token.account_id {
        access.insert("accountId".into(), s(id));
    }
    access.insert(
        "expiresAt".into(),
        s(&crate::domain::text::timestamp(token.expires_at())),
    );
    map.insert("accessToken".into(), Value::Object(access));
    map.insert("refreshToken".into(), s(token.refresh_token.expose()));
    map
}

impl LoginFiles for LoginStore {
    fn path(&self, session: &LoginSession) -> String {
        self.file(session).display().to_string()
    }

    fn read(&self, place: Place, session: &LoginSession) -> Result<Option<LoginToken>, StoreError> {
        if place == Place::Own {
            return match self.own_map(session)? {
                Some(map) => token_of(&map, "rolecall's sign-in token").map(Some),
                None => Ok(None),
            };
        }
        let path = self.file(session);
        let shown = path.display().to_string();
        let bytes = match files::read_regular(&path, MAX_FILE) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError(format!("cannot read {shown}: {e}"))),
        };
        token_of(&parse(bytes, &shown)?, &shown).map(Some)
    }

    fn hold(
        &self,
        place: Place,
        session: &LoginSession,
    ) -> Result<Box<dyn HeldLogin + '_>, StoreError> {
        if place == Place::Own {
            let lock = self
                .state
                .lock(
                    &format!(
                        "login-{}",
                        session.cache_file_name().trim_end_matches(".json")
                    ),
                    REFRESH_WAIT,
                    &mut || {},
                )?
                .map(SessionLock::new);
            return Ok(Box::new(HeldOwn {
                store: self,
                session: session.clone(),
                _lock: lock,
            }));
        }
        let path = self.file(session);
        let shown = path.display().to_string();
        let held = files::hold(&path)
            .map_err(|e| StoreError(format!("cannot lock {shown} for a refresh: {e}")))?;
        Ok(Box::new(Held { held, shown }))
    }

    fn create(
        &self,
        place: Place,
        session: &LoginSession,
        token: &LoginToken,
    ) -> Result<String, StoreError> {
        if place == Place::Own {
            self.put_own_map(session, &Self::new_map(token))?;
            return Ok(self.own_name.to_string());
        }
        let path = self.file(session);
        let shown = path.display().to_string();
        let failed = |e: std::io::Error| StoreError(format!("cannot write {shown}: {e}"));
        if !self.dir.is_dir() {
            // Private, as the AWS CLI makes it.
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&self.dir).map_err(failed)?;
        }
        // A file that is there already (another sign-in of the same session) keeps its other
        // fields; the new sign-in's key and client replace its own.
        let mut map = self.read_existing(&path).unwrap_or_default();
        for (k, v) in Self::new_map(token) {
            map.insert(k, v);
        }
        let mut bytes = serde_json::to_vec_pretty(&map).map_err(|e| StoreError(e.to_string()))?;
        let target = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let written = files::write_private(&target, &bytes);
        bytes.zeroize();
        written.map_err(failed)?;
        Ok(shown)
    }

    fn remove(&self, place: Place, session: &LoginSession) -> Result<bool, StoreError> {
        if place == Place::Own {
            let had = self.own_map(session)?.is_some();
            if had {
                self.backend()?.delete(&self.entry(session))?;
            }
            return Ok(had);
        }
        let path = self.file(session);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError(format!("cannot remove {}: {e}", path.display()))),
        }
    }

    fn set_profile(
        &self,
        config: &std::path::Path,
        profile: &str,
        session: &str,
    ) -> Result<String, StoreError> {
        let shown = config.display().to_string();
        let failed = |e: &dyn std::fmt::Display| StoreError(format!("cannot edit {shown}: {e}"));
        if !config.exists() {
            if let Some(dir) = config.parent() {
                std::fs::create_dir_all(dir).map_err(|e| failed(&e))?;
            }
            std::fs::write(config, "").map_err(|e| failed(&e))?;
        }
        let mut held = files::hold(config).map_err(|e| failed(&e))?;
        let text = held.read().map_err(|e| failed(&e))?;
        let new = crate::config::edit::set_value(&text, profile, "login_session", session)
            .map_err(|e| failed(&e))?;
        held.replace(new.as_bytes(), false)
            .map_err(|e| failed(&e))?;
        Ok(shown)
    }
}

impl LoginStore {
    fn read_existing(&self, path: &std::path::Path) -> Option<Map<String, Value>> {
        let bytes = files::read_regular(path, MAX_FILE).ok()?;
        parse(bytes, "").ok()
    }
}

/// rolecall's own token, held under its state-directory lock.
struct HeldOwn<'a> {
    store: &'a LoginStore,
    session: LoginSession,
    _lock: Option<SessionLock>,
}

impl HeldLogin for HeldOwn<'_> {
    fn read(&mut self) -> Result<Option<LoginToken>, StoreError> {
        self.store.read(Place::Own, &self.session)
    }

    fn write(&mut self, token: &LoginToken) -> Result<(), StoreError> {
        let map = self.store.own_map(&self.session)?.ok_or_else(|| {
            StoreError("rolecall's sign-in token is gone (signed out meanwhile?)".into())
        })?;
        self.store.put_own_map(&self.session, &merged(map, token))
    }
}

struct Held {
    held: files::Held,
    shown: String,
}

impl Held {
    fn current(&mut self) -> Result<Option<Map<String, Value>>, StoreError> {
        match self.held.read() {
            Ok(mut text) => {
                let map = parse(text.as_bytes().to_vec(), &self.shown);
                text.zeroize();
                map.map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError(format!("cannot read {}: {e}", self.shown))),
        }
    }
}

impl HeldLogin for Held {
    fn read(&mut self) -> Result<Option<LoginToken>, StoreError> {
        match self.current()? {
            Some(map) => token_of(&map, &self.shown).map(Some),
            None => Ok(None),
        }
    }

    fn write(&mut self, token: &LoginToken) -> Result<(), StoreError> {
        // A program that does not take the lock (the AWS CLI) may write between the read and
        // the rename: then the fields are put into what it wrote, a few times at most.
        for _ in 0..5 {
            let map = self.current()?.ok_or_else(|| {
                StoreError(format!(
                    "{} is gone (signed out meanwhile?); the refreshed token is not written",
                    self.shown
                ))
            })?;
            let mut bytes = serde_json::to_vec_pretty(&merged(map, token))
                .map_err(|e| StoreError(e.to_string()))?;
            let replaced = self.held.replace(&bytes, true);
            bytes.zeroize();
            match replaced {
                Ok(_) => return Ok(()),
                Err(RewriteError::Changed) => continue,
                Err(RewriteError::Io(e)) => {
                    return Err(StoreError(format!("cannot write {}: {e}", self.shown)))
                }
            }
        }
        Err(StoreError(format!(
            "cannot write {}: {}",
            self.shown,
            RewriteError::Changed
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{
  "accessToken": {"accessKeyId": "ASIAOLD", "secretAccessKey": "s", "sessionToken": "t",
                  "accountId": "123456789012", "expiresAt": "2026-12-07T10:00:00Z", "extra": 1},
  "tokenType": "aws_sigv4", "refreshToken": "r1", "idToken": "id",
  "clientId": "arn:aws:signin:::devtools/same-device", "dpopKey": "pem",
  "signInRegion": "eu-west-1", "futureField": {"a": [1, 2]}
}"#;

    #[test]
    fn reads_the_aws_clis_file_and_writes_back_every_field() {
        let map: Map<String, Value> = serde_json::from_str(FILE).unwrap();
        let token = token_of(&map, "f").unwrap();
        assert_eq!(token.credentials.access_key_id, "ASIAOLD");
        assert_eq!(token.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            crate::domain::text::timestamp(token.expires_at()),
            "2026-12-07T10:00:00Z"
        );
        let mut new = token.clone();
        new.credentials.access_key_id = "ASIANEW".into();
        new.refresh_token = Secret::new("r2");
        let out = merged(map, &new);
        assert_eq!(out["accessToken"]["accessKeyId"], "ASIANEW");
        assert_eq!(out["accessToken"]["extra"], 1);
        assert_eq!(out["refreshToken"], "r2");
        assert_eq!(out["futureField"]["a"][1], 2);
        assert_eq!(out["idToken"], "id");
        assert_eq!(out["tokenType"], "aws_sigv4");
    }

    #[test]
    fn a_file_without_a_refresh_token_says_so() {
        let mut map: Map<String, Value> = serde_json::from_str(FILE).unwrap();
        map.remove("refreshToken");
        let e = token_of(&map, "/c/x.json").unwrap_err();
        assert_eq!(
            e.0,
            "the sign-in token file /c/x.json has no refreshToken; sign in again"
        );
    }

    #[test]
    fn the_directory_variable_expands_home_and_variables() {
        let vars = Vars::from_pairs([("XDG_CACHE_HOME", "/c"), ("HOME", "/h")]);
        assert_eq!(expand("~/x", &vars, "/h"), "/h/x");
        assert_eq!(expand("$XDG_CACHE_HOME/aws", &vars, "/h"), "/c/aws");
        assert_eq!(expand("${XDG_CACHE_HOME}/aws", &vars, "/h"), "/c/aws");
        assert_eq!(expand("$NOPE/aws", &vars, "/h"), "$NOPE/aws");
    }
}
