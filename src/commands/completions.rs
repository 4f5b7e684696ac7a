//! `rolecall completions SHELL`: the completion script. It registers rolecall itself as the
//! completer (`ROLECALL_COMPLETE=SHELL rolecall -- …`; a variable of its own, so a `COMPLETE` set for another tool changes nothing), so profile names complete from the config.

use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};

use super::write_out;
use super::Context;
use crate::cli::{CompletionShell, CompletionsArgs};
use crate::domain::Outcome;
use crate::error::Error;

/// The environment variable that switches the binary into completion mode.
pub const COMPLETE_VAR: &str = "ROLECALL_COMPLETE";

pub fn script(shell: CompletionShell) -> Vec<u8> {
    let completer: &dyn EnvCompleter = match shell {
        CompletionShell::Bash => &Bash,
        CompletionShell::Zsh => &Zsh,
        CompletionShell::Fish => &Fish,
        CompletionShell::Powershell => &Powershell,
        CompletionShell::Elvish => &Elvish,
    };
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ =
        completer.write_registration(COMPLETE_VAR, "rolecall", "rolecall", "rolecall", &mut buf);
    match shell {
        CompletionShell::Bash => quote_bash_candidates(buf),
        _ => buf,
    }
}

/// clap's bash script puts the candidates on the line as they are, after word splitting and
/// glob expansion: a profile named `evil$(touch X)` would run on Enter, `my prod` would be two
/// words and `star*` would expand to file names. Read them without expansion and quote each
/// one (`printf %q`), as the zsh and fish scripts already do.
fn quote_bash_candidates(script: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&script).into_owned();
    let (Some(start), Some(end)) = (text.find("    COMPREPLY=( $( \\\n"), text.find("    ) )\n"))
    else {
        return script; // another clap_complete layout: the test of the script catches it
    };
    let call = &text[start + "    COMPREPLY=( $( \\\n".len()..end];
    let quoted = format!(
        "    local _rolecall_out _rolecall_status _rolecall_word\n    local -a _rolecall_words\n    _rolecall_out=$( \\\n{call}    )\n    _rolecall_status=$?\n    COMPREPLY=()\n    read -r -d '' -a _rolecall_words < <(printf '%s' \"${{_rolecall_out%$'\\n'}}\")\n    for _rolecall_word in \"${{_rolecall_words[@]}}\"; do\n        COMPREPLY+=(\"$(printf '%q' \"$_rolecall_word\")\")\n    done\n"
    );
    let rest = text[end + "    ) )\n".len()..].replacen(
        "if [[ $? != 0 ]]",
        "if [[ $_rolecall_status != 0 ]]",
        1,
    );
    format!("{}{quoted}{rest}", &text[..start]).into_bytes()
}

pub fn run(args: CompletionsArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    write_out(ctx, &script(args.shell))?;
    Ok(Outcome::Done)
}
