//! Portal sessions: which `JSESSIONID` cookies are live and the `g_ck`
//! user token each one was issued with.
//!
//! ServiceNow keeps sessions server-side: the cookie names one, and the
//! `X-UserToken` header must carry the token that session was given (the
//! portal page prints it as `window.g_ck`). When a session expires the
//! server forgets it, so the old cookie and token no longer authenticate
//! anything; signing in again issues a new pair.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

/// The live sessions.
pub struct Sessions {
    live: Mutex<HashMap<String, String>>,
}

impl Sessions {
    /// A store holding one live session, `session_id` with `user_token`.
    pub fn new(session_id: &str, user_token: &str) -> Self {
        Self { live: Mutex::new(HashMap::from([(session_id.to_owned(), user_token.to_owned())])) }
    }

    /// The user token of live session `session_id`.
    pub fn token(&self, session_id: &str) -> Option<String> {
        self.lock().get(session_id).cloned()
    }

    /// Starts a new session; returns its id and user token.
    pub fn start(&self) -> (String, String) {
        let (session_id, user_token) = (random_hex(), random_hex() + &random_hex());
        self.lock().insert(session_id.clone(), user_token.clone());
        (session_id, user_token)
    }

    /// Forgets every session, as when they time out.
    pub fn expire_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        crate::lock(&self.live)
    }
}

/// The `JSESSIONID` cookie of a request, from any `Cookie` header.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix("JSESSIONID="))
        .map(str::to_owned)
}

/// 32 upper-case hex digits, different every time: the shape of a
/// ServiceNow session id.
fn random_hex() -> String {
    let half = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
        );
        hasher.finish()
    };
    format!("{:016X}{:016X}", half(), half())
}
