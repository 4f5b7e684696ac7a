//! A whole command line through [`crate::run`], in-process: a recording STS, an in-memory
//! store, a fixed clock, config files in a temporary home. What `main` does, minus the
//! process.

use std::io::Write;
use std::rc::Rc;

use super::{FakeSts, FixedClock, MemoryStore, NoPicker, NoPrompt, NOW};
use crate::adapters::aws::Aws;
use crate::adapters::sources::SystemSources;
use crate::cli::Cli;
use crate::commands::Context;
use crate::domain::{Outcome, Vars};
use crate::error::Error;
use crate::printer::Printer;
use crate::settings::Settings;

pub struct World {
    pub sts: FakeSts,
    pub store: MemoryStore,
    pub keys: super::MemoryKeys,
    pub iam: super::FakeIam,
    pub ask: super::ScriptedAsk,
    pub sso: super::FakeSso,
    pub tokens: super::MemoryTokens,
    pub login_api: super::FakeSignIn,
    pub login_files: super::MemoryLoginFiles,
    pub audit: MemoryAudit,
    /// A real key store to use instead of `keys` (the file store, say).
    pub real_keys: Option<Box<dyn crate::ports::keys::KeyStore>>,
    _dir: tempfile::TempDir,
    vars: Vars,
}

impl World {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let credentials = dir.path().join("credentials");
        std::fs::File::create(&config)
            .unwrap()
            .write_all(b"[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nregion = eu-west-1\n")
            .unwrap();
        std::fs::write(
            &credentials,
            "[default]\naws_access_key_id = AKIAROOT\naws_secret_access_key = rootsecret\n",
        )
        .unwrap();
        let vars = Vars::from_pairs([
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
            ("HOME", dir.path().to_str().unwrap()),
            ("USER", "maria"),
        ]);
        Self {
            _dir: dir,
            vars,
            sts: FakeSts::default(),
            store: MemoryStore::new(),
            keys: Default::default(),
            iam: Default::default(),
            ask: Default::default(),
            sso: Default::default(),
            tokens: Default::default(),
            login_api: Default::default(),
            login_files: Default::default(),
            audit: Default::default(),
            real_keys: None,
        }
    }

    /// The temporary home of the world.
    #[cfg_attr(not(unix), allow(dead_code, reason = "its tests are Unix-only"))]
    pub fn home(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Runs one command line: its outcome, stdout and stderr.
    pub fn run(&self, line: &[&str]) -> (Result<Outcome, Error>, String, String) {
        let cli = Cli::parse_from(std::iter::once("rolecall").chain(line.iter().copied()))
            .expect("the command line parses");
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let sources = SystemSources::new(
            Rc::new(Aws::default()),
            self.vars.clone(),
            Ok(std::time::Duration::from_secs(120)),
        );
        let clock = FixedClock::at(NOW);
        let settings = Settings::from_vars(&self.vars);
        let verbosity = cli.verbosity();
        let mut ctx = Context {
            vars: &self.vars,
            settings: &settings,
            stdout: &mut stdout,
            err: Printer::new(&mut stderr, verbosity),
            sts: &self.sts,
            sources: &sources,
            store: &self.store,
            clock: &clock,
            mfa: &NoPrompt,
            terminal: Default::default(),
            picker: &NoPicker,
            identity: &crate::ports::identity::Anonymous,
            signin: &crate::testing::fakes::NoSignIn,
            keys: self.real_keys.as_deref().unwrap_or(&self.keys),
            iam: &self.iam,
            key_files: &crate::adapters::keyfile::UserFiles { vars: &self.vars },
            policy_files: &crate::adapters::policy::SystemPolicyFiles { vars: &self.vars },
            audit: &self.audit,
            projects: &crate::ports::project::NoProjects,
            ask: &self.ask,
            stored: Default::default(),
            done: Vec::new(),
            sso: &self.sso,
            sso_tokens: &self.tokens,
            authorize: &super::NoAuthorize,
            login_api: &self.login_api,
            login_files: &self.login_files,
            vault: &super::keys::NoVault,
            stores: &super::keys::NoVault,
            background: &super::fakes::NoBackground,
        };
        let outcome = crate::run(cli, &mut ctx);
        (
            outcome,
            String::from_utf8(stdout).unwrap(),
            String::from_utf8(stderr).unwrap(),
        )
    }

    /// Replaces the config file's text.
    pub fn write_config(&self, text: &str) {
        std::fs::write(self._dir.path().join("config"), text).unwrap();
    }

    /// The credentials file of this world.
    pub fn credentials_path(&self) -> std::path::PathBuf {
        self._dir.path().join("credentials")
    }

    pub fn calls(&self) -> usize {
        self.sts.calls.borrow().len()
    }
}

/// An audit log in memory: the lines as they would be appended.
#[derive(Default)]
pub struct MemoryAudit(pub std::cell::RefCell<Vec<String>>);

impl crate::ports::audit::AuditLog for MemoryAudit {
    fn record(&self, entry: &crate::domain::audit::AuditEntry) -> Result<(), String> {
        self.0
            .borrow_mut()
            .push(entry.line().trim_end().to_string());
        Ok(())
    }
    fn lines(&self) -> Result<Vec<String>, String> {
        Ok(self.0.borrow().clone())
    }
    fn describe(&self) -> String {
        "memory".into()
    }
}
