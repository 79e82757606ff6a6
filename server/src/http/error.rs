//! The API's errors, one variant per status Kapacitor answers with; the one
//! place that maps them to a status and a body.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    BadRequest(String),
    NotFound(String),
    /// 403: the service behind the endpoint is disabled.
    Forbidden(String),
    /// 413: the body is larger than the configured limit.
    TooLarge(usize),
    /// 408: the client did not send its body in time (`[http-limits]`).
    Timeout(String),
    Internal(String),
    /// The write endpoints answer errors as plain text, not JSON.
    WriteBadRequest(String),
    WriteInternal(String),
    /// 401 on a write the user may not make to its database (plain text too).
    WriteUnauthorized(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) | ApiError::WriteBadRequest(_) => 400,
            ApiError::NotFound(_) => 404,
            ApiError::Forbidden(_) => 403,
            ApiError::WriteUnauthorized(_) => 401,
            ApiError::TooLarge(_) => 413,
            ApiError::Timeout(_) => 408,
            ApiError::Internal(_) | ApiError::WriteInternal(_) => 500,
        }
    }

    /// Plain text (`<message>\n`) instead of the JSON error body.
    pub fn is_plain(&self) -> bool {
        matches!(
            self,
            ApiError::WriteBadRequest(_)
                | ApiError::WriteInternal(_)
                | ApiError::WriteUnauthorized(_)
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::BadRequest(m)
            | ApiError::NotFound(m)
            | ApiError::Forbidden(m)
            | ApiError::Internal(m)
            | ApiError::Timeout(m)
            | ApiError::WriteBadRequest(m)
            | ApiError::WriteInternal(m)
            | ApiError::WriteUnauthorized(m) => f.write_str(m),
            ApiError::TooLarge(n) => write!(
                f,
                "request body larger than {n} bytes (http-limits.max-body-size)"
            ),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}
