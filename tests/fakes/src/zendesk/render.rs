//! The records as the API writes them. Every object carries its `url` on
//! the host the client called; timestamps are RFC 3339 UTC; ids are
//! numbers; absent values are `null`, never missing keys. The shapes are
//! listed in the module documentation of [`crate::zendesk`].

use super::clock::format;
use super::model::{Audit, Channel, Comment, Event, Group, Status, Ticket, User};
use super::store::Store;
use serde_json::{Value, json};

/// The account's support address, where emailed tickets arrive.
pub const SUPPORT_ADDRESS: &str = "support@acme-it.zendesk.com";
/// The account's brand.
pub const BRAND_ID: u64 = 360_000_118_201;
/// The account's default ticket form.
pub const TICKET_FORM_ID: u64 = 360_000_231_701;
/// The account's organization, of which every seeded employee is a member.
pub const ORGANIZATION_ID: u64 = 360_004_552_001;

/// Writes records for a client that reached the account at `base`.
pub struct Render<'a> {
    base: String,
    store: &'a Store,
}

fn time(seconds: Option<i64>) -> Value {
    seconds.map_or(Value::Null, |seconds| Value::String(format(seconds)))
}

/// The `custom_status_id` of the standard custom status for `status`.
fn custom_status_id(status: Status) -> u64 {
    let index = Status::ALL.iter().position(|candidate| *candidate == status).unwrap_or(0);
    360_000_412_001 + index as u64
}

impl<'a> Render<'a> {
    /// A renderer for the account at `https://{origin}`.
    pub fn new(origin: &str, store: &'a Store) -> Self {
        Self { base: format!("https://{origin}"), store }
    }

    /// `https://{origin}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `via` for `channel`; an email names its sender and the support
    /// address.
    fn via(&self, channel: Channel, sender: Option<u64>) -> Value {
        let (from, to) = match (channel, sender.and_then(|id| self.store.user(id))) {
            (Channel::Email, Some(sender)) => (
                json!({"address": sender.email, "name": sender.name}),
                json!({"address": SUPPORT_ADDRESS, "name": "Acme IT Support"}),
            ),
            _ => (json!({}), json!({})),
        };
        json!({"channel": channel.as_str(), "source": {"from": from, "to": to, "rel": null}})
    }

    /// A ticket.
    pub fn ticket(&self, ticket: &Ticket) -> Value {
        json!({
            "url": self.url(&format!("/api/v2/tickets/{}.json", ticket.id)),
            "id": ticket.id,
            "external_id": ticket.external_id,
            "via": self.via(ticket.channel, Some(ticket.requester_id)),
            "created_at": format(ticket.created_at),
            "updated_at": format(ticket.updated_at),
            "generated_timestamp": ticket.updated_at,
            "type": ticket.kind.map(|kind| kind.as_str()),
            "subject": ticket.subject,
            "raw_subject": ticket.subject,
            "description": ticket.description,
            "priority": ticket.priority.map(|priority| priority.as_str()),
            "status": ticket.status.as_str(),
            "custom_status_id": custom_status_id(ticket.status),
            "recipient": (ticket.channel == Channel::Email).then_some(SUPPORT_ADDRESS),
            "requester_id": ticket.requester_id,
            "submitter_id": ticket.submitter_id,
            "assignee_id": ticket.assignee_id,
            "organization_id": ticket.organization_id,
            "group_id": ticket.group_id,
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": null,
            "problem_id": null,
            "has_incidents": false,
            "is_public": ticket.is_public,
            "due_at": time(ticket.due_at),
            "tags": ticket.tags,
            "custom_fields": [],
            "fields": [],
            "satisfaction_rating": null,
            "sharing_agreement_ids": [],
            "followup_ids": [],
            "ticket_form_id": TICKET_FORM_ID,
            "brand_id": BRAND_ID,
            "allow_channelback": false,
            "allow_attachments": true,
            "from_messaging_channel": false,
        })
    }

