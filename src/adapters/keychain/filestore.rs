//! The `file` store (`ROLECALL_KEYRING=file`, or `auto` without a D-Bus session): what must
//! outlive a reboot (long-term keys, SSO tokens and client registrations) in one encrypted
//! file per user, for SSH logins, WSL and containers where no Secret Service runs.
//!
//! `DATA/secrets.json` (`DATA` is `$XDG_DATA_HOME/rolecall`, else `~/.local/share/rolecall`),
//! 0600 in a 0700 directory, is a JSON envelope of two age messages (ASCII armour):
//! `key`, a random age identity encrypted to the passphrase (age's scrypt recipient), and
//! `data`, the entries (`{"SERVICE/NAME": "VALUE"}`) encrypted to that identity's recipient
//! (`recipient`, in the clear). Only opening `key` costs the scrypt work (about a second); the
//! identity it holds is what is kept unlocked in the kernel keyring (`unlock.rs`).
//!
//! Every write takes `DATA/secrets.lock` (an OS lock, released if rolecall dies), reads the
//! file again, applies its one change and replaces the file in one step (temporary file,
//! fsync, rename): a crash or a full disk leaves the old file whole, and two writers never
//! lose each other's entries. A file that cannot be read (wrong passphrase, corrupt,
//! truncated) is never written over.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use age::secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::backend::Backend;
use crate::domain::Vars;
use crate::ports::store::StoreError;
use crate::ports::vault::VaultState;

