//! Cuts secret values out of upstream answers before the guest sees them.
//!
//! Redaction is the second line of defence: the first is that a credential
//! is only ever sent to the origins it is bound to, so an upstream that
//! could echo it back is one the tenant already trusts with it. Against an
//! upstream that echoes it anyway, the host looks for every secret in the
//! forms an echo takes:
//!
//! - as sent, in any letter case;
//! - with any of its bytes percent-encoded (either case of hex digits, `+`
//!   for a space), JSON-escaped (`\"`, `\/`, `\u0041`) or `\x41`-escaped,
//!   mixed freely;
//! - base64 (standard and URL-safe, at every alignment inside a longer
//!   encoded text) and hex;
//! - cut short: any prefix of at least [`MIN_PARTIAL_LEN`] characters of
//!   any of the above.
//!
//! The body it works on is already decoded (the host owns
//! `Accept-Encoding`), and the caller recomputes `Content-Length`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Secrets shorter than this (in bytes) are not redacted. One to three
/// characters occur by chance all over ordinary response text (every `a`,
/// every `200`), so cutting them out would shred the JSON the plugin has to
/// parse, and where the cuts fall would itself spell out the secret; a
/// secret that short protects nothing worth that damage.
pub const MIN_REDACTED_LEN: usize = 4;

/// A prefix of a secret (or of one of its encodings) this long is cut out
/// too: an upstream that echoes the first dozen characters of a token has
/// leaked most of it. Shorter prefixes are left: six or seven characters
/// also begin ordinary words (a password `password1` would otherwise cut
/// every `password` key out of the plugin's JSON).
pub const MIN_PARTIAL_LEN: usize = 8;

/// What replaces each secret.
const MARK: &[u8] = b"[REDACTED]";

/// Finds and cuts out every form of a set of secrets.
#[derive(Clone)]
pub struct Redactor {
    /// The byte strings to look for: each secret and its base64 and hex
    /// encodings, longest first so a derived value is cut whole.
    needles: Vec<Needle>,
    /// For each byte value, the needles an echo starting with it may be.
    starts: Vec<Vec<usize>>,
}

/// One form of one secret, and how much of it an echo cut short must span
/// to be cut out.
#[derive(Clone)]
struct Needle {
    bytes: Vec<u8>,
    min_partial: usize,
}

impl Redactor {
    /// A redactor for `values` (those of at least [`MIN_REDACTED_LEN`] bytes).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        Self::with_public_prefixes(values.into_iter().map(|value| (value, 0)))
    }

    /// A redactor for `values`, each with the length of its leading part
    /// that is no secret (the `user:` of Basic auth's `user:pass`): an echo
    /// cut short is cut out only once it reaches past that part, so the
    /// user name alone, which upstream answers name, stays.
    pub fn with_public_prefixes<'a>(values: impl IntoIterator<Item = (&'a str, usize)>) -> Self {
        let mut needles: Vec<Needle> = values
            .into_iter()
            .filter(|(value, _)| value.len() >= MIN_REDACTED_LEN)
            .flat_map(|(value, public)| encodings(value.as_bytes(), public))
            .filter(|needle| needle.bytes.len() >= MIN_REDACTED_LEN)
            .collect();
        needles.sort_by(|a, b| {
            b.bytes
                .len()
                .cmp(&a.bytes.len())
                .then_with(|| a.bytes.cmp(&b.bytes))
                .then(a.min_partial.cmp(&b.min_partial))
        });
        needles.dedup_by(|later, kept| later.bytes == kept.bytes);
        let mut starts = vec![Vec::new(); 256];
        for (index, needle) in needles.iter().enumerate() {
            let first = needle.bytes[0];
            let mut openers = vec![first.to_ascii_lowercase(), first.to_ascii_uppercase(), b'%', b'\\'];
            if first == b' ' {
                openers.push(b'+');
            }
            openers.sort_unstable();
            openers.dedup();
            for opener in openers {
                starts[usize::from(opener)].push(index);
            }
        }
        Self { needles, starts }
    }

    /// `bytes` with every echo of every secret replaced by `[REDACTED]`.
    pub fn redact(&self, bytes: &[u8]) -> Vec<u8> {
        if self.needles.is_empty() {
            return bytes.to_vec();
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        while at < bytes.len() {
            let longest = self.starts[usize::from(bytes[at])]
                .iter()
                .filter_map(|&needle| echo_len(&self.needles[needle], &bytes[at..]))
                .max();
            match longest {
                Some(span) => {
                    out.extend_from_slice(MARK);
                    at += span;
                }
                None => {
                    out.push(bytes[at]);
                    at += 1;
                }
            }
        }
        out
    }
}

/// Shows how many needles there are, never the needles.
impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").field("needles", &self.needles.len()).finish()
    }
}

/// `value` and its encodings: hex, and base64 (standard and URL-safe) at
/// each of the three alignments it can take inside a longer base64 text,
/// with the characters that depend on its neighbours trimmed off. Each
/// carries the span a partial echo needs: past the encoding of the first
/// `public` bytes, and at least [`MIN_PARTIAL_LEN`].
fn encodings(value: &[u8], public: usize) -> Vec<Needle> {
    let needle =
        |bytes: Vec<u8>, public_span: usize| Needle { bytes, min_partial: (public_span + 1).max(MIN_PARTIAL_LEN) };
    let public = public.min(value.len());
    let mut forms = vec![needle(value.to_vec(), public), needle(hex::encode(value).into_bytes(), 2 * public)];
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        for shift in 0..3usize {
            let mut shifted = vec![0; shift];
            shifted.extend_from_slice(value);
            let encoded = engine.encode(&shifted);
            // The leading characters encode the filler; the last one may
            // mix in whatever follows the secret.
            let skip = (shift * 8).div_ceil(6);
            let whole = (shifted.len() * 8) / 6;
            if whole > skip {
                let public_span = (shift + public) * 8 / 6 - skip.min((shift + public) * 8 / 6);
                forms.push(needle(encoded.as_bytes()[skip..whole].to_vec(), if public == 0 { 0 } else { public_span }));
            }
        }
    }
    forms
}

