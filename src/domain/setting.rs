//! A setting (`ROLECALL_*` variable) whose value cannot be used.

/// A knob's value that cannot be used: one line that names the variable and the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} {problem}; {fix}")]
pub struct SettingError {
    pub name: &'static str,
    pub value: String,
    pub problem: String,
    pub fix: &'static str,
}
