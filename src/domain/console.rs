//! The AWS console sign-in, decided in pure code: the partition's hosts, where the browser
//! lands, the federation request and the sign-in URL.

/// An AWS partition's sign-in and console hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    pub signin: &'static str,
    pub console: &'static str,
}

pub const AWS: Partition = Partition {
    name: "aws",
    signin: "signin.aws.amazon.com",
    console: "console.aws.amazon.com",
};
pub const GOV: Partition = Partition {
    name: "aws-us-gov",
    signin: "signin.amazonaws-us-gov.com",
    console: "console.amazonaws-us-gov.com",
};
pub const CHINA: Partition = Partition {
    name: "aws-cn",
    signin: "signin.amazonaws.cn",
    console: "console.amazonaws.cn",
};

impl Partition {
    /// From an ARN (`arn:PARTITION:…`), else from the region (`cn-…`, `us-gov-…`), else `aws`.
    pub fn of(arn: Option<&str>, region: Option<&str>) -> Partition {
        match arn.and_then(|a| a.split(':').nth(1)) {
            Some("aws-us-gov") => return GOV,
            Some("aws-cn") => return CHINA,
            Some("aws") => return AWS,
            _ => {}
        }
        match region {
            Some(r) if r.starts_with("us-gov-") => GOV,
            Some(r) if r.starts_with("cn-") => CHINA,
            _ => AWS,
        }
    }

    /// The federation endpoint: `AWS_ENDPOINT_URL_SIGNIN` (a base URL) + `/federation`, else
    /// the partition's.
    pub fn federation_url(&self, base: Option<&str>) -> String {
        match base {
            Some(base) => format!("{}/federation", base.trim_end_matches('/')),
            None => format!("https://{}/federation", self.signin),
        }
    }
}

/// Console paths of the services people open most, by the names they type.
const SERVICES: &[(&str, &str)] = &[
    ("s3", "s3/home"),
    ("ec2", "ec2/home"),
    ("iam", "iam/home"),
    ("lambda", "lambda/home"),
    ("cloudwatch", "cloudwatch/home"),
    ("logs", "cloudwatch/home#logsV2:"),
    ("cloudformation", "cloudformation/home"),
    ("dynamodb", "dynamodbv2/home"),
    ("rds", "rds/home"),
    ("ecs", "ecs/home"),
    ("ecr", "ecr/home"),
    ("eks", "eks/home"),
    ("sqs", "sqs/home"),
    ("sns", "sns/home"),
    ("vpc", "vpc/home"),
    ("route53", "route53/home"),
    ("kms", "kms/home"),
    ("secretsmanager", "secretsmanager/home"),
    ("ssm", "systems-manager/home"),
    ("cloudtrail", "cloudtrail/home"),
    ("billing", "billing/home"),
    ("organizations", "organizations/home"),
    ("sts", "iam/home"),
];

/// Why a destination cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("--destination {0:?} is neither a service rolecall knows ({known}) nor an https:// URL of the console", known = service_names())]
    Unknown(String),
    #[error("--destination {url} is not on the {partition} console ({host}); give a console URL or a service name")]
    OffConsole {
        url: String,
        partition: &'static str,
        host: &'static str,
    },
}