/// The store's file name in the data directory.
pub const FILE_NAME: &str = "secrets.json";
const LOCK_NAME: &str = "secrets.lock";
const FORMAT: &str = "rolecall-file-store";
const VERSION: u32 = 1;
/// The largest store file read (a few KiB in practice).
const MAX_FILE: u64 = 4 << 20;
/// The longest passphrase a helper command may print.
const MAX_PASSPHRASE: usize = 4096;
/// How long a second writer waits for the first.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// `$XDG_DATA_HOME/rolecall`, else `~/.local/share/rolecall` (Windows: `%APPDATA%\rolecall`).
pub fn data_dir(vars: &Vars) -> PathBuf {
    if cfg!(windows) {
        return vars
            .non_empty("APPDATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| vars.home().join("AppData").join("Roaming"))
            .join("rolecall");
    }
    vars.non_empty("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| vars.home().join(".local").join("share"))
        .join("rolecall")
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    /// The public half of the identity in `key` (not a secret).
    recipient: String,
    /// age, scrypt recipient: the identity, unlocked by the passphrase.
    key: String,
    /// age, to `recipient`: the entries as JSON.
    data: String,
}

/// The decrypted entries; zeroed when dropped.
#[derive(Default, Serialize, Deserialize)]
struct Entries(BTreeMap<String, String>);

impl Drop for Entries {
    fn drop(&mut self) {
        for v in self.0.values_mut() {
            v.zeroize();
        }
    }
}

/// Where the passphrase comes from, in order: `ROLECALL_FILE_PASSPHRASE`,
/// `ROLECALL_FILE_PASSPHRASE_COMMAND` (its stdout's first line), the terminal.
pub trait Passphrase: Send + Sync {
    /// The passphrase of an existing file (`new`: false), or a new one for a file about to be
    /// created (asked twice on a terminal).
    fn get(&self, path: &Path, new: bool) -> Result<SecretString, StoreError>;
    /// Whether a passphrase can be had without a person (for `doctor`).
    fn unattended(&self) -> bool;
}

/// The unlocked identity, kept between runs (the kernel keyring), by the file's recipient.
pub trait UnlockCache: Send + Sync {
    fn get(&self, id: &str) -> Option<SecretString>;
    fn put(&self, id: &str, identity: &SecretString);
    /// Forgets it now; whether there was one.
    fn forget(&self, id: &str) -> bool;
    /// Where it is kept, for people.
    fn describe(&self) -> String;
}

/// No cache: the passphrase is asked in every run that needs the store.
pub struct NoCache;

impl UnlockCache for NoCache {
    fn get(&self, _id: &str) -> Option<SecretString> {
        None
    }
    fn put(&self, _id: &str, _identity: &SecretString) {}
    fn forget(&self, _id: &str) -> bool {
        false
    }
    fn describe(&self) -> String {
        "nowhere (the passphrase is asked in each run)".into()
    }
}

/// The file store itself, shared by the keys' and the tokens' backends of one run.
pub struct Vault {
    dir: PathBuf,
    passphrase: Box<dyn Passphrase>,
    cache: Box<dyn UnlockCache>,
    /// The identity unlocked in this run (the kernel's copy may time out meanwhile).
    unlocked: Mutex<Option<(String, SecretString)>>,
    /// The scrypt work factor of a new file (`None`: age's choice, about a second).
    work_factor: Option<u8>,
    /// Set when rolecall chose the store by itself: where the one notice is recorded.
    chosen_for_you: Option<super::StateDir>,
    used: AtomicBool,
}

impl Vault {
    pub fn new(
        dir: PathBuf,
        passphrase: Box<dyn Passphrase>,
        cache: Box<dyn UnlockCache>,
        chosen_for_you: Option<super::StateDir>,
    ) -> Arc<Self> {
        Arc::new(Self {
            dir,
            passphrase,
            cache,
            unlocked: Mutex::new(None),
            work_factor: None,
            chosen_for_you,
            used: AtomicBool::new(false),
        })
    }

    /// Once (the first run of each boot that uses it): that rolecall chose the file store by
    /// itself, because no Secret Service can be reached.
    pub fn notice(&self) -> Option<String> {
        let state = self.chosen_for_you.as_ref()?;
        if !self.used.swap(false, Ordering::SeqCst) {
            return None;
        }
        let text = format!(
            "no D-Bus session, so no Secret Service: long-term keys and SSO tokens are kept in the encrypted file store {} (set ROLECALL_KEYRING=file to choose it yourself)",
            self.shown()
        );
        state.first_this_boot("file-store", &text).then_some(text)
    }

    #[cfg(test)]
    #[cfg_attr(not(unix), allow(dead_code, reason = "its tests are Unix-only"))]
    pub fn for_tests(
        dir: PathBuf,
        passphrase: Box<dyn Passphrase>,
        cache: Box<dyn UnlockCache>,
    ) -> Arc<Self> {
        Arc::new(Self {
            dir,
            passphrase,
            cache,
            unlocked: Mutex::new(None),
            work_factor: Some(10),
            chosen_for_you: None,
            used: AtomicBool::new(false),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    pub fn describe(&self) -> String {
        format!("the file store {}", self.path().display())
    }

    fn shown(&self) -> String {
        self.path().display().to_string()
    }

    /// The envelope on disk; `None` when there is no file. The directory and the file must be
    /// the user's own and private, and never reached through a symbolic link.
    fn read(&self) -> Result<Option<Envelope>, StoreError> {
        self.used.store(true, Ordering::SeqCst);
        let path = self.path();
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.unreadable(&e.to_string())),
        };
        check_dir(&self.dir).map_err(|e| self.unreadable(&e))?;
        check_file(&meta).map_err(|e| self.unreadable(&e))?;
        let bytes = crate::adapters::files::read_regular(&path, MAX_FILE)
            .map_err(|e| self.unreadable(&e.to_string()))?;
        let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|_| self.corrupt())?;
        if envelope.format != FORMAT || envelope.version != VERSION {
            return Err(StoreError(format!(
                "{} is not a rolecall file store of version {VERSION} (a newer rolecall's?); nothing was changed",
                self.shown()
            )));
        }
        Ok(Some(envelope))
    }

    fn unreadable(&self, why: &str) -> StoreError {
        StoreError(format!(
            "cannot use the file store {}: {why}; nothing was changed",
            self.shown()
        ))
    }

    fn corrupt(&self) -> StoreError {
        StoreError(format!(
            "the file store {} is corrupt or truncated; nothing was changed: restore it from a backup, or move it away to start an empty one",
            self.shown()
        ))
    }

    /// The identity that opens `envelope`: this run's, the cache's, or the passphrase's.
    fn identity(&self, envelope: &Envelope) -> Result<age::pq::Identity, StoreError> {
        let matching = |secret: &SecretString| {
            age::pq::Identity::from_str(secret.expose_secret())
                .ok()
                .filter(|i| i.to_public().to_string() == envelope.recipient)
        };
        let mut unlocked = self.unlocked.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((recipient, secret)) = unlocked.as_ref() {
            if recipient == &envelope.recipient {
                if let Some(identity) = matching(secret) {
                    return Ok(identity);
                }
            }
        }
        let id = cache_id(&envelope.recipient);
        if let Some(secret) = self.cache.get(&id) {
            if let Some(identity) = matching(&secret) {
                *unlocked = Some((envelope.recipient.clone(), secret));
                return Ok(identity);
            }
        }
        let passphrase = self.passphrase.get(&self.path(), false)?;
        let mut scrypt = age::scrypt::Identity::new(passphrase);
        scrypt.set_max_work_factor(22);
        let secret = match decrypt(&scrypt, &envelope.key) {
            Ok(mut bytes) => {
                let text = String::from_utf8(std::mem::take(&mut bytes));
                bytes.zeroize();
                SecretString::from(text.map_err(|_| self.corrupt())?)
            }
            Err(age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed) => {
                return Err(StoreError(format!(
                    "wrong passphrase for the file store {}; nothing was changed (ROLECALL_FILE_PASSPHRASE or ROLECALL_FILE_PASSPHRASE_COMMAND may hold an old one)",
                    self.shown()
                )))
            }
            Err(_) => return Err(self.corrupt()),
        };
        let identity = matching(&secret).ok_or_else(|| self.corrupt())?;
        self.cache.put(&id, &secret);
        *unlocked = Some((envelope.recipient.clone(), secret));
        Ok(identity)
    }

    fn entries(&self, envelope: &Envelope) -> Result<Entries, StoreError> {
        let identity = self.identity(envelope)?;
        let mut bytes = decrypt(&identity, &envelope.data).map_err(|_| self.corrupt())?;
        let entries = serde_json::from_slice::<Entries>(&bytes).map_err(|_| self.corrupt());
        bytes.zeroize();
        entries
    }

    /// A new envelope: a fresh identity under a new passphrase, no entries yet.
    fn create(&self) -> Result<(Envelope, age::pq::Identity), StoreError> {
        let passphrase = self.passphrase.get(&self.path(), true)?;
        let identity = age::pq::Identity::generate();
        let secret = identity.to_string();
        let mut recipient = age::scrypt::Recipient::new(passphrase);
        if let Some(n) = self.work_factor {
            recipient.set_work_factor(n);
        }
        let key = encrypt(&recipient, secret.expose_secret().as_bytes())?;
        let public = identity.to_public().to_string();
        self.cache.put(&cache_id(&public), &secret);
        *self.unlocked.lock().unwrap_or_else(|p| p.into_inner()) = Some((public.clone(), secret));
        Ok((
            Envelope {
                format: FORMAT.into(),
                version: VERSION,
                recipient: public,
                key,
                data: String::new(),
            },
            identity,
        ))
    }

    /// Under the lock: reads the file again, applies `change` to its entries, and replaces
    /// it in one step. A file that cannot be read is left as it is.
    fn update(&self, change: impl FnOnce(&mut Entries) -> bool) -> Result<(), StoreError> {
        make_dir(&self.dir).map_err(|e| self.unreadable(&e))?;
        let _lock = self.lock()?;
        let (mut envelope, mut entries) = match self.read()? {
            Some(envelope) => {
                let entries = self.entries(&envelope)?;
                (envelope, entries)
            }
            None => {
                let mut entries = Entries::default();
                if !change(&mut entries) {
                    return Ok(()); // nothing to delete in a store that does not exist
                }
                let (envelope, _) = self.create()?;
                return self.write(envelope, &entries);
            }
        };
        if !change(&mut entries) {
            return Ok(());
        }
        envelope.data = String::new();
        self.write(envelope, &entries)
    }

    fn write(&self, mut envelope: Envelope, entries: &Entries) -> Result<(), StoreError> {
        let recipient =
            age::pq::Recipient::from_str(&envelope.recipient).map_err(|_| self.corrupt())?;
        let mut plain = serde_json::to_vec(entries).map_err(|e| StoreError(e.to_string()))?;
        let data = encrypt(&recipient, &plain);
        plain.zeroize();
        envelope.data = data?;
        let bytes = serde_json::to_vec_pretty(&envelope).map_err(|e| StoreError(e.to_string()))?;
        crate::adapters::files::write_private(&self.path(), &bytes).map_err(|e| {
            StoreError(format!(
                "cannot write the file store {}: {e}; the file is as it was",
                self.shown()
            ))
        })
    }

    fn lock(&self) -> Result<std::fs::File, StoreError> {
        let path = self.dir.join(LOCK_NAME);
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options
                .mode(0o600)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let file = options.open(&path).map_err(|e| {
            self.unreadable(&format!("cannot open its lock {}: {e}", path.display()))
        })?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(self.unreadable(&format!(
                        "another rolecall has been writing it for {} s (waiting for a passphrase?)",
                        LOCK_WAIT.as_secs()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(self.unreadable(&format!("cannot lock it: {e}")))
                }
            }
        }
    }

    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(envelope) = self.read()? else {
            return Ok(None);
        };
        let entries = self.entries(&envelope)?;
        Ok(entries.0.get(name).map(|v| v.as_bytes().to_vec()))
    }

    pub fn set(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let value = std::str::from_utf8(bytes)
            .map_err(|_| StoreError("the file store keeps text only".into()))?
            .to_string();
        self.update(move |entries| {
            entries.0.insert(name.to_string(), value);
            true
        })
    }

    pub fn delete(&self, name: &str) -> Result<(), StoreError> {
        if self.read()?.is_none() {
            return Ok(());
        }
        self.update(|entries| match entries.0.remove(name) {
            Some(mut v) => {
                v.zeroize();
                true
            }
            None => false,
        })
    }

    /// The names of every entry under `prefix` (unlocks the store).
    pub fn names(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let Some(envelope) = self.read()? else {
            return Ok(Vec::new());
        };
        let entries = self.entries(&envelope)?;
        Ok(entries
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(prefix).map(str::to_string))
            .collect())
    }

    /// What can be said now without asking anyone.
    pub fn state(&self) -> VaultState {
        let envelope = match self.read() {
            Ok(None) => {
                return match check_dir_if_present(&self.dir) {
                    Ok(()) => VaultState::Missing,
                    Err(e) => VaultState::Broken(self.unreadable(&e).0),
                }
            }
            Ok(Some(e)) => e,
            Err(e) => return VaultState::Broken(e.0),
        };
        let unlocked = self
            .unlocked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|(r, _)| r == &envelope.recipient);
        if unlocked || self.cache.get(&cache_id(&envelope.recipient)).is_some() {
            return match self.entries(&envelope) {
                Ok(_) => VaultState::Unlocked,
                Err(e) => VaultState::Broken(e.0),
            };
        }
        if self.passphrase.unattended() {
            return match self.entries(&envelope) {
                Ok(_) => VaultState::Unattended,
                Err(e) => VaultState::Broken(e.0),
            };
        }
        VaultState::Locked
    }

    /// Forgets the unlocked key now (`rolecall lock`); whether one was kept.
    pub fn lock_now(&self) -> Result<bool, StoreError> {
        *self.unlocked.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let Some(envelope) = self.read()? else {
            return Ok(false);
        };
        Ok(self.cache.forget(&cache_id(&envelope.recipient)))
    }
}

