//! PowerShell: `$Env:K = 'v'` / `Remove-Item Env:K -ErrorAction SilentlyContinue`.

use crate::domain::env::Change;

/// Single-quotes a value for PowerShell: a quote inside is doubled, and PowerShell also takes
/// U+2018, U+2019, U+201A and U+201B for single quotes, so those are doubled too.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
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
                out.push_str("$Env:");
                out.push_str(k);
                out.push_str(" = ");
                out.push_str(&quote(v));
            }
            Change::Unset(k) => {
                out.push_str("Remove-Item Env:");
                out.push_str(k);
                out.push_str(" -ErrorAction SilentlyContinue");
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
            ("it's", "'it''s'"),
            ("back\\slash", "'back\\slash'"),
            ("$HOME", "'$HOME'"),
            ("`id`", "'`id`'"),
            ("a;b", "'a;b'"),
            ("line\nbreak", "'line\nbreak'"),
            ("tab\there", "'tab\there'"),
            ("ünï", "'ünï'"),
            ("it\u{2019}s", "'it\u{2019}\u{2019}s'"),
            (
                "\u{2018}\u{201A}\u{201B}",
                "'\u{2018}\u{2018}\u{201A}\u{201A}\u{201B}\u{201B}'",
            ),
            ("-n", "'-n'"),
            ("$(calc)", "'$(calc)'"),
        ];
        for (input, expected) in cases {
            assert_eq!(quote(input), expected, "{input:?}");
        }
    }

    #[test]
    fn renders() {
        let text = render(&[Change::Set("A", "x".into()), Change::Unset("B")]);
        assert_eq!(
            text,
            "$Env:A = 'x'\nRemove-Item Env:B -ErrorAction SilentlyContinue\n"
        );
    }
}
