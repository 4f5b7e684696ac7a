//! The prompt: `ROLECALL_PROFILE`/`ROLECALL_EXPIRATION` after `use`, `rolecall status`, and the
//! README's starship and powerlevel10k settings run as documented.

use crate::support::*;

/// The fenced block of the README whose first line is `first`.
fn readme_block(first: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find(&format!("\n{first}\n"))
        .unwrap_or_else(|| panic!("README has no block starting {first:?}"));
    let body = &readme[start + 1..];
    body[..body.find("\n```").unwrap() + 1].to_string()
}

#[test]
fn use_sets_the_prompt_variables_and_status_reads_them() {
    let sb = Sandbox::new();
    role_setup(&sb, "prompted", "region = eu-west-1\n");
    for shell in ["bash", "zsh"] {
        let script = format!(
            "eval \"$(rolecall init {shell})\" || exit 9\nrolecall use prompted || exit 8\necho \"[$ROLECALL_PROFILE] [${{#ROLECALL_EXPIRATION}}] [$ROLECALL_EXPIRATION]\"\nrolecall status; echo \"status $?\"\nrolecall use --unset || exit 7\necho \"[${{ROLECALL_PROFILE-gone}}] [${{ROLECALL_EXPIRATION-gone}}]\"\nrolecall status; echo \"status $?\"\n"
        );
        let out = sb.shell(shell, &script);
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{shell}: {text}{}", stderr(&out));
        assert!(lines[0].starts_with("[prompted] [20] ["), "{shell}: {text}");
        // One hour, less the seconds the run took.
        assert!(
            lines[1] == "prompted 59m" || lines[1] == "prompted 1h 00m",
            "{shell}: {text}"
        );
        assert_eq!(lines[2], "status 0");
        assert_eq!(lines[3], "[gone] [gone]", "{shell}: {text}");
        assert_eq!(lines[4], "status 1", "nothing printed, status 1: {text}");
    }
    let fish = "rolecall init fish | source; or exit 9\nrolecall use prompted; or exit 8\nrolecall status\nrolecall use --unset; or exit 7\nset -q ROLECALL_EXPIRATION; or echo gone\n";
    let out = sb.shell("fish", fish);
    let text = stdout(&out);
    assert!(
        text.starts_with("prompted ") && text.ends_with("\ngone\n"),
        "fish: {text}{}",
        stderr(&out)
    );
}

#[test]
fn the_readmes_starship_settings_show_the_profile_and_the_time_left() {
    let starship = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/starship");
    assert!(
        starship.exists(),
        "starship is missing from .venv: run ./scripts/install-test-deps"
    );
    let sb = Sandbox::new();
    role_setup(&sb, "starred", "region = eu-west-1\n");
    let config = sb.home().join("starship.toml");
    let block = readme_block("# ~/.config/starship.toml");
    // Only these modules, so the line is the settings' own.
    std::fs::write(&config, format!("format = '$env_var$aws'\n{block}")).unwrap();
    let script = format!(
        "eval \"$(rolecall export starred)\" || exit 9\nSTARSHIP_CONFIG={} {} prompt\n",
        config.display(),
        starship.display()
    );
    let out = sb.shell("bash", &script);
    assert!(out.status.success(), "{}", stderr(&out));
    // Without the colours: `☁ starred eu-west-1 [59m59s]`.
    let text = strip_ansi(&stdout(&out));
    assert!(
        text.contains("☁ starred ")
            && (text.contains("eu-west-1 [59m") || text.contains("eu-west-1 [1h")),
        "{text:?}"
    );
    // Without a rolecall profile: neither shows.
    let out = sb.shell(
        "bash",
        &format!(
            "STARSHIP_CONFIG={} {} prompt",
            config.display(),
            starship.display()
        ),
    );
    let text = strip_ansi(&stdout(&out));
    assert!(!text.contains('☁') && !text.contains('['), "{text:?}");
}

#[test]
fn the_readmes_powerlevel10k_segment_shows_the_status_line() {
    let sb = Sandbox::new();
    role_setup(&sb, "tenk", "region = eu-west-1\n");
    let block = readme_block("# ~/.p10k.zsh, or ~/.zshrc after it");
    std::fs::write(sb.home().join("p10k-rolecall.zsh"), &block).unwrap();
    // powerlevel10k's `p10k segment`, recorded: the segment function is the README's own.
    let script = "function p10k() { print -r -- \"p10k $*\" }\nsource ./p10k-rolecall.zsh || exit 9\nprompt_rolecall; echo \"none $?\"\neval \"$(rolecall export tenk)\" || exit 8\nprompt_rolecall\nprint -r -- \"$POWERLEVEL9K_RIGHT_PROMPT_ELEMENTS\"\n";
    let out = sb.shell("zsh", script);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}{}", stderr(&out));
    assert_eq!(lines[0], "none 1", "no segment without a profile: {text}");
    assert!(
        lines[1] == "p10k segment -f 208 -i ☁ -t tenk 59m"
            || lines[1] == "p10k segment -f 208 -i ☁ -t tenk 1h 00m",
        "{text}"
    );
    assert_eq!(lines[2], "rolecall");
}

/// The text of a terminal line without its SGR colour sequences (and zsh/bash prompt
/// wrappers `%{`/`%}`, `\[`/`\]` that starship adds for the shell).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}
