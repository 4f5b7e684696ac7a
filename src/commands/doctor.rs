//! `rolecall doctor`: one screen a user can paste into a bug report. The files and their
//! modes, profiles that cannot work and why, warnings (unknown keys, inline comments the AWS
//! CLI reads as part of a value, long-term keys in plaintext), which keychain layers work, the
//! state directory and the shell function. Never a secret value: keys, lines and paths only.

use serde::Serialize;

use super::obtain::{inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::DoctorArgs;
use crate::config::{keys, ConfigError, Profiles};
use crate::domain::{exit, printable, Outcome};
use crate::error::Error;
use crate::plan::plan;

#[derive(Serialize, Default)]
struct Report {
    version: &'static str,
    files: Vec<FileFact>,
    profiles: Vec<ProfileFact>,
    warnings: Vec<Warning>,
    stores: Vec<StoreFact>,
    /// Where the long-term keys of each profile that needs them are, and whether that store
    /// can be used now.
    keys: Vec<KeyFact>,
    /// The encrypted file store, when this run keeps keys and tokens there.
    file_store: Option<StoreFact>,
    /// Each IAM Identity Center session a profile signs in through, and its token's state.
    sso: Vec<SsoFact>,
    /// The shell the `rolecall init` function runs in, when this run came through it.
    shell_function: Option<String>,
    /// `--online PROFILE`: a session with the largest token, where it would go.
    online: Option<OnlineFact>,
    /// Whether everything needed works (the exit status is 0).
    ok: bool,
}

#[derive(Serialize)]
struct FileFact {
    kind: &'static str,
    path: String,
    exists: bool,
    /// Octal permission bits (Unix).
    mode: Option<String>,
    /// Why the file cannot be used, if it cannot.
    problem: Option<String>,
}

#[derive(Serialize)]
struct ProfileFact {
    profile: String,
    kind: &'static str,
    /// `ok`, `settings-only` (no credentials of its own: region, output…) or `problem`.
    status: &'static str,
    problem: Option<String>,
}

#[derive(Serialize)]
struct Warning {
    profile: Option<String>,
    /// `unknown-key`, `inline-comment`, `plaintext-keys`, `file-mode`, `environment`,
    /// `no-cache`.
    kind: &'static str,
    message: String,
}

#[derive(Serialize)]
struct SsoFact {
    session: String,
    token: String,
}

#[derive(Serialize)]
struct KeyFact {
    profile: String,
    /// The profile whose stored keys the chain starts from.
    keys_of: String,
    store: String,
    ok: bool,
    problem: Option<String>,
}

#[derive(Serialize)]
struct OnlineFact {
    profile: String,
    /// The token size asked for, and the size STS answered with.
    asked: u16,
    size: Option<usize>,
    /// Each store layer and output format, and its problem with the session if any.
    checks: Vec<StoreFact>,
    problem: Option<String>,
}

#[derive(Serialize)]
struct StoreFact {
    name: String,
    ok: bool,
    problem: Option<String>,
}

pub fn run(args: DoctorArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let mut report = Report {
        version: env!("CARGO_PKG_VERSION"),
        shell_function: ctx
            .vars
            .non_empty("ROLECALL_SHELL_FUNCTION")
            .map(str::to_string),
        ..Report::default()
    };
    let mut failed = false;
    match ctx.profiles() {
        Ok(profiles) => {
            files(
                &profiles.config_path,
                &profiles.credentials_path,
                None,
                &mut report,
            );
            failed |= check_profiles(&profiles, ctx, &mut report);
            failed |= key_stores(&profiles, ctx, &mut report);
            sso_tokens(&profiles, ctx, &mut report);
            if let Some(name) = &args.online {
                failed |= online(&profiles, name, ctx, &mut report);
            }
        }
        Err(error) => {
            // The files as far as they could be read, and the reason on the one that failed.
            let (config, credentials) = Profiles::paths(ctx.vars);
            files(&config, &credentials, Some(&error), &mut report);
            failed = true;
        }
    }
    failed |= check_stores(ctx, &mut report);
    failed |= file_store(ctx, &mut report);
    for problem in ctx.settings.problems() {
        report.warnings.push(Warning {
            profile: None,
            kind: "setting",
            message: format!("PROBLEM: {}", printable(&problem.to_string())),
        });
        failed = true;
    }
    report.ok = !failed;
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&report).unwrap_or_default();
        t.push('\n');
        t
    } else {
        render(&report)
    };
    write_out(ctx, text.as_bytes())?;
    Ok(if failed {
        Outcome::Exit(exit::FAILURE)
    } else {
        Outcome::Done
    })
}

