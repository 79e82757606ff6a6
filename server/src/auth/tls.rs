//! The HTTPS listener's TLS settings: `[http] https-certificate` and
//! `https-private-key` (empty: the key is read from the certificate file, as
//! Kapacitor does) and `[tls]` `min-version`, `max-version`, `ciphers` mapped
//! onto rustls. Names are Kapacitor's (`tlsconfig`): versions `TLS1.1`..`TLS1.3`
//! (or `1.x`), ciphers by their Go names. rustls speaks TLS 1.2 and 1.3 with
//! AEAD suites only, so a name Kapacitor knows but rustls cannot honour is a
//! configuration error naming its key rather than a silently weaker setting.

use crate::config::{ConfigError, TlsConfig};
use rustls::crypto::ring::cipher_suite as cs;
use rustls::SupportedCipherSuite;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// Go's cipher names Kapacitor accepts, and the rustls suite for each (`None`:
/// one rustls does not implement: CBC, RC4 and RSA key exchange).
const CIPHERS: &[(&str, Option<SupportedCipherSuite>)] = &[
    ("TLS_RSA_WITH_RC4_128_SHA", None),
    ("TLS_RSA_WITH_AES_128_CBC_SHA", None),
    ("TLS_RSA_WITH_AES_256_CBC_SHA", None),
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", None),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", None),
    ("TLS_RSA_WITH_AES_256_GCM_SHA384", None),
    ("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", None),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", None),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", None),
    ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", None),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", None),
    ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", None),
    ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", None),
    (
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        Some(cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        Some(cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
    ),
    (
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Some(cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        Some(cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
    ),
    (
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        Some(cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        Some(cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
    ),
    ("TLS_AES_128_GCM_SHA256", Some(cs::TLS13_AES_128_GCM_SHA256)),
    ("TLS_AES_256_GCM_SHA384", Some(cs::TLS13_AES_256_GCM_SHA384)),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        Some(cs::TLS13_CHACHA20_POLY1305_SHA256),
    ),
];

const DEPRECATED_CIPHERS: &[&str] = &[
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
];

/// Protocol versions by Kapacitor's names: 11, 12, 13.
const VERSIONS: &[(&str, u8)] = &[
    ("TLS1.1", 11),
    ("1.1", 11),
    ("TLS1.2", 12),
    ("1.2", 12),
    ("TLS1.3", 13),
    ("1.3", 13),
];

const DEPRECATED_VERSIONS: &[&str] = &["SSL3.0", "TLS1.0", "1.0"];

fn available_ciphers() -> String {
    let mut names: Vec<&str> = CIPHERS.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.join(", ")
}

fn invalid(key: &str, message: String) -> ConfigError {
    ConfigError::invalid(key, message)
}

fn version(key: &str, name: &str) -> Result<u8, ConfigError> {
    let upper = name.to_ascii_uppercase();
    if let Some((_, v)) = VERSIONS.iter().find(|(n, _)| *n == upper) {
        return Ok(*v);
    }
    let what = if DEPRECATED_VERSIONS.contains(&name) {
        "deprecated tls version"
    } else {
        "unknown tls version"
    };
    Err(invalid(
        key,
        format!("{what}: {name:?}. available versions: TLS1.1, TLS1.2, TLS1.3"),
    ))
}

/// `Config.Validate` of `[tls]`: Kapacitor's names always; what rustls can do
/// only when the HTTPS listener will use them.
pub fn validate(c: &TlsConfig, https_enabled: bool) -> Result<(), ConfigError> {
    if https_enabled {
        return policy(c).map(|_| ());
    }
    for name in &c.ciphers {
        let upper = name.to_ascii_uppercase();
        if !CIPHERS.iter().any(|(n, _)| *n == upper) {
            return Err(unknown_cipher(name));
        }
    }
    if !c.min_version.is_empty() {
        version("tls.min-version", &c.min_version)?;
    }
    if !c.max_version.is_empty() {
        version("tls.max-version", &c.max_version)?;
    }
    Ok(())
}

fn unknown_cipher(name: &str) -> ConfigError {
    let what = if DEPRECATED_CIPHERS.contains(&name) {
        "deprecated cipher suite"
    } else {
        "unknown cipher suite"
    };
    invalid(
        "tls.ciphers",
        format!(
            "{what}: {name:?}. available ciphers: {}",
            available_ciphers()
        ),
    )
}

/// The protocol versions and cipher suites `[tls]` allows, checked (Kapacitor's
/// `tlsconfig.Config.Validate`, plus what rustls cannot do).
#[derive(Debug)]
pub struct TlsPolicy {
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
    pub suites: Vec<SupportedCipherSuite>,
}

pub fn policy(c: &TlsConfig) -> Result<TlsPolicy, ConfigError> {
    let mut suites = Vec::new();
    for name in &c.ciphers {
        let upper = name.to_ascii_uppercase();
        match CIPHERS.iter().find(|(n, _)| *n == upper) {
            Some((_, Some(s))) => suites.push(*s),
            Some((_, None)) => {
                return Err(invalid(
                    "tls.ciphers",
                    format!(
                        "cipher suite {name:?} is not supported by this server (TLS 1.2/1.3 AEAD suites only)"
                    ),
                ))
            }
            None => return Err(unknown_cipher(name)),
        }
    }
    let min = match c.min_version.as_str() {
        "" => 12,
        v => version("tls.min-version", v)?,
    };
    let max = match c.max_version.as_str() {
        "" => 13,
        v => version("tls.max-version", v)?,
    };
    if min < 12 {
        return Err(invalid(
            "tls.min-version",
            format!(
                "tls version {:?} is not supported by this server (TLS1.2 and TLS1.3 only)",
                c.min_version
            ),
        ));
    }
    if max < min {
        return Err(invalid(
            "tls.max-version",
            format!(
                "max-version {:?} is below min-version {:?}",
                c.max_version, c.min_version
            ),
        ));
    }
    let mut versions = Vec::new();
    if min <= 12 {
        versions.push(&rustls::version::TLS12);
    }
    if max >= 13 {
        versions.push(&rustls::version::TLS13);
    }
    if suites.is_empty() {
        suites = rustls::crypto::ring::default_provider().cipher_suites;
    }
    // Each enabled version needs one of its own suites, else no client could connect.
    for v in &versions {
        if !suites.iter().any(|s| s.version() == *v) {
            return Err(invalid(
                "tls.ciphers",
                format!("no cipher suite listed for {:?}", v.version),
            ));
        }
    }
    Ok(TlsPolicy { versions, suites })
}

#[derive(Debug)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

/// The rustls server config of `[http]` + `[tls]`.
pub fn server_config(
    certificate: &str,
    private_key: &str,
    tls: &TlsConfig,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let p = policy(tls).map_err(|e| TlsError(e.to_string()))?;
    let key_file = if private_key.is_empty() {
        certificate
    } else {
        private_key
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| TlsError(format!("https-certificate {certificate:?}: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError(format!(
            "https-certificate {certificate:?}: no certificate found"
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| TlsError(format!("https-private-key {key_file:?}: {e}")))?;
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: p.suites,
        ..rustls::crypto::ring::default_provider()
    };
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&p.versions)
        .map_err(|e| TlsError(format!("tls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError(format!("https: {e}")))?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(ciphers: &[&str], min: &str, max: &str) -> TlsConfig {
        TlsConfig {
            ciphers: ciphers.iter().map(|s| s.to_string()).collect(),
            min_version: min.into(),
            max_version: max.into(),
        }
    }

    #[test]
    fn kapacitor_names_map_to_rustls() {
        let p = policy(&tls(&[], "", "")).unwrap();
        assert_eq!(p.versions.len(), 2);
        let p = policy(&tls(&["tls_aes_128_gcm_sha256"], "tls1.3", "1.3")).unwrap();
        assert_eq!(p.versions.len(), 1);
        assert_eq!(p.suites, vec![cs::TLS13_AES_128_GCM_SHA256]);
    }

    #[test]
    fn unsupported_values_name_their_key() {
        let e = policy(&tls(&[], "TLS1.1", "")).unwrap_err().to_string();
        assert!(e.contains("tls.min-version"), "{e}");
        let e = policy(&tls(&[], "TLS1.0", "")).unwrap_err().to_string();
        assert!(e.contains("deprecated tls version: \"TLS1.0\""), "{e}");
        let e = policy(&tls(&[], "", "bogus")).unwrap_err().to_string();
        assert!(
            e.contains("tls.max-version") && e.contains("unknown tls version"),
            "{e}"
        );
        let e = policy(&tls(&["TLS_RSA_WITH_RC4_128_SHA"], "", ""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("tls.ciphers") && e.contains("not supported"),
            "{e}"
        );
        let e = policy(&tls(&["NOPE"], "", "")).unwrap_err().to_string();
        assert!(e.contains("unknown cipher suite: \"NOPE\""), "{e}");
        // TLS 1.3 allowed but only TLS 1.2 suites listed.
        let e = policy(&tls(&["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"], "", ""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no cipher suite listed"), "{e}");
        let e = policy(&tls(&[], "1.3", "1.2")).unwrap_err().to_string();
        assert!(e.contains("tls.max-version"), "{e}");
        // Without HTTPS only Kapacitor's own rules apply.
        assert!(validate(&tls(&["TLS_RSA_WITH_RC4_128_SHA"], "TLS1.1", ""), false).is_ok());
        assert!(validate(&tls(&["NOPE"], "", ""), false).is_err());
    }
}
