//! The bag of ports a command gets: the environment snapshot, the settings, the writers and
//! the adapters. Only `app` builds the real one; tests build theirs from `testing`.

use std::io::Write;

use crate::adapters::terminal::Terminal;
use crate::domain::keys::StoredKeys;
use crate::domain::Vars;
use crate::execute::Deps;
use crate::ports::ask::Ask;
use crate::ports::clock::Clock;
use crate::ports::console::SignIn;
use crate::ports::iam::Iam;
use crate::ports::identity::CallerIdentity;
use crate::ports::keys::KeyStore;
use crate::ports::mfa::MfaPrompt;
use crate::ports::picker::Picker;
use crate::ports::sources::Sources;
use crate::ports::store::{IndexEntry, SessionStore};
use crate::ports::sts::Sts;
use crate::printer::Printer;
use crate::settings::Settings;

/// Everything a command needs from the outside world.
pub struct Context<'a> {
    pub vars: &'a Vars,
    pub settings: &'a Settings,
    pub stdout: &'a mut dyn Write,
    /// stderr, for notes, `-v` lines and prompts' companions.
    pub err: Printer<'a>,
    pub sts: &'a dyn Sts,
    pub sources: &'a dyn Sources,
    pub store: &'a dyn SessionStore,
    pub clock: &'a dyn Clock,
    pub mfa: &'a dyn MfaPrompt,
    pub terminal: Terminal,
    pub picker: &'a dyn Picker,
    pub identity: &'a dyn CallerIdentity,
    pub signin: &'a dyn SignIn,
    /// Long-term keys in the keychain (`rolecall keys`).
    pub keys: &'a dyn KeyStore,
    pub iam: &'a dyn Iam,
    /// The `.rolecall` files of project directories, and those the user allowed.
    pub projects: &'a dyn crate::ports::project::Projects,
    /// The audit trail: a record of every credential handed out.
    pub audit: &'a dyn crate::ports::audit::AuditLog,
    /// Session policy documents named by path (`policy`, `--policy`).
    pub policy_files: &'a dyn crate::ports::policy::PolicyFiles,
    /// Long-term keys in the user's own files (`keys import`, `keys rotate`).
    pub key_files: &'a dyn crate::ports::keys::KeyFiles,
    /// Questions to the person at the terminal (`rolecall keys add`, confirmations).
    pub ask: &'a dyn Ask,
    /// IAM Identity Center: the APIs, where tokens are kept, the browser and its callback.
    pub sso: &'a dyn crate::ports::sso::Sso,
    pub sso_tokens: &'a dyn crate::ports::sso::SsoTokens,
    pub authorize: &'a dyn crate::ports::sso::Authorize,
    /// AWS Sign-In (`login_session`): the token endpoint and the AWS CLI's token files.
    pub login_api: &'a dyn crate::ports::login::SignInApi,
    pub login_files: &'a dyn crate::ports::login::LoginFiles,
    /// The encrypted file store (`ROLECALL_KEYRING=file`): its state, `rolecall lock`.
    pub vault: &'a dyn crate::ports::vault::Vault,
    /// The durable stores by name (`keys migrate`).
    pub stores: &'a dyn crate::ports::keys::Stores,
    /// The shell hook's background refresh (`use --refresh`).
    pub background: &'a dyn crate::ports::refresh::Background,
    /// The key index, read once per run.
    pub stored: std::cell::OnceCell<StoredKeys>,
    /// What a command is done with, dropped with the context: in a run, never (main ends the
    /// process), so that `list` of 10,000 profiles does not free each of their strings.
    pub done: Vec<Box<dyn std::any::Any>>,
}

impl<'a> Context<'a> {
    /// Keeps `value` to the end of the run (see `done`).
    pub fn retire(&mut self, value: impl std::any::Any) {
        self.done.push(Box::new(value));
    }

    /// A note the user should see unless they asked for quiet (`-q`).
    pub fn note(&mut self, message: &str) {
        self.err.note(message);
    }

    /// A decision shown with `-v`.
    pub fn verbose(&mut self, message: &str) {
        self.err.verbose(message);
    }

    /// The session index, without the sessions the store no longer holds: `list` and
    /// `--dry-run` claim only what `export` will find. A store that cannot be reached holds
    /// nothing a run could use.
    pub fn cached_index(&mut self) -> Vec<IndexEntry> {
        let mut entries = self.store.index();
        if entries.is_empty() {
            return entries;
        }
        let wanted: Vec<String> = entries.iter().map(|e| e.key.clone()).collect();
        match self.store.held(&wanted) {
            Ok(Some(keys)) => {
                let keys: std::collections::HashSet<String> = keys.into_iter().collect();
                entries.retain(|e| keys.contains(&e.key));
            }
            Ok(None) => {}
            Err(e) => {
                self.verbose(&format!(
                    "cannot list the cached sessions ({e}); showing none"
                ));
                entries.clear();
            }
        }
        entries
    }

    /// Which profiles have keys in the keychain (the index: no keychain access).
    pub fn stored_keys(&self) -> &StoredKeys {
        self.stored.get_or_init(|| self.keys.index())
    }

    /// The profiles of both files, plus those that exist only as keys in the keychain.
    pub fn profiles(&self) -> Result<crate::config::Profiles, crate::config::ConfigError> {
        let mut profiles = crate::config::Profiles::load(self.vars)?;
        profiles.add_stored(self.stored_keys().profiles());
        Ok(profiles)
    }

    /// The ports the executor walks a plan through.
    pub fn deps(&self) -> Deps<'a> {
        Deps {
            sts: self.sts,
            sources: self.sources,
            store: self.store,
            clock: self.clock,
            mfa: self.mfa,
            keys: self.keys,
            sso: self.sso_deps(),
            login: crate::execute::login::LoginDeps {
                api: self.login_api,
                files: self.login_files,
            },
        }
    }

    /// The ports `rolecall login` acts through.
    pub fn sign_in_deps(&self) -> crate::execute::login_flow::SignInDeps<'a> {
        crate::execute::login_flow::SignInDeps {
            api: self.login_api,
            files: self.login_files,
            authorize: self.authorize,
            ask: self.ask,
            clock: self.clock,
        }
    }

    /// The ports the SSO steps act through.
    pub fn sso_deps(&self) -> crate::execute::sso::SsoDeps<'a> {
        crate::execute::sso::SsoDeps {
            api: self.sso,
            tokens: self.sso_tokens,
            authorize: self.authorize,
            clock: self.clock,
            may_sign_in: true,
        }
    }
}