    /// A comment, as the comments endpoint lists it.
    pub fn comment(&self, comment: &Comment) -> Value {
        let plain = comment.body.clone();
        json!({
            "id": comment.id,
            "type": "Comment",
            "author_id": comment.author_id,
            "body": comment.body,
            "html_body": comment.html_body,
            "plain_body": plain,
            "public": comment.public,
            "attachments": [],
            "audit_id": comment.audit_id,
            "via": self.via(comment.channel, Some(comment.author_id)),
            "created_at": format(comment.created_at),
            "metadata": metadata(&comment.client),
        })
    }

    /// An audit, as a create or update returns it.
    pub fn audit(&self, audit: &Audit) -> Value {
        let events: Vec<Value> = audit.events.iter().map(event).collect();
        json!({
            "id": audit.id,
            "ticket_id": audit.ticket_id,
            "created_at": format(audit.created_at),
            "author_id": audit.author_id,
            "metadata": metadata(&audit.client),
            "via": self.via(Channel::Api, None),
            "events": events,
        })
    }

    /// A user.
    pub fn user(&self, user: &User) -> Value {
        json!({
            "id": user.id,
            "url": self.url(&format!("/api/v2/users/{}.json", user.id)),
            "name": user.name,
            "email": user.email,
            "created_at": format(user.created_at),
            "updated_at": format(user.updated_at),
            "time_zone": user.time_zone,
            "iana_time_zone": user.iana_time_zone,
            "phone": null,
            "shared_phone_number": null,
            "photo": null,
            "locale_id": 1,
            "locale": "en-US",
            "organization_id": user.organization_id,
            "role": user.role.as_str(),
            "verified": true,
            "external_id": null,
            "tags": user.tags,
            "alias": "",
            "active": true,
            "shared": false,
            "shared_agent": false,
            "last_login_at": time(user.last_login_at),
            "two_factor_auth_enabled": null,
            "signature": user.role.is_staff().then(|| format!("{}\nAcme IT Support", user.name)),
            "details": "",
            "notes": "",
            "role_type": null,
            "custom_role_id": null,
            "moderator": user.role.is_staff(),
            "ticket_restriction": if user.role.is_staff() { Value::Null } else { json!("requested") },
            "only_private_comments": false,
            "restricted_agent": false,
            "suspended": false,
            "default_group_id": user.default_group_id,
            "report_csv": user.role == super::model::Role::Admin,
            "user_fields": {},
        })
    }

    /// A group.
    pub fn group(&self, group: &Group) -> Value {
        json!({
            "url": self.url(&format!("/api/v2/groups/{}.json", group.id)),
            "id": group.id,
            "is_public": true,
            "name": group.name,
            "description": group.description,
            "default": group.default,
            "deleted": false,
            "created_at": format(group.created_at),
            "updated_at": format(group.updated_at),
        })
    }
}

/// `metadata` of a comment or audit written by `client`.
fn metadata(client: &str) -> Value {
    json!({
        "system": {
            "client": client,
            "ip_address": "127.0.0.1",
            "location": "Sydney, NSW, Australia",
            "latitude": -33.8688,
            "longitude": 151.2093,
        },
        "custom": {},
    })
}

fn event(event: &Event) -> Value {
    match event {
        Event::Comment { id, comment } => json!({
            "id": id,
            "type": "Comment",
            "author_id": comment.author_id,
            "body": comment.body,
            "html_body": comment.html_body,
            "plain_body": comment.body,
            "public": comment.public,
            "attachments": [],
            "audit_id": comment.audit_id,
        }),
        Event::Create { id, field_name, value } => {
            json!({"id": id, "type": "Create", "field_name": field_name, "value": value})
        }
        Event::Change { id, field_name, value, previous_value } => json!({
            "id": id,
            "type": "Change",
            "field_name": field_name,
            "value": value,
            "previous_value": previous_value,
        }),
    }
}
