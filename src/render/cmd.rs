//! cmd.exe: `set "K=v"` / `set K=`. cmd has no quoting that is safe for every value (`%`, `!`,
//! `"`, `^`, newlines), so values are limited to characters that need none.

use super::RenderError;
use crate::domain::env::Change;

/// Characters a value may contain for cmd.exe: what AWS keys, tokens, regions and dates use.
pub fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/+=:._-".contains(c)
}

pub fn render(changes: &[Change]) -> Result<String, RenderError> {
    let mut out = String::new();
    for change in changes {
        match change {
            Change::Set(k, v) => {
                if v.is_empty() || !v.chars().all(allowed) {
                    return Err(RenderError::Unsafe {
                        variable: k,
                        shell: "cmd",
                        allowed: "A-Z a-z 0-9 / + = : . _ -",
                    });
                }
                out.push_str(&format!("set \"{k}={v}\""));
            }
            Change::Unset(k) => out.push_str(&format!("set {k}=")),
        }
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_safe_values() {
        let text = render(&[
            Change::Set("A", "ASIA/x+y=:2026-11-22T10:00:00Z_a.b".into()),
            Change::Unset("B"),
        ])
        .unwrap();
        assert_eq!(
            text,
            "set \"A=ASIA/x+y=:2026-11-22T10:00:00Z_a.b\"\r\nset B=\r\n"
        );
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "", "a b", "100%", "!x!", "a\"b", "a^b", "a&b", "a|b", "a<b", "l\nb", "é", "it's",
        ] {
            let e = render(&[Change::Set("AWS_REGION", bad.into())]).unwrap_err();
            assert!(e.to_string().contains("AWS_REGION"), "{bad:?}: {e}");
        }
    }
}