/// The [`crate::ports::vault::Vault`] port on the real store.
pub struct FileVault {
    pub vault: Arc<Vault>,
    /// Whether this run keeps keys and tokens there.
    pub in_use: bool,
}

impl crate::ports::vault::Vault for FileVault {
    fn describe(&self) -> String {
        format!(
            "{} (unlocked key kept in {})",
            self.vault.describe(),
            self.vault.cache.describe()
        )
    }
    fn in_use(&self) -> bool {
        self.in_use
    }
    fn state(&self) -> VaultState {
        self.vault.state()
    }
    fn lock(&self) -> Result<bool, StoreError> {
        self.vault.lock_now()
    }
    fn notice(&self) -> Option<String> {
        self.vault.notice()
    }
}

/// The cache's name for a file's unlocked key: a digest of its recipient.
fn cache_id(recipient: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::domain::text::hex(&Sha256::digest(recipient.as_bytes())[..12])
}

fn encrypt(recipient: &dyn age::Recipient, plain: &[u8]) -> Result<String, StoreError> {
    let failed =
        |e: &dyn std::fmt::Display| StoreError(format!("cannot encrypt the file store: {e}"));
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient)).map_err(|e| failed(&e))?;
    let mut out = Vec::new();
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| failed(&e))?;
    let mut writer = encryptor.wrap_output(armored).map_err(|e| failed(&e))?;
    writer.write_all(plain).map_err(|e| failed(&e))?;
    writer
        .finish()
        .and_then(|armor| armor.finish())
        .map_err(|e| failed(&e))?;
    String::from_utf8(out).map_err(|e| failed(&e))
}

