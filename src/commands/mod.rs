//! One file per command; this file holds the dispatch and what `exec` and `export` share.

mod clear_cache;
pub mod completions;
mod exec;
mod explain;
mod export;
pub mod init;
mod list;
pub mod use_;

use crate::cli::{Command, CredentialArgs};
use crate::config::{plan, ConfigError, Plan, Profiles};
use crate::context::Context;
use crate::credentials::mfa::MfaToken;
use crate::credentials::{execute, CacheMode, CachePolicy, Credentials};
use crate::{Error, Outcome};

pub fn dispatch(command: Command, ctx: &mut Context) -> Result<Outcome, Error> {
    match command {
        Command::Exec(args) => exec::run(args, ctx),
        Command::Export(args) => export::run(args, ctx),
        Command::List(args) => list::run(args, ctx),
        Command::ClearCache(args) => clear_cache::run(args, ctx),
        Command::Use(args) => use_::run(args, ctx),
        Command::Init(args) => init::run(args, ctx),
        Command::Completions(args) => completions::run(args, ctx),
    }
}

/// Writes a command's whole output at once.
fn write_out(ctx: &mut Context, bytes: &[u8]) -> Result<(), Error> {
    ctx.stdout
        .write_all(bytes)
        .and_then(|()| ctx.stdout.flush())
        .map_err(|e| Error::Output(e.to_string().to_lowercase()))
}

/// The profile named on the command line, else `AWS_PROFILE`, else one picked on a terminal.
fn profile_name(
    args: &CredentialArgs,
    profiles: &Profiles,
    ctx: &Context,
) -> Result<String, Error> {
    if let Some(name) = args
        .profile
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| ctx.vars.non_empty("AWS_PROFILE").map(str::to_string))
    {
        return Ok(name);
    }
    let names: Vec<&str> = profiles.names().collect();
    if !ctx.terminal.stderr || names.is_empty() {
        return Err(Error::Config(ConfigError::NoProfile));
    }
    match ctx.picker.pick(&names) {
        Ok(Some(i)) => Ok(names[i].to_string()),
        Ok(None) => Err(Error::Usage("no profile picked".into())),
        Err(_) => Err(Error::Config(ConfigError::NoProfile)),
    }
}

/// What `exec` and `export` do once they know the profile: credentials, or (with
/// `--dry-run`) the plan explained on stdout.
pub enum Obtained {
    Credentials(Box<Plan>, Credentials),
    Explained,
}

/// Where `--dry-run` writes the plan: as comment lines on stdout, or on stderr for output
/// formats that have no comment a shell would skip (cmd, the credential_process JSON).
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlanTo {
    Stdout,
    Stderr,
}

/// Loads the configuration, plans, and runs the plan (or explains it).
fn obtain(args: &CredentialArgs, ctx: &mut Context, plan_to: PlanTo) -> Result<Obtained, Error> {
    let profiles = Profiles::load(ctx.vars)?;
    let name = profile_name(args, &profiles, ctx)?;
    let plan = plan(&profiles, &name, ctx.vars, ctx.clock.now())?;
    let mode = if args.no_cache {
        CacheMode::Bypass
    } else {
        CacheMode::Use
    };
    let policy = CachePolicy {
        mode,
        refresh_window: refresh_window(ctx)?,
    };
    if args.dry_run {
        let index = ctx
            .store
            .index()
            .into_iter()
            .map(|e| (e.key, e.expiration))
            .collect();
        let text = explain::render(
            &plan,
            &index,
            ctx.clock.now(),
            policy,
            args.mfa_token.is_some(),
        );
        match plan_to {
            PlanTo::Stdout => write_out(ctx, explain::as_comments(&text).as_bytes())?,
            PlanTo::Stderr => {
                let _ = ctx.stderr.write_all(explain::as_comments(&text).as_bytes());
            }
        }
        return Ok(Obtained::Explained);
    }
    if let Some(current) = ctx.vars.non_empty("ROLECALL_PROFILE") {
        if matches!(plan.source, crate::config::Source::Environment { .. }) {
            // The one kind of profile whose source is the shell's own variables.
            ctx.note(&format!(
                "profile \"{name}\" takes its source credentials from the environment, which holds profile \"{current}\"'s session from rolecall; run \"rolecall use --unset\" (or open a new shell) to start from your own keys"
            ));
        } else {
            ctx.verbose(&format!(
                "replacing the credentials of profile \"{current}\" with those of \"{name}\""
            ));
        }
    }
    let token = MfaToken::new(args.mfa_token.clone());
    let credentials = execute(&plan, ctx, policy, &token)?;
    Ok(Obtained::Credentials(Box::new(plan), credentials))
}

/// `ROLECALL_REFRESH_WINDOW`: seconds, or a number with `s`, `m` or `h`.
fn refresh_window(ctx: &Context) -> Result<Option<time::Duration>, Error> {
    let Some(text) = ctx.vars.non_empty("ROLECALL_REFRESH_WINDOW") else {
        return Ok(None);
    };
    parse_duration(text).map(Some).ok_or_else(|| {
        Error::Usage(format!(
            "ROLECALL_REFRESH_WINDOW={text:?} is not a duration; use seconds or a number with s, m or h (for example 5m)"
        ))
    })
}

fn parse_duration(text: &str) -> Option<time::Duration> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let n: i64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    (seconds <= 43_200).then(|| time::Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300"), Some(Duration::seconds(300)));
        assert_eq!(parse_duration("5m"), Some(Duration::minutes(5)));
        assert_eq!(parse_duration("1h"), Some(Duration::hours(1)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "m", "5x", "-5", "1.5m", "13h", "99999999999999999999"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
