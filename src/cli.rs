//! Every clap type: the help text is the doc comments.

use std::ffi::OsString;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::printer::Verbosity;

mod eks;
mod keys;
mod login;
#[cfg(test)]
mod man;
mod serve;
mod sso;
pub use eks::*;
pub use keys::*;
pub use login::*;
pub use serve::*;
pub use sso::*;

/// Turn an AWS profile into short-lived role credentials for your shell or your command.
///
/// Reads ~/.aws/config and ~/.aws/credentials as the AWS CLI does, calls STS, and prints
/// shell statements (export) or runs a command with the credentials (exec).
#[derive(Debug, Parser)]
#[command(
    name = "rolecall",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub chatter: Chatter,

    #[command(subcommand)]
    pub command: Command,
}

/// How much rolecall says on stderr: before the command (`rolecall -v export prod`) or after
/// it (`rolecall export -v prod`), on the commands where it means something.
#[derive(Debug, Args, Default)]
pub struct Chatter {
    /// Explain each step on stderr: the source, cache hits and misses, each STS call and
    /// capped durations, with keys shortened and secrets left out
    #[arg(short, long, action = ArgAction::Count, help_heading = "Output options")]
    pub verbose: u8,

    /// Print nothing on stderr but errors (no notes, no spinner)
    #[arg(
        short,
        long,
        conflicts_with = "verbose",
        help_heading = "Output options"
    )]
    pub quiet: bool,
}

impl Cli {
    /// Whether the run ends as soon as it has printed (its caller waits for nothing else):
    /// work that can come later (the Secret Service's copy of a new session) then does.
    pub fn ends_after_output(&self) -> bool {
        match &self.command {
            Command::Export(_) | Command::Use(_) => true,
            Command::Eks(a) => matches!(a.command, crate::cli::eks::EksCommand::Token(_)),
            _ => false,
        }
    }

