//! People (requesters and technicians) as ServiceDesk Plus names them, and
//! as agents name them: by e-mail address or by ServiceDesk Plus's numeric
//! user id.
//!
//! ServiceDesk Plus takes either in a person field (`{"email_id": …}` or
//! `{"id": …}`) and answers 4001 when nobody matches, so no lookup is made
//! before writing one.

use crate::client::{id_at, text};
use berth_sdk::ToolError;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

/// Someone in ServiceDesk Plus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PersonView {
    /// Their ServiceDesk Plus user id.
    pub id: String,
    /// Their name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A person object (`requester`, `technician`, `created_by`), when set.
pub fn person(value: &Value) -> Option<PersonView> {
    let id = id_at(value, "/id")?;
    Some(PersonView {
        id,
        name: text(value, "/name").map(str::to_owned),
        email: text(value, "/email_id").map(str::to_owned),
    })
}

/// Whether `who` looks like an e-mail address.
pub fn is_email(who: &str) -> bool {
    let Some((local, domain)) = who.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && who.len() <= 254
        && !who.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | ','))
}

/// Whether `id` is shaped like ServiceDesk Plus's ids (long numbers).
pub fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.bytes().all(|byte| byte.is_ascii_digit())
}

/// The person field for `who` (an e-mail address or a user id), with the
/// criteria field suffix it is searched by (`email_id` or `id`).
pub fn reference(who: &str) -> Result<(Value, &'static str), ToolError> {
    let who = who.trim();
    if is_email(who) {
        Ok((json!({"email_id": who}), "email_id"))
    } else if is_id(who) {
        Ok((json!({"id": who}), "id"))
    } else {
        Err(ToolError::invalid(format!(
            "`{}` is neither an e-mail address nor a ServiceDesk Plus user id",
            who.chars().take(128).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_named_by_address_or_id() {
        assert_eq!(
            reference(" heather.graham@example.com ").unwrap(),
            (json!({"email_id": "heather.graham@example.com"}), "email_id")
        );
        assert_eq!(reference("7564000000307383").unwrap(), (json!({"id": "7564000000307383"}), "id"));
        for bad in ["Heather Graham", "", "x@y", "a\"@b.c", "123abc"] {
            assert!(reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn person_objects_are_read() {
        let read = person(&json!({"id": "11", "name": "Heather Graham", "email_id": "heather.graham@example.com"}));
        assert_eq!(read.unwrap().email.as_deref(), Some("heather.graham@example.com"));
        assert_eq!(person(&json!({"name": "no id"})), None);
        assert_eq!(person(&Value::Null), None);
    }
}
