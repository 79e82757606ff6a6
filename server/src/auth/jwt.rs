//! Bearer tokens as Kapacitor validates them (dgrijalva/jwt-go v3 `Parse` with
//! an HMAC key lookup): HS256/384/512 signed with `[http] shared-secret`.
//! Check order and error texts are jwt-go's, because Kapacitor answers
//! `invalid token: <jwt-go error>`: segments, header, claims, `alg`, key
//! lookup, then `exp`/`iat`/`nbf`, then the signature (whose failure wins).

use ring::hmac;
use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError(pub String);

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(s: impl Into<String>) -> TokenError {
    TokenError(s.into())
}

/// Algorithms jwt-go knows; only the HMAC ones pass Kapacitor's key lookup.
const KNOWN_ALGS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
    "PS384", "PS512", "none",
];

/// The verified claims of `token`, `now` in Unix seconds.
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Map<String, Value>, TokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(err("token contains an invalid number of segments"));
    }
    let header_bytes = decode_segment(parts[0]).map_err(|e| {
        if token.to_ascii_lowercase().starts_with("bearer ") {
            err("tokenstring should not contain 'bearer '")
        } else {
            e
        }
    })?;
    let header = decode_object(&header_bytes, "map[string]interface {}")?;
    let claims = decode_object(&decode_segment(parts[1])?, "jwt.MapClaims")?;
    let alg = match header.get("alg") {
        Some(Value::String(a)) => a.as_str(),
        _ => return Err(err("signing method (alg) is unspecified.")),
    };
    if !KNOWN_ALGS.contains(&alg) {
        return Err(err("signing method (alg) is unavailable."));
    }
    let algorithm = match alg {
        "HS256" => hmac::HMAC_SHA256,
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        other => return Err(err(format!("unexpected signing method: {other}"))),
    };
    // Claims first; a bad signature then overrides whatever they said.
    let mut failure = claims_failure(&claims, now);
    let signed = &token[..parts[0].len() + 1 + parts[1].len()];
    match decode_segment(parts[2]) {
        Err(e) => failure = Some(e),
        Ok(sig) => {
            let key = hmac::Key::new(algorithm, secret);
            if hmac::verify(&key, signed.as_bytes(), &sig).is_err() {
                failure = Some(err("signature is invalid"));
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(claims),
    }
}

/// jwt-go's `MapClaims.Valid`: each time claim checked only when it is a number; the
/// last failing one names the error.
fn claims_failure(claims: &Map<String, Value>, now: i64) -> Option<TokenError> {
    let num = |k: &str| claims.get(k).and_then(Value::as_f64).map(|f| f as i64);
    let mut failure = None;
    if let Some(exp) = num("exp").filter(|e| *e != 0) {
        if now > exp {
            failure = Some(err("Token is expired"));
        }
    }
    if let Some(iat) = num("iat").filter(|i| *i != 0) {
        if now < iat {
            failure = Some(err("Token used before issued"));
        }
    }
    if let Some(nbf) = num("nbf").filter(|n| *n != 0) {
        if now < nbf {
            failure = Some(err("Token is not valid yet"));
        }
    }
    failure
}

/// A JSON object as Go decodes it into a map (`null` is an empty map).
fn decode_object(bytes: &[u8], go_type: &str) -> Result<Map<String, Value>, TokenError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| err(format!("invalid JSON: {e}")))?;
    let kind = match v {
        Value::Object(m) => return Ok(m),
        Value::Null => return Ok(Map::new()),
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
    };
    Err(err(format!(
        "json: cannot unmarshal {kind} into Go value of type {go_type}"
    )))
}

/// jwt-go's `DecodeSegment`: pad to a multiple of 4, then Go's URL-safe base64
/// decoder, whose error names the offending byte offset.
pub fn decode_segment(seg: &str) -> Result<Vec<u8>, TokenError> {
    let mut s = seg.as_bytes().to_vec();
    let rem = s.len() % 4;
    if rem > 0 {
        s.extend(std::iter::repeat_n(b'=', 4 - rem));
    }
    go_base64_url(&s).map_err(|at| err(format!("illegal base64 data at input byte {at}")))
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Go's `base64.URLEncoding.DecodeString` (padded, newlines skipped); `Err(offset)`.
fn go_base64_url(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    let skip_newlines = |si: &mut usize| {
        while *si < src.len() && (src[*si] == b'\n' || src[*si] == b'\r') {
            *si += 1;
        }
    };
    while si < src.len() {
        let mut quantum = [0u8; 4];
        let mut j = 0;
        let mut done = false;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = sextet(c) {
                quantum[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            // Padding: only after two or three characters of a quantum.
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    skip_newlines(&mut si);
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            skip_newlines(&mut si);
            if si < src.len() {
                return Err(si);
            }
            done = true;
            break;
        }
        let n = (u32::from(quantum[0]) << 18)
            | (u32::from(quantum[1]) << 12)
            | (u32::from(quantum[2]) << 6)
            | u32::from(quantum[3]);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..if done { j - 1 } else { 3 }]);
        if done {
            break;
        }
    }
    Ok(out)
}

/// A signed token (tests and tools): header `{"alg":..,"typ":"JWT"}`.
pub fn sign(alg: &str, claims: &Value, secret: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let header = serde_json::json!({"alg": alg, "typ": "JWT"});
    let signing = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let algorithm = match alg {
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    };
    let tag = hmac::sign(&hmac::Key::new(algorithm, secret), signing.as_bytes());
    format!("{signing}.{}", b64(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn e(t: &str) -> String {
        verify(t, b"secret", NOW).unwrap_err().0
    }

    #[test]
    fn valid_tokens_of_each_hmac_size() {
        for alg in ["HS256", "HS384", "HS512"] {
            let t = sign(alg, &json!({"username": "bob", "exp": NOW + 60}), b"secret");
            let c = verify(&t, b"secret", NOW).unwrap();
            assert_eq!(c["username"], "bob");
        }
    }

    #[test]
    fn jwt_go_error_texts() {
        assert_eq!(e("a.b"), "token contains an invalid number of segments");
        let expired = sign("HS256", &json!({"exp": NOW - 1}), b"secret");
        assert_eq!(e(&expired), "Token is expired");
        // A bad signature is reported over an expired claim.
        let other = sign("HS256", &json!({"exp": NOW - 1}), b"other");
        assert_eq!(e(&other), "signature is invalid");
        let future = sign("HS256", &json!({"nbf": NOW + 10}), b"secret");
        assert_eq!(e(&future), "Token is not valid yet");
        let rs = sign("RS256", &json!({}), b"secret");
        assert_eq!(e(&rs), "unexpected signing method: RS256");
        let xx = sign("XX1", &json!({}), b"secret");
        assert_eq!(e(&xx), "signing method (alg) is unavailable.");
        assert_eq!(e("e30.e30.x"), "signing method (alg) is unspecified.");
        assert_eq!(e("!!.e30.x"), "illegal base64 data at input byte 0");
        assert_eq!(e("abcde.e30.x"), "illegal base64 data at input byte 5");
        assert_eq!(
            e("WzFd.e30.x"),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn go_base64_offsets() {
        assert_eq!(go_base64_url(b"YQ=="), Ok(b"a".to_vec()));
        assert_eq!(go_base64_url(b"YWI="), Ok(b"ab".to_vec()));
        assert_eq!(go_base64_url(b"YWJj"), Ok(b"abc".to_vec()));
        assert_eq!(go_base64_url(b"Y==="), Err(1));
        assert_eq!(go_base64_url(b"YW*="), Err(2));
        assert_eq!(go_base64_url(b"YQ==YQ=="), Err(4));
    }
}
