//! Where a plan's calls go: the STS endpoint and region of a run, the SSO portal and OIDC
//! endpoints, IAM's; and the checks of explicit endpoint URLs and of the region.

use super::Inputs;
use crate::config::{ConfigError, Profile, Profiles};
use crate::domain::plan::{Source, StsEndpoint, DEFAULT_STS_REGION};
use crate::domain::text::{
    has_blank, plain_http_off_loopback, redact_url, strip_prefix_ignore_case,
};
use crate::domain::Vars;

/// The STS endpoint of this run: the profile's (see [`sts_endpoint`]), in the `--region` of
/// this run if it has one. Borrowed from the profiles, the environment and the run's
/// overrides: a check reads it, a plan keeps a copy ([`Endpoint::owned`]).
pub fn run_endpoint<'a>(
    profiles: &'a Profiles,
    top: Profile<'a>,
    inputs: &Inputs<'a>,
) -> Endpoint<'a> {
    let mut endpoint = sts_endpoint(profiles, top, inputs.vars);
    if let Some(region) = &inputs.overrides.region {
        endpoint.region = region;
    }
    endpoint
}

/// An STS endpoint as the configuration (and the run's `--region`) names it, borrowed.
#[derive(Clone, Copy)]
pub struct Endpoint<'a> {
    pub region: &'a str,
    pub url: Option<&'a str>,
    pub ca_bundle: Option<&'a str>,
}

impl Endpoint<'_> {
    pub fn owned(self) -> StsEndpoint {
        StsEndpoint {
            region: self.region.to_string(),
            url: self.url.map(str::to_string),
            ca_bundle: self.ca_bundle.map(str::to_string),
        }
    }
}

/// The SSO portal and OIDC endpoints of an SSO source (the sign-in endpoint of a
/// `login_session`), checked like every explicit endpoint.
pub fn check_sso_endpoints(source: &Source, allow_http: bool) -> Result<(), ConfigError> {
    if let Source::Login { login, .. } = source {
        return check_endpoint(
            "AWS Sign-In",
            "SIGNIN",
            login.endpoint.url.as_deref(),
            allow_http,
        );
    }
    let Source::Sso { role, .. } = source else {
        return Ok(());
    };
    let e = &role.endpoints;
    for (what, variable, url) in [
        ("SSO portal", "SSO", &e.portal),
        ("SSO OIDC", "SSO_OIDC", &e.oidc),
    ] {
        check_endpoint(what, variable, url.as_deref(), allow_http)?;
    }
    Ok(())
}

/// The STS endpoint URL of a plan that calls STS: a URL, and not plain http:// off this
/// machine unless `ROLECALL_ALLOW_HTTP` allows it.
pub fn check_sts_endpoint(url: Option<&str>, allow_http: bool) -> Result<(), ConfigError> {
    let Some(url) = url else {
        return Ok(());
    };
    if !valid_url(url) {
        return Err(ConfigError::InvalidEndpoint(redact_url(url)));
    }
    if plain_http_off_loopback(url) && !allow_http {
        return Err(ConfigError::PlainHttp(redact_url(url)));
    }
    Ok(())
}

/// The region of a plan that calls STS, blaming the variable it came from, else the profile.
pub fn check_region(region: &str, vars: &Vars, name: &str) -> Result<(), ConfigError> {
    if valid_region(region) {
        return Ok(());
    }
    let reason = "use a region name such as eu-west-1";
    let value = region.to_string();
    Err(
        match ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find(|v| environment_region(vars).is_some() && vars.non_empty(v).is_some())
        {
            Some(variable) => ConfigError::InvalidSetting {
                name: variable,
                value,
                reason,
            },
            None => ConfigError::InvalidValue {
                profile: name.to_string(),
                key: "region",
                value,
                reason,
            },
        },
    )
}

/// The region the environment names for STS: `AWS_REGION`, else `AWS_DEFAULT_REGION`, as the
/// AWS CLI reads them; none inside a rolecall shell (`ROLECALL_PROFILE` set), where those hold
/// the previous profile's region, which may be in another partition or an opt-in region.
fn environment_region(vars: &Vars) -> Option<&str> {
    if vars.non_empty("ROLECALL_PROFILE").is_some() {
        return None;
    }
    vars.non_empty("AWS_REGION")
        .or_else(|| vars.non_empty("AWS_DEFAULT_REGION"))
}

/// An explicit endpoint of another service: a URL, and not plain http:// off this machine
/// unless `ROLECALL_ALLOW_HTTP` allows it.
pub fn check_endpoint(
    what: &'static str,
    variable: &'static str,
    url: Option<&str>,
    allow_http: bool,
) -> Result<(), ConfigError> {
    let Some(url) = url else { return Ok(()) };
    if !valid_url(url) {
        return Err(ConfigError::InvalidServiceEndpoint {
            what,
            variable,
            url: redact_url(url),
        });
    }
    if plain_http_off_loopback(url) && !allow_http {
        return Err(ConfigError::PlainHttpEndpoint {
            what,
            url: redact_url(url),
        });
    }
    Ok(())
}

/// An endpoint URL the HTTP client can use: `http://` or `https://` and a host, no spaces.
fn valid_url(url: &str) -> bool {
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) && !has_blank(url)
}

