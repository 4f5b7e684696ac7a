//! What the credential commands (`exec`, `export`, `use`) share: choose the profile, plan,
//! then run the plan or explain it (`--dry-run`).

use super::{write_out, Context};
use crate::cli::CredentialArgs;
use crate::config::{keys, ConfigError, Profiles};
use crate::domain::audit::AuditEntry;
use crate::domain::env;
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::plan::{Plan, Source};
use crate::domain::project::{self, ProjectFile};
use crate::domain::Credentials;
use crate::error::Error;
use crate::execute::explain::{self, Explain, ExplainDeps, HandsOut};
use crate::execute::{execute, forget, MfaToken};
use crate::plan::{plan, Checked, Inputs, Overrides};
use crate::render::{dry_run, render, Format};

pub use crate::plan::NO_OVERRIDES;

/// The planner's inputs from this run's context.
pub fn inputs<'c>(ctx: &'c Context, overrides: &'c Overrides) -> Inputs<'c> {
    Inputs {
        vars: ctx.vars,
        settings: ctx.settings,
        now: ctx.clock.now(),
        overrides,
        identity: ctx.identity,
        stored_keys: ctx.stored_keys(),
        policies: ctx.policy_files,
        checked: None,
    }
}

/// Every profile's plan, with and without `--no-session`: what a change of a chain's root
/// (new keys, a sign-out) is matched against.
pub fn every_plan(ctx: &Context, profiles: &Profiles) -> Vec<Plan> {
    let mut plans = Vec::new();
    let checked = Checked::default();
    for name in profiles.names() {
        for no_session in [false, true] {
            let overrides = Overrides {
                no_session,
                ..NO_OVERRIDES.clone()
            };
            let inputs = Inputs {
                checked: Some(&checked),
                ..inputs(ctx, &overrides)
            };
            plans.extend(plan(profiles, name, &inputs).ok());
        }
    }
    plans
}

/// Forgets the cached sessions of every chain whose root `rooted` picks; how many.
pub fn forget_rooted(
    ctx: &mut Context,
    profiles: &Profiles,
    rooted: &dyn Fn(&Source) -> bool,
    what: &str,
) -> usize {
    let plans = every_plan(ctx, profiles);
    forget::forget_rooted(ctx.store, &plans, rooted, what, &mut ctx.err)
}

/// Forgets every cached session built on `root`'s long-term keys.
pub fn forget_keys_of(ctx: &mut Context, profiles: &Profiles, root: &str) {
    let removed = forget_rooted(ctx, profiles, &forget::keys_of(root), "the old keys");
    ctx.verbose(&format!(
        "forgot the sessions made with the keys of profile \"{}\" ({removed} cache entries)",
        crate::domain::printable(root)
    ));
}

/// The profile named on the command line, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE` (as
/// the AWS CLI v1 and boto3 read it), else one picked on a terminal; with the variable it came
/// from, if any.
fn profile_name(
    args: &CredentialArgs,
    profiles: &Profiles,
    ctx: &Context,
) -> Result<(String, &'static str, Option<ProjectFile>), Error> {
    if let Some(name) = args.profile.as_ref().filter(|p| !p.is_empty()) {
        return Ok((name.clone(), "", None));
    }
    for variable in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if ctx.vars.is_not_utf8(variable) {
            return Err(ConfigError::NotUtf8(variable).into());
        }
        if let Some(name) = ctx.vars.non_empty(variable) {
            return Ok((name.to_string(), variable, None));
        }
    }
    if let Some(project) = project_file(ctx)? {
        return Ok((
            project.profile.clone(),
            "the .rolecall file here",
            Some(project),
        ));
    }
    picked(profiles, ctx)
}

/// The allowed `.rolecall` file of the working directory or a parent; one that is new or
/// changed since it was allowed is refused until `rolecall allow` is run there.
pub fn project_file(ctx: &Context) -> Result<Option<ProjectFile>, Error> {
    let Some(found) = ctx.projects.find(None).map_err(Error::Usage)? else {
        return Ok(None);
    };
    let dir = found
        .path
        .parent()
        .unwrap_or(&found.path)
        .display()
        .to_string();
    if ctx.projects.allowed(&found.path) != Some(project::digest(&found.bytes)) {
        return Err(ConfigError::ProjectNotAllowed { dir }.into());
    }
    let text = String::from_utf8_lossy(&found.bytes);
    let file = project::parse(&text).map_err(|why| ConfigError::ProjectFile { dir, why })?;
    Ok(Some(file))
}