fn decrypt(identity: &dyn age::Identity, armored: &str) -> Result<Vec<u8>, age::DecryptError> {
    let decryptor =
        age::Decryptor::new_buffered(age::armor::ArmoredReader::new(armored.as_bytes()))?;
    let mut reader = decryptor.decrypt(std::iter::once(identity))?;
    let mut plain = Vec::new();
    if let Err(e) = reader.read_to_end(&mut plain) {
        plain.zeroize();
        return Err(age::DecryptError::Io(e));
    }
    Ok(plain)
}

/// Creates the data directory 0700 if needed, and checks that it is the user's own.
fn make_dir(dir: &Path) -> Result<(), String> {
    if std::fs::symlink_metadata(dir).is_err() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| e.to_string())?;
        }
    }
    check_dir(dir)
}

fn check_dir_if_present(dir: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(dir) {
        Err(_) => Ok(()),
        Ok(_) => check_dir(dir),
    }
}

/// The data directory: a real directory (not a symbolic link), the user's, 0700.
fn check_dir(dir: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| e.to_string())?;
    if meta.file_type().is_symlink() {
        return Err(format!(
            "its directory {} is a symbolic link; make it a directory of your own",
            dir.display()
        ));
    }
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(format!(
                "its directory {} belongs to uid {}, not to you",
                dir.display(),
                meta.uid()
            ));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "its directory {} has mode {mode:o}; chmod 700 it",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// The store file: a regular file (not a symbolic link), the user's, 0600.