/// A region STS can be reached in: lowercase letters, digits and dashes (`eu-west-1`).
fn valid_region(region: &str) -> bool {
    (1..=64).contains(&region.len())
        && region.starts_with(|c: char| c.is_ascii_lowercase())
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, else the profile's `ignore_configured_endpoint_urls`.
fn ignores_configured_urls(profile: Option<Profile<'_>>, vars: &Vars) -> bool {
    vars.non_empty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| profile?.get("ignore_configured_endpoint_urls"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The endpoint the configuration names for one service, as the SDKs find it: `variable`
/// (`AWS_ENDPOINT_URL_<SERVICE>`), then `AWS_ENDPOINT_URL`, then the `endpoint_url` of the
/// service's block in the profile's `services` section; none when configured endpoints are
/// ignored.
fn configured_url<'a>(
    profiles: &'a Profiles,
    profile: Option<Profile<'a>>,
    vars: &'a Vars,
    variable: &str,
    service: &str,
) -> Option<&'a str> {
    if ignores_configured_urls(profile, vars) {
        return None;
    }
    vars.non_empty(variable)
        .or_else(|| vars.non_empty("AWS_ENDPOINT_URL"))
        .or_else(|| {
            let services = profiles.services(profile?.get("services")?)?;
            services
                .get(service)?
                .sub
                .iter()
                .rev()
                .find(|(k, _)| k == "endpoint_url")
                .map(|(_, v)| v.as_str())
        })
}

/// The endpoint every STS call of the plan uses: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`,
/// the profile's `services` section, then its `endpoint_url`; the region is
/// `AWS_REGION`/`AWS_DEFAULT_REGION` (see [`environment_region`]), else the profile's, else
/// us-east-1 (the AWS CLI's order, which matters where only one region's STS endpoint is
/// reachable).
fn sts_endpoint<'a>(profiles: &'a Profiles, profile: Profile<'a>, vars: &'a Vars) -> Endpoint<'a> {
    let region = environment_region(vars)
        .or_else(|| profile.get("region"))
        .unwrap_or(DEFAULT_STS_REGION);
    let url = configured_url(profiles, Some(profile), vars, "AWS_ENDPOINT_URL_STS", "sts").or_else(
        || {
            (!ignores_configured_urls(Some(profile), vars))
                .then(|| profile.get("endpoint_url"))
                .flatten()
        },
    );
    Endpoint {
        region,
        url,
        ca_bundle: profile.get("ca_bundle"),
    }
}

/// Where the SSO portal and OIDC APIs are, as the SDKs find them: `AWS_ENDPOINT_URL_SSO` /
/// `AWS_ENDPOINT_URL_SSO_OIDC`, then `AWS_ENDPOINT_URL`, then the profile's `services` section
/// (`sso`, `sso_oidc`), else the session's region.
pub fn sso_endpoints(
    profiles: &Profiles,
    profile: Option<Profile<'_>>,
    vars: &Vars,
    region: &str,
) -> crate::domain::sso::SsoEndpoints {
    let find = |variable: &str, service: &str| {
        configured_url(profiles, profile, vars, variable, service).map(str::to_string)
    };
    crate::domain::sso::SsoEndpoints {
        region: region.to_string(),
        portal: find("AWS_ENDPOINT_URL_SSO", "sso"),
        oidc: find("AWS_ENDPOINT_URL_SSO_OIDC", "sso_oidc"),
        ca_bundle: profile.and_then(|p| p.get("ca_bundle")).map(str::to_string),
    }
}

/// Where AWS Sign-In's token endpoint is, as the SDKs find it: `AWS_ENDPOINT_URL_SIGNIN`, then
/// `AWS_ENDPOINT_URL`, then the profile's `services` section (`signin`); the region as for STS
/// (a token's `signInRegion` wins over it when the call is made).
pub fn signin_endpoint(
    profiles: &Profiles,
    profile: Option<Profile<'_>>,
    vars: &Vars,
) -> StsEndpoint {
    let region = environment_region(vars)
        .or_else(|| profile?.get("region"))
        .unwrap_or(crate::domain::login::DEFAULT_REGION)
        .to_string();
    let url = configured_url(profiles, profile, vars, "AWS_ENDPOINT_URL_SIGNIN", "signin")
        .map(str::to_string);
    StsEndpoint {
        region,
        url,
        ca_bundle: profile.and_then(|p| p.get("ca_bundle")).map(str::to_string),
    }
}

/// Where `rolecall keys rotate` calls IAM: `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, then
/// the profile's `services` section; IAM is global, signed for its partition's region.
pub fn iam_endpoint(
    profiles: &Profiles,
    profile: Option<Profile<'_>>,
    vars: &Vars,
    region: &str,
) -> StsEndpoint {
    let url =
        configured_url(profiles, profile, vars, "AWS_ENDPOINT_URL_IAM", "iam").map(str::to_string);
    let region = if region.starts_with("cn-") {
        "cn-north-1"
    } else if region.starts_with("us-gov-") {
        "us-gov-west-1"
    } else {
        "us-east-1"
    };
    StsEndpoint {
        region: region.to_string(),
        url,
        ca_bundle: profile.and_then(|p| p.get("ca_bundle")).map(str::to_string),
    }
}
