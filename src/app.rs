//! The composition root: the real implementations of every trait, wired once.

use std::process::ExitCode;

use std::io::{IsTerminal, Write};
use std::rc::Rc;

use clap::error::ErrorKind;

use crate::adapters::aws::{Aws, SdkSts};
use crate::adapters::clock::SystemClock;
use crate::adapters::prompt::ChosenPrompt;
use crate::adapters::sources::SystemSources;
use crate::adapters::terminal::{FuzzyPicker, Spinning, Terminal};
use crate::cli::Cli;
use crate::commands::Context;
use crate::domain::{Outcome, Vars};
use crate::ports::sts::Timeouts;
use crate::printer::{Printer, Verbosity};
use crate::settings::Settings;

/// One line on stderr; a closed or full stderr is no reason to fail (or panic).
fn say(message: std::fmt::Arguments<'_>) {
    crate::printer::say(&mut std::io::stderr(), &message.to_string());
}

/// Builds the real context (STS, keychain, terminal, clock) from the process, runs the
/// command line, and turns the outcome into an exit status (or replaces the process).
pub fn main() -> ExitCode {
    // The environment first: protect() makes /proc/self/environ root's.
    let mut vars = crate::adapters::environ::snapshot();
    crate::adapters::memory::protect();
    // `ROLECALL_COMPLETE=bash rolecall -- …`: answer a completion request and exit. Only in
    // that form: a ROLECALL_COMPLETE leaked into the environment must not turn `export` or
    // `exec` into a silent no-op.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "--") {
        clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
            .var(crate::commands::completions::COMPLETE_VAR)
            .complete();
    }
    // `exec --server`'s warden between rolecall and the command (Linux).
    #[cfg(target_os = "linux")]
    if argv
        .get(1)
        .is_some_and(|a| a == crate::adapters::warden::ARG)
    {
        return crate::adapters::warden::main(&argv[2..]);
    }
    // The Secret Service's copy of a session a cold export stored (keychain/copy.rs).
    #[cfg(target_os = "linux")]
    if argv
        .get(1)
        .is_some_and(|a| a == crate::adapters::keychain::copy::ARG)
    {
        return crate::adapters::keychain::copy::main();
    }
    // The shell hook's background refresh: detached, with its lock held to the end.
    if let Some(line) = crate::cli::version_line(&argv) {
        let _ = std::io::stdout().write_all(line.as_bytes());
        return ExitCode::SUCCESS;
    }
    let Some((argv, _refresh_lock)) = crate::adapters::refresh::command_line(argv) else {
        return ExitCode::SUCCESS; // another refresh of the profile is running
    };
    let cli = match Cli::parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, &argv),
    };
    // The file store's passphrase is for rolecall alone: no program it starts (exec's command,
    // a credential_process, a browser, the passphrase command) inherits it. `Vars` holds the
    // one copy; nothing else runs yet, so changing the process environment races nothing.
    #[allow(clippy::disallowed_methods)]
    std::env::remove_var("ROLECALL_FILE_PASSPHRASE");
    if vars.user().is_none() {
        // A container or cron job without USER/LOGNAME: the session name still names who.
        vars.or_insert("USER", crate::adapters::login::login_name);
    }
    // Freed by the exit, not one variable at a time just before it.
    let vars = std::mem::ManuallyDrop::new(vars);
    let vars: &Vars = &vars;
    let terminal = Terminal {
        stdout: std::io::stdout().is_terminal(),
        stderr: std::io::stderr().is_terminal(),
        color: std::io::stdout().is_terminal() && vars.non_empty("NO_COLOR").is_none(),
        parent_shell: crate::adapters::terminal::shell::shell(),
        width: std::io::stdout()
            .is_terminal()
            .then(crate::adapters::terminal::stdout_width)
            .flatten(),
        stdout_file: crate::adapters::terminal::stdout_is_file(),
    };
    let settings = Settings::from_vars(vars);
    let verbosity = cli.verbosity();
    // A bad value is the error of the commands that use it (commands::run checks).
    let timeouts = match &settings.sts_timeout {
        Ok(limit) => Timeouts::within(limit.unsigned_abs()),
        Err(_) => Timeouts::default(),
    };
    let aws = Rc::new(Aws::new(vars));
    let real_sts = SdkSts::new(aws.clone(), timeouts);
    let sts = Spinning {
        inner: &real_sts,
        enabled: terminal.stderr && verbosity == Verbosity::Normal,
    };
    let signin = crate::adapters::console::SystemSignIn::new(aws.clone(), vars.clone());
    let sources = SystemSources::new(
        aws.clone(),
        vars.clone(),
        settings.process_timeout.clone().map(|d| d.unsigned_abs()),
    );
    let identity = crate::adapters::identity::SystemIdentity::new(vars.clone());
    let mfa = ChosenPrompt::new(
        settings.mfa_prompt.clone(),
        settings.process_timeout.clone().map(|d| d.unsigned_abs()),
        vars.clone(),
    );
    // The state directory (index, locks, audit trail, allowed projects), located once.
    let state = crate::adapters::keychain::StateDir::locate(settings.state_dir.as_deref(), vars);
    let store = crate::adapters::keychain::open(&settings, vars, &state, cli.ends_after_output())
        .unwrap_or_else(|_| Box::new(crate::adapters::keychain::NoStore));
    let durable = crate::adapters::keychain::Durable::of(&settings, vars);
    let vault = crate::adapters::keychain::vault(
        &settings,
        vars,
        durable == crate::adapters::keychain::Durable::File { auto: true },
    );
    let keys = crate::adapters::keychain::open_keys(&settings, vars, &state, &vault);
    let stores = crate::adapters::keychain::SystemStores {
        settings: settings.clone(),
        vars: vars.clone(),
        vault: vault.clone(),
    };
    let file_vault = crate::adapters::keychain::filestore::FileVault {
        vault: vault.clone(),
        in_use: matches!(durable, crate::adapters::keychain::Durable::File { .. }),
    };
    let iam = crate::adapters::aws::iam::SdkIam::new(aws.clone(), timeouts);
    let sso = crate::adapters::aws::sso::SdkSso::new(aws.clone(), timeouts);
    let sso_tokens = crate::adapters::keychain::open_sso(&settings, vars, &state, &vault);
    let login_api = crate::adapters::aws::signin::SdkSignIn::new(aws.clone(), timeouts);
    let login_files = crate::adapters::keychain::open_login(&settings, vars, &state, &vault);
    let authorize = crate::adapters::terminal::authorize::SystemAuthorize::new(
        vars.clone(),
        crate::adapters::terminal::prompt::person(),
        terminal.stderr,
    );
    let audit: Box<dyn crate::ports::audit::AuditLog> = match settings.audit {
        true => Box::new(crate::adapters::audit::FileAudit {
            state: state.clone(),
        }),
        false => Box::new(crate::ports::audit::NoAudit),
    };
    let outcome = {
        let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr());
        let mut ctx = Context {
            vars,
            settings: &settings,
            stdout: &mut stdout,
            err: Printer::new(&mut stderr, verbosity),
            sts: &sts,
            sources: &sources,
            store: store.as_ref(),
            clock: &SystemClock,
            mfa: &mfa,
            terminal,
            picker: &FuzzyPicker,
            identity: &identity,
            signin: &signin,
            keys: keys.as_ref(),
            iam: &iam,
            key_files: &crate::adapters::keyfile::UserFiles { vars },
            policy_files: &crate::adapters::policy::SystemPolicyFiles { vars },
            audit: audit.as_ref(),
            projects: &crate::adapters::project::SystemProjects {
                state: state.clone(),
            },
            ask: &crate::adapters::terminal::prompt::TerminalAsk,
            stored: Default::default(),
            done: Vec::new(),
            sso: &sso,
            sso_tokens: &sso_tokens,
            authorize: &authorize,
            login_api: &login_api,
            login_files: &login_files,
            vault: &file_vault,
            stores: &stores,
            background: &crate::adapters::refresh::SystemBackground {
                state: state.clone(),
            },
        };
        let outcome = crate::run(cli, &mut ctx);
        // What the command is done with ends with the process (Context::done).
        std::mem::forget(std::mem::take(&mut ctx.done));
        outcome
    };
    let code = match outcome {
        Ok(Outcome::Done) => 0,
        Ok(Outcome::Exit(code)) => code,
        Ok(Outcome::Exec(request)) => {
            let (code, message) = crate::adapters::child::exec(&request);
            if !message.is_empty() {
                say(format_args!("{message}"));
            }
            code
        }
        Err(error) => {
            say(format_args!("{error}"));
            if error.is_interrupt() {
                crate::adapters::terminal::die_of_interrupt();
            }
            error.exit_code()
        }
    };
    // The work is done and written (std flushes stdout on the way out): the process ends
    // here, without taking down the async runtime, the keychain connections and their threads
    // one by one, which kept a cold run's caller waiting for milliseconds after the output.
    #[allow(clippy::disallowed_methods)] // this is main: the one place that exits
    std::process::exit(i32::from(code))
}

/// Help and version go out as clap prints them; a command-line mistake becomes one line on
/// stderr (what is wrong, the allowed values, and the subcommand's help), exit 2.
fn usage_error(e: clap::Error, argv: &[std::ffi::OsString]) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(e.exit_code() as u8);
    }
    // The line names the command itself (`rolecall init: …`), so it has no `rolecall: ` prefix.
    let line = crate::cli::usage_message(&e, argv);
    let _ = writeln!(std::io::stderr(), "{}", crate::domain::printable(&line));
    ExitCode::from(crate::exit::USAGE)
}