    /// The verbosity the flags ask for, wherever they were given.
    pub fn verbosity(&self) -> Verbosity {
        let own = match &self.command {
            Command::Exec(a) => Some(&a.credentials.chatter),
            Command::Export(a) => Some(&a.credentials.chatter),
            Command::Use(a) => Some(&a.credentials.chatter),
            Command::Console(a) => Some(&a.credentials.chatter),
            Command::Serve(a) => Some(&a.credentials.chatter),
            Command::Eks(a) => match &a.command {
                EksCommand::Token(t) => Some(&t.credentials.chatter),
                EksCommand::Kubeconfig(_) => None,
            },
            Command::ClearCache(a) => Some(&a.chatter),
            Command::Keys(a) => a.command.chatter(),
            Command::Sso(a) => Some(a.command.chatter()),
            Command::Login(a) => Some(&a.chatter),
            Command::Logout(a) => Some(&a.chatter),
            Command::List(_)
            | Command::Init(_)
            | Command::Completions(_)
            | Command::Doctor(_)
            | Command::Log(_)
            | Command::Allow(_)
            | Command::Deny(_)
            | Command::Lock(_)
            | Command::Status(_) => None,
        };
        let quiet = self.chatter.quiet || own.is_some_and(|c| c.quiet);
        let verbose = self
            .chatter
            .verbose
            .saturating_add(own.map_or(0, |c| c.verbose));
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command (default: your $SHELL) with the profile's credentials in its environment
    #[command(after_help = "Example: rolecall exec prod -- aws s3 ls")]
    Exec(ExecArgs),
    /// Print shell statements that set the profile's credentials: eval "$(rolecall export prod)"
    Export(ExportArgs),
    /// List the profiles and their cached sessions
    List(ListArgs),
    /// Forget cached sessions (all, or those of the named profiles)
    ClearCache(ClearCacheArgs),
    /// Set the profile's credentials in the current shell (needs the `rolecall init` function)
    #[command(
        after_help = "Install the function once: eval \"$(rolecall init bash)\" in ~/.bashrc (zsh, fish, powershell alike)"
    )]
    Use(UseArgs),
    /// Print the shell function behind `rolecall use` for SHELL: eval "$(rolecall init zsh)"
    Init(InitArgs),
    /// Print a shell completion script (profile names complete from your config)
    Completions(CompletionsArgs),
    /// Show the audit trail: every credential rolecall handed out (never a secret)
    Log(LogArgs),
    /// Use the .rolecall file of this directory (or DIR): its profile for exec, export, use and
    /// console when none is named, until the file changes
    Allow(ProjectArgs),
    /// Stop using the .rolecall file of this directory (or DIR)
    Deny(ProjectArgs),
    /// Open the AWS console in the browser, signed in as the profile's role
    #[command(
        after_help = "The browser gets a one-shot http://127.0.0.1 address that redirects once to the sign-in URL, so the sign-in token is in no process's arguments.",
        mut_arg("duration", |a| a.help("How long the console stays signed in: 1h, 90m or 3600 (15m to 12h; default the profile's duration_seconds, else 1h; a chained role's session allows at most 1h)")),
        mut_arg("region", |a| a.help("The region the console opens in, and where STS is called")),
        mut_arg("no_session", |a| a.hide(true)),
        mut_arg("no_cache", |a| a.help("Neither read nor write the cached role session the console signs in with")),
        mut_arg("dry_run", |a| a.help("Show the plan of the role session the console signs in with, without calling STS or the sign-in endpoint")),
    )]
    Console(ConsoleArgs),
    /// Check the configuration, the keychain and the shell set-up (secrets never shown)
    #[command(
        after_help = "Exit status: 0 when every profile can work and a session store works (warnings aside), 1 otherwise"
    )]
    Doctor(DoctorArgs),
    /// Keep long-term access keys in the keychain instead of ~/.aws/credentials
    #[command(
        after_help = "Profiles whose keys are in the keychain use them first. exec, export and use hand out a one-hour GetSessionToken session of long-term keys, never the keys (--no-session passes the keys)."
    )]
    Keys(KeysArgs),
    /// Sign in to IAM Identity Center (SSO), sign out, or print profiles for your accounts
    #[command(
        after_help = "exec, export and use sign in by themselves on a terminal when an SSO profile has no usable token."
    )]
    Sso(SsoArgs),
    /// Sign in to AWS in the browser (AWS Sign-In, as `aws login`): a `login_session` profile
    #[command(
        after_help = "The URL is printed on stderr; nothing goes to stdout. The tokens are kept in the keychain (in the AWS CLI's file too only with --aws-cache) and refreshed without asking for up to 12 hours. exec, export and use read the AWS CLI's file of `aws login` too."
    )]
    Login(LoginArgs),
    /// Forget the tokens of `rolecall login` (and with --aws-cache the AWS CLI's file) and the sessions made with them
    Logout(LogoutArgs),
    /// Lock the encrypted file store now: the next run that needs it asks for the passphrase
    #[command(
        after_help = "The file store (ROLECALL_KEYRING=file) stays unlocked for ROLECALL_FILE_UNLOCK_TTL (default 8h) in this login session's kernel keyring."
    )]
    Lock(LockArgs),
    /// Serve the profile's credentials from a local endpoint until stopped, for IDEs and
    /// containers: prints the variables a client needs
    #[command(
        after_help = "Example: rolecall serve --format docker --bind 169.254.170.2 prod. Stops on Ctrl-C or SIGTERM; the session is refreshed while it runs.",
        mut_arg("no_session", |a| a.hide(true)),
        mut_arg("region", |a| a.help("The region for this run: the clients' AWS_REGION and AWS_DEFAULT_REGION, and where STS is called")),
    )]
    Serve(ServeArgs),
    /// Amazon EKS: kubectl's token, and the kubeconfig entry that asks rolecall for it
    Eks(EksArgs),
    /// Print the profile in this shell and its session's time left, in one line: `prod 42m`
    #[command(
        after_help = "Reads only the environment (ROLECALL_PROFILE, ROLECALL_EXPIRATION): no file, no keychain, no network, so a prompt may run it every time. Exit status 1, with nothing printed, when the shell has no rolecall profile."
    )]
    Status(StatusArgs),
}

/// What `exec` and `export` share: which profile, and how to get its credentials.
#[derive(Debug, Args, Default)]
pub struct CredentialArgs {
    /// The profile (default: $AWS_PROFILE, else a picker on a terminal)
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// Neither read nor write cached sessions
    #[arg(long)]
    pub no_cache: bool,

    /// The current MFA code, for profiles with mfa_serial (used once)
    #[arg(long, short = 't', value_name = "CODE")]
    pub mfa_token: Option<String>,

