use std::process::ExitCode;

use clap::Parser;
use rolecall::clock::SystemClock;
use rolecall::credentials::mfa::TerminalPrompt;
use rolecall::credentials::source::SystemSources;
use rolecall::credentials::sts::{SdkSts, Timeouts};
use rolecall::terminal::{FuzzyPicker, Spinning, Terminal};
use rolecall::{cli::Cli, Context, Outcome, Vars};
use std::io::IsTerminal;

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    // `COMPLETE=bash rolecall -- …`: answer a completion request and exit.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .var(rolecall::commands::completions::COMPLETE_VAR)
        .complete();
    let cli = Cli::parse();
    let vars = Vars::from_process();
    let terminal = Terminal {
        stdout: std::io::stdout().is_terminal(),
        stderr: std::io::stderr().is_terminal(),
        color: std::io::stdout().is_terminal() && vars.non_empty("NO_COLOR").is_none(),
    };
    let verbosity = rolecall::verbosity(&cli);
    let timeouts = match vars.non_empty("ROLECALL_STS_TIMEOUT") {
        None => Timeouts::default(),
        Some(text) => match Timeouts::parse(text) {
            Some(t) => t,
            None => {
                eprintln!("rolecall: ROLECALL_STS_TIMEOUT={text:?} is invalid; use whole seconds from 1 to 300");
                return ExitCode::from(rolecall::exit::USAGE);
            }
        },
    };
    let real_sts = SdkSts::new(timeouts);
    let sts = Spinning {
        inner: &real_sts,
        enabled: terminal.stderr && verbosity == rolecall::Verbosity::Normal,
    };
    let sources = SystemSources::new();
    let store = match rolecall::cache::open(&vars) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("rolecall: {error}");
            return ExitCode::from(rolecall::exit::USAGE);
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
        rolecall::run(cli, &mut ctx)
    };
    match outcome {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Exec(request)) => {
            let (code, message) = rolecall::process::exec(&request);
            if !message.is_empty() {
                eprintln!("rolecall: {message}");
            }
            ExitCode::from(code)
        }
        Err(error) => {
            eprintln!("rolecall: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
