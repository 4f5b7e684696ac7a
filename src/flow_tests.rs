//! Whole command lines through [`crate::run`], with a recording STS, an in-memory store and a
//! fixed clock: what `main` does, minus the process.

use std::io::Write;

use clap::Parser;
use time::macros::datetime;

use crate::cache::MemoryStore;
use crate::cli::Cli;
use crate::clock::FixedClock;
use crate::credentials::execute::tests::FakeSts;
use crate::credentials::mfa::NoPrompt;
use crate::credentials::source::SystemSources;
use crate::terminal::NoPicker;
use crate::{Context, Error, Outcome, Vars};

struct World {
    _dir: tempfile::TempDir,
    vars: Vars,
    sts: FakeSts,
    store: MemoryStore,
}

impl World {
    fn new() -> Self {
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
        }
    }

    /// Runs one command line: its outcome, stdout and stderr.
    fn run(&self, line: &[&str]) -> (Result<Outcome, Error>, String, String) {
        let cli = Cli::try_parse_from(std::iter::once("rolecall").chain(line.iter().copied()))
            .expect("the command line parses");
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let sources = SystemSources::new();
        let clock = FixedClock(datetime!(2026-11-22 10:00 UTC));
        let verbosity = crate::verbosity(&cli);
        let mut ctx = Context {
            vars: &self.vars,
            stdout: &mut stdout,
            stderr: &mut stderr,
            sts: &self.sts,
            sources: &sources,
            store: &self.store,
            clock: &clock,
            mfa: &NoPrompt,
            verbosity,
            terminal: Default::default(),
            picker: &NoPicker,
        };
        let outcome = crate::run(cli, &mut ctx);
        (
            outcome,
            String::from_utf8(stdout).unwrap(),
            String::from_utf8(stderr).unwrap(),
        )
    }

    fn calls(&self) -> usize {
        self.sts.calls.borrow().len()
    }
}

#[test]
fn export_twice_calls_sts_once_and_prints_the_same() {
    let w = World::new();
    let (outcome, first, _) = w.run(&["export", "a", "--format", "sh"]);
    assert!(matches!(outcome, Ok(Outcome::Done)));
    assert!(
        first.contains("export AWS_ACCESS_KEY_ID='ASIA1'\n"),
        "{first}"
    );
    assert!(first.contains("export AWS_REGION='eu-west-1'\n"), "{first}");
    assert!(first.contains("unset AWS_PROFILE\n"), "{first}");
    assert_eq!(w.calls(), 1);
    let (_, second, _) = w.run(&["export", "a", "--format", "sh"]);
    assert_eq!(second, first);
    assert_eq!(w.calls(), 1, "the second export is served from the store");
}

#[test]
fn errors_leave_stdout_empty() {
    let w = World::new();
    let (outcome, out, _) = w.run(&["export", "b"]);
    let error = outcome.unwrap_err();
    assert_eq!(error.exit_code(), crate::exit::CONFIG);
    assert!(
        error.to_string().contains("profile \"b\" not found"),
        "{error}"
    );
    assert!(out.is_empty());
    assert_eq!(w.calls(), 0);
}

#[test]
fn exec_hands_main_the_command_and_the_same_changes() {
    let w = World::new();
    let (outcome, out, _) = w.run(&["exec", "a", "--", "aws", "s3", "ls"]);
    let Ok(Outcome::Exec(request)) = outcome else {
        panic!("exec must end in an exec request");
    };
    assert_eq!(request.program, "aws");
    assert_eq!(request.args, ["s3", "ls"]);
    let names: Vec<_> = request.changes.iter().map(|c| c.name()).collect();
    assert_eq!(names, crate::env::MANAGED);
    assert!(out.is_empty());
}

#[test]
fn use_marks_its_statements_and_clear_cache_forgets_the_chain() {
    let w = World::new();
    let (_, out, _) = w.run(&["use", "--shell", "fish", "a"]);
    assert!(
        out.starts_with(crate::commands::use_::MARKER)
            && out.contains("set -gx AWS_ACCESS_KEY_ID 'ASIA1'"),
        "{out}"
    );
    let (_, plan, _) = w.run(&["use", "--shell", "sh", "a", "--dry-run"]);
    assert!(!plan.starts_with(crate::commands::use_::MARKER), "{plan}");
    let (outcome, out, _) = w.run(&["clear-cache", "a"]);
    assert!(outcome.is_ok());
    assert_eq!(out, "removed 1 cached session of a\n");
    assert!(w.run(&["export", "a"]).0.is_ok());
    assert_eq!(w.calls(), 2, "a new session after clear-cache");
}

#[test]
fn dry_run_is_comments_on_stdout_or_goes_to_stderr_for_cmd_and_json() {
    let w = World::new();
    let (_, out, _) = w.run(&["export", "--dry-run", "a", "--format", "fish"]);
    assert!(
        out.lines().all(|l| l.starts_with("# ")) && !out.is_empty(),
        "{out}"
    );
    for format in ["cmd", "json"] {
        let (outcome, out, err) = w.run(&["export", "--dry-run", "a", "--format", format]);
        assert!(outcome.is_ok());
        assert!(out.is_empty(), "{format}: {out}");
        assert!(err.contains("# profile \"a\""), "{format}: {err}");
    }
    assert_eq!(w.calls(), 0);
}