fn service_names() -> String {
    SERVICES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the browser lands: the console home of `region`, a service's page, or a URL on the
/// partition's console host (or a region's subdomain of it).
pub fn destination(
    partition: Partition,
    region: Option<&str>,
    wanted: Option<&str>,
) -> Result<String, DestinationError> {
    let host = match region {
        Some(r) => format!("{r}.{}", partition.console),
        None => partition.console.to_string(),
    };
    let query = region.map(|r| format!("?region={r}")).unwrap_or_default();
    let Some(wanted) = wanted.filter(|w| !w.is_empty()) else {
        return Ok(format!("https://{host}/console/home{query}"));
    };
    if wanted.contains("://") {
        let rest = wanted
            .strip_prefix("https://")
            .ok_or_else(|| off(wanted, partition))?;
        let url_host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let on_console = url_host == partition.console
            || url_host.strip_suffix(partition.console).is_some_and(|sub| {
                sub.ends_with('.') && !sub[..sub.len() - 1].contains(['@', ':'])
            });
        if !on_console || url_host.contains(['@', ':']) {
            return Err(off(wanted, partition));
        }
        return Ok(wanted.to_string());
    }
    let name = wanted.to_ascii_lowercase();
    match SERVICES.iter().find(|(n, _)| *n == name) {
        Some((_, path)) => {
            let (path, fragment) = match path.split_once('#') {
                Some((p, f)) => (p, format!("#{f}")),
                None => (*path, String::new()),
            };
            Ok(format!("https://{host}/{path}{query}{fragment}"))
        }
        None => Err(DestinationError::Unknown(wanted.to_string())),
    }
}

fn off(url: &str, partition: Partition) -> DestinationError {
    DestinationError::OffConsole {
        url: url.to_string(),
        partition: partition.name,
        host: partition.console,
    }
}

/// Percent-encodes for a query value (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The sign-in URL the browser follows: the federation endpoint's `login` action.
pub fn login_url(federation: &str, destination: &str, signin_token: &str) -> String {
    format!(
        "{federation}?Action=login&Issuer=rolecall&Destination={}&SigninToken={}",
        encode(destination),
        encode(signin_token)
    )
}

/// The `Session` JSON the federation endpoint turns into a sign-in token.
pub fn session_json(key_id: &str, secret: &str, token: &str) -> String {
    serde_json::json!({
        "sessionId": key_id,
        "sessionKey": secret,
        "sessionToken": token,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_from_the_arn_then_the_region() {
        assert_eq!(
            Partition::of(Some("arn:aws-us-gov:iam::1:role/r"), None),
            GOV
        );
        assert_eq!(
            Partition::of(Some("arn:aws-cn:iam::1:role/r"), Some("us-east-1")),
            CHINA
        );
        assert_eq!(
            Partition::of(Some("arn:aws:iam::1:role/r"), Some("cn-north-1")),
            AWS
        );
        assert_eq!(Partition::of(None, Some("cn-northwest-1")), CHINA);
        assert_eq!(Partition::of(None, Some("us-gov-west-1")), GOV);
        assert_eq!(Partition::of(None, None), AWS);
        assert_eq!(
            CHINA.federation_url(None),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(
            AWS.federation_url(Some("http://127.0.0.1:9/")),
            "http://127.0.0.1:9/federation"
        );
    }

    #[test]
    fn destinations() {
        assert_eq!(
            destination(AWS, Some("eu-west-1"), None).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            destination(AWS, None, None).unwrap(),
            "https://console.aws.amazon.com/console/home"
        );
        assert_eq!(
            destination(GOV, Some("us-gov-west-1"), Some("S3")).unwrap(),
            "https://us-gov-west-1.console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1"
        );
        assert_eq!(
            destination(AWS, Some("eu-west-1"), Some("logs")).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:"
        );
        let own = "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#Instances:";
        assert_eq!(destination(AWS, None, Some(own)).unwrap(), own);
        for bad in [
            "https://evil.example/console.aws.amazon.com",
            "https://console.aws.amazon.com.evil.example/",
            "http://console.aws.amazon.com/",
            "https://user@console.aws.amazon.com/",
            "https://console.amazonaws.cn/",
            "https://evilconsole.aws.amazon.com/",
        ] {
            assert!(
                matches!(
                    destination(AWS, None, Some(bad)),
                    Err(DestinationError::OffConsole { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            destination(AWS, None, Some("s4")),
            Err(DestinationError::Unknown(_))
        ));
    }

    #[test]
    fn the_login_url_encodes_everything() {
        let url = login_url(
            "https://signin.aws.amazon.com/federation",
            "https://console.aws.amazon.com/console/home?region=eu-west-1",
            "tok+en/=",
        );
        assert_eq!(url, "https://signin.aws.amazon.com/federation?Action=login&Issuer=rolecall&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=tok%2Ben%2F%3D");
        let json = session_json("ASIA", "s\"k", "t");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["sessionKey"], "s\"k");
    }
}