    /// Show the plan (source, STS calls, durations, cached sessions) without calling STS
    #[arg(long, visible_alias = "explain")]
    pub dry_run: bool,

    /// The session's length for this run: 1h, 90m or 3600 (15m to 12h; a chained role gets at
    /// most 1h, as STS allows); a session of another length is cached apart
    #[arg(long, short = 'd', value_name = "DURATION", value_parser = duration_seconds)]
    pub duration: Option<u32>,

    /// The region for this run: exported as AWS_REGION and AWS_DEFAULT_REGION, and where STS is
    /// called
    #[arg(long, value_name = "REGION", value_parser = region)]
    pub region: Option<String>,

    /// For a profile of long-term keys: hand out the keys themselves instead of a one-hour
    /// GetSessionToken session of them
    #[arg(long, short = 'n')]
    pub no_session: bool,

    /// A managed policy that scopes the role's session down (repeatable, at most 10 with the
    /// profile's policy_arns): the session may do only what the role and these allow
    #[arg(long, value_name = "ARN")]
    pub policy_arn: Vec<String>,

    /// An inline session policy that scopes the role's session down: a JSON file, or JSON
    /// itself (at most 2048 characters); replaces the profile's policy
    #[arg(long, value_name = "FILE|JSON")]
    pub policy: Option<String>,

    /// Scope the role's session down to reading (the ReadOnlyAccess managed policy)
    #[arg(long)]
    pub read_only: bool,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args, Default)]
pub struct ExecArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// Serve the credentials to the command from a local endpoint that refreshes them, instead
    /// of putting them in its environment (for commands that outlive a session)
    #[arg(long)]
    pub server: bool,

    /// Serve the credentials to the command as EC2's instance metadata service (IMDSv2) on
    /// 127.0.0.1, through AWS_EC2_METADATA_SERVICE_ENDPOINT, for tools that know only the
    /// instance role
    #[arg(long, conflicts_with = "server")]
    pub imds: bool,

    /// The command and its arguments (default: $SHELL): after `--`, or right after the profile
    /// when it does not start with `-` (`rolecall exec prod aws s3 ls`)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

impl Cli {
    /// Parses a command line (`argv[0]` first). `rolecall exec -- CMD` without a profile keeps
    /// CMD as the command, as with `--` everywhere else, although clap alone would take it for
    /// the profile.
    pub fn parse_from<S: Into<OsString> + Clone>(
        argv: impl IntoIterator<Item = S>,
    ) -> Result<Cli, clap::Error> {
        let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
        let mut cli = match plain(&argv).or_else(|| quick(&argv)) {
            Some(cli) => cli,
            None => <Cli as Parser>::try_parse_from(&argv)?,
        };
        if let Command::Exec(args) = &mut cli.command {
            if let Some(profile) = args.credentials.profile.clone() {
                let after_exec = argv.iter().skip_while(|a| *a != "exec").skip(1);
                let mut before_profile = after_exec.take_while(|a| **a != *profile.as_str());
                if before_profile.any(|a| a == "--") {
                    args.credentials.profile = None;
                    args.command.insert(0, profile.into());
                }
            }
        }
        Ok(cli)
    }
}

/// `rolecall --version` (or `-V`) alone: the line clap prints, without building the parser (a
/// test holds it to clap's).
pub fn version_line(argv: &[OsString]) -> Option<String> {
    match argv {
        [_, flag] if flag == "--version" || flag == "-V" => {
            Some(format!("rolecall {}\n", env!("CARGO_PKG_VERSION")))
        }
        _ => None,
    }
}

/// `rolecall export PROFILE` and `rolecall exec PROFILE [--] COMMAND…`, what scripts, prompts
/// and aliases run most, read without building a parser: a profile name that is not an option,
/// and for `exec` a command after it (everything after `--`, or from a first word that is not an
/// option, is the command's). Any other line goes to a parser; a test holds both to the same
/// answer.
fn plain(argv: &[OsString]) -> Option<Cli> {
    let [_, sub, profile, rest @ ..] = argv else {
        return None;
    };
    let profile = profile
        .to_str()
        .filter(|p| !p.is_empty() && !p.starts_with('-'))?;
    let credentials = CredentialArgs {
        profile: Some(profile.to_owned()),
        ..CredentialArgs::default()
    };
    let command = match (sub.to_str()?, rest) {
        ("export", []) => Command::Export(ExportArgs {
            credentials,
            ..ExportArgs::default()
        }),
        ("exec", rest) => {
            let command = match rest {
                [dashes, command @ ..] if dashes == "--" => command,
                [first, ..] if first.to_str().is_some_and(|f| !f.starts_with('-')) => rest,
                [] => rest,
                _ => return None,
            };
            Command::Exec(ExecArgs {
                credentials,
                command: command.to_vec(),
                ..ExecArgs::default()
            })
        }
        _ => return None,
    };
    Some(Cli {
        chatter: Chatter::default(),
        command,
    })
}

