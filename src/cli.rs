//! Every clap type: the help text is the doc comments.

use std::ffi::OsString;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::printer::Verbosity;

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
    /// Say more on stderr: each decision, cache hit or miss, STS call (repeat for more)
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print nothing on stderr but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The verbosity the flags ask for.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
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
    /// Print the shell function behind `rolecall use`: eval "$(rolecall init zsh)"
    Init(InitArgs),
    /// Print a shell completion script (profile names complete from your config)
    Completions(CompletionsArgs),
}

/// What `exec` and `export` share: which profile, and how to get its credentials.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// The profile (default: $AWS_PROFILE, else a picker on a terminal)
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// Neither read nor write cached sessions
    #[arg(long)]
    pub no_cache: bool,

    /// The current MFA code, for profiles with mfa_serial (used once)
    #[arg(long, value_name = "CODE")]
    pub mfa_token: Option<String>,

    /// Show the plan (source, STS calls, durations, cached sessions) without calling STS
    #[arg(long, visible_alias = "explain")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// The command and its arguments, after `--`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// Output format (default: the shell running rolecall, else $SHELL, else sh)
    #[arg(long, short, value_enum)]
    pub format: Option<ExportFormat>,

    /// Print statements that remove every variable rolecall sets, instead of setting them
    #[arg(long, conflicts_with_all = ["profile", "no_cache", "mfa_token", "dry_run"])]
    pub unset: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// POSIX shells: sh, bash, zsh, dash, ksh, busybox
    #[value(alias = "bash", alias = "zsh", alias = "env")]
    Sh,
    /// fish
    Fish,
    /// PowerShell (Windows PowerShell and pwsh)
    #[value(alias = "pwsh")]
    Powershell,
    /// cmd.exe (values limited to characters that need no escaping)
    #[value(alias = "windows-cmd")]
    Cmd,
    /// KEY='value' lines without export, for `set -a; . ./file`
    #[value(alias = "env-no-export")]
    Dotenv,
    /// The credential_process JSON (Version 1)
    #[value(alias = "process")]
    Json,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// Remove the credentials rolecall set from the current shell
    #[arg(long, conflicts_with_all = ["profile", "no_cache", "mfa_token", "dry_run"])]
    pub unset: bool,

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
    #[arg(value_enum)]
    pub shell: InitShell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
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
pub struct ClearCacheArgs {
    /// Profiles whose sessions to forget (default: all)
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profiles: Vec<String>,
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

/// Profile names for dynamic completion, read from the user's config files at completion time.
fn profile_candidates() -> Vec<CompletionCandidate> {
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
        let cli = Cli::try_parse_from(["rolecall", "exec", "--", "true"]).unwrap();
        let Command::Exec(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.credentials.profile, None);
        assert_eq!(args.command, vec!["true"]);
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
