//! `rolecall use`: the statements the `rolecall init` shell function evaluates. The function
//! passes `--shell`; without it (no function installed) this says how to install one, because
//! a program cannot change its parent shell's environment.

use super::obtain::{inputs, project_file, statements, NO_OVERRIDES};
use super::write_out;
use super::Context;
use crate::cli::{UseArgs, UseShell};
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::Outcome;
use crate::error::Error;
use crate::render::Format;

/// The first line of every text the function may evaluate. The function evaluates nothing
/// else, so help text or a `--dry-run` plan is printed, never run.
pub const MARKER: &str = "# rolecall use: shell statements\n";

pub fn run(args: UseArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let Some(shell) = args.shell else {
        return Err(not_installed(ctx));
    };
    let format = match shell {
        UseShell::Sh => Format::Sh,
        UseShell::Fish => Format::Fish,
        UseShell::Powershell => Format::PowerShell,
    };
    let mut credentials = args.credentials;
    if args.refresh {
        let Some(profile) = refresh_due(ctx)? else {
            return Ok(Outcome::Done);
        };
        credentials.profile = Some(profile);
    }
    if args.project {
        // The hook's switch: only to an allowed file's profile the shell does not have yet.
        let Some(file) = project_profile(ctx)? else {
            return Ok(Outcome::Done);
        };
        credentials.profile = Some(file.profile);
        credentials.region = credentials.region.or(file.region);
        credentials.duration = credentials.duration.or(file.duration);
    }
    if let Some(text) = statements(&credentials, args.unset, format, "use", ctx)? {
        write_out(ctx, format!("{MARKER}{text}").as_bytes())?;
    }
    Ok(Outcome::Done)
}

/// The prompt hook's check: the shell's profile when a fresher session of it is cached, to
/// switch to; else nothing, having started a background refresh or told why none can help.
/// No network, no prompt: outside the refresh window it reads nothing but the environment.
fn refresh_due(ctx: &mut Context) -> Result<Option<String>, Error> {
    use crate::execute::refresh::{may_be_due, refresh, Deps, Refresh};
    let Some(status) = crate::domain::status::of(ctx.vars) else {
        return Ok(None);
    };
    let configured = ctx.settings.refresh_window.clone()?;
    let now = ctx.clock.now();
    let (Some(expiration), true) = (
        status.expiration,
        may_be_due(status.expiration, now, configured),
    ) else {
        return Ok(None);
    };
    let tag = crate::domain::text::timestamp(expiration);
    // A profile that no longer plans is said by the next `rolecall use`, not at every prompt.
    let Ok(plan) = ctx.profiles().and_then(|profiles| {
        crate::plan::plan(&profiles, &status.profile, &inputs(ctx, &NO_OVERRIDES))
    }) else {
        return Ok(None);
    };
    let policy = CachePolicy {
        mode: CacheMode::Use,
        refresh_window: configured,
    };
    let d = Deps {
        store: ctx.store,
        background: ctx.background,
        clock: ctx.clock,
    };
    match refresh(&plan, expiration, &tag, policy, d) {
        Refresh::Switch => Ok(Some(status.profile)),
        Refresh::Notice(line) => {
            ctx.note(&line);
            Ok(None)
        }
        Refresh::Started => {
            ctx.verbose(&format!(
                "refreshing the session of profile \"{}\" in the background",
                status.profile
            ));
            Ok(None)
        }
        Refresh::Nothing => Ok(None),
    }
}

/// The profile of the allowed `.rolecall` file here, unless the shell has it already; a file
/// that is not allowed is one note, and no switch.
fn project_profile(
    ctx: &mut Context,
) -> Result<Option<crate::domain::project::ProjectFile>, Error> {
    match project_file(ctx) {
        Ok(Some(file)) if ctx.vars.non_empty("ROLECALL_PROFILE") != Some(&file.profile) => {
            Ok(Some(file))
        }
        Ok(_) => Ok(None),
        Err(Error::Config(e)) => {
            ctx.note(&e.to_string());
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn not_installed(ctx: &Context) -> Error {
    // The shell running rolecall first (fish or PowerShell are told apart from POSIX shells
    // that way), then the login shell.
    let shell = match ctx.terminal.parent_shell {
        Some(Format::Fish) => Some("fish"),
        Some(Format::PowerShell) => Some("pwsh"),
        _ => ctx
            .vars
            .non_empty("SHELL")
            .map(|s| s.rsplit(['/', '\\']).next().unwrap_or(s))
            .map(|s| s.strip_suffix(".exe").unwrap_or(s)),
    };
    let powershell = (
        "PowerShell",
        "$PROFILE: rolecall init powershell | Out-String | Invoke-Expression",
        "rolecall export -f powershell PROFILE | Out-String | Invoke-Expression",
    );
    let (shell, rc, now) = match shell {
        Some("fish") => (
            "fish",
            "~/.config/fish/config.fish: rolecall init fish | source",
            "rolecall export -f fish PROFILE | source",
        ),
        Some("zsh") => (
            "zsh",
            "~/.zshrc: eval \"$(rolecall init zsh)\"",
            "eval \"$(rolecall export PROFILE)\"",
        ),
        Some("pwsh" | "powershell") => powershell,
        None if cfg!(windows) => powershell,
        _ => (
            "bash",
            "~/.bashrc: eval \"$(rolecall init bash)\"",
            "eval \"$(rolecall export PROFILE)\"",
        ),
    };
    Error::Usage(format!(
        "\"rolecall use\" changes the current shell, so it needs rolecall's shell function; add it to {rc} and open a new {shell} (or run {now} now)"
    ))
}
