//! The credential endpoint a supervised command reads (`exec --server`), and the command
//! itself, as the refresh loop sees them. The real ones are `adapters::server` and
//! `adapters::child::Supervised`.

use crate::domain::{Credentials, Secret};

/// What the endpoint answers.
pub enum Served {
    /// The ECS agent's JSON for these credentials.
    Credentials(Secret),
    /// No usable session: why, for the JSON error.
    Failed(String),
}

impl Served {
    pub fn of(credentials: &Credentials) -> Served {
        let expiration = credentials
            .expiration
            .map(crate::domain::text::timestamp)
            .unwrap_or_default();
        let mut answer = serde_json::json!({
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key.expose(),
            "Token": credentials.session_token.as_ref().map(|t| t.expose()).unwrap_or(""),
            "Expiration": expiration,
        });
        if let Some(account) = &credentials.account_id {
            answer["AccountId"] = account.as_str().into();
        }
        Served::Credentials(Secret::new(answer.to_string()))
    }
}

/// An endpoint that answers from memory what it was last given.
pub trait Endpoint {
    fn set(&self, served: Served);
}

/// A running command.
pub trait Supervisee {
    /// Its exit status once it has ended (signals to rolecall are passed on meanwhile).
    fn poll(&mut self) -> Option<u8>;
}