fn check_file(meta: &std::fs::Metadata) -> Result<(), String> {
    if meta.file_type().is_symlink() {
        return Err(
            "it is a symbolic link; rolecall keeps the store only in a file of its own".into(),
        );
    }
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(format!("it belongs to uid {}, not to you", meta.uid()));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!("it has mode {mode:o}; chmod 600 it"));
        }
    }
    Ok(())
}

/// One service's entries in the vault (`rolecall-keys`, `rolecall-sso`), as a `Backend`.
pub struct FileBackend {
    vault: Arc<Vault>,
    service: &'static str,
}

impl FileBackend {
    pub fn new(vault: Arc<Vault>, service: &'static str) -> Self {
        Self { vault, service }
    }

    fn name_of(&self, key: &str) -> String {
        format!("{}/{key}", self.service)
    }
}

impl Backend for FileBackend {
    fn name(&self) -> String {
        self.vault.describe()
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.vault.get(&self.name_of(key))
    }
    fn set(&self, key: &str, _label: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.vault.set(&self.name_of(key), bytes)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.vault.delete(&self.name_of(key))
    }
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.vault.names(&format!("{}/", self.service)).map(Some)
    }
    fn ready(&self) -> Result<(), String> {
        let shown = self.vault.shown();
        match self.vault.state() {
            VaultState::Unlocked | VaultState::Unattended => Ok(()),
            VaultState::Missing => Err(format!(
                "{shown} does not exist (moved or deleted?); restore it, or add the keys again"
            )),
            VaultState::Locked => Err(format!(
                "{shown} is locked; the next command that needs it asks for the passphrase on a terminal (unattended runs: set ROLECALL_FILE_PASSPHRASE_COMMAND)"
            )),
            VaultState::Broken(why) => Err(why),
        }
    }
}