fn files(
    config: &std::path::Path,
    credentials: &std::path::Path,
    error: Option<&ConfigError>,
    report: &mut Report,
) {
    for (kind, path) in [("config", config), ("credentials", credentials)] {
        let meta = std::fs::metadata(path).ok();
        let mode = meta.as_ref().and_then(mode_bits);
        let shown = printable(&path.display().to_string()).into_owned();
        let problem = error
            .filter(|e| mentions(e, kind, &shown))
            .map(|e| printable(&e.to_string()).into_owned());
        if kind == "credentials" && mode.is_some_and(|m| m & 0o077 != 0) {
            report.warnings.push(Warning {
                profile: None,
                kind: "file-mode",
                message: format!(
                    "the credentials file {shown} can be read by other users (mode {:04o}); chmod 600 it",
                    mode.unwrap_or_default()
                ),
            });
        }
        report.files.push(FileFact {
            kind,
            path: shown,
            exists: meta.is_some(),
            mode: mode.map(|m| format!("{m:04o}")),
            problem,
        });
    }
    if let Some(e) = error {
        if report.files.iter().all(|f| f.problem.is_none()) {
            report.files[0].problem = Some(printable(&e.to_string()).into_owned());
        }
    }
}

/// Whether a load error is about this file.
fn mentions(error: &ConfigError, kind: &str, path: &str) -> bool {
    let text = error.to_string();
    text.contains(path) && text.contains(kind)
}

