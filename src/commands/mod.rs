//! One thin file per command, behind the one dispatch `match`; `obtain.rs` is what the
//! credential commands share (profile choice → plan → execute or explain).

mod allow;
pub(crate) mod clear_cache;
pub mod completions;
mod console;
pub mod context;
mod deny;
mod doctor;
mod eks;
mod exec;
mod export;
pub mod init;
mod keys;
mod list;
mod lock;
mod log;
mod login;
mod logout;
mod obtain;
mod serve;
pub mod sso;
mod status;
pub mod use_;

pub use context::Context;

use crate::cli::{Cli, Command};
use crate::domain::Outcome;
use crate::error::Error;

/// Runs a parsed command line.
pub fn run(cli: Cli, ctx: &mut Context) -> Result<Outcome, Error> {
    check_settings(&cli.command, ctx.settings)?;
    let outcome = dispatch(cli, ctx);
    if let Some(notice) = ctx.vault.notice() {
        ctx.note(&notice);
    }
    outcome
}

fn dispatch(cli: Cli, ctx: &mut Context) -> Result<Outcome, Error> {
    match cli.command {
        Command::Exec(args) => exec::run(args, ctx),
        Command::Export(args) => export::run(args, ctx),
        Command::List(args) => list::run(args, ctx),
        Command::ClearCache(args) => clear_cache::run(args, ctx),
        Command::Use(args) => use_::run(args, ctx),
        Command::Init(args) => init::run(args, ctx),
        Command::Completions(args) => completions::run(args, ctx),
        Command::Log(args) => log::run(args, ctx),
        Command::Allow(args) => allow::run(args, ctx),
        Command::Deny(args) => deny::run(args, ctx),
        Command::Doctor(args) => doctor::run(args, ctx),
        Command::Console(args) => console::run(args, ctx),
        Command::Keys(args) => keys::run(args, ctx),
        Command::Sso(args) => sso::run(args, ctx),
        Command::Login(args) => login::run(args, ctx),
        Command::Logout(args) => logout::run(args, ctx),
        Command::Lock(args) => lock::run(args, ctx),
        Command::Serve(args) => serve::run(args, ctx),
        Command::Eks(args) => eks::run(args, ctx),
        Command::Status(args) => status::run(args, ctx),
    }
}

/// The knobs read when the adapters are built, checked for the commands that use them: a bad
/// value fails only those (`ROLECALL_STS_TIMEOUT=forever rolecall list` still lists). Every
/// other knob is checked where it is read.
fn check_settings(command: &Command, settings: &crate::settings::Settings) -> Result<(), Error> {
    use Command::*;
    let local = matches!(command, Log(_) | Allow(_) | Deny(_) | Status(_));
    let uses_store = !local && !matches!(command, Init(_) | Completions(_) | Doctor(_));
    if matches!(command, Lock(_)) {
        settings.file_unlock_ttl.clone()?;
    }
    let uses_aws = !local
        && !matches!(
            command,
            Init(_) | Completions(_) | Doctor(_) | List(_) | ClearCache(_) | Lock(_)
        );
    if uses_store {
        settings.keyring_choice.clone()?;
    }
    if uses_aws {
        settings.sts_timeout.clone()?;
    }
    Ok(())
}

/// Writes a long output (`list` of 10,000 profiles) in pieces as `produce` makes them, once
/// everything it shows is decided, so that only the writing itself can fail half-way (as one
/// large write can). A closed pipe ends the command quietly, as in [`write_out`].
fn write_pieces(
    ctx: &mut Context,
    produce: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *ctx.stdout);
    match produce(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e.to_string())),
        _ => Ok(()),
    }
}

/// Writes a command's whole output at once. A reader that closed the pipe early
/// (`rolecall list | head -1`) wanted no more: that ends the command quietly, with status 0.
fn write_out(ctx: &mut Context, bytes: &[u8]) -> Result<(), Error> {
    match ctx
        .stdout
        .write_all(bytes)
        .and_then(|()| ctx.stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e.to_string())),
        _ => Ok(()),
    }
}
