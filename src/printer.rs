//! The one stderr printer: every note, `-v` line and error goes out through here, one line
//! each, prefixed `rolecall: `, with control characters escaped by [`printable`].

use std::io::Write;

use crate::domain::printable;

/// How chatty rolecall is on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
    Debug,
}

/// stderr, with the verbosity the flags asked for.
pub struct Printer<'a> {
    out: &'a mut dyn Write,
    pub verbosity: Verbosity,
}

impl<'a> Printer<'a> {
    pub fn new(out: &'a mut dyn Write, verbosity: Verbosity) -> Self {
        Self { out, verbosity }
    }

    /// A note the user should see unless they asked for quiet (`-q`).
    pub fn note(&mut self, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            say(self.out, message);
        }
    }

    /// A decision shown with `-v`.
    pub fn verbose(&mut self, message: &str) {
        if self.verbosity >= Verbosity::Verbose {
            say(self.out, message);
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.verbosity >= Verbosity::Verbose
    }

    /// An error line: shown whatever the verbosity.
    #[cfg_attr(not(unix), allow(dead_code, reason = "only exec --server prints one"))]
    pub fn error(&mut self, message: &str) {
        say(self.out, message);
    }

    /// Text written as it is (the `--dry-run` plan for formats that have no comments).
    pub fn raw(&mut self, bytes: &[u8]) {
        let _ = self.out.write_all(bytes);
    }
}

/// One line; a closed or full stderr is no reason to fail (or panic).
pub fn say(out: &mut dyn Write, message: &str) {
    let _ = writeln!(out, "rolecall: {}", printable(message));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_escaping() {
        let mut buf = Vec::new();
        let mut p = Printer::new(&mut buf, Verbosity::Normal);
        p.note("a\nb");
        p.verbose("hidden");
        p.error("e");
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "rolecall: a\\nb\nrolecall: e\n"
        );
        let mut buf = Vec::new();
        let mut p = Printer::new(&mut buf, Verbosity::Quiet);
        p.note("hidden");
        p.error("shown");
        assert_eq!(String::from_utf8(buf).unwrap(), "rolecall: shown\n");
    }
}
