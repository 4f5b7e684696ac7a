//! What `rolecall serve` prints: the variables each client needs, in a shell's form, as JSON,
//! or as `docker run` arguments.

use super::{render, Format, RenderError};
use crate::domain::env::Change;

/// How the clients' variables are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientFormat {
    /// A shell's statements, or dotenv lines; a `# client N` line before each client's when
    /// there are several.
    Text(Format),
    /// One JSON object of the variables per client, one per line.
    Json,
    /// `-e K=V` arguments for `docker run`, one line per client.
    Docker,
}

/// Characters a `docker run` argument may hold unquoted, so that `docker run $(cat FILE)`
/// passes it as it is: what URLs, IP addresses, tokens and regions use.
fn docker_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/:._-[]".contains(c)
}

/// Every client's variables, rendered before anything is written.
pub fn clients(format: ClientFormat, each: &[Vec<Change>]) -> Result<String, RenderError> {
    let mut out = String::new();
    for (i, changes) in each.iter().enumerate() {
        super::check_values(changes)?;
        let sets = changes.iter().filter_map(|c| match c {
            Change::Set(k, v) => Some((*k, v.as_str())),
            Change::Unset(_) => None,
        });
        match format {
            ClientFormat::Text(shell) => {
                if each.len() > 1 {
                    out.push_str(&format!("# client {}\n", i + 1));
                }
                out.push_str(&render(shell, changes)?);
            }
            ClientFormat::Json => {
                let object: serde_json::Map<String, serde_json::Value> =
                    sets.map(|(k, v)| (k.to_string(), v.into())).collect();
                out.push_str(&serde_json::Value::Object(object).to_string());
                out.push('\n');
            }
            ClientFormat::Docker => {
                let mut words = Vec::new();
                for (k, v) in sets {
                    if v.is_empty() || !v.chars().all(docker_safe) {
                        return Err(RenderError::Unsafe {
                            variable: k,
                            shell: "docker",
                            allowed: "A-Z a-z 0-9 / : . _ - [ ]",
                        });
                    }
                    words.push(format!("-e {k}={v}"));
                }
                out.push_str(&words.join(" "));
                out.push('\n');
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Vec<Vec<Change>> {
        (1..=2)
            .map(|i| {
                vec![
                    Change::Unset("AWS_PROFILE"),
                    Change::Set(
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        "http://127.0.0.1:9/p".into(),
                    ),
                    Change::Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", format!("t{i}")),
                ]
            })
            .collect()
    }

    #[test]
    fn each_format() {
        assert_eq!(
            clients(ClientFormat::Docker, &two()).unwrap(),
            "-e AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/p -e AWS_CONTAINER_AUTHORIZATION_TOKEN=t1\n\
             -e AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/p -e AWS_CONTAINER_AUTHORIZATION_TOKEN=t2\n"
        );
        assert_eq!(
            clients(ClientFormat::Json, &two()[..1]).unwrap(),
            "{\"AWS_CONTAINER_AUTHORIZATION_TOKEN\":\"t1\",\"AWS_CONTAINER_CREDENTIALS_FULL_URI\":\"http://127.0.0.1:9/p\"}\n"
        );
        let sh = clients(ClientFormat::Text(Format::Sh), &two()).unwrap();
        assert!(sh.starts_with("# client 1\nunset AWS_PROFILE\nexport AWS_CONTAINER_CREDENTIALS_FULL_URI='http://127.0.0.1:9/p'\n"), "{sh}");
        assert!(sh.contains("# client 2\n"));
        let one = clients(ClientFormat::Text(Format::Dotenv), &two()[..1]).unwrap();
        assert!(!one.contains('#'), "{one}");
    }

    #[test]
    fn docker_refuses_what_word_splitting_would_change() {
        let bad = vec![vec![Change::Set("AWS_REGION", "a b".into())]];
        assert!(clients(ClientFormat::Docker, &bad).is_err());
    }
}
