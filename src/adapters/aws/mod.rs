//! AWS over the network: one lazy current-thread tokio runtime and one HTTPS client (rustls
//! with ring), shared by STS and the platform credential providers. Nothing is built until
//! the first call, so a run served from the cache starts no runtime and builds no client.

pub mod platform;
pub mod sts;

use std::cell::OnceCell;

use aws_smithy_runtime_api::client::http::SharedHttpClient;

pub use sts::SdkSts;

/// The run's network machinery, built on first use.
#[derive(Default)]
pub struct Aws {
    runtime: OnceCell<tokio::runtime::Runtime>,
    http: OnceCell<SharedHttpClient>,
}

impl Aws {
    /// The current-thread runtime every AWS call of the run blocks on.
    pub fn runtime(&self) -> std::io::Result<&tokio::runtime::Runtime> {
        if let Some(rt) = self.runtime.get() {
            return Ok(rt);
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(self.runtime.get_or_init(|| rt))
    }

    /// The HTTPS client every AWS call of the run uses.
    pub fn http(&self) -> SharedHttpClient {
        self.http
            .get_or_init(|| {
                use aws_smithy_http_client::tls;
                aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(
                        tls::rustls_provider::CryptoMode::Ring,
                    ))
                    .build_https()
            })
            .clone()
    }
}
