//! Behind a proxy and a private CA: rolecall's own calls go through a real proxy (tinyproxy,
//! its log is the proof), `NO_PROXY` bypasses it, proxy credentials come from the URL and are
//! never printed, and `AWS_CA_BUNDLE` / `ca_bundle` add a test CA to the roots.

use crate::support::net::{Proxy, TlsMoto};
use crate::support::*;

/// `export --no-cache NAME` in `sb` with `env` on top of the sandbox's (which has no proxy).
fn export(sb: &Sandbox, name: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut all = vec![("NO_PROXY", ""), ("no_proxy", "")];
    all.extend_from_slice(env);
    sb.rolecall_env(&["export", "--no-cache", name], &all)
}

#[test]
fn sts_calls_go_through_the_proxy_of_their_scheme_unless_no_proxy_names_the_host() {
    let sb = Sandbox::new();
    role_setup(&sb, "proxied", "");
    let proxy = Proxy::start(sb.home(), None);
    let moto_port = moto().url.rsplit(':').next().unwrap().to_string();

    // http:// endpoint: HTTP_PROXY, as a forward proxy (HTTPS_PROXY is for https:// only).
    let out = export(
        &sb,
        "proxied",
        &[
            ("HTTP_PROXY", &proxy.url()),
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("AWS_SESSION_TOKEN"));
    let through = proxy.requests();
    assert!(
        through
            .iter()
            .any(|r| r.starts_with(&format!("POST http://127.0.0.1:{moto_port}/"))),
        "{through:?}"
    );

    // NO_PROXY as a host, an IP, a CIDR and `*`: straight to moto.
    for no in [
        "127.0.0.1",
        "localhost,127.0.0.0/8",
        "*",
        "example.com, 127.0.0.1",
    ] {
        let before = proxy.requests().len();
        let out = export(
            &sb,
            "proxied",
            &[("http_proxy", &proxy.url()), ("NO_PROXY", no)],
        );
        assert!(out.status.success(), "NO_PROXY={no}: {}", stderr(&out));
        assert_eq!(proxy.requests().len(), before, "NO_PROXY={no}");
    }

    // https:// endpoint with the test CA: HTTPS_PROXY, through a CONNECT tunnel.
    let tls = TlsMoto::start(sb.home());
    let ca = tls.ca.display().to_string();
    let out = export(
        &sb,
        "proxied",
        &[
            ("AWS_ENDPOINT_URL", &tls.url),
            ("AWS_CA_BUNDLE", &ca),
            ("https_proxy", &proxy.url()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        proxy
            .requests()
            .iter()
            .any(|r| r.starts_with(&format!("CONNECT 127.0.0.1:{} ", tls.port))),
        "{:?}",
        proxy.requests()
    );
}

#[test]
fn proxy_credentials_come_from_the_url_and_are_never_printed() {
    let sb = Sandbox::new();
    role_setup(&sb, "authproxy", "");
    let proxy = Proxy::start(sb.home(), Some(("rc-user", "hunter2secret")));
    let with = format!("http://rc-user:hunter2secret@127.0.0.1:{}", proxy.port);
    let out = export(&sb, "authproxy", &[("HTTP_PROXY", &with)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!proxy.requests().is_empty());

    // Wrong password: the proxy says no (407); the one line names it without the password.
    let wrong = format!("http://rc-user:wrongpassword@127.0.0.1:{}", proxy.port);
    let out = export(&sb, "authproxy", &[("HTTP_PROXY", &wrong)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(!err.contains("wrongpassword"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "through the proxy http://…@127.0.0.1:{}",
            proxy.port
        )) || err.contains(&format!(
            "the proxy http://…@127.0.0.1:{} refused",
            proxy.port
        )),
        "{err}"
    );
}

#[test]
fn an_unreachable_proxy_is_one_line_naming_it_without_its_password() {
    let sb = Sandbox::new();
    role_setup(&sb, "deadproxy", "");
    let tls_dir = tempfile::tempdir().unwrap();
    let tls = TlsMoto::start(tls_dir.path());
    let port = free_port();
    let dead = format!("http://me:topsecret@127.0.0.1:{port}");
    let ca = tls.ca.display().to_string();
    let out = export(
        &sb,
        "deadproxy",
        &[
            ("AWS_ENDPOINT_URL", &tls.url),
            ("AWS_CA_BUNDLE", &ca),
            ("HTTPS_PROXY", &dead),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("through the proxy http://…@127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("topsecret"), "{err}");
}

#[test]
fn a_private_ca_is_trusted_only_through_the_bundle_or_the_system_store() {
    let sb = Sandbox::new();
    let tls = TlsMoto::start(sb.home());
    let ca = tls.ca.display().to_string();

    // Without a bundle: the system roots do not know the test CA.
    role_setup(&sb, "private", "");
    let out = export(&sb, "private", &[("AWS_ENDPOINT_URL", &tls.url)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    // AWS_CA_BUNDLE adds it.
    let out = export(
        &sb,
        "private",
        &[("AWS_ENDPOINT_URL", &tls.url), ("AWS_CA_BUNDLE", &ca)],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // The system's roots count too (rustls-native-certs reads SSL_CERT_FILE as the store).
    let out = export(
        &sb,
        "private",
        &[("AWS_ENDPOINT_URL", &tls.url), ("SSL_CERT_FILE", &ca)],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // So does the profile's ca_bundle.
    role_setup(&sb, "private", &format!("ca_bundle = {ca}\n"));
    let out = export(&sb, "private", &[("AWS_ENDPOINT_URL", &tls.url)]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A bundle that is not one is one clear line.
    let bad = sb.home().join("not-a-bundle.pem");
    std::fs::write(&bad, "hello").unwrap();
    let bad = bad.display().to_string();
    let out = export(
        &sb,
        "private",
        &[("AWS_ENDPOINT_URL", &tls.url), ("AWS_CA_BUNDLE", &bad)],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot use the CA bundle {bad} (AWS_CA_BUNDLE)")),
        "{err}"
    );
}