/// The frequent commands (and those a prompt or kubectl runs every time) parsed by a parser of
/// that one subcommand: building every subcommand's arguments costs more than the rest of a
/// warm `export`. The arguments are the same types as in the whole parser, so a command line
/// means the same to both; anything the one-subcommand parser does not accept (help, version,
/// a mistake, an alias) goes to the whole parser, which answers it as always.
fn quick(argv: &[OsString]) -> Option<Cli> {
    use clap::FromArgMatches;
    let name = argv.get(1)?.to_str()?;
    let sub = match name {
        "export" => ExportArgs::augment_args(clap::Command::new("export")),
        "exec" => ExecArgs::augment_args(clap::Command::new("exec")),
        "use" => UseArgs::augment_args(clap::Command::new("use")),
        "list" => ListArgs::augment_args(clap::Command::new("list")),
        "status" => StatusArgs::augment_args(clap::Command::new("status")),
        "eks" => EksArgs::augment_args(clap::Command::new("eks")),
        _ => return None,
    };
    let root = Chatter::augment_args(clap::Command::new("rolecall")).subcommand(sub);
    let matches = root.try_get_matches_from(argv).ok()?;
    let (_, sub) = matches.subcommand()?;
    let command = match name {
        "export" => Command::Export(ExportArgs::from_arg_matches(sub).ok()?),
        "exec" => Command::Exec(ExecArgs::from_arg_matches(sub).ok()?),
        "use" => Command::Use(UseArgs::from_arg_matches(sub).ok()?),
        "status" => Command::Status(StatusArgs::from_arg_matches(sub).ok()?),
        "eks" => Command::Eks(EksArgs::from_arg_matches(sub).ok()?),
        _ => Command::List(ListArgs::from_arg_matches(sub).ok()?),
    };
    let chatter = Chatter::from_arg_matches(&matches).ok()?;
    Some(Cli { chatter, command })
}

#[derive(Debug, Args, Default)]
pub struct ExportArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// Output format (default: the shell running rolecall, else $SHELL, else sh)
    #[arg(long, short, value_enum)]
    pub format: Option<ExportFormat>,

    /// Print statements that remove every variable rolecall sets, instead of setting them
    #[arg(long, conflicts_with_all = ["profile", "no_cache", "mfa_token", "dry_run", "duration", "region", "no_session", "policy_arn", "policy", "read_only"])]
    pub unset: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// POSIX shells: sh, dash, ksh, busybox, bash, zsh (also: bash, zsh, env)
    #[value(alias = "bash", alias = "zsh", alias = "env")]
    Sh,
    /// fish
    Fish,
    /// PowerShell, Windows PowerShell and pwsh (also: pwsh)
    #[value(alias = "pwsh")]
    Powershell,
    /// cmd.exe, values limited to characters that need no escaping (also: windows-cmd)
    #[value(alias = "windows-cmd")]
    Cmd,
    /// KEY='value' lines without export, for `set -a; . ./file` (also: env-no-export)
    #[value(alias = "env-no-export")]
    Dotenv,
    /// The credential_process JSON, Version 1 (also: process)
    #[value(alias = "process")]
    Json,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// Remove the credentials rolecall set from the current shell
    #[arg(long, conflicts_with_all = ["profile", "no_cache", "mfa_token", "dry_run", "duration", "region", "no_session", "policy_arn", "policy", "read_only"])]
    pub unset: bool,

    /// Switch to the profile of the allowed .rolecall file here, if it is not the shell's
    /// already; nothing otherwise (the `init --on-cd` hook)
    #[arg(long, conflicts_with_all = ["profile", "unset"])]
    pub project: bool,

    /// When the shell's session is within the refresh window, switch to a fresher cached one,
    /// else start one background refresh; nothing otherwise (the `rolecall init` prompt hook)
    #[arg(long, conflicts_with_all = ["profile", "unset", "project", "no_cache", "mfa_token", "dry_run"])]
    pub refresh: bool,

    /// The shell the `rolecall init` function runs in (it sets ROLECALL_SHELL_FUNCTION itself,
    /// so that no argument of the user's is disturbed)
    #[arg(
        long,
        value_enum,
        hide = true,
        env = "ROLECALL_SHELL_FUNCTION",
        hide_env = true
    )]
    pub shell: Option<UseShell>,
}

