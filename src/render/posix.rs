//! POSIX shells: `export K='v'` / `unset K`.

use crate::domain::env::Change;

/// Single-quotes a value: inside single quotes nothing is special to a POSIX shell; a `'` is
/// written as `'\''` (close, escaped quote, reopen) and a `\` as `'\\'`, so no backslash is ever
/// inside the quotes. fish, which reads `\\` and `\'` inside single quotes as escapes and has an
/// `export` of its own, then gets the same value from the same text. Never `$'…'`, which dash
/// prints literally.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    quote_into(&mut out, value);
    out
}

/// `quote`, appended to `out`.
fn quote_into(out: &mut String, value: &str) {
    out.push('\'');
    // The runs between quotes and backslashes go in whole.
    let mut rest = value;
    while let Some(at) = rest.bytes().position(|b| b == b'\'' || b == b'\\') {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'\'' => r"'\''",
            _ => r"'\\'",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('\'');
}

pub fn render(changes: &[Change]) -> String {
    let room = changes
        .iter()
        .map(|c| match c {
            Change::Set(k, v) => k.len() + v.len() + 12,
            Change::Unset(k) => k.len() + 8,
        })
        .sum();
    let mut out = String::with_capacity(room);
    for change in changes {
        match change {
            Change::Set(k, v) => {
                out.push_str("export ");
                out.push_str(k);
                out.push('=');
                quote_into(&mut out, v);
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
            ("back\\slash", r"'back'\\'slash'"),
            (r"x\'", r"'x'\\''\'''"),
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
