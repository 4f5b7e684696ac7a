//! `rolecall login`: AWS Sign-In in the browser for a profile. The URL goes to stderr, nothing
//! to stdout.

use super::Context;
use crate::cli::LoginArgs;
use crate::domain::Outcome;
use crate::error::Error;
use crate::execute::login_flow::{sign_in, SignInOptions, Target};

/// The profile a login or logout is for: `--profile`, else `AWS_PROFILE`, else `default`.
pub fn profile_name(given: Option<String>, ctx: &Context) -> String {
    given
        .or_else(|| ctx.vars.non_empty("AWS_PROFILE").map(str::to_string))
        .unwrap_or_else(|| "default".to_string())
}

pub fn run(args: LoginArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let name = profile_name(args.profile, ctx);
    let profile = profiles.get(&name);
    let mut endpoint = crate::plan::signin_endpoint(&profiles, profile, ctx.vars);
    if let Some(region) = args.region {
        endpoint.region = region;
    }
    let kind = profile.map(|p| p.kind_and_source().0);
    let target = Target {
        profile: &name,
        config: &profiles.config_path,
        current: profile.and_then(|p| p.get("login_session")),
        other_kind: kind.filter(|k| !matches!(*k, "login" | "config")),
        endpoint,
    };
    let options = SignInOptions {
        remote: args.remote,
        no_browser: args.no_browser,
        aws_cache: args.aws_cache,
    };
    let done = sign_in(ctx.sign_in_deps(), &mut ctx.err, target, options)?;
    let mut kept = format!(
        "signed in as {}; the tokens are in {}",
        done.session, done.kept_in
    );
    if let Some(file) = &done.aws_file {
        kept.push_str(&format!(" and the AWS CLI's file {file}"));
    }
    ctx.note(&kept);
    if let Some(config) = &done.config_edited {
        ctx.note(&format!(
            "profile \"{name}\" in {config} now has login_session = {}",
            done.session
        ));
    }
    Ok(Outcome::Done)
}