#[cfg(unix)]
fn mode_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_bits(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// Plans every profile and collects the warnings; true when a profile cannot work.
fn check_profiles(profiles: &Profiles, ctx: &Context, report: &mut Report) -> bool {
    let inputs = inputs(ctx, &NO_OVERRIDES);
    let mut failed = false;
    // Each line is warned about once, not again in every profile that includes it.
    let mut seen = std::collections::HashSet::new();
    for name in profiles.names() {
        let Some(profile) = profiles.get(name) else {
            continue;
        };
        let shown = printable(name).into_owned();
        let (kind, _) = profile.kind_and_source();
        let (status, problem) = match plan(profiles, name, &inputs) {
            Ok(_) => ("ok", None),
            Err(ConfigError::NoCredentials(_)) => ("settings-only", None),
            Err(e @ ConfigError::EnvironmentCredentialsMissing(_)) => {
                report.warnings.push(Warning {
                    profile: Some(shown.clone()),
                    kind: "environment",
                    message: printable(&e.to_string()).into_owned(),
                });
                ("ok", None)
            }
            Err(e) => {
                failed = true;
                ("problem", Some(printable(&e.to_string()).into_owned()))
            }
        };
        report.profiles.push(ProfileFact {
            profile: shown.clone(),
            kind,
            status,
            problem,
        });
        for unknown in keys::unknown(profile) {
            if !seen.insert((unknown.in_credentials, unknown.line, "key")) {
                continue;
            }
            report.warnings.push(Warning {
                profile: Some(shown.clone()),
                kind: "unknown-key",
                message: printable(&unknown.to_string()).into_owned(),
            });
        }
        file_warnings(profiles, profile, &shown, &mut seen, report);
        failed |= missing_programs(profile, &shown, ctx, report);
        if ctx.stored_keys().key_id(name).is_some() {
            keychain_only(profiles, profile, &shown, report);
        }
    }
    failed
}

/// Helper programs the profile names that are not installed: a `credential_process` of
/// granted (which rolecall reads as the SSO profile it describes) still breaks every other
/// tool. True when rolecall itself would need the missing program.
fn missing_programs(
    profile: crate::config::Profile<'_>,
    shown: &str,
    ctx: &Context,
    report: &mut Report,
) -> bool {
    let mut needed = false;
    for key in [
        "credential_process",
        "mfa_process",
        "web_identity_token_process",
    ] {
        let Some(command) = profile.get(key) else {
            continue;
        };
        let Some((program, false)) = crate::adapters::helper::program_of(command, ctx.vars) else {
            continue;
        };
        let granted = key == "credential_process" && profile.get("granted_sso_start_url").is_some();
        needed |= !granted;
        report.warnings.push(Warning {
            profile: Some(shown.to_string()),
            kind: "missing-program",
            message: format!(
                "its {key} runs {}, which is not installed (not found on PATH){}; install it, or route the profile through rolecall: {key} = rolecall export --format process {shown}",
                printable(&program),
                if granted {
                    " (rolecall reads its granted_sso_* keys itself, but the AWS CLI and the SDKs run it)"
                } else {
                    ""
                }
            ),
        });
    }
    needed
}

/// Keys only in the keychain: the AWS CLI and the SDKs find none, unless the profile routes
/// them through rolecall.
fn keychain_only(
    profiles: &Profiles,
    profile: crate::config::Profile<'_>,
    shown: &str,
    report: &mut Report,
) {
    if profile.get("aws_access_key_id").is_some() || profile.get("credential_process").is_some() {
        return;
    }
    let config = profiles.config_path.display().to_string();
    report.warnings.push(Warning {
        profile: Some(shown.to_string()),
        kind: "keychain-only",
        message: format!(
            "its keys are only in the keychain, so the AWS CLI and the SDKs find none for it; {}",
            crate::domain::keys::other_tools_hint(shown, &config)
        ),
    });
}

/// Inline comments the AWS CLI would read as part of a value, and plaintext keys.
fn file_warnings(
    profiles: &Profiles,
    profile: crate::config::Profile<'_>,
    shown: &str,
    seen: &mut std::collections::HashSet<(bool, usize, &'static str)>,
    report: &mut Report,
) {
    let mut plaintext = None;
    for (key, property) in profile.properties() {
        let file = if property.from_credentials {
            "credentials"
        } else {
            "config"
        };
        if property.inline_comment
            && seen.insert((property.from_credentials, property.line as usize, "comment"))
        {
            report.warnings.push(Warning {
                profile: Some(shown.to_string()),
                kind: "inline-comment",
                message: format!(
                    "{} ({file} line {}) has an inline comment, which the AWS CLI reads as part of the value; put the comment on a line of its own",
                    printable(key),
                    property.line
                ),
            });
        }
        if key == "aws_secret_access_key" && !property.value.is_empty() {
            plaintext = Some(if property.from_credentials {
                &profiles.credentials_path
            } else {
                &profiles.config_path
            });
        }
    }
    if let Some(path) = plaintext {
        report.warnings.push(Warning {
            profile: Some(shown.to_string()),
            kind: "plaintext-keys",
            message: format!(
                "long-term keys in plaintext in {}; \"rolecall keys import {}\" moves them into the keychain",
                printable(&path.display().to_string()),
                shown
            ),
        });
    }
}

/// `--online`: a session of `name` with the largest token, through every store layer and
/// format; true when it cannot be had or a layer or format cannot keep it whole.
fn online(profiles: &Profiles, name: &str, ctx: &mut Context, report: &mut Report) -> bool {
    use crate::execute::token_size::{check, LARGEST_TOKEN};
    let overrides = crate::plan::Overrides {
        min_token_size: Some(LARGEST_TOKEN),
        ..NO_OVERRIDES.clone()
    };
    let mut fact = OnlineFact {
        profile: name.to_string(),
        asked: LARGEST_TOKEN,
        size: None,
        checks: Vec::new(),
        problem: None,
    };
    let found = plan(profiles, name, &inputs(ctx, &overrides))
        .map_err(Error::from)
        .and_then(|p| check(&p, ctx.deps(), &mut ctx.err).map_err(Error::from));
    match found {
        Ok(found) => {
            fact.size = Some(found.size);
            let formats = found
                .formats
                .into_iter()
                .map(|(name, problem)| (format!("format {name}"), problem));
            let stores = found.stores.into_iter().map(|s| (s.name, s.problem));
            fact.checks = stores
                .chain(formats)
                .map(|(name, problem)| StoreFact {
                    name: printable(&name).into_owned(),
                    ok: problem.is_none(),
                    problem: problem.map(|p| printable(&p).into_owned()),
                })
                .collect();
        }
        Err(e) => fact.problem = Some(printable(&e.to_string()).into_owned()),
    }
    let failed = fact.problem.is_some() || fact.checks.iter().any(|c| !c.ok);
    report.online = Some(fact);
    failed
}

/// Tries each part of the session store; true when sessions cannot be cached at all.
fn check_stores(ctx: &Context, report: &mut Report) -> bool {
    let checks = ctx.store.check();
    if checks.is_empty() {
        report.warnings.push(Warning {
            profile: None,
            kind: "no-cache",
            message: format!(
                "sessions are not cached ({}); every run asks STS",
                ctx.store.describe()
            ),
        });
        return false;
    }
    let keeper_works = checks
        .iter()
        .any(|c| c.keeps_sessions && c.problem.is_none());
    let support_fails = checks
        .iter()
        .any(|c| !c.keeps_sessions && c.problem.is_some());
    for check in checks {
        // The store's own messages start with its name, which the row already shows.
        let prefix = format!("{}: ", check.name);
        let problem = check
            .problem
            .map(|p| p.strip_prefix(&prefix).map(str::to_string).unwrap_or(p));
        report.stores.push(StoreFact {
            name: printable(&check.name).into_owned(),
            ok: problem.is_none(),
            problem: problem.map(|p| printable(&p).into_owned()),
        });
    }
    !keeper_works || support_fails
}

/// Where the stored keys of every profile that needs them are, and whether that store can be
/// used now (reached, unlocked); true when one cannot.
fn key_stores(profiles: &Profiles, ctx: &Context, report: &mut Report) -> bool {
    let inputs = inputs(ctx, &NO_OVERRIDES);
    let mut failed = false;
    type Whereabouts = (String, Result<(), String>);
    let mut seen: Vec<(String, Whereabouts)> = Vec::new();
    for name in profiles.names() {
        let Ok(p) = plan(profiles, name, &inputs) else {
            continue;
        };
        let crate::domain::plan::Source::Stored { profile: root, .. } = &p.source else {
            continue;
        };
        if !seen.iter().any(|(r, _)| r == root) {
            let Some(found) = ctx.keys.whereabouts(root) else {
                continue;
            };
            seen.push((root.clone(), found));
        }
        let Some((_, (store, ready))) = seen.iter().find(|(r, _)| r == root) else {
            continue;
        };
        failed |= ready.is_err();
        report.keys.push(KeyFact {
            profile: printable(name).into_owned(),
            keys_of: printable(root).into_owned(),
            store: printable(store).into_owned(),
            ok: ready.is_ok(),
            problem: ready.clone().err().map(|e| printable(&e).into_owned()),
        });
    }
    failed
}

/// The file store, when this run keeps keys and tokens there: true when it cannot be read.
fn file_store(ctx: &Context, report: &mut Report) -> bool {
    use crate::ports::vault::VaultState;
    if !ctx.vault.in_use() {
        return false;
    }
    let (state, problem) = match ctx.vault.state() {
        VaultState::Missing => (
            "not created yet (the first keys add or sso login creates it)",
            None,
        ),
        VaultState::Unlocked => ("unlocked", None),
        VaultState::Unattended => ("opens with ROLECALL_FILE_PASSPHRASE(_COMMAND)", None),
        VaultState::Locked => (
            "locked (the next command that needs it asks for the passphrase)",
            None,
        ),
        VaultState::Broken(why) => ("", Some(printable(&why).into_owned())),
    };
    let failed = problem.is_some();
    report.file_store = Some(StoreFact {
        name: format!("{}: {state}", printable(&ctx.vault.describe())),
        ok: !failed,
        problem,
    });
    failed
}

/// The token state of every SSO session the profiles use (no keychain access, no request).
fn sso_tokens(profiles: &Profiles, ctx: &Context, report: &mut Report) {
    let inputs = inputs(ctx, &NO_OVERRIDES);
    let mut seen = Vec::new();
    for name in profiles.names() {
        if let Ok(p) = plan(profiles, name, &inputs) {
            if let crate::domain::plan::Source::Sso { role, .. } = &p.source {
                if !seen.contains(&role.session) {
                    seen.push(role.session.clone());
                    report.sso.push(SsoFact {
                        session: role.session.describe(),
                        token: crate::execute::sso_view::token_state(
                            ctx.sso_tokens,
                            ctx.clock,
                            role,
                        ),
                    });
                }
            }
        }
    }
}

fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(t, "rolecall {}", report.version);
    let _ = writeln!(t, "\nFiles");
    for f in &report.files {
        let state = match (&f.problem, f.exists, &f.mode) {
            (Some(p), _, _) => format!("PROBLEM: {p}"),
            (None, false, _) => "not found".to_string(),
            (None, true, Some(m)) => format!("mode {m}"),
            (None, true, None) => "found".to_string(),
        };
        let _ = writeln!(t, "  {:<12} {}  {state}", f.kind, f.path);
    }
    render_profiles(report, &mut t);
    if !report.warnings.is_empty() {
        let _ = writeln!(t, "\nWarnings");
        for w in &report.warnings {
            match &w.profile {
                // A message that names its profile already is not prefixed with it again.
                Some(p) if !w.message.starts_with(&format!("profile \"{p}\"")) => {
                    let _ = writeln!(t, "  profile \"{p}\": {}", w.message);
                }
                Some(_) => {
                    let _ = writeln!(t, "  {}", w.message);
                }
                None => {
                    let _ = writeln!(t, "  {}", w.message);
                }
            }
        }
    }
    if !report.sso.is_empty() {
        let _ = writeln!(t, "\nIAM Identity Center");
        for s in &report.sso {
            let _ = writeln!(t, "  {}: {}", s.session, s.token);
        }
    }
    render_keys(report, &mut t);
    render_store_and_shell(report, &mut t);
    t
}

/// Where the keys are and whether each store can be used now.
fn render_keys(report: &Report, t: &mut String) {
    use std::fmt::Write;
    if report.keys.is_empty() && report.file_store.is_none() {
        return;
    }
    let _ = writeln!(t, "\nLong-term keys and SSO tokens");
    if let Some(f) = &report.file_store {
        let _ = match &f.problem {
            Some(p) => writeln!(t, "  PROBLEM: {p}"),
            None => writeln!(t, "  {}", f.name),
        };
    }
    for k in &report.keys {
        let whose = match k.profile == k.keys_of {
            true => String::new(),
            false => format!(" (keys of \"{}\")", k.keys_of),
        };
        let state = match &k.problem {
            Some(p) => format!("PROBLEM: {p}"),
            None => "usable now".to_string(),
        };
        let _ = writeln!(
            t,
            "  profile \"{}\"{whose}: {}: {state}",
            k.profile, k.store
        );
    }
}

/// The profiles and whether each can work.
fn render_profiles(report: &Report, t: &mut String) {
    use std::fmt::Write;
    if !report.profiles.is_empty() {
        let problems = report
            .profiles
            .iter()
            .filter(|p| p.problem.is_some())
            .count();
        let _ = writeln!(
            t,
            "\nProfiles: {} ({} cannot work)",
            report.profiles.len(),
            problems
        );
        let width = report
            .profiles
            .iter()
            .map(|p| p.profile.chars().count())
            .max()
            .unwrap_or(0);
        for p in &report.profiles {
            let status = match &p.problem {
                // The row names the profile: the message does not again.
                Some(problem) => {
                    let own = format!("profile \"{}\"", p.profile);
                    let rest = problem
                        .strip_prefix(&own)
                        .map(|r| r.trim_start_matches([':', ' ']));
                    format!("PROBLEM: {}", rest.unwrap_or(problem))
                }
                None => p.status.to_string(),
            };
            let _ = writeln!(t, "  {:<width$}  {:<17}  {status}", p.profile, p.kind);
        }
    }
}

/// The session store, the shell function and the verdict.
fn render_online(report: &Report, t: &mut String) {
    use std::fmt::Write;
    let Some(o) = &report.online else {
        return;
    };
    let _ = writeln!(
        t,
        "\nOnline: a session of profile \"{}\" with a {}-byte token",
        o.profile, o.asked
    );
    match (o.size, &o.problem) {
        (_, Some(p)) => {
            let _ = writeln!(t, "  PROBLEM: {p}");
        }
        (Some(size), None) if size < usize::from(o.asked) => {
            let _ = writeln!(t, "  STS answered a {size}-byte token: it does not pad tokens to MinimumSessionTokenSize (an emulator, or an endpoint without it); checked with that one");
        }
        (Some(size), None) => {
            let _ = writeln!(t, "  STS answered a {size}-byte token");
        }
        (None, None) => {}
    }
    for c in &o.checks {
        let _ = match &c.problem {
            Some(p) => writeln!(t, "  {}: PROBLEM: {p}", c.name),
            None => writeln!(t, "  {}: keeps it whole", c.name),
        };
    }
}

fn render_store_and_shell(report: &Report, t: &mut String) {
    use std::fmt::Write;
    render_online(report, t);
    let _ = writeln!(t, "\nSession store");
    if report.stores.is_empty() {
        let _ = writeln!(t, "  none: sessions are not cached");
    }
    for s in &report.stores {
        let state = match &s.problem {
            Some(p) => format!("PROBLEM: {p}"),
            None => "works".to_string(),
        };
        let _ = writeln!(t, "  {}: {state}", s.name);
    }
    let _ = writeln!(t, "\nShell");
    let _ = match &report.shell_function {
        Some(shell) => writeln!(
            t,
            "  the rolecall shell function ({shell}) is installed here: rolecall use PROFILE works"
        ),
        None => writeln!(
            t,
            "  the rolecall shell function is not installed in this shell; for rolecall use, add eval \"$(rolecall init bash)\" (zsh, fish, sh, powershell alike) to your shell's start-up file"
        ),
    };
    let _ = writeln!(
        t,
        "\n{}",
        if report.ok {
            "Everything rolecall needs works."
        } else {
            "Something above cannot work (PROBLEM)."
        }
    );
}
