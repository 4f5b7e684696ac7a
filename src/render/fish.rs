//! fish: `set -gx K 'v'` / `set -e -g K`.

use crate::domain::env::Change;

/// Single-quotes a value for fish: inside single quotes only `\\` and `\'` are escapes, so
/// both `\` and `'` are escaped; everything else (newlines included) is literal.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

pub fn render(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Set(k, v) => {
                out.push_str("set -gx ");
                out.push_str(k);
                out.push(' ');
                out.push_str(&quote(v));
            }
            Change::Unset(k) => {
                // Only the global: a plain `set -e` would erase a universal variable the user
                // keeps for every session. It fails for a variable that is not set; that is no
                // failure here. A universal one stays exported, so say so.
                out.push_str(&format!(
                    "set -e -g {k}; or true\nset -q -U {k}; and echo 'rolecall: {k} is also a universal variable, which fish still exports (set -e -U {k} removes it)' >&2; or true"
                ));
            }
        }
        out.push('\n');
    }
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
            ("line\nbreak", "'line\nbreak'"),
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
        assert_eq!(text, "set -gx A 'x'\nset -e -g B; or true\nset -q -U B; and echo 'rolecall: B is also a universal variable, which fish still exports (set -e -U B removes it)' >&2; or true\n");
    }
}
