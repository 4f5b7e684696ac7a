//! How rolecall's own calls reach AWS, as the SDKs do it: through the proxies of the
//! environment (`HTTPS_PROXY` for https:// endpoints, `HTTP_PROXY` for http:// ones, either
//! case, minus `NO_PROXY`), trusting the system's roots plus a CA bundle (`AWS_CA_BUNDLE`, else
//! the profile's `ca_bundle`). The proxying and the CONNECT tunnel are aws-smithy-http-client's
//! (hyper-util's proxy matcher); this file only reads the settings from [`Vars`] and checks
//! them, so a bad value is one line instead of a panic deep in the TLS stack.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{TlsContext, TrustStore};
use hyper_util::client::proxy::matcher::Matcher;

use crate::domain::text::redact_url;
use crate::domain::Vars;

/// The network settings of a run, read once from the environment snapshot.
#[derive(Clone, Debug, Default)]
pub struct Net {
    https_proxy: Option<(String, &'static str)>,
    http_proxy: Option<(String, &'static str)>,
    no_proxy: String,
    ca_bundle: Option<String>,
}

/// The first non-empty variable of `names`, with its name.
fn first(vars: &Vars, names: &[&'static str]) -> Option<(String, &'static str)> {
    names
        .iter()
        .find_map(|n| vars.non_empty(n).map(|v| (v.trim().to_string(), *n)))
}

/// A proxy written without a scheme (`proxy:3128`) is an HTTP proxy, as curl reads it.
fn with_scheme(url: &str) -> String {
    if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    }
}

impl Net {
    pub fn from_vars(vars: &Vars) -> Self {
        Self {
            https_proxy: first(vars, &["HTTPS_PROXY", "https_proxy"]),
            // The lower-case name first (curl's order); a CGI program's HTTP_PROXY may come
            // from a request header.
            http_proxy: first(vars, &["http_proxy", "HTTP_PROXY"]),
            no_proxy: first(vars, &["NO_PROXY", "no_proxy"])
                .map(|(v, _)| v)
                .unwrap_or_default(),
            ca_bundle: vars.non_empty("AWS_CA_BUNDLE").map(str::to_string),
        }
    }

    fn proxy_of(&self, https: bool) -> Option<&(String, &'static str)> {
        // `*` is every host (hyper-util matches it against names only, not addresses).
        if self.no_proxy.split(',').any(|rule| rule.trim() == "*") {
            return None;
        }
        if https {
            self.https_proxy.as_ref()
        } else {
            self.http_proxy.as_ref()
        }
    }

    /// The proxy a call to `url` goes through, redacted (no credentials), if any.
    pub fn proxy_for(&self, url: &str) -> Option<String> {
        let uri: hyper::Uri = url.parse().ok()?;
        let https = uri.scheme_str() != Some("http");
        let (proxy, _) = self.proxy_of(https)?;
        let mut builder = Matcher::builder().no(self.no_proxy.clone());
        builder = if https {
            builder.https(with_scheme(proxy))
        } else {
            builder.http(with_scheme(proxy))
        };
        builder
            .build()
            .intercept(&uri)
            .map(|_| redact_url(&with_scheme(proxy)))
    }

    /// Whether calls to endpoints of one scheme need TLS: https:// ones, and plain ones through
    /// an https:// proxy.
    pub fn needs_tls(&self, https: bool) -> bool {
        https
            || self
                .proxy_of(false)
                .is_some_and(|(p, _)| with_scheme(p).to_ascii_lowercase().starts_with("https://"))
    }

    /// The SDK's proxy settings for endpoints of one scheme.
    pub fn proxy_config(&self, https: bool) -> Result<ProxyConfig, String> {
        let Some((proxy, name)) = self.proxy_of(https) else {
            return Ok(ProxyConfig::disabled());
        };
        let url = with_scheme(proxy);
        let config = if https {
            ProxyConfig::https(url.as_str())
        } else {
            ProxyConfig::http(url.as_str())
        };
        config.map(|c| c.no_proxy(&self.no_proxy)).map_err(|e| {
            format!(
                "{name} is not a usable proxy URL ({}): {e}; write it as http://HOST:PORT",
                redact_url(&url)
            )
        })
    }

    /// The CA bundle in force: `AWS_CA_BUNDLE`, else the profile's `ca_bundle`, with where it
    /// came from.
    pub fn bundle<'a>(&'a self, profile: Option<&'a str>) -> Option<(&'a str, &'static str)> {
        self.ca_bundle
            .as_deref()
            .map(|b| (b, "AWS_CA_BUNDLE"))
            .or_else(|| profile.map(|b| (b, "the profile's ca_bundle")))
    }

    /// The roots a client trusts: the system's, plus every certificate of the bundle, which
    /// must be a readable PEM file of certificates.
    pub fn tls(&self, vars: &Vars, profile_bundle: Option<&str>) -> Result<TlsContext, String> {
        let mut store = TrustStore::default();
        if let Some((path, from)) = self.bundle(profile_bundle) {
            let pem = read_bundle(&vars.expand_home(path))
                .map_err(|why| format!("cannot use the CA bundle {path} ({from}): {why}"))?;
            store = store.with_pem_certificate(pem);
        }
        TlsContext::builder()
            .with_trust_store(store)
            .build()
            .map_err(|e| e.to_string())
    }
}

/// A bundle's bytes once every certificate in it parses (the TLS stack panics on one that
/// does not).
fn read_bundle(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let pem = std::fs::read(path).map_err(|e| crate::ports::sts::one_line(&e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM file of certificates ({e})"))?;
    if certs.is_empty() {
        return Err("no PEM certificate in it".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| format!("a certificate in it is not usable ({e})"))?;
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(pairs: &[(&str, &str)]) -> Net {
        Net::from_vars(&Vars::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn a_plain_http_endpoint_needs_tls_only_through_an_https_proxy() {
        assert!(!net(&[]).needs_tls(false));
        assert!(net(&[]).needs_tls(true));
        assert!(!net(&[("http_proxy", "127.0.0.1:8080")]).needs_tls(false));
        assert!(net(&[("http_proxy", "HTTPS://127.0.0.1:8443")]).needs_tls(false));
        assert!(
            !net(&[("http_proxy", "https://127.0.0.1:8443"), ("NO_PROXY", "*")]).needs_tls(false)
        );
    }

    #[test]
    fn the_proxy_of_a_call_follows_its_scheme_and_no_proxy() {
        let n = net(&[
            ("https_proxy", "http://user:secret@127.0.0.1:3128"),
            ("HTTP_PROXY", "127.0.0.1:8080"),
            (
                "NO_PROXY",
                "internal.example, 10.0.0.0/8, 192.168.1.7, .corp.example",
            ),
        ]);
        assert_eq!(
            n.proxy_for("https://sts.eu-west-1.amazonaws.com")
                .as_deref(),
            Some("http://…@127.0.0.1:3128")
        );
        assert_eq!(
            n.proxy_for("http://127.0.0.1:5000/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for direct in [
            "https://internal.example",
            "https://sts.internal.example",
            "https://10.1.2.3",
            "https://192.168.1.7:8443",
            "https://a.corp.example",
        ] {
            assert_eq!(n.proxy_for(direct), None, "{direct}");
        }
        assert_eq!(
            net(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]).proxy_for("https://x.y"),
            None
        );
        assert_eq!(
            net(&[("HTTP_PROXY", "http://p:1"), ("NO_PROXY", "a, *")]).proxy_for("http://10.0.0.1"),
            None
        );
        assert_eq!(net(&[]).proxy_for("https://x.y"), None);
    }

    #[test]
    fn a_bad_proxy_or_bundle_is_one_line_without_the_password() {
        let n = net(&[("HTTPS_PROXY", "socks9://u:pw@h:1")]);
        let e = n.proxy_config(true).unwrap_err();
        assert!(
            e.starts_with("HTTPS_PROXY is not a usable proxy URL"),
            "{e}"
        );
        assert!(!e.contains("pw"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        let vars = Vars::from_pairs([("AWS_CA_BUNDLE", bad.to_str().unwrap())]);
        let e = Net::from_vars(&vars).tls(&vars, Some("/x")).unwrap_err();
        assert!(
            e.contains("(AWS_CA_BUNDLE): no PEM certificate in it"),
            "{e}"
        );
        let vars = Vars::from_pairs([("HOME", "/nowhere")]);
        let e = Net::from_vars(&vars)
            .tls(&vars, Some("/nowhere/ca.pem"))
            .unwrap_err();
        assert!(e.contains("the profile's ca_bundle"), "{e}");
    }
}
