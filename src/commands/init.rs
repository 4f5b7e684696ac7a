//! `rolecall init SHELL`: the shell function that makes `rolecall use PROFILE` change the
//! current shell, passing every other subcommand through to the binary. Every call says it
//! came through the function (`ROLECALL_SHELL_FUNCTION`), so `rolecall doctor` can tell.

use super::write_out;
use super::Context;
use crate::cli::{InitArgs, InitShell};
use crate::domain::Outcome;
use crate::error::Error;

const POSIX: &str = r##"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# shell, `rolecall use --unset` removes them; everything else runs the rolecall program.
# Only text that rolecall marks as shell statements is evaluated. (`function` and `\command`
# keep aliases named rolecall or command out of the way.) `set -x` and `set -v` are off
# inside the function, so a trace never shows the secrets, and back on after.
function rolecall {
    local __rolecall_arg= __rolecall_out= __rolecall_trace= __rolecall_status=0
    case $- in *x*) __rolecall_trace=x ;; esac
    case $- in *v*) __rolecall_trace=${__rolecall_trace}v ;; esac
    [ -z "$__rolecall_trace" ] || set +xv
    for __rolecall_arg in "$@"; do
        case $__rolecall_arg in -*) ;; *) break ;; esac
    done
    if [ "$__rolecall_arg" = use ]; then
        __rolecall_out="$(ROLECALL_SHELL_FUNCTION=sh \command rolecall "$@")"
        __rolecall_status=$?
        if [ "$__rolecall_status" -eq 0 ]; then
            case $__rolecall_out in
                "# rolecall use: shell statements"*) eval "$__rolecall_out"; __rolecall_status=$? ;;
                ?*) printf '%s\n' "$__rolecall_out" ;;
            esac
        fi
        __rolecall_out=
        [ -z "$__rolecall_trace" ] || set -"$__rolecall_trace"
        return "$__rolecall_status"
    fi
    [ -z "$__rolecall_trace" ] || set -"$__rolecall_trace"
    ROLECALL_SHELL_FUNCTION=sh \command rolecall "$@"
}
"##;

/// Plain POSIX (dash, busybox, ksh): no `function` keyword and no `local`, so the function's
/// variables have names of their own and are removed on the way out.
const SH: &str = r##"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# shell, `rolecall use --unset` removes them; everything else runs the rolecall program.
# Only text that rolecall marks as shell statements is evaluated. `set -x` and `set -v` are
# off inside the function, so a trace never shows the secrets, and back on after.
rolecall() {
    __rolecall_arg= __rolecall_trace=
    case $- in *x*) __rolecall_trace=x ;; esac
    case $- in *v*) __rolecall_trace=${__rolecall_trace}v ;; esac
    [ -z "$__rolecall_trace" ] || set +xv
    for __rolecall_arg in "$@"; do
        case $__rolecall_arg in -*) ;; *) break ;; esac
    done
    if [ "$__rolecall_arg" = use ]; then
        __rolecall_out="$(ROLECALL_SHELL_FUNCTION=sh command rolecall "$@")"
        __rolecall_status=$?
        if [ "$__rolecall_status" -eq 0 ]; then
            case $__rolecall_out in
                "# rolecall use: shell statements"*) eval "$__rolecall_out"; __rolecall_status=$? ;;
                ?*) printf '%s\n' "$__rolecall_out" ;;
            esac
        fi
        unset __rolecall_arg __rolecall_out
        [ -z "$__rolecall_trace" ] || set -"$__rolecall_trace"
        unset __rolecall_trace
        return "$__rolecall_status"
    fi
    unset __rolecall_arg
    [ -z "$__rolecall_trace" ] || set -"$__rolecall_trace"
    unset __rolecall_trace
    ROLECALL_SHELL_FUNCTION=sh command rolecall "$@"
}
"##;

const FISH: &str = r##"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# shell, `rolecall use --unset` removes them; everything else runs the rolecall program.
# Only text that rolecall marks as shell statements is evaluated.
function rolecall --description 'AWS role credentials for this shell'
    set -l __rolecall_sub
    for __rolecall_arg in $argv
        if not string match -q -- '-*' $__rolecall_arg
            set __rolecall_sub $__rolecall_arg
            break
        end
    end
    if test "$__rolecall_sub" = use
        set -l __rolecall_out (ROLECALL_SHELL_FUNCTION=fish command rolecall $argv); or return
        if test "$__rolecall_out[1]" = '# rolecall use: shell statements'
            printf '%s\n' $__rolecall_out | source
        else if test (count $__rolecall_out) -gt 0
            printf '%s\n' $__rolecall_out
        end
    else
        ROLECALL_SHELL_FUNCTION=fish command rolecall $argv
    end
end
"##;

