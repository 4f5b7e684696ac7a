//! Every clap type: the help text is the doc comments.

use std::ffi::OsString;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

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
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

/// What `exec` and `export` share: which profile, and how to get its credentials.
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// The profile (default: $AWS_PROFILE)
    pub profile: Option<String>,

    /// Neither read nor write cached sessions
    #[arg(long)]
    pub no_cache: bool,

    /// The current MFA code, for profiles with mfa_serial (used once)
    #[arg(long, value_name = "CODE")]
    pub mfa_token: Option<String>,
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

    /// Output format
    #[arg(long, short, value_enum, default_value_t = ExportFormat::Sh)]
    pub format: ExportFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// POSIX shells: sh, bash, zsh, dash, ksh
    #[value(alias = "bash", alias = "zsh", alias = "env")]
    Sh,
}

#[derive(Debug, Args)]
pub struct ListArgs {}

#[derive(Debug, Args)]
pub struct ClearCacheArgs {
    /// Profiles whose sessions to forget (default: all)
    pub profiles: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    fn format_aliases() {
        for name in ["sh", "bash", "zsh", "env"] {
            let cli = Cli::try_parse_from(["rolecall", "export", "p", "--format", name]).unwrap();
            let Command::Export(args) = cli.command else {
                panic!()
            };
            assert_eq!(args.format, ExportFormat::Sh);
        }
    }
}
