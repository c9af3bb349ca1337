//! People named by login or e-mail address, resolved to the login GitHub's
//! APIs take.
//!
//! GitHub identifies people by login; an e-mail address is looked up with
//! the user search (`GET /search/users?q=<address> in:email`), which finds
//! only addresses people made public. Each candidate's profile
//! (`GET /users/{login}`) is read to find the exact match; the only
//! candidate counts even when its profile hides the address.

use crate::client::{GitHub, items, text};
use berth_sdk::ToolError;

/// How many candidates a lookup reads profiles of.
const LOOKUP_LIMIT: usize = 5;

/// Whether `who` is shaped like a GitHub login.
pub fn is_login(who: &str) -> bool {
    !who.is_empty()
        && who.len() <= 39
        && who.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !who.starts_with('-')
}

/// The login of `who` (a login or an e-mail address), or `None` when no
/// user has that public address.
pub fn find(github: &GitHub, who: &str) -> Result<Option<String>, ToolError> {
    let who = who.trim().trim_start_matches('@');
    if !who.contains('@') {
        if is_login(who) {
            return Ok(Some(who.to_owned()));
        }
        return Err(ToolError::invalid(format!(
            "`{}` is neither a GitHub login nor an e-mail address",
            who.chars().take(128).collect::<String>()
        )));
    }
    let target = format!("the user `{who}`");
    let found = github.get(
        "/search/users",
        &[("q", format!("{who} in:email")), ("per_page", LOOKUP_LIMIT.to_string())],
        &target,
    )?;
    let candidates: Vec<String> =
        items(&found, "/items").filter_map(|user| text(user, "/login")).map(str::to_owned).take(LOOKUP_LIMIT).collect();
    for login in &candidates {
        let profile = github.get(&format!("/users/{login}"), &[], &target)?;
        if text(&profile, "/email").is_some_and(|email| email.eq_ignore_ascii_case(who)) {
            return Ok(Some(login.clone()));
        }
    }
    Ok(if candidates.len() == 1 { candidates.into_iter().next() } else { None })
}

/// The login of `who`, or `not-found`.
pub fn login(github: &GitHub, who: &str) -> Result<String, ToolError> {
    find(github, who)?.ok_or_else(|| {
        ToolError::not_found(format!(
            "no GitHub user has the public e-mail address `{}`; give their login instead",
            who.trim().chars().take(128).collect::<String>()
        ))
    })
}

/// The logins of `people` (logins or e-mail addresses).
pub fn logins(github: &GitHub, people: &[String]) -> Result<Vec<String>, ToolError> {
    people.iter().map(|who| login(github, who)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_recognised() {
        for login in ["mia-krystof", "octocat", "a1"] {
            assert!(is_login(login), "{login}");
        }
        for bad in ["", "-x", "a b", "a/b", "x".repeat(40).as_str(), "o'brien"] {
            assert!(!is_login(bad), "{bad}");
        }
    }
}
