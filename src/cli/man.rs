//! The man page, `man/rolecall.1`: made of the clap definitions (every command and
//! subcommand with its options, as `--help` shows them) and of the README's environment and
//! exit-code tables, in one page that names no other page of rolecall's.
//! `ROLECALL_WRITE_MAN=1 cargo test --lib man_page` rewrites it; a test keeps it current.

use clap::CommandFactory;
use clap_mangen::roff::{bold, roman, Roff};

use super::Cli;

const README: &str = include_str!("../../README.md");

/// The rows of the first table under `## {heading}` of the README: its cells, Markdown's
/// backticks taken out.
pub fn readme_table(heading: &str) -> Vec<Vec<String>> {
    let section = README
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_default();
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            let row = row.replace("\\|", "\u{1}");
            row.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().replace('`', "").replace('\u{1}', "|"))
                .collect()
        })
        .collect()
}

/// A section of `.TP` paragraphs: a bold term, then its text.
fn tagged(roff: &mut Roff, title: &str, rows: &[Vec<String>]) {
    roff.control("SH", [title]);
    for row in rows {
        roff.control("TP", []);
        roff.text([bold(row[0].as_str())]);
        roff.text([roman(row[1..].join(" "))]);
    }
}

/// Every command and subcommand under `cmd`, each with its usage, its text and its options.
fn commands(roff: &mut Roff, cmd: &clap::Command, path: &str) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{path} {}", sub.get_name());
        let mut sub = sub.clone().bin_name(&name);
        roff.control("SS", [name.as_str()]);
        let usage = sub.render_usage().to_string();
        roff.text([roman(usage.trim_start_matches("Usage: "))]);
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            roff.control("PP", []);
            roff.text([roman(about.to_string())]);
        }
        // The output options (-v, -q) are the same everywhere: listed once, under OPTIONS.
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && a.get_help_heading() != Some("Output options"))
        {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            let term = match (arg.get_long(), arg.get_short()) {
                (Some(l), Some(s)) => format!("-{s}, --{l}"),
                (Some(l), None) => format!("--{l}"),
                (None, Some(s)) => format!("-{s}"),
                (None, None) => format!("<{}>", id.to_uppercase()),
            };
            roff.control("TP", []);
            roff.text([bold(term)]);
            let help = arg.get_long_help().or(arg.get_help());
            roff.text([roman(help.map(|h| h.to_string()).unwrap_or_default())]);
        }
        if let Some(after) = sub.get_after_help() {
            roff.control("PP", []);
            roff.text([roman(after.to_string())]);
        }
        commands(roff, &sub, &name);
    }
}

/// The whole page.
pub fn page() -> Vec<u8> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    commands(&mut roff, &cmd, "rolecall");
    tagged(&mut roff, "ENVIRONMENT", &readme_table("Environment"));
    tagged(&mut roff, "EXIT STATUS", &readme_table("Exit codes"));
    roff.control("SH", ["FILES"]);
    roff.text([roman(
        "~/.aws/config and ~/.aws/credentials (read, as the AWS CLI reads them); the session index and locks in $XDG_STATE_HOME/rolecall; sessions, long-term keys and SSO tokens in the OS keychain, never in a file.",
    )]);
    roff.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_matches_the_command_line() {
        let page = page();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/rolecall.1");
        if std::env::var_os("ROLECALL_WRITE_MAN").is_some() {
            std::fs::write(&path, &page).unwrap();
        }
        let stored = std::fs::read(&path).unwrap_or_default();
        assert!(
            stored == page,
            "man/rolecall.1 is stale: run ROLECALL_WRITE_MAN=1 cargo test --lib man_page"
        );
    }

    #[test]
    fn the_man_page_is_whole() {
        let text = String::from_utf8(page()).unwrap();
        // Every command and subcommand, with its options.
        for name in [
            "rolecall keys add",
            "rolecall keys import",
            "rolecall keys rotate",
            "rolecall keys remove",
            "rolecall keys list",
            "rolecall sso login",
            "rolecall sso logout",
            "rolecall sso profiles",
            "rolecall exec",
            "rolecall console",
        ] {
            assert!(
                text.contains(&format!(".SS \"{name}\"")) || text.contains(&format!(".SS {name}")),
                "{name}"
            );
        }
        for option in [
            "\\-\\-use\\-device\\-code",
            "\\-\\-from\\-env",
            "\\-\\-keep\\-file",
            "\\-\\-server",
        ] {
            assert!(text.contains(option), "{option}");
        }
        // No page of rolecall's that does not exist.
        assert!(
            !text.contains("rolecall\\-exec(1)") && !text.contains("rolecall-"),
            "no sub-pages"
        );
        // The README's tables, whole.
        assert_eq!(readme_table("Exit codes").len(), 9);
        assert!(text.contains(".SH \"EXIT STATUS\"") && text.contains("dies by SIGINT"));
        // Every ROLECALL_ variable of the code is in the environment table.
        let env: String = readme_table("Environment")
            .iter()
            .map(|r| r[0].clone() + " ")
            .collect();
        let mut missing = Vec::new();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let code = std::fs::read_to_string(&path).unwrap_or_default();
                for (at, _) in code.match_indices("\"ROLECALL_") {
                    let name: String = code[at + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    if name != "ROLECALL_WRITE_MAN"
                        && !env.contains(&name)
                        && !missing.contains(&name)
                    {
                        missing.push(name);
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not in the README's environment table: {missing:?}"
        );
    }
}