/// The shells whose `rolecall init` function evaluates `rolecall use`'s output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UseShell {
    Sh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to print the function for (add its output to that shell's startup file)
    #[arg(value_enum)]
    pub shell: InitShell,

    /// Also switch to the profile of an allowed .rolecall file on every change of directory
    /// (bash, zsh, fish)
    #[arg(long)]
    pub on_cd: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InitShell {
    /// ~/.bashrc: eval "$(rolecall init bash)"
    Bash,
    /// ~/.zshrc: eval "$(rolecall init zsh)"
    Zsh,
    /// ~/.config/fish/config.fish: rolecall init fish | source
    Fish,
    /// $PROFILE: rolecall init powershell | Out-String | Invoke-Expression
    #[value(alias = "pwsh")]
    Powershell,
    /// POSIX sh, dash, busybox, ksh (~/.profile or $ENV): eval "$(rolecall init sh)"
    #[value(alias = "dash", alias = "ksh")]
    Sh,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON, for scripts
    #[arg(long, conflicts_with = "names")]
    pub json: bool,

    /// Print only the profile names, one per line
    #[arg(long)]
    pub names: bool,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// Print the sign-in URL on stdout instead of opening a browser (it signs in whoever
    /// opens it, until it expires: keep it to yourself)
    #[arg(long)]
    pub stdout: bool,

    /// Where the console opens: a service (s3, ec2, cloudwatch, logs, iam, lambda, …) or an
    /// https:// URL on the partition's console
    #[arg(long, value_name = "SERVICE|URL")]
    pub destination: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The directory of the .rolecall file (default: the working directory)
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this profile's records
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// Only the records of this last stretch of time: 30m, 12h, 2d (at most 400d)
    #[arg(long, value_name = "DURATION", value_parser = since)]
    pub since: Option<time::Duration>,

    /// One JSON record a line, as the log keeps them
    #[arg(long)]
    pub json: bool,
}

/// `--since`: minutes, hours or days back.
fn since(text: &str) -> Result<time::Duration, String> {
    let max = time::Duration::days(400);
    let days = text.trim().strip_suffix('d').map(|n| n.parse::<i64>());
    match days {
        Some(Ok(n)) if n >= 0 && time::Duration::days(n) <= max => Ok(time::Duration::days(n)),
        Some(_) => Err("not a number of days up to 400d".into()),
        None => crate::domain::text::parse_duration(text, max)
            .map_err(|_| "not a duration; use 30m, 12h or 2d".into()),
    }
}

#[derive(Debug, Args)]
pub struct LockArgs {}

#[derive(Debug, Args)]
pub struct StatusArgs {}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON, for scripts and bug reports
    #[arg(long)]
    pub json: bool,
    /// Also get a session of PROFILE from STS with the largest session token STS gives (4,096
    /// bytes, STS's MinimumSessionTokenSize) and check that every session store and output
    /// format keeps it whole (the session is not cached)
    #[arg(long, value_name = "PROFILE", add = ArgValueCandidates::new(profile_candidates))]
    pub online: Option<String>,
}

#[derive(Debug, Args)]
pub struct ClearCacheArgs {
    /// Profiles whose sessions to forget (default: all)
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profiles: Vec<String>,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    Elvish,
}

