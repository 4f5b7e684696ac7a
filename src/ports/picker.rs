//! The `Picker` port: choosing a profile interactively.

/// Chooses a profile interactively.
pub trait Picker {
    /// `Ok(None)` when the user cancelled; `Err` when no picker can be shown.
    fn pick(&self, names: &[&str]) -> Result<Option<usize>, String>;
}
