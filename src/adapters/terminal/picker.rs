//! The fuzzy profile picker, drawn on stderr so that `eval "$(rolecall export)"` still works.
//! Type to filter (skim's fuzzy match, best first), arrows or Tab to move, Enter to pick, Esc to
//! leave, Ctrl-U to clear the query; Ctrl-C clears what the picker drew before rolecall stops.

use dialoguer::console::{Key, Term};
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

use super::interrupt::{on_interrupt, InterruptGuard};
use crate::domain::printable;
use crate::ports::picker::Picker;

/// The most names shown at once.
const MAX_ROWS: usize = 12;

pub struct FuzzyPicker;

impl Picker for FuzzyPicker {
    fn pick(&self, names: &[&str]) -> Result<Option<usize>, String> {
        let term = Term::stderr();
        if !term.is_term() {
            return Err("there is no terminal to pick on".into());
        }
        let _guard = InterruptGuard::new();
        let rows = usize::from(term.size().0)
            .saturating_sub(2)
            .clamp(1, MAX_ROWS);
        let mut picker = State::new(names);
        let mut drawn = 0;
        let _ = term.hide_cursor();
        let outcome = loop {
            let _ = term.clear_last_lines(drawn);
            let lines = picker.lines(rows);
            for line in &lines {
                let _ = term.write_line(line);
            }
            drawn = lines.len();
            match term.read_key_raw() {
                Ok(key) => match picker.key(key) {
                    Step::Go => {}
                    Step::Done(choice) => break Ok(choice),
                    Step::Interrupt => {
                        let _ = term.clear_last_lines(drawn);
                        let _ = term.show_cursor();
                        on_interrupt();
                    }
                },
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    let _ = term.clear_last_lines(drawn);
                    let _ = term.show_cursor();
                    on_interrupt();
                }
                Err(e) => break Err(format!("cannot read the terminal: {e}")),
            }
        };
        let _ = term.clear_last_lines(drawn);
        let _ = term.show_cursor();
        outcome
    }
}

/// What a key does.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Go,
    Done(Option<usize>),
    Interrupt,
}

/// The picker without the terminal: the query, the selection and the filtered names.
struct State<'a> {
    names: &'a [&'a str],
    query: String,
    /// Position in `matches`.
    selected: usize,
    /// Indexes into `names`, best match first.
    matches: Vec<usize>,
    matcher: SkimMatcherV2,
}

impl<'a> State<'a> {
    fn new(names: &'a [&'a str]) -> Self {
        let mut state = Self {
            names,
            query: String::new(),
            selected: 0,
            matches: Vec::new(),
            matcher: SkimMatcherV2::default(),
        };
        state.filter();
        state
    }

    fn filter(&mut self) {
        let mut scored: Vec<(i64, usize)> = self
            .names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((self.matcher.fuzzy_match(n, &self.query)?, i)))
            .collect();
        // Best first; equal scores keep the config's order.
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.matches = scored.into_iter().map(|(_, i)| i).collect();
        self.selected = 0;
    }

    fn key(&mut self, key: Key) -> Step {
        match key {
            Key::Enter => {
                if let Some(&i) = self.matches.get(self.selected) {
                    return Step::Done(Some(i));
                }
            }
            Key::Escape => return Step::Done(None),
            Key::CtrlC | Key::Char('\u{3}' | '\u{1c}') => return Step::Interrupt,
            Key::ArrowUp | Key::BackTab => self.selected = self.selected.saturating_sub(1),
            Key::ArrowDown | Key::Tab if self.selected + 1 < self.matches.len() => {
                self.selected += 1;
            }
            Key::Backspace => {
                self.query.pop();
                self.filter();
            }
            // Ctrl-U, as in a shell: clear the query.
            Key::Char('\u{15}') => {
                self.query.clear();
                self.filter();
            }
            Key::Char(c) if !c.is_control() => {
                self.query.push(c);
                self.filter();
            }
            _ => {}
        }
        Step::Go
    }

    /// The prompt line and up to `rows` names around the selection. Names are shown, never
    /// obeyed: control characters are drawn as escapes.
    fn lines(&self, rows: usize) -> Vec<String> {
        let mut lines = vec![format!("profile: {}", printable(&self.query))];
        if self.matches.is_empty() {
            lines.push("  (no profile matches; Backspace or Ctrl-U to change the search)".into());
            return lines;
        }
        let first = self.selected.saturating_sub(rows - 1);
        for (at, &i) in self.matches.iter().enumerate().skip(first).take(rows) {
            let mark = if at == self.selected { ">" } else { " " };
            lines.push(format!("{mark} {}", printable(self.names[i])));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["prod", "dev", "prod-admin", "staging"];

    #[test]
    fn typing_filters_and_enter_picks_the_best_match() {
        let mut s = State::new(NAMES);
        assert_eq!(s.lines(10).len(), 5);
        for c in "stg".chars() {
            assert_eq!(s.key(Key::Char(c)), Step::Go);
        }
        assert_eq!(s.lines(10), ["profile: stg", "> staging"]);
        assert_eq!(s.key(Key::Enter), Step::Done(Some(3)));
    }

    #[test]
    fn ctrl_u_clears_the_query_and_arrows_move() {
        let mut s = State::new(NAMES);
        s.key(Key::Char('p'));
        s.key(Key::Char('r'));
        assert_eq!(s.matches.len(), 2);
        s.key(Key::Char('\u{15}'));
        assert_eq!(s.query, "");
        assert_eq!(s.matches.len(), 4);
        s.key(Key::ArrowDown);
        s.key(Key::ArrowDown);
        s.key(Key::ArrowUp);
        assert_eq!(s.key(Key::Enter), Step::Done(Some(1)));
    }

    #[test]
    fn escape_leaves_ctrl_c_interrupts_and_nothing_matching_picks_nothing() {
        let mut s = State::new(NAMES);
        assert_eq!(s.key(Key::CtrlC), Step::Interrupt);
        assert_eq!(s.key(Key::Escape), Step::Done(None));
        for c in "zzz".chars() {
            s.key(Key::Char(c));
        }
        assert_eq!(s.key(Key::Enter), Step::Go);
        assert_eq!(s.lines(5).len(), 2);
    }

    #[test]
    fn the_window_follows_the_selection_and_names_are_escaped() {
        let names: Vec<String> = (0..30).map(|i| format!("p{i:02}\u{1b}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut s = State::new(&refs);
        for _ in 0..20 {
            s.key(Key::ArrowDown);
        }
        let lines = s.lines(5);
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[5], "> p20\\u{1b}");
        assert!(lines.iter().all(|l| !l.contains('\u{1b}')));
    }
}
