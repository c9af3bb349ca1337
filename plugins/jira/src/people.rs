//! People named by e-mail address or Atlassian account id, resolved to the
//! account id Jira's APIs take.
//!
//! Jira Cloud identifies people by account id only; an e-mail address is
//! looked up with the user search (`GET /rest/api/3/user/search`), which
//! matches addresses even of people whose profile hides them. The match
//! must be exact, or the only one.

use crate::client::{Jira, text};
use berth_sdk::ToolError;
use serde_json::Value;

/// How many users a lookup reads: an address matches one person, and a
/// prefix few.
const LOOKUP_LIMIT: u32 = 10;

/// Whether `who` is shaped like an account id (`5b10a2844c20165700ede21g`,
/// `712020:8c1f…`, `qm:…:…`).
pub fn is_account_id(who: &str) -> bool {
    !who.is_empty()
        && who.len() <= 128
        && who.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'))
}

/// The account id of `who` (an e-mail address or an account id), or
/// `None` when no user matches.
pub fn find(jira: &Jira, who: &str) -> Result<Option<String>, ToolError> {
    let who = who.trim();
    if !who.contains('@') {
        if is_account_id(who) {
            return Ok(Some(who.to_owned()));
        }
        return Err(ToolError::invalid(format!(
            "`{}` is neither an e-mail address nor an Atlassian account id",
            who.chars().take(128).collect::<String>()
        )));
    }
    let found = jira.get(
        "/user/search",
        &[("query", who.to_owned()), ("maxResults", LOOKUP_LIMIT.to_string())],
        &format!("the user `{who}`"),
    )?;
    Ok(pick(&found, who))
}

/// The account id of `who`, or `not-found`.
pub fn account_id(jira: &Jira, who: &str) -> Result<String, ToolError> {
    find(jira, who)?.ok_or_else(|| {
        ToolError::not_found(format!(
            "no Jira user matches `{}`; give their e-mail address or Atlassian account id",
            who.trim().chars().take(128).collect::<String>()
        ))
    })
}

/// From a user search's answer, the account whose address is `email`, or
/// the only account found.
fn pick(found: &Value, email: &str) -> Option<String> {
    let users: Vec<&Value> = found.as_array().map(|users| users.iter().collect()).unwrap_or_default();
    let exact = users.iter().find(|user| text(user, "/emailAddress").is_some_and(|a| a.eq_ignore_ascii_case(email)));
    let chosen = exact.or(if users.len() == 1 { users.first() } else { None })?;
    text(chosen, "/accountId").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_address_picks_its_exact_match_or_the_only_one() {
        let two = json!([
            {"accountId": "a1", "emailAddress": "tom@example.com"},
            {"accountId": "a2", "emailAddress": "tomas.okafor@example.com"},
        ]);
        assert_eq!(pick(&two, "Tomas.Okafor@example.com").as_deref(), Some("a2"));
        assert_eq!(pick(&two, "nobody@example.com"), None, "two candidates, neither exact");
        let hidden = json!([{"accountId": "a3", "displayName": "Jonas"}]);
        assert_eq!(pick(&hidden, "jonas@example.com").as_deref(), Some("a3"), "the only match, address hidden");
        assert_eq!(pick(&json!([]), "x@example.com"), None);
    }

    #[test]
    fn account_ids_are_recognised() {
        for id in ["5b10a2844c20165700ede21g", "712020:8c1f4e2a-6b3d-4f9e-a1c7-2d5e8b9f0a34", "qm:4f2e:6a1b"] {
            assert!(is_account_id(id), "{id}");
        }
        for id in ["", "a b", "x\"y", "a/b"] {
            assert!(!is_account_id(id), "{id}");
        }
    }
}
