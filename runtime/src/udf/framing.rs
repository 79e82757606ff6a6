//! Kapacitor's UDF framing (`udf/agent/io.go`): every message is preceded by
//! its length as an unsigned varint (`binary.PutUvarint`), no footer.

use prost::Message;
use std::fmt;
use std::io::{self, Read, Write};

/// Larger frames are refused: a garbage length must not make us allocate
/// gigabytes (Kapacitor would try).
pub const MAX_FRAME: u64 = 64 << 20;

#[derive(Debug)]
pub enum FrameError {
    /// Clean end of stream before a new frame.
    Eof,
    Io(io::Error),
    /// The stream ended inside a frame.
    Truncated {
        expected: u64,
    },
    /// The length prefix is not a valid uvarint or is over `MAX_FRAME`.
    BadLength(String),
    Decode(prost::DecodeError),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Eof => f.write_str("EOF"),
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::Truncated { expected } => {
                write!(f, "unexpected EOF, expected {expected} more bytes")
            }
            FrameError::BadLength(e) => write!(f, "bad message length: {e}"),
            FrameError::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Writes `msg` with its uvarint length prefix (one `write_all` per part; the
/// caller buffers and flushes).
pub fn write_message<M: Message>(msg: &M, w: &mut impl Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(msg.encoded_len() + 10);
    msg.encode_length_delimited(&mut buf)
        .map_err(|e| io::Error::other(e.to_string()))?;
    w.write_all(&buf)
}

/// Reads one length-prefixed message; `buf` is reused between calls.
pub fn read_message<M: Message + Default>(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
) -> Result<M, FrameError> {
    let size = read_uvarint(r)?;
    if size > MAX_FRAME {
        return Err(FrameError::BadLength(format!(
            "{size} bytes is over the {MAX_FRAME} byte limit"
        )));
    }
    buf.clear();
    buf.resize(size as usize, 0);
    let mut read = 0usize;
    while read < buf.len() {
        match r.read(&mut buf[read..]) {
            Ok(0) => return Err(FrameError::Truncated { expected: size }),
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    M::decode(&buf[..]).map_err(FrameError::Decode)
}

/// Go's `binary.ReadUvarint`: at most 10 bytes, the 10th at most 1.
fn read_uvarint(r: &mut impl Read) -> Result<u64, FrameError> {
    let mut x: u64 = 0;
    let mut shift = 0u32;
    for i in 0..10 {
        let mut b = [0u8; 1];
        loop {
            match r.read(&mut b) {
                Ok(0) if i == 0 => return Err(FrameError::Eof),
                Ok(0) => return Err(FrameError::Truncated { expected: 1 }),
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(FrameError::Io(e)),
            }
        }
        let byte = b[0];
        if byte < 0x80 {
            if i == 9 && byte > 1 {
                return Err(FrameError::BadLength(
                    "varint overflows a 64-bit integer".into(),
                ));
            }
            return Ok(x | (u64::from(byte) << shift));
        }
        x |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    Err(FrameError::BadLength(
        "varint overflows a 64-bit integer".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::proto::{request, KeepaliveRequest, Request};

    #[test]
    fn round_trips_with_a_uvarint_prefix() {
        let msg = Request {
            message: Some(request::Message::Keepalive(KeepaliveRequest { time: 300 })),
        };
        let mut out = Vec::new();
        write_message(&msg, &mut out).unwrap();
        // Request{keepalive(3): {time(1): 300}}: field 3 LEN 3 bytes, field 1 varint 300.
        assert_eq!(out, [5, 0x1a, 3, 0x08, 0xac, 0x02]);
        let mut buf = Vec::new();
        let back: Request = read_message(&mut &out[..], &mut buf).unwrap();
        assert_eq!(back, msg);
    }

    #[test]
    fn a_long_prefix_uses_several_bytes() {
        let msg = Request {
            message: Some(request::Message::Point(crate::udf::proto::Point {
                name: "x".repeat(200),
                ..Default::default()
            })),
        };
        let mut out = Vec::new();
        write_message(&msg, &mut out).unwrap();
        let len = msg.encoded_len();
        assert!(len > 127);
        assert_eq!(out[0], (len as u8 & 0x7f) | 0x80);
        assert_eq!(out[1], (len >> 7) as u8);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let mut buf = Vec::new();
        let empty: &[u8] = &[];
        assert!(matches!(
            read_message::<Request>(&mut &empty[..], &mut buf),
            Err(FrameError::Eof)
        ));
        let cut: &[u8] = &[5, 0x1a, 3];
        assert!(matches!(
            read_message::<Request>(&mut &cut[..], &mut buf),
            Err(FrameError::Truncated { expected: 5 })
        ));
        let huge: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(
            read_message::<Request>(&mut &huge[..], &mut buf),
            Err(FrameError::BadLength(_))
        ));
        let overflow: &[u8] = &[0xff; 11];
        assert!(matches!(
            read_message::<Request>(&mut &overflow[..], &mut buf),
            Err(FrameError::BadLength(_))
        ));
        let garbage: &[u8] = &[2, 0xff, 0xff];
        assert!(matches!(
            read_message::<Request>(&mut &garbage[..], &mut buf),
            Err(FrameError::Decode(_))
        ));
    }
}