/// A profile picked on the terminal, when nothing names one.
fn picked(
    profiles: &Profiles,
    ctx: &Context,
) -> Result<(String, &'static str, Option<ProjectFile>), Error> {
    if profiles.no_files {
        return Err(profiles.no_files_error().into());
    }
    let names: Vec<&str> = profiles.names().collect();
    if !ctx.terminal.stderr || names.is_empty() {
        return Err(Error::Config(ConfigError::NoProfile));
    }
    match ctx.picker.pick(&names) {
        Ok(Some(i)) => Ok((names[i].to_string(), "", None)),
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
pub enum PlanTo {
    Stdout,
    Stderr,
}

/// What a command does with the credentials, for `--dry-run` to say.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hands {
    /// Variables for a shell or a child.
    Variables,
    /// The credential endpoint of `exec --server` and `serve`, or (`imds`) the instance
    /// metadata endpoint of `--imds`.
    Endpoint { imds: bool },
    /// A console sign-in, for this many seconds if `--duration` says.
    Console(Option<u32>),
}

/// Where `--dry-run` goes, what it says the credentials are for, and the command the audit
/// trail names.
#[derive(Clone)]
pub struct Purpose {
    pub plan_to: PlanTo,
    pub hands_out: Hands,
    pub command: &'static str,
    /// The program `exec` runs (its name only: arguments may hold secrets).
    pub run: Option<String>,
}

/// From the config alone: a `credential_process` that runs rolecall for a profile of its own
/// chain would start one rolecall after another (each run stops the next at once).
fn process_loop(plan: &Plan) -> Option<String> {
    let Source::Process {
        profile, command, ..
    } = &plan.source
    else {
        return None;
    };
    let words = shlex::split(command)?;
    let program = words.first()?.rsplit(['/', '\\']).next()?;
    if !program.starts_with("rolecall") {
        return None;
    }
    let mut chain: Vec<&str> = vec![plan.profile.as_str(), profile];
    chain.extend(plan.steps.iter().map(|s| s.profile()));
    let looped = words[1..].iter().find(|w| chain.contains(&w.as_str()))?;
    Some(format!(
        "the credential_process of profile \"{profile}\" runs rolecall for profile \"{looped}\", which is on this chain: the run would stop with a credential_process loop error"
    ))
}

/// With `-v`: the keys no AWS tool reads in the profiles this run uses, each with the nearest
/// known key (a typo such as `role_arm` is otherwise silently ignored).
fn warn_unknown_keys(profiles: &Profiles, plan: &Plan, ctx: &mut Context) {
    if !ctx.err.is_verbose() {
        return;
    }
    let mut names: Vec<&str> = vec![plan.profile.as_str()];
    names.extend(plan.steps.iter().map(|s| s.profile()));
    if let Source::Static { profile, .. } | Source::Process { profile, .. } = &plan.source {
        names.push(profile);
    }
    let mut seen = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let Some(profile) = profiles.get(name) else {
            continue;
        };
        for unknown in keys::unknown(profile) {
            ctx.verbose(&format!("profile \"{name}\": {unknown}"));
        }
    }
}

/// `--duration` that the run cannot honour, said on stderr: capped for a chained role, or of no
/// effect where no STS call of rolecall's makes the session.
fn duration_note(plan: &Plan, asked: u32, ctx: &mut Context) {
    use crate::domain::plan::Step;
    use crate::domain::text::human;
    let shown = |s: u32| human(time::Duration::seconds(i64::from(s))).replace(" 00m", "");
    let profile = crate::domain::printable(&plan.profile).into_owned();
    match plan.steps.last() {
        Some(Step::AssumeRole(role)) => {
            if let Some(got) = role.duration_seconds.filter(|got| *got < asked) {
                ctx.note(&format!(
                    "--duration {} is capped at {} for profile \"{profile}\": its role is assumed with another session, and STS allows such a chained role at most one hour",
                    shown(asked),
                    shown(got)
                ));
            }
        }
        Some(Step::GetSessionToken(g)) if g.only_for_long_term_keys => ctx.note(&format!(
            "--duration applies to profile \"{profile}\" only if its credential_process answers long-term keys (then their GetSessionToken session lasts {}); a session it answers lasts as long as the process says",
            shown(asked)
        )),
        Some(_) => {}
        None => ctx.note(&format!(
            "--duration has no effect for profile \"{profile}\": its credentials come from {}, which sets how long they last",
            plan.source.describe()
        )),
    }
}

