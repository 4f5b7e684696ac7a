//! The fuzzy profile picker, drawn on stderr.

use super::interrupt::{on_interrupt, InterruptGuard};
use crate::domain::printable;
use crate::ports::picker::Picker;

/// A fuzzy picker drawn on stderr, so `eval "$(rolecall export)"` still works.
pub struct FuzzyPicker;

impl Picker for FuzzyPicker {
    fn pick(&self, names: &[&str]) -> Result<Option<usize>, String> {
        let term = dialoguer::console::Term::stderr();
        if !term.is_term() {
            return Err("there is no terminal to pick on".into());
        }
        let _guard = InterruptGuard::new();
        // Names are shown, never obeyed: control characters in one are drawn as escapes.
        let shown: Vec<String> = names.iter().map(|n| printable(n).into_owned()).collect();
        dialoguer::FuzzySelect::new()
            .with_prompt("profile")
            .items(&shown)
            .default(0)
            .interact_on_opt(&term)
            .map_err(|e| match e {
                // In raw mode the picker reads Ctrl-C as a key and reports it as this error,
                // before the signal handler could run: the same exit as the handler's.
                dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
                    on_interrupt()
                }
                other => other.to_string(),
            })
    }
}