/// The passphrase from the environment, a helper command or the terminal.
pub struct SystemPassphrase {
    pub vars: Vars,
    pub limit: Duration,
}

impl Passphrase for SystemPassphrase {
    fn get(&self, path: &Path, new: bool) -> Result<SecretString, StoreError> {
        if let Some(p) = self
            .vars
            .get("ROLECALL_FILE_PASSPHRASE")
            .filter(|p| !p.is_empty())
        {
            return Ok(SecretString::from(p.to_string()));
        }
        if let Some(command) = self.vars.non_empty("ROLECALL_FILE_PASSPHRASE_COMMAND") {
            return from_command(command, self.limit);
        }
        let shown = path.display();
        let no_terminal = || {
            StoreError(format!(
                "the file store {shown} is locked and there is no terminal to ask for its passphrase; set ROLECALL_FILE_PASSPHRASE_COMMAND to a command that prints it, or run rolecall on a terminal"
            ))
        };
        let ask = |prompt: &str| -> Result<String, StoreError> {
            match crate::adapters::terminal::prompt::ask(prompt, true) {
                Ok(Some(line)) => Ok(line),
                Ok(None) => Err(no_terminal()),
                Err(e) => Err(StoreError(format!("cannot read the passphrase: {e}"))),
            }
        };
        if !new {
            let line = ask(&format!("Passphrase for {shown}"))?;
            return Ok(SecretString::from(line));
        }
        let mut first = ask(&format!("New passphrase for {shown}"))?;
        let mut again = ask("The same passphrase again")?;
        let same = first == again;
        again.zeroize();
        if !same || first.is_empty() {
            first.zeroize();
            return Err(StoreError(format!(
                "the two passphrases differ or are empty; {shown} was not created"
            )));
        }
        Ok(SecretString::from(first))
    }

    fn unattended(&self) -> bool {
        self.vars
            .get("ROLECALL_FILE_PASSPHRASE")
            .is_some_and(|p| !p.is_empty())
            || self
                .vars
                .non_empty("ROLECALL_FILE_PASSPHRASE_COMMAND")
                .is_some()
    }
}

