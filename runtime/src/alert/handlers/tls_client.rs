//! The TLS client settings of the non-HTTP handlers (`[[mqtt]]` `ssl://`
//! brokers, `[[kafka]] use-ssl`), as Kapacitor's `tlsconfig.Create` builds
//! them from `ssl-ca`, `ssl-cert`, `ssl-key` and `insecure-skip-verify`:
//! the CA file replaces the default roots (webpki's here), a certificate
//! and key pair is the client's identity, and skipping verification
//! accepts any server certificate.

use super::error::HandlerError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use ureq::tls::{parse_pem, PemItem, PrivateKey};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn bad(path: &str, why: impl std::fmt::Display) -> HandlerError {
    HandlerError::Invalid(format!("TLS: {path}: {why}"))
}

fn certs_in(path: &str) -> Result<Vec<CertificateDer<'static>>, HandlerError> {
    let pem = std::fs::read(path).map_err(|e| bad(path, e))?;
    let certs: Vec<_> = parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(CertificateDer::from(c.der().to_vec())),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(bad(path, "no PEM certificate found"));
    }
    Ok(certs)
}

fn key_in(path: &str) -> Result<PrivateKeyDer<'static>, HandlerError> {
    let pem = std::fs::read(path).map_err(|e| bad(path, e))?;
    let key = PrivateKey::from_pem(&pem).map_err(|e| bad(path, e))?;
    // The DER says which of PKCS#1, SEC1 or PKCS#8 it is.
    PrivateKeyDer::try_from(key.der().to_vec()).map_err(|e| bad(path, e))
}

/// `insecure-skip-verify`: any certificate is accepted; signatures are
/// still checked so the handshake itself stays sound.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client configuration for these settings.
pub fn client_config(
    ssl_ca: &str,
    ssl_cert: &str,
    ssl_key: &str,
    insecure_skip_verify: bool,
) -> Result<Arc<ClientConfig>, HandlerError> {
    let p = provider();
    let builder = ClientConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| HandlerError::Invalid(format!("TLS: {e}")))?;
    let builder = if insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(p)))
    } else {
        let mut roots = RootCertStore::empty();
        if ssl_ca.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        } else {
            for c in certs_in(ssl_ca)? {
                roots.add(c).map_err(|e| bad(ssl_ca, e))?;
            }
        }
        builder.with_root_certificates(roots)
    };
    let config = match (ssl_cert.is_empty(), ssl_key.is_empty()) {
        (true, true) => builder.with_no_client_auth(),
        (false, false) => builder
            .with_client_auth_cert(certs_in(ssl_cert)?, key_in(ssl_key)?)
            .map_err(|e| bad(ssl_cert, e))?,
        (true, false) => return Err(bad(ssl_key, "ssl-key given without ssl-cert")),
        (false, true) => return Err(bad(ssl_cert, "ssl-cert given without ssl-key")),
    };
    Ok(Arc::new(config))
}

/// The name a certificate must carry for `host` (an IP or a DNS name).
pub fn server_name(host: &str) -> Result<ServerName<'static>, HandlerError> {
    ServerName::try_from(host.to_string())
        .map_err(|e| HandlerError::Invalid(format!("TLS: server name {host:?}: {e}")))
}
