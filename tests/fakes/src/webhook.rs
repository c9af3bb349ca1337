//! Webhook deliveries, sent the way the vendors send them: one `POST` per
//! event to the receiver's URL (Berth's `/hooks/{tenant}/{plugin}`), signed
//! with the scheme the vendor documents. Each fake keeps its subscribers
//! and builds its own headers; the signing and the sending are here, once.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `sha256=<hex HMAC-SHA256(secret, body)>`: GitHub's
/// `X-Hub-Signature-256` and Jira's `X-Hub-Signature` (WebSub).
pub fn hub_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex_digest(&mac(secret, &[body])))
}

/// Zendesk's `X-Zendesk-Webhook-Signature`: base64 of
/// HMAC-SHA256(secret, timestamp + body), no separator.
pub fn zendesk_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, &[timestamp.as_bytes(), body]))
}

fn mac(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex_digest(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One delivery as it went out, and what the receiver answered: what a
/// test asserts on, and what a fake resends for a redelivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The headers sent, names as the vendor spells them.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The receiver's status, or why nothing was received.
    pub answer: Result<u16, String>,
}

impl Delivery {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// POSTs `body` with `headers` to `url` (plain HTTP on loopback, or HTTPS)
/// and records the answer. Vendors give up after about 10 s; so does this.
pub async fn post(url: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Delivery {
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build();
    let answer = match client {
        Ok(client) => {
            let request = headers.iter().fold(client.post(url), |request, (name, value)| request.header(name, value));
            request
                .body(body.clone())
                .send()
                .await
                .map(|response| response.status().as_u16())
                .map_err(|error| error.to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    Delivery { headers, body, answer }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_documents_this_signature() {
        let signature = hub_signature("It's a Secret to Everybody", b"Hello, World!");
        assert_eq!(signature, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    }

    #[test]
    fn zendesk_test_secret_signs_as_computed() {
        let secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
        let signature = zendesk_signature(secret, "2021-03-25T05:09:27Z", br#"{"ticket_id":"123"}"#);
        assert_eq!(signature, "YmkQCnSLfGdf5pcvqNFcuOtUpzUb/ss09fM0NCi/wvw=");
    }
}