/// The first line a passphrase command prints, run as `credential_process` is: split into
/// words (no shell), within the time limit, its output capped.
fn from_command(command: &str, limit: Duration) -> Result<SecretString, StoreError> {
    let what = "ROLECALL_FILE_PASSPHRASE_COMMAND";
    let words = shlex::split(command)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| StoreError(format!("{what} is not a valid command line")))?;
    let mut child = std::process::Command::new(&words[0]);
    child
        .args(&words[1..])
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    let mut out = crate::adapters::helper::run(&mut child, limit, MAX_PASSPHRASE)
        .map_err(|e| StoreError(e.describe(&format!("{what} ({})", words[0]))))?;
    let line = out
        .split(|b| *b == b'\n')
        .next()
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .unwrap_or_default();
    let text = String::from_utf8(line.to_vec());
    out.zeroize();
    match text {
        Ok(t) if !t.is_empty() => Ok(SecretString::from(t)),
        _ => Err(StoreError(format!(
            "{what} ({}) printed no passphrase on its first line",
            words[0]
        ))),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A passphrase that counts how often it is asked for.
    pub struct Fixed(pub &'static str, pub Arc<AtomicUsize>);

    impl Passphrase for Fixed {
        fn get(&self, _path: &Path, _new: bool) -> Result<SecretString, StoreError> {
            self.1.fetch_add(1, Ordering::SeqCst);
            Ok(SecretString::from(self.0.to_string()))
        }
        fn unattended(&self) -> bool {
            true
        }
    }

    /// An unlock cache in memory, shared by the "processes" of a test.
    #[derive(Clone, Default)]
    pub struct Shared(Arc<Mutex<BTreeMap<String, String>>>);

    impl UnlockCache for Shared {
        fn get(&self, id: &str) -> Option<SecretString> {
            self.0
                .lock()
                .unwrap()
                .get(id)
                .cloned()
                .map(SecretString::from)
        }
        fn put(&self, id: &str, identity: &SecretString) {
            self.0
                .lock()
                .unwrap()
                .insert(id.into(), identity.expose_secret().to_string());
        }
        fn forget(&self, id: &str) -> bool {
            self.0.lock().unwrap().remove(id).is_some()
        }
        fn describe(&self) -> String {
            "memory".into()
        }
    }

    fn vault(dir: &Path, pass: &'static str, cache: Shared) -> (Arc<Vault>, Arc<AtomicUsize>) {
        let asked = Arc::new(AtomicUsize::new(0));
        let v = Vault::for_tests(
            dir.join("data/rolecall"),
            Box::new(Fixed(pass, asked.clone())),
            Box::new(cache),
        );
        (v, asked)
    }

    #[test]
    fn round_trip_modes_and_one_passphrase_per_cache() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let cache = Shared::default();
        let (v, asked) = vault(tmp.path(), "pw", cache.clone());
        assert_eq!(v.get("k/a").unwrap(), None, "no file: nothing asked");
        assert_eq!(asked.load(Ordering::SeqCst), 0);
        v.set("k/a", b"one").unwrap();
        v.set("k/b", b"two").unwrap();
        assert_eq!(v.get("k/a").unwrap(), Some(b"one".to_vec()));
        assert_eq!(asked.load(Ordering::SeqCst), 1, "asked once, to create");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&v.path()), 0o600);
        assert_eq!(mode(&tmp.path().join("data/rolecall")), 0o700);
        let text = std::fs::read_to_string(v.path()).unwrap();
        assert!(
            !text.contains("one") && text.contains("BEGIN AGE ENCRYPTED FILE"),
            "{text}"
        );
        // Another "process" with the same cache asks nothing; without it, it asks once.
        let (second, asked2) = vault(tmp.path(), "pw", cache.clone());
        assert_eq!(second.get("k/b").unwrap(), Some(b"two".to_vec()));
        assert_eq!(asked2.load(Ordering::SeqCst), 0);
        let (third, asked3) = vault(tmp.path(), "pw", Shared::default());
        assert_eq!(third.names("k/").unwrap(), vec!["a", "b"]);
        assert_eq!(asked3.load(Ordering::SeqCst), 1);
        second.delete("k/a").unwrap();
        assert_eq!(third.get("k/a").unwrap(), None);
        // Locking forgets the cached key: the next run asks again.
        assert!(second.lock_now().unwrap());
        let (fourth, asked4) = vault(tmp.path(), "pw", cache);
        assert_eq!(fourth.state(), VaultState::Unattended);
        fourth.get("k/b").unwrap();
        assert_eq!(
            asked4.load(Ordering::SeqCst),
            1,
            "asked again once, after the lock"
        );
    }

    #[test]
    fn the_largest_session_is_kept_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let (v, _) = vault(tmp.path(), "pw", Shared::default());
        let bytes = super::super::codec::encode(&super::super::codec::largest_session()).unwrap();
        v.set("rolecall/big", &bytes).unwrap();
        let (again, _) = vault(tmp.path(), "pw", Shared::default());
        assert_eq!(again.get("rolecall/big").unwrap(), Some(bytes));
    }

    #[test]
    fn a_wrong_passphrase_changes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let (v, _) = vault(tmp.path(), "right", Shared::default());
        v.set("k/a", b"one").unwrap();
        let before = std::fs::read(v.path()).unwrap();
        let (wrong, _) = vault(tmp.path(), "wrong", Shared::default());
        let e = wrong.get("k/a").unwrap_err();
        assert!(
            e.0.starts_with("wrong passphrase for the file store"),
            "{e}"
        );
        let e = wrong.set("k/b", b"two").unwrap_err();
        assert!(e.0.contains("wrong passphrase"), "{e}");
        assert_eq!(std::fs::read(v.path()).unwrap(), before);
    }

    #[test]
    fn a_truncated_or_corrupt_file_is_named_and_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let (v, _) = vault(tmp.path(), "pw", Shared::default());
        v.set("k/a", b"one").unwrap();
        let whole = std::fs::read(v.path()).unwrap();
        for broken in [
            whole[..whole.len() / 2].to_vec(),
            whole[..whole.len() - 200].to_vec(),
            String::from_utf8(whole.clone())
                .unwrap()
                .replacen(
                    "\"data\": \"-----BEGIN AGE ENCRYPTED FILE-----\\n",
                    "\"data\": \"-----BEGIN AGE ENCRYPTED FILE-----\\nAAAA",
                    1,
                )
                .into_bytes(),
        ] {
            std::fs::write(v.path(), &broken).unwrap();
            let (fresh, _) = vault(tmp.path(), "pw", Shared::default());
            let e = fresh.get("k/a").unwrap_err();
            assert!(
                e.0.contains(&v.path().display().to_string())
                    && e.0.contains("nothing was changed"),
                "{e}"
            );
            assert!(fresh.set("k/b", b"x").is_err());
            assert_eq!(std::fs::read(v.path()).unwrap(), broken, "left as it was");
        }
    }

    #[test]
    fn two_writers_keep_each_others_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Shared::default();
        let (v, _) = vault(tmp.path(), "pw", cache.clone());
        v.set("k/seed", b"0").unwrap();
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let (w, _) = vault(tmp.path(), "pw", cache.clone());
                std::thread::spawn(move || {
                    for i in 0..10 {
                        w.set(&format!("k/{t}-{i}"), b"v").unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(v.names("k/").unwrap().len(), 21);
    }

    #[test]
    fn links_and_open_modes_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let (v, _) = vault(tmp.path(), "pw", Shared::default());
        v.set("k/a", b"one").unwrap();
        std::fs::set_permissions(v.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = v.get("k/a").unwrap_err();
        assert!(e.0.contains("chmod 600"), "{e}");
        std::fs::set_permissions(v.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        let elsewhere = tmp.path().join("elsewhere.json");
        std::fs::rename(v.path(), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, v.path()).unwrap();
        let e = v.get("k/a").unwrap_err();
        assert!(e.0.contains("symbolic link"), "{e}");
        assert!(v.set("k/b", b"x").is_err());
        assert!(std::fs::symlink_metadata(v.path())
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn the_passphrase_command_gives_its_first_line() {
        let p = from_command("printf 'first\\nsecond\\n'", Duration::from_secs(5)).unwrap();
        assert_eq!(p.expose_secret(), "first");
        assert!(from_command("printf ''", Duration::from_secs(5)).is_err());
        assert!(from_command("false", Duration::from_secs(5)).is_err());
    }
}
