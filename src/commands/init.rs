//! `rolecall init SHELL`: the shell function that makes `rolecall use PROFILE` change the
//! current shell, passing every other subcommand through to the binary.

use super::write_out;
use crate::cli::{InitArgs, InitShell};
use crate::context::Context;
use crate::{Error, Outcome};

const POSIX: &str = r#"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# shell, `rolecall use --unset` removes them; everything else runs the rolecall program.
rolecall() {
    if [ "$1" = use ]; then
        shift
        local __rolecall_out
        if [ "$1" = --unset ]; then
            __rolecall_out="$(command rolecall export --unset --format sh)" || return
        else
            __rolecall_out="$(command rolecall export --format sh "$@")" || return
        fi
        eval "$__rolecall_out"
    else
        command rolecall "$@"
    fi
}
"#;

const FISH: &str = r#"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# shell, `rolecall use --unset` removes them; everything else runs the rolecall program.
function rolecall --description 'AWS role credentials for this shell'
    if test (count $argv) -gt 0; and test "$argv[1]" = use
        set -l __rolecall_out
        if test "$argv[2]" = --unset
            set __rolecall_out (command rolecall export --unset --format fish); or return
        else
            set __rolecall_out (command rolecall export --format fish $argv[2..-1]); or return
        end
        printf '%s\n' $__rolecall_out | source
    else
        command rolecall $argv
    end
end
"#;

const POWERSHELL: &str = r#"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# session, `rolecall use --unset` removes them; everything else runs the rolecall program.
function rolecall {
    $exe = Get-Command -Name rolecall -CommandType Application | Select-Object -First 1
    if ($args.Count -gt 0 -and $args[0] -eq 'use') {
        $rest = @($args | Select-Object -Skip 1)
        if ($rest.Count -gt 0 -and $rest[0] -eq '--unset') {
            $out = & $exe export --unset --format powershell
        } else {
            $out = & $exe export --format powershell @rest
        }
        if ($LASTEXITCODE -eq 0) { Invoke-Expression ($out -join "`n") }
    } else {
        & $exe @args
    }
}
"#;

pub fn script(shell: InitShell) -> &'static str {
    match shell {
        InitShell::Bash | InitShell::Zsh => POSIX,
        InitShell::Fish => FISH,
        InitShell::Powershell => POWERSHELL,
    }
}

pub fn run(args: InitArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    write_out(ctx, script(args.shell).as_bytes())?;
    Ok(Outcome::Done)
}
