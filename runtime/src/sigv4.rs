//! AWS Signature Version 4 for the few query-API calls the runtime makes
//! (`ec2Autoscale`'s DescribeAutoScalingGroups and SetDesiredCapacity, as
//! aws-sdk-go signs them). HMAC-SHA256 and SHA-256 come from `ring`, which
//! the build already links for TLS; a full AWS SDK would add dozens of crates
//! for two form-encoded POSTs.

use ring::{digest, hmac};

/// Who signs and for which scope.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub access_key: &'a str,
    pub secret_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

/// One request to sign: `path` already URI-encoded, `query` already in
/// canonical form (sorted, encoded), `headers` lower-case names with trimmed
/// values (`host` and `x-amz-date` among them), `amz_date` the
/// `YYYYMMDDTHHMMSSZ` value of `x-amz-date`.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    pub amz_date: &'a str,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
}

/// The `Authorization` header value for `req`.
pub fn authorization(cred: &Credentials<'_>, req: &Request<'_>) -> String {
    let mut headers: Vec<(&str, &str)> = req.headers.to_vec();
    headers.sort_by(|a, b| a.0.cmp(b.0));
    let signed: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
    let signed = signed.join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        req.path,
        req.query,
        canonical_headers,
        signed,
        sha256_hex(req.body)
    );
    let date = req.amz_date.get(..8).unwrap_or(req.amz_date);
    let scope = format!("{date}/{}/{}/aws4_request", cred.region, cred.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        req.amz_date,
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(
        format!("AWS4{}", cred.secret_key).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac_sha256(k_date.as_ref(), cred.region.as_bytes());
    let k_service = hmac_sha256(k_region.as_ref(), cred.service.as_bytes());
    let k_signing = hmac_sha256(k_service.as_ref(), b"aws4_request");
    let signature = hmac_sha256(k_signing.as_ref(), string_to_sign.as_bytes());
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={}",
        cred.access_key,
        hex(signature.as_ref())
    )
}

/// `x-amz-date` for `unix_secs` (UTC).
pub fn amz_date(unix_secs: i64) -> String {
    let t = chrono::DateTime::from_timestamp(unix_secs, 0).unwrap_or_default();
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: Credentials<'static> = Credentials {
        access_key: "AKIDEXAMPLE",
        secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1",
        service: "service",
    };

    /// AWS's published SigV4 test suite: `get-vanilla` and
    /// `get-vanilla-query-order-key-case`.
    #[test]
    fn matches_the_aws_test_suite() {
        let headers = [
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ];
        let req = |query| Request {
            method: "GET",
            path: "/",
            query,
            headers: &headers,
            body: b"",
            amz_date: "20150830T123600Z",
        };
        assert_eq!(
            authorization(&EXAMPLE, &req("")),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert!(authorization(&EXAMPLE, &req("Param1=value1&Param2=value2"))
            .ends_with("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
    }

    #[test]
    fn amz_date_is_utc_basic_format() {
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
    }
}
