//! The composition root: the real implementations of every trait, wired once.

use std::process::ExitCode;

use crate::clock::SystemClock;
use crate::credentials::mfa::TerminalPrompt;
use crate::credentials::source::SystemSources;
use crate::credentials::sts::{SdkSts, Timeouts};
use crate::terminal::{FuzzyPicker, Spinning, Terminal};
use crate::{cli::Cli, Context, Outcome, Vars};
use clap::error::ErrorKind;
use clap::Parser;
use std::io::IsTerminal;

/// One line on stderr; a closed or full stderr is no reason to fail (or panic).
fn say(message: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let text = message.to_string();
    let _ = writeln!(
        std::io::stderr(),
        "rolecall: {}",
        crate::context::printable(&text)
    );
}

/// Builds the real context (STS, keychain, terminal, clock) from the process, runs the
/// command line, and turns the outcome into an exit status (or replaces the process).
pub fn main() -> ExitCode {
    // `COMPLETE=bash rolecall -- …`: answer a completion request and exit.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .var(crate::commands::completions::COMPLETE_VAR)
        .complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let vars = Vars::from_process();
    let terminal = Terminal {
        stdout: std::io::stdout().is_terminal(),
        stderr: std::io::stderr().is_terminal(),
        color: std::io::stdout().is_terminal() && vars.non_empty("NO_COLOR").is_none(),
        parent_shell: crate::parent::shell(),
    };
    let verbosity = crate::verbosity(&cli);
    let timeouts = match vars.non_empty("ROLECALL_STS_TIMEOUT") {
        None => Timeouts::default(),
        Some(text) => match Timeouts::parse(text) {
            Some(t) => t,
            None => {
                say(format_args!(
                    "ROLECALL_STS_TIMEOUT={text:?} is invalid; use whole seconds from 1 to 300"
                ));
                return ExitCode::from(crate::exit::USAGE);
            }
        },
    };
    let real_sts = SdkSts::new(timeouts);
    let sts = Spinning {
        inner: &real_sts,
        enabled: terminal.stderr && verbosity == crate::Verbosity::Normal,
    };
    let sources = SystemSources::new();
    let store = match crate::cache::open(&vars) {
        Ok(store) => store,
        Err(error) => {
            say(format_args!("{error}"));
            return ExitCode::from(crate::exit::USAGE);
        }
    };
    let outcome = {
        let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr());
        let mut ctx = Context {
            vars: &vars,
            stdout: &mut stdout,
            stderr: &mut stderr,
            sts: &sts,
            sources: &sources,
            store: store.as_ref(),
            clock: &SystemClock,
            mfa: &TerminalPrompt,
            verbosity,
            terminal,
            picker: &FuzzyPicker,
        };
        crate::run(cli, &mut ctx)
    };
    match outcome {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Exec(request)) => {
            let (code, message) = crate::process::exec(&request);
            if !message.is_empty() {
                say(format_args!("{message}"));
            }
            ExitCode::from(code)
        }
        Err(error) => {
            say(format_args!("{error}"));
            ExitCode::from(error.exit_code())
        }
    }
}

/// Help and version go out as clap prints them; a command-line mistake becomes one line on
/// stderr (clap's first line, and where to look), exit 2.
fn usage_error(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(e.exit_code() as u8);
    }
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let tip = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("tip: "))
        .map(|t| format!("; {t}"))
        .unwrap_or_default();
    say(format_args!("{first}{tip}; see \"rolecall --help\""));
    ExitCode::from(crate::exit::USAGE)
}
