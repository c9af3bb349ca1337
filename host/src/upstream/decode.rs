//! Content decoding of upstream answers. The host owns `Accept-Encoding`
//! and decodes every body before redacting secrets from it: a compressed
//! echo of a secret would pass redaction untouched. Decoding is bounded by
//! the response cap, measured on the decoded bytes, so a small compressed
//! body cannot expand into gigabytes (a decompression bomb).

use super::UpstreamError;
use std::io::Read;

/// What the host asks upstreams for: the encodings [`decode`] handles.
pub const ACCEPTED: &str = "gzip, deflate";

/// `body` decoded per its `Content-Encoding` (`None` or `identity`: as is),
/// at most `cap` bytes. An encoding the host cannot decode is refused: it
/// cannot redact what it cannot read.
pub fn decode(encoding: Option<&str>, body: Vec<u8>, cap: usize) -> Result<Vec<u8>, UpstreamError> {
    let encoding = encoding.map(|value| value.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("" | "identity") => Ok(body),
        Some("gzip" | "x-gzip") => inflate(flate2::read::MultiGzDecoder::new(body.as_slice()), cap),
        Some("deflate") => inflate(flate2::read::ZlibDecoder::new(body.as_slice()), cap),
        Some(other) => Err(UpstreamError::Connection(format!(
            "the upstream answered with content-encoding `{}`, which the host cannot decode (it asks for {ACCEPTED})",
            other.escape_debug()
        ))),
    }
}

fn inflate(decoder: impl Read, cap: usize) -> Result<Vec<u8>, UpstreamError> {
    let mut decoded = Vec::new();
    decoder.take(cap as u64 + 1).read_to_end(&mut decoded).map_err(|error| {
        UpstreamError::Connection(format!("the upstream's compressed body does not decode: {error}"))
    })?;
    if decoded.len() > cap {
        return Err(UpstreamError::TooLarge(cap as u64));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_and_deflate_are_decoded() {
        assert_eq!(decode(Some("gzip"), gzip(b"hello"), 100).unwrap(), b"hello");
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(b"hello").unwrap();
        assert_eq!(decode(Some("Deflate"), zlib.finish().unwrap(), 100).unwrap(), b"hello");
        assert_eq!(decode(None, b"plain".to_vec(), 100).unwrap(), b"plain");
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0; 64 << 20]);
        assert!(bomb.len() < 128 << 10, "{}", bomb.len());
        assert!(matches!(decode(Some("gzip"), bomb, 1 << 20), Err(UpstreamError::TooLarge(cap)) if cap == 1 << 20));
    }

    #[test]
    fn unknown_or_corrupt_encodings_are_refused() {
        assert!(matches!(decode(Some("br"), b"x".to_vec(), 100), Err(UpstreamError::Connection(_))));
        assert!(matches!(decode(Some("gzip"), b"not gzip".to_vec(), 100), Err(UpstreamError::Connection(_))));
    }
}
