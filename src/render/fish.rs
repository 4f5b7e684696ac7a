//! fish: `set -gx K 'v'` / `set -e -g K`.

use crate::domain::env::Change;

/// Single-quotes a value for fish: inside single quotes only `\\` and `\'` are escapes, so
/// both `\` and `'` are escaped. A newline is written as `\n` between two quoted parts, so the
/// statement stays on one line (fish's command substitution would split it there).
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' | '\'' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("'\\n'"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One line, one compound statement: `begin; …; end`. It reads the same through `| source`
/// and `eval (rolecall export …)` (which joins the lines of a command substitution with
/// spaces), and a copy cut short is a syntax error that applies nothing.
pub fn render(changes: &[Change]) -> String {
    let mut out = String::from("begin");
    for change in changes {
        out.push_str("; ");
        match change {
            Change::Set(k, v) => {
                out.push_str("set -gx ");
                out.push_str(k);
                out.push(' ');
                out.push_str(&quote(v));
            }
            Change::Unset(k) => {
                // Only the global: a plain `set -e` would erase a universal variable the user
                // keeps for every session. A universal one stays exported, so say so, but only
                // when there is one.
                out.push_str(&format!(
                    "set -e -g {k}; set -q -U {k}; and echo 'rolecall: {k} is also a universal variable, which fish still exports (set -e -U {k} removes it)' >&2"
                ));
            }
        }
    }
    out.push_str("; true; end\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_quotes() {
        let cases = [
            ("", "''"),
            ("a b", "'a b'"),
            ("it's", "'it\\'s'"),
            ("back\\slash", "'back\\\\slash'"),
            ("$HOME", "'$HOME'"),
            ("`id`", "'`id`'"),
            ("a;b", "'a;b'"),
            ("line\nbreak", "'line'\\n'break'"),
            ("tab\there", "'tab\there'"),
            ("ünï", "'ünï'"),
            ("it\u{2019}s", "'it\u{2019}s'"),
            ("-n", "'-n'"),
            ("\\'", "'\\\\\\''"),
        ];
        for (input, expected) in cases {
            assert_eq!(quote(input), expected, "{input:?}");
        }
    }

    #[test]
    fn renders() {
        let text = render(&[Change::Set("A", "x".into()), Change::Unset("B")]);
        assert_eq!(text, "begin; set -gx A 'x'; set -e -g B; set -q -U B; and echo 'rolecall: B is also a universal variable, which fish still exports (set -e -U B removes it)' >&2; true; end\n");
    }
}
