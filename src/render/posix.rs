//! POSIX shells: `export K='v'` / `unset K`.

use crate::domain::env::Change;

/// Single-quotes a value: inside single quotes nothing is special, and a `'` is written as
/// `'\''` (close, escaped quote, reopen). Never `$'…'`, which dash prints literally.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

pub fn render(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Set(k, v) => {
                out.push_str("export ");
                out.push_str(k);
                out.push('=');
                out.push_str(&quote(v));
            }
            Change::Unset(k) => {
                out.push_str("unset ");
                out.push_str(k);
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
            ("plain", "'plain'"),
            ("a b", "'a b'"),
            ("it's", "'it'\\''s'"),
            ("back\\slash", "'back\\slash'"),
            ("$HOME", "'$HOME'"),
            ("`id`", "'`id`'"),
            ("a;b", "'a;b'"),
            ("line\nbreak", "'line\nbreak'"),
            ("tab\there", "'tab\there'"),
            ("ünï", "'ünï'"),
            ("it\u{2019}s", "'it\u{2019}s'"),
            ("-n", "'-n'"),
            ("''", "''\\'''\\'''"),
        ];
        for (input, expected) in cases {
            assert_eq!(quote(input), expected, "{input:?}");
        }
    }

    #[test]
    fn renders_sets_and_unsets_in_order() {
        let text = render(&[
            Change::Set("AWS_REGION", "x'y".into()),
            Change::Unset("AWS_PROFILE"),
        ]);
        assert_eq!(text, "export AWS_REGION='x'\\''y'\nunset AWS_PROFILE\n");
    }
}