/// How many bytes of `body` an echo of `needle` spans from its start: the
/// whole needle, or a prefix of at least its `min_partial` bytes, in any
/// mix of the forms the module describes.
fn echo_len(needle: &Needle, body: &[u8]) -> Option<usize> {
    let (min_partial, needle) = (needle.min_partial, needle.bytes.as_slice());
    let (mut matched, mut spanned) = (0, 0);
    while matched < needle.len() {
        match next_unit(&needle[matched..], &body[spanned..]) {
            Some((needle_step, body_step)) => {
                matched += needle_step;
                spanned += body_step;
            }
            None => break,
        }
    }
    (matched == needle.len() || matched >= min_partial).then_some(spanned)
}

/// Whether `body` starts with the first character of `needle` in one of
/// its echoed forms; the bytes of needle and body it took.
fn next_unit(needle: &[u8], body: &[u8]) -> Option<(usize, usize)> {
    let (want, &seen) = (needle[0], body.first()?);
    if seen.eq_ignore_ascii_case(&want) || (want == b' ' && seen == b'+') {
        return Some((1, 1));
    }
    let hex_byte = |digits: &[u8]| -> Option<u8> {
        let text = std::str::from_utf8(digits.get(..2)?).ok()?;
        u8::from_str_radix(text, 16).ok()
    };
    match (seen, body.get(1)) {
        (b'%', _) if hex_byte(&body[1..]) == Some(want) => Some((1, 3)),
        (b'\\', Some(b'x')) if hex_byte(&body[2..]) == Some(want) => Some((1, 4)),
        (b'\\', Some(&escaped)) if escaped == want => Some((1, 2)),
        (b'\\', Some(b'u' | b'U')) => {
            let digits = std::str::from_utf8(body.get(2..6)?).ok()?;
            let unit = char::from_u32(u32::from_str_radix(digits, 16).ok()?)?;
            let mut encoded = [0; 4];
            let encoded = unit.encode_utf8(&mut encoded).as_bytes();
            let same = needle.len() >= encoded.len()
                && needle[..encoded.len()].iter().zip(encoded).all(|(a, b)| a.eq_ignore_ascii_case(b));
            same.then_some((encoded.len(), 6))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(redactor: &Redactor, text: &str) -> String {
        String::from_utf8(redactor.redact(text.as_bytes())).unwrap()
    }

    #[test]
    fn json_escaped_and_percent_encoded_echoes_are_redacted() {
        let secret = r#"p@ss "w/rd"+ü"#;
        let redactor = Redactor::new([secret]);
        let echoes = [
            (r#"{"password":"p@ss \"w/rd\"+ü"}"#, r#"{"password":"[REDACTED]"}"#),
            (r#"{"password":"p@ss \"w\/rd\"+ü"}"#, r#"{"password":"[REDACTED]"}"#),
            ("/login?password=p%40ss%20%22w%2Frd%22%2B%C3%BC", "/login?password=[REDACTED]"),
            ("password=p%40ss+%22w%2Frd%22%2B%C3%BC&user=admin", "password=[REDACTED]&user=admin"),
            ("raw: p@ss \"w/rd\"+ü", "raw: [REDACTED]"),
        ];
        for (echo, expected) in echoes {
            assert_eq!(redacted(&redactor, echo), expected, "{echo}");
        }
    }

    #[test]
    fn case_variants_escapes_and_encodings_are_redacted() {
        let secret = "Tok-1234567890abcdef";
        let redactor = Redactor::new([secret]);
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let unicode: String = secret.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let echoes = [
            secret.to_uppercase(),
            secret.to_lowercase(),
            secret.bytes().map(|byte| format!("%{byte:02x}")).collect(),
            unicode,
            b64(secret.as_bytes()),
            b64(format!("x{secret}").as_bytes()),
            b64(format!("xy{secret}").as_bytes()),
            base64::engine::general_purpose::URL_SAFE.encode(format!("{{\"t\":\"{secret}\"}}")),
            hex::encode(secret),
            hex::encode_upper(secret),
            secret[..12].to_owned(),
        ];
        for echo in echoes {
            let out = redacted(&redactor, &format!("<{echo}>"));
            assert!(out.contains("[REDACTED]"), "{echo} -> {out}");
            assert!(!out.contains(&secret[..MIN_PARTIAL_LEN]), "{echo} -> {out}");
            assert!(!out.contains("MTIzNDU2Nzg5"), "no long base64 run of the secret survives: {echo} -> {out}");
        }
    }

    #[test]
    fn short_prefixes_and_unrelated_text_are_left_alone() {
        let redactor = Redactor::new(["hunter2-password"]);
        assert_eq!(redacted(&redactor, r#"{"hunter":"hunt","name":"x"}"#), r#"{"hunter":"hunt","name":"x"}"#);
        assert_eq!(redacted(&redactor, "hunter2-p!"), "[REDACTED]!", "eight characters of it are cut");
    }

    #[test]
    fn values_shorter_than_the_minimum_are_left_alone() {
        let redactor = Redactor::new(["abc", "abcd"]);
        assert_eq!(redactor.redact(b"abc abcd"), b"abc [REDACTED]");
    }
}