/// `--duration`: a duration STS accepts for a role session, in seconds.
fn duration_seconds(text: &str) -> Result<u32, String> {
    use crate::domain::plan::DURATION_RANGE;
    use crate::domain::text::{parse_duration, DurationError};
    let max = time::Duration::seconds(i64::from(*DURATION_RANGE.end()));
    match parse_duration(text, max) {
        Ok(d) if d.whole_seconds() >= i64::from(*DURATION_RANGE.start()) => {
            Ok(d.whole_seconds() as u32)
        }
        Ok(_) => Err("shorter than the 15m STS allows; use 15m to 12h".into()),
        Err(DurationError::TooLong(_)) => {
            Err("longer than the 12h STS allows; use 15m to 12h".into())
        }
        Err(DurationError::NotADuration) => {
            Err("not a duration; use 1h, 90m or seconds such as 3600".into())
        }
    }
}

/// `--region`: a region name (`eu-west-1`).
pub(crate) fn region(text: &str) -> Result<String, String> {
    let ok = (1..=64).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(text.to_string())
    } else {
        Err("not a region name; use one such as eu-west-1".into())
    }
}

/// A command-line mistake as one line: the command it is about, what is wrong (the argument's
/// name, the value and the allowed values, clap's suggestion), and that command's help.
/// `rolecall init: missing <SHELL> (bash, zsh, fish, powershell, sh); see "rolecall init --help"`
pub fn usage_message<S: AsRef<std::ffi::OsStr>>(e: &clap::Error, argv: &[S]) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let get = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    // The subcommands named on the command line: `rolecall init`.
    let mut command = String::from("rolecall");
    let mut cmd = <Cli as clap::CommandFactory>::command();
    for word in argv.iter().skip(1) {
        let Some(word) = word.as_ref().to_str() else {
            continue;
        };
        if let Some(sub) = cmd.find_subcommand(word).cloned() {
            command.push(' ');
            command.push_str(sub.get_name());
            cmd = sub;
        }
    }
    let values = |arg: &str| -> Vec<String> {
        let wanted = arg.trim_start_matches('-').trim_matches(['<', '>']);
        let wanted = wanted.split(['=', ' ']).next().unwrap_or(wanted);
        let found = cmd
            .get_arguments()
            .find(|a| {
                a.get_id()
                    .as_str()
                    .eq_ignore_ascii_case(&wanted.replace('-', "_"))
                    || a.get_value_names()
                        .is_some_and(|n| n.iter().any(|n| n.as_str() == wanted))
                    || a.get_long() == Some(wanted)
            })
            .map(|a| {
                a.get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| v.get_name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        found
    };
    let listed = |values: Vec<String>| {
        if values.is_empty() {
            String::new()
        } else {
            format!(" ({})", values.join(", "))
        }
    };
    let suggestion = || {
        let s = get(ContextKind::SuggestedArg);
        let s = if s.is_empty() {
            get(ContextKind::SuggestedSubcommand)
        } else {
            s
        };
        s.first()
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default()
    };
    let what = match e.kind() {
        ErrorKind::MissingRequiredArgument => get(ContextKind::InvalidArg)
            .iter()
            .map(|arg| format!("missing {arg}{}", listed(values(arg))))
            .collect::<Vec<_>>()
            .join(", "),
        ErrorKind::InvalidValue => {
            let arg = get(ContextKind::InvalidArg).join(" ");
            let value = get(ContextKind::InvalidValue).join(" ");
            let valid = get(ContextKind::ValidValue);
            let valid = if valid.is_empty() {
                values(&arg)
            } else {
                valid
            };
            if value.is_empty() {
                format!("{arg} needs a value{}", listed(valid))
            } else {
                format!("invalid value {value:?} for {arg}{}", listed(valid))
            }
        }
        ErrorKind::UnknownArgument => format!(
            "unexpected argument {:?}{}",
            get(ContextKind::InvalidArg).join(" "),
            suggestion()
        ),
        ErrorKind::InvalidSubcommand => format!(
            "unknown command {:?}{}",
            get(ContextKind::InvalidSubcommand).join(" "),
            suggestion()
        ),
        ErrorKind::MissingSubcommand => "missing a command".to_string(),
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid command line");
            first.strip_prefix("error: ").unwrap_or(first).to_string()
        }
    };
    format!("{command}: {what}; see \"{command} --help\"")
}

