//! The `CallerIdentity` port: what identifies the caller of a chain whose root is not a key
//! (a web identity token, the instance, the container task, the context of a
//! `credential_process`), so that a cached session is never served to another caller. Each
//! answer is a digest or a non-secret name; cheap (files and the environment, no network).

pub trait CallerIdentity {
    /// A digest of the content of the web identity token file at `path` (its path when it
    /// cannot be read: the run then fails at the read itself).
    fn token(&self, path: &str) -> String;
    /// The instance whose metadata service is asked (on EC2, its id).
    fn instance(&self) -> String;
    /// The container task whose credentials endpoint is asked.
    fn container(&self) -> String;
    /// What a `credential_process` answer may depend on: the working directory and the
    /// environment (less the variables rolecall itself sets).
    fn process_context(&self) -> String;
}

/// No facts at all: every caller of a kind is the same caller (tests of other things, and
/// plans made without a run's context).
pub struct Anonymous;

impl CallerIdentity for Anonymous {
    fn token(&self, path: &str) -> String {
        path.to_string()
    }
    fn instance(&self) -> String {
        String::new()
    }
    fn container(&self) -> String {
        String::new()
    }
    fn process_context(&self) -> String {
        String::new()
    }
}