const POWERSHELL: &str = r##"# rolecall shell integration: `rolecall use PROFILE` sets the profile's credentials in this
# session, `rolecall use --unset` removes them; everything else runs the rolecall program.
# Only text that rolecall marks as shell statements is evaluated. (`function` and `\command`
# keep aliases named rolecall or command out of the way.)
function rolecall {
    $exe = Get-Command -Name rolecall -CommandType Application | Select-Object -First 1
    $sub = @($args | Where-Object { -not "$_".StartsWith('-') }) | Select-Object -First 1
    if ($sub -eq 'use') {
        $env:ROLECALL_SHELL_FUNCTION = 'powershell'
        try { $out = @(& $exe @args) } finally { Remove-Item Env:ROLECALL_SHELL_FUNCTION -ErrorAction SilentlyContinue }
        if ($LASTEXITCODE -ne 0) { return }
        if ($out.Count -gt 0 -and $out[0] -eq '# rolecall use: shell statements') {
            Invoke-Expression ($out -join "`n")
        } else {
            $out
        }
    } else {
        $env:ROLECALL_SHELL_FUNCTION = 'powershell'
        try { & $exe @args } finally { Remove-Item Env:ROLECALL_SHELL_FUNCTION -ErrorAction SilentlyContinue }
    }
}
"##;

pub fn script(shell: InitShell) -> &'static str {
    match shell {
        InitShell::Bash | InitShell::Zsh => POSIX,
        InitShell::Sh => SH,
        InitShell::Fish => FISH,
        InitShell::Powershell => POWERSHELL,
    }
}

/// The prompt hooks: before each prompt, while the shell has a rolecall profile, `rolecall use
/// --refresh` (through the function) switches to a fresher cached session when the shell's is
/// near its end, or starts one background refresh. The exit status the prompt shows is kept.
const REFRESH_BASH: &str = r##"# Before each prompt: a session near its end is replaced by a fresher cached one, or refreshed
# in the background (never a prompt from here; a refresh that needs you says so once).
__rolecall_refresh() {
    local __rolecall_status=$?
    [ -z "${ROLECALL_PROFILE-}" ] || rolecall use --refresh
    return "$__rolecall_status"
}
case ";${PROMPT_COMMAND-};" in
    *";__rolecall_refresh;"*) ;;
    *) PROMPT_COMMAND="__rolecall_refresh${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
"##;

const REFRESH_ZSH: &str = r##"# Before each prompt: a session near its end is replaced by a fresher cached one, or refreshed
# in the background (never a prompt from here; a refresh that needs you says so once).
__rolecall_refresh() {
    local __rolecall_status=$?
    [[ -z ${ROLECALL_PROFILE-} ]] || rolecall use --refresh
    return $__rolecall_status
}
autoload -Uz add-zsh-hook
add-zsh-hook precmd __rolecall_refresh
"##;

const REFRESH_FISH: &str = r##"# Before each prompt: a session near its end is replaced by a fresher cached one, or refreshed
# in the background (never a prompt from here; a refresh that needs you says so once).
function __rolecall_refresh --on-event fish_prompt
    set -q ROLECALL_PROFILE; and rolecall use --refresh
end
"##;

/// The `--on-cd` hooks: on a change of directory, `rolecall use --project` (through the
/// function), which switches only to an allowed `.rolecall` file's profile.
const ON_CD_BASH: &str = r##"# On a change of directory: the allowed .rolecall file's profile (rolecall allow).
__rolecall_cd() {
    [ "$PWD" = "${__rolecall_pwd-}" ] && return
    __rolecall_pwd=$PWD
    rolecall use --project
}
case ";${PROMPT_COMMAND-};" in
    *";__rolecall_cd;"*) ;;
    *) PROMPT_COMMAND="__rolecall_cd${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
"##;

const ON_CD_ZSH: &str = r##"# On a change of directory: the allowed .rolecall file's profile (rolecall allow).
__rolecall_cd() { rolecall use --project }
autoload -Uz add-zsh-hook
add-zsh-hook chpwd __rolecall_cd
__rolecall_cd
"##;

const ON_CD_FISH: &str = r##"# On a change of directory: the allowed .rolecall file's profile (rolecall allow).
function __rolecall_cd --on-variable PWD
    rolecall use --project
end
__rolecall_cd
"##;

pub fn run(args: InitArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let hook = match (args.on_cd, args.shell) {
        (false, _) => "",
        (true, InitShell::Bash) => ON_CD_BASH,
        (true, InitShell::Zsh) => ON_CD_ZSH,
        (true, InitShell::Fish) => ON_CD_FISH,
        (true, other) => {
            return Err(Error::Usage(format!(
                "--on-cd is for bash, zsh and fish; {} has no hook on a change of directory that rolecall uses",
                format!("{other:?}").to_lowercase()
            )))
        }
    };
    let refresh = match args.shell {
        InitShell::Bash => REFRESH_BASH,
        InitShell::Zsh => REFRESH_ZSH,
        InitShell::Fish => REFRESH_FISH,
        InitShell::Sh | InitShell::Powershell => "",
    };
    write_out(
        ctx,
        format!("{}{refresh}{hook}", script(args.shell)).as_bytes(),
    )?;
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::use_::MARKER;

    #[test]
    fn every_function_evaluates_only_marked_text() {
        for shell in [
            InitShell::Bash,
            InitShell::Fish,
            InitShell::Powershell,
            InitShell::Sh,
        ] {
            let text = script(shell);
            assert!(text.contains(MARKER.trim_end()), "{shell:?}");
            assert!(text.contains("ROLECALL_SHELL_FUNCTION"), "{shell:?}");
        }
    }
}