/// Profile names for dynamic completion, read from the user's config files at completion time.
pub(crate) fn profile_candidates() -> Vec<CompletionCandidate> {
    let vars = crate::domain::Vars::from_process();
    crate::config::Profiles::load(&vars)
        .map(|p| p.names().map(CompletionCandidate::new).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_one_subcommand_parser_reads_a_line_as_the_whole_parser_does() {
        let lines: &[&[&str]] = &[
            &["export", "prod"],
            &["export"],
            &["export", "prod", "-f", "fish", "-v", "-v"],
            &["export", "--unset", "--format", "powershell"],
            &[
                "export",
                "prod",
                "--no-cache",
                "-t",
                "123456",
                "-d",
                "1h",
                "--region",
                "eu-west-1",
            ],
            &[
                "export",
                "prod",
                "--policy-arn",
                "arn:aws:iam::aws:policy/A",
                "--policy-arn",
                "arn:aws:iam::aws:policy/B",
                "--read-only",
                "-q",
            ],
            &["export", "--dry-run", "prod", "-n", "--format=json"],
            &["export", "prod", "--explain"],
            &["exec", "prod", "--", "aws", "s3", "ls"],
            &["exec", "prod", "aws", "--version"],
            &["exec", "--server", "prod", "--", "env"],
            &["exec", "--", "env", "-i"],
            &["exec", "-d", "90m", "prod"],
            &["exec", "prod"],
            &["exec", "prod", "--"],
            &["exec", "prod", "--", "--", "x"],
            &["exec", "prod", "--", "-x", "--y"],
            &["exec", "prod", "aws", "--", "x", "-v"],
            &["exec", "prod", "-v", "aws"],
            &["exec", "prod", "--server"],
            &["exec", "pröd", "env"],
            &["export", "prod", "extra"],
            &["export", "-"],
            &["export", "--", "prod"],
            &["use", "prod"],
            &["use", "--unset"],
            &["list"],
            &["list", "--json"],
            &["status"],
            &["use", "--refresh"],
            &["eks", "token", "--cluster", "dev", "prod"],
            &[
                "eks",
                "token",
                "--cluster",
                "dev",
                "--region",
                "eu-west-1",
                "prod",
            ],
            &["eks", "kubeconfig", "--cluster", "dev", "prod"],
        ];
        for line in lines {
            let argv: Vec<OsString> = std::iter::once("rolecall")
                .chain(line.iter().copied())
                .map(OsString::from)
                .collect();
            let whole = <Cli as Parser>::try_parse_from(&argv);
            if let Some(plain) = plain(&argv) {
                let whole = whole.as_ref().expect("the parser takes what plain() takes");
                assert_eq!(format!("{whole:?}"), format!("{plain:?}"), "{line:?}");
            }
            let one = quick(&argv);
            match (&whole, &one) {
                (Ok(whole), Some(one)) => {
                    assert_eq!(format!("{whole:?}"), format!("{one:?}"), "{line:?}")
                }
                (Err(_), None) => {}
                _ => panic!("{line:?}: the whole parser says {whole:?}, the quick one {one:?}"),
            }
        }
        let version: Vec<OsString> = ["rolecall", "--version"].map(OsString::from).to_vec();
        assert_eq!(
            version_line(&version).as_deref(),
            Some(Cli::command().render_version().as_str())
        );
        let short: Vec<OsString> = ["rolecall", "-V"].map(OsString::from).to_vec();
        assert_eq!(version_line(&short), version_line(&version));
        // The forms read without a parser, and those left to one.
        let argv = |line: &[&str]| -> Vec<OsString> {
            std::iter::once("rolecall")
                .chain(line.iter().copied())
                .map(OsString::from)
                .collect()
        };
        assert!(plain(&argv(&["export", "prod"])).is_some());
        assert!(plain(&argv(&["exec", "prod", "--", "aws", "s3", "ls"])).is_some());
        assert!(plain(&argv(&["exec", "prod", "aws"])).is_some());
        assert!(plain(&argv(&["export", "prod", "-v"])).is_none());
        assert!(plain(&argv(&["exec", "prod", "--server"])).is_none());
        assert!(quick(&argv(&["export", "prod", "-v"])).is_some());
        // What the one-subcommand parser leaves to the whole parser.
        for line in [
            &["export", "--help"][..],
            &["export", "-V"],
            &["export", "--bogus"],
            &["-v", "export", "prod"],
            &["doctor"],
        ] {
            let argv: Vec<OsString> = std::iter::once("rolecall")
                .chain(line.iter().copied())
                .map(OsString::from)
                .collect();
            assert!(quick(&argv).is_none(), "{line:?}");
        }
    }

    fn mistake(line: &[&str]) -> String {
        let argv: Vec<&str> = std::iter::once("rolecall")
            .chain(line.iter().copied())
            .collect();
        let e = Cli::try_parse_from(&argv).expect_err("a mistake");
        usage_message(&e, &argv)
    }

    #[test]
    fn usage_errors_keep_the_argument_the_values_and_the_commands_help() {
        assert_eq!(
            mistake(&["init"]),
            "rolecall init: missing <SHELL> (bash, zsh, fish, powershell, sh); see \"rolecall init --help\""
        );
        assert_eq!(
            mistake(&["export", "p", "--format", "csh"]),
            "rolecall export: invalid value \"csh\" for --format <FORMAT> (sh, fish, powershell, cmd, dotenv, json); see \"rolecall export --help\""
        );
        let e = mistake(&["export", "--no-cahce"]);
        assert!(
            e.starts_with(
                "rolecall export: unexpected argument \"--no-cahce\" (did you mean --no-cache?); see"
            ),
            "{e}"
        );
        let e = mistake(&["exprot"]);
        assert!(
            e.starts_with("rolecall: unknown command \"exprot\" (did you mean export?); see"),
            "{e}"
        );
        for line in [&["init"][..], &["export", "--format"], &["list", "--bogus"]] {
            assert_eq!(mistake(line).lines().count(), 1, "{line:?}");
        }
    }

    #[test]
    fn exec_takes_the_command_after_double_dash_verbatim() {
        let cli = Cli::try_parse_from([
            "rolecall",
            "exec",
            "prod",
            "--",
            "sh",
            "-c",
            "echo $X",
            "--no-cache",
        ])
        .unwrap();
        let Command::Exec(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.credentials.profile.as_deref(), Some("prod"));
        assert!(!args.credentials.no_cache);
        assert_eq!(args.command, vec!["sh", "-c", "echo $X", "--no-cache"]);
        let cli = Cli::parse_from(["rolecall", "exec", "--", "true", "-x"]).unwrap();
        let Command::Exec(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.credentials.profile, None);
        assert_eq!(args.command, vec!["true", "-x"]);
    }

    #[test]
    fn exec_takes_the_command_right_after_the_profile_as_aws_vault_does() {
        let cli = Cli::parse_from([
            "rolecall",
            "exec",
            "prod",
            "--duration",
            "2h",
            "aws",
            "s3",
            "ls",
            "--debug",
        ])
        .unwrap();
        let Command::Exec(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.credentials.profile.as_deref(), Some("prod"));
        assert_eq!(args.credentials.duration, Some(7200));
        assert_eq!(args.command, vec!["aws", "s3", "ls", "--debug"]);
        let cli = Cli::parse_from(["rolecall", "exec", "--no-cache", "prod", "env"]).unwrap();
        let Command::Exec(args) = cli.command else {
            panic!()
        };
        assert!(args.credentials.no_cache);
        assert_eq!(args.command, vec!["env"]);
    }

    #[test]
    fn format_names_and_the_aws_clis_aliases() {
        let cases = [
            ("sh", ExportFormat::Sh),
            ("bash", ExportFormat::Sh),
            ("zsh", ExportFormat::Sh),
            ("env", ExportFormat::Sh),
            ("fish", ExportFormat::Fish),
            ("powershell", ExportFormat::Powershell),
            ("pwsh", ExportFormat::Powershell),
            ("cmd", ExportFormat::Cmd),
            ("windows-cmd", ExportFormat::Cmd),
            ("dotenv", ExportFormat::Dotenv),
            ("env-no-export", ExportFormat::Dotenv),
            ("json", ExportFormat::Json),
            ("process", ExportFormat::Json),
        ];
        for (name, format) in cases {
            let cli = Cli::try_parse_from(["rolecall", "export", "p", "--format", name]).unwrap();
            let Command::Export(args) = cli.command else {
                panic!()
            };
            assert_eq!(args.format, Some(format), "{name}");
        }
    }

    #[test]
    fn unset_takes_no_profile() {
        assert!(Cli::try_parse_from(["rolecall", "export", "--unset"]).is_ok());
        assert!(Cli::try_parse_from(["rolecall", "export", "--unset", "prod"]).is_err());
    }
}