/// A planning error of a profile with a key that looks like a misspelt known one (`role_arm`):
/// the error, and that key as `doctor` names it.
fn misspelt(profiles: &Profiles, name: &str, error: ConfigError) -> ConfigError {
    let Some(profile) = profiles.get(name) else {
        return error;
    };
    match keys::unknown(profile)
        .into_iter()
        .find(|u| u.nearest.is_some())
    {
        Some(unknown) => ConfigError::Misspelt {
            error: Box::new(error),
            profile: name.to_string(),
            unknown: unknown.to_string(),
        },
        None => error,
    }
}

/// Appends the audit trail's record of credentials handed out; a log that cannot be written is
/// a note, never a failed run.
fn audit(ctx: &mut Context, purpose: &Purpose, plan: &Plan, credentials: &Credentials) {
    let (now, pid) = (ctx.clock.now(), std::process::id());
    let mut entry = AuditEntry::of(purpose.command, plan, credentials, now, pid);
    if purpose.command.starts_with("exec") {
        entry.run = purpose.run.clone();
        entry.cwd = std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string());
    }
    if let Err(e) = ctx.audit.record(&entry) {
        ctx.note(&e);
    }
}

/// Loads the configuration, plans, and runs the plan (or explains it).
pub fn obtain(
    args: &CredentialArgs,
    ctx: &mut Context,
    purpose: Purpose,
) -> Result<Obtained, Error> {
    let profiles = ctx.profiles()?;
    let (name, from, project) = profile_name(args, &profiles, ctx)?;
    let overrides = Overrides {
        duration_seconds: args.duration.or(project.as_ref().and_then(|p| p.duration)),
        region: args.region.clone().or(project.and_then(|p| p.region)),
        no_session: args.no_session,
        policy_arns: args.policy_arn.clone(),
        policy: args.policy.clone(),
        read_only: args.read_only,
        min_token_size: None,
    };
    let plan = plan(&profiles, &name, &inputs(ctx, &overrides)).map_err(|e| match e {
        ConfigError::ProfileNotFound { name: missing, .. } if missing == name => {
            profiles.not_found_from(&name, from)
        }
        other => misspelt(&profiles, &name, other),
    })?;
    warn_unknown_keys(&profiles, &plan, ctx);
    if let Some(asked) = args.duration {
        duration_note(&plan, asked, ctx);
    }
    let mode = if args.no_cache {
        CacheMode::Bypass
    } else {
        CacheMode::Use
    };
    let policy = CachePolicy {
        mode,
        refresh_window: ctx.settings.refresh_window.clone()?,
    };
    if args.dry_run {
        explain(&plan, args, policy, &purpose, ctx)?;
        return Ok(Obtained::Explained);
    }
    if let Some(current) = ctx.vars.non_empty("ROLECALL_PROFILE") {
        if matches!(plan.source, Source::Environment { .. }) {
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
    let deps = ctx.deps();
    let credentials = execute(&plan, deps, &mut ctx.err, policy, &token)?;
    audit(ctx, &purpose, &plan, &credentials);
    Ok(Obtained::Credentials(Box::new(plan), credentials))
}

/// The command and its environment: the credentials' changes, and rolecall's own marks
/// removed (`exec`, and `exec --server` before its endpoint's changes).
pub fn exec_request(
    plan: &Plan,
    credentials: &Credentials,
    command: Vec<std::ffi::OsString>,
    ctx: &mut Context,
) -> Result<crate::domain::ExecRequest, Error> {
    let mut changes = env::changes(credentials, &plan.target(), ctx.vars);
    // The shell function's mark is for this run only, not for the command's own rolecalls.
    for own in ["ROLECALL_SHELL_FUNCTION", crate::domain::plan::CHAIN_VAR] {
        if ctx.vars.get(own).is_some() {
            changes.push(env::Change::Unset(own));
        }
    }
    // The same check export makes: an environment cannot carry a NUL byte.
    crate::render::check_values(&changes)?;
    let mut command = command.into_iter();
    let program = match command.next() {
        Some(program) if program.is_empty() => {
            return Err(Error::Usage(
                "the command after -- is an empty string; name a program".into(),
            ))
        }
        Some(program) => program,
        None => {
            // A subshell inside a rolecall shell: say whose credentials it has.
            if let Some(current) = ctx.vars.non_empty("ROLECALL_PROFILE") {
                ctx.note(&format!(
                    "this shell already has the credentials of profile \"{current}\"; the new shell has those of \"{}\" until you exit it",
                    plan.profile
                ));
            }
            std::ffi::OsString::from(ctx.vars.non_empty("SHELL").unwrap_or("/bin/sh"))
        }
    };
    Ok(crate::domain::ExecRequest {
        program,
        args: command.collect(),
        changes,
    })
}

/// `--dry-run`: the plan and what the run would find in the cache, as comment lines.
fn explain(
    plan: &Plan,
    args: &CredentialArgs,
    policy: CachePolicy,
    purpose: &Purpose,
    ctx: &mut Context,
) -> Result<(), Error> {
    let mut warnings = Vec::new();
    let metadata_off = ctx
        .vars
        .non_empty("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if matches!(plan.source, Source::InstanceMetadata) && metadata_off {
        warnings.push("AWS_EC2_METADATA_DISABLED=true turns instance metadata off, so the run fails wherever it needs the source".to_string());
    }
    if let Some(warning) = process_loop(plan) {
        warnings.push(warning);
    }
    let hands_out = match purpose.hands_out {
        Hands::Variables => HandsOut::Variables,
        Hands::Endpoint { imds } => HandsOut::Endpoint {
            isolated: isolated_region(ctx),
            imds,
        },
        Hands::Console(asked_seconds) => HandsOut::Console { asked_seconds },
    };
    let request = Explain {
        plan,
        policy,
        mfa_token: args.mfa_token.is_some(),
        hands_out,
        vars: ctx.vars,
        warnings,
    };
    let d = ExplainDeps {
        store: ctx.store,
        tokens: ctx.sso_tokens,
        clock: ctx.clock,
    };
    let text = dry_run::as_comments(&explain::explain(d, &request));
    match purpose.plan_to {
        PlanTo::Stdout => write_out(ctx, text.as_bytes())?,
        PlanTo::Stderr => ctx.err.raw(text.as_bytes()),
    }
    Ok(())
}

/// When `[default]` has credentials of its own, an `exec --server` command gets no shared
/// files: `Some` of `[default]`'s region then.
pub fn isolated_region(ctx: &Context) -> Option<Option<String>> {
    let profiles = Profiles::load(ctx.vars).ok()?;
    let default = profiles.get("default").filter(|p| p.has_credentials())?;
    Some(default.get("region").map(str::to_string))
}

/// What `--unset` prints in `format`.
fn unset_changes(format: Format, ctx: &Context) -> Result<Vec<env::Change>, Error> {
    Ok(match format {
        Format::Json => {
            return Err(Error::Usage(
                "--unset has nothing to print as credential_process JSON; use a shell format (sh, fish, powershell, cmd) or dotenv".into(),
            ))
        }
        // A dotenv file cannot remove a variable: it empties those for which empty means
        // unset, and leaves out the others (an empty AWS_PROFILE breaks every AWS tool).
        Format::Dotenv => env::EMPTY_IS_UNSET
            .iter()
            .map(|name| env::Change::Set(name, String::new()))
            .collect(),
        Format::Cmd => env::unset_all(ctx.vars),
        _ => env::unset_and_restore(ctx.vars),
    })
}

/// The whole text that sets (or with `unset`, removes) the profile's variables in `format`,
/// rendered before anything is written so that a failure leaves stdout empty. `None`: the
/// plan was explained on stdout instead (`--dry-run`).
pub fn statements(
    credentials: &CredentialArgs,
    unset: bool,
    format: Format,
    command: &'static str,
    ctx: &mut Context,
) -> Result<Option<String>, Error> {
    let changes = if unset {
        unset_changes(format, ctx)?
    } else {
        let plan_to = match format {
            Format::Cmd | Format::Json => PlanTo::Stderr,
            _ => PlanTo::Stdout,
        };
        let purpose = Purpose {
            plan_to,
            hands_out: Hands::Variables,
            command,
            run: None,
        };
        match obtain(credentials, ctx, purpose)? {
            Obtained::Credentials(plan, creds) => {
                let changes = env::changes(&creds, &plan.target(), ctx.vars);
                match format {
                    // Shells: the first export remembers what it replaced, for --unset.
                    Format::Sh | Format::Fish | Format::PowerShell => {
                        env::save_replaced(changes, ctx.vars)
                    }
                    _ => changes,
                }
            }
            Obtained::Explained => return Ok(None),
        }
    };
    let text = render(format, &changes)?;
    // One compound statement wherever only POSIX shells read it (a file, or a POSIX shell
    // running rolecall), so that a file cut short (a full disk) is a syntax error that applies
    // nothing rather than half the variables. Elsewhere the plain lines, which fish's own
    // `export` reads too.
    let grouped = format == Format::Sh
        && (ctx.terminal.stdout_file || ctx.terminal.parent_shell == Some(Format::Sh));
    Ok(Some(if grouped {
        format!("{{\n{text}}}\n")
    } else {
        text
    }))
}

/// A `[default]` profile with credentials of its own (keys, SSO, a role, a process) is what
/// every SDK and the AWS CLI use before the container endpoint, since `AWS_PROFILE` is unset:
/// then the client gets no shared files at all, so it can only use the endpoint.
#[cfg(unix)]
pub fn isolate(changes: Vec<env::Change>, ctx: &mut Context) -> Vec<env::Change> {
    let Some(region) = isolated_region(ctx) else {
        return changes;
    };
    ctx.verbose(&format!(
        "profile \"default\" has credentials of its own, which the AWS tools would use before the endpoint: the client gets AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE = {} (so it sees no other profile)",
        env::NULL_DEVICE
    ));
    env::without_shared_files(changes, region.as_deref(), ctx.vars)
}

/// What the instance metadata endpoint says the instance is: the plan's role (else its
/// profile), region and account.
#[cfg(unix)]
pub fn imds_identity(plan: &Plan) -> crate::adapters::server::Identity {
    let arn = plan.role_arn();
    crate::adapters::server::Identity {
        role: arn
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or(&plan.profile)
            .to_string(),
        region: plan.region.clone(),
        account: arn
            .and_then(|a| a.split(':').nth(4))
            .filter(|a| !a.is_empty())
            .map(str::to_string),
    }
}

/// Starts a credential endpoint serving `current`, which records each session a connection
/// gets in the audit trail as `command`'s.
#[cfg(unix)]
pub fn start_endpoint(
    plan: &Plan,
    current: &Credentials,
    options: crate::adapters::server::Options,
    command: &'static str,
    ctx: &mut Context,
) -> Result<crate::adapters::server::CredentialServer, Error> {
    use crate::adapters::server::{CredentialServer, Served};
    let bind = options.bind;
    let server =
        CredentialServer::start(options, Served::of(current), on_served(plan, command, ctx))
            .map_err(|e| Error::Usage(format!("cannot serve credentials on {bind}: {e}")))?;
    ctx.verbose(&format!(
        "serving the credentials of profile \"{}\" at {}",
        plan.profile,
        crate::domain::text::redact_url(&server.url)
    ));
    Ok(server)
}

/// The audit record of each session a client gets: the plan's role, the client, the key's
/// last four characters and the expiry.
#[cfg(unix)]
fn on_served(
    plan: &Plan,
    command: &'static str,
    ctx: &Context,
) -> Option<crate::adapters::server::OnServed> {
    let recorder = ctx.audit.recorder()?;
    let placeholder = Credentials {
        access_key_id: String::new(),
        secret_access_key: crate::domain::Secret::new(""),
        session_token: None,
        expiration: None,
        account_id: None,
    };
    let (now, pid) = (ctx.clock.now(), std::process::id());
    let what = format!("{command} request");
    let base = crate::domain::audit::AuditEntry::of(&what, plan, &placeholder, now, pid);
    Some(Box::new(move |client, key_id, expiration| {
        let mut entry = base.clone();
        #[allow(clippy::disallowed_methods)] // the request's own time, on the server's thread
        let now = time::OffsetDateTime::now_utc();
        entry.time = crate::domain::text::timestamp(now);
        entry.key = crate::domain::secret::key_tail(key_id);
        entry.expiration = (!expiration.is_empty()).then(|| expiration.to_string());
        entry.client = Some(client.to_string());
        recorder(&entry);
    }))
}
