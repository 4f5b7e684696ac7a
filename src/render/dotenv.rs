//! dotenv / `env-no-export`: `K='v'` lines, sh-compatible (`set -a; . ./file`), for tools that
//! load a file of variables. Unsets are left out: such a file fills a fresh environment.

use super::posix::quote;
use crate::domain::env::Change;

pub fn render(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        if let Change::Set(k, v) = change {
            out.push_str(k);
            out.push('=');
            out.push_str(&quote(v));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sets_only() {
        let text = render(&[Change::Set("A", "it's".into()), Change::Unset("B")]);
        assert_eq!(text, "A='it'\\''s'\n");
    }
}
