//! The tables the fake instance has and what kind each field is.
//!
//! ServiceNow's dictionary decides how a field is stored and shown: a
//! reference holds a `sys_id` and is shown as the referenced record's display
//! field, a choice holds a code and is shown as its label, a journal field
//! holds nothing on the record (its entries live in `sys_journal_field`).
//! The Table API's rendering, querying and business rules all follow from
//! these kinds, so they are declared once here.

/// How a field is stored and displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, numbers, dates and booleans: shown as stored.
    Plain,
    /// A `sys_id` of a record in the named table.
    Reference(&'static str),
    /// A code with labels, as (code, label) pairs.
    Choice(&'static [(&'static str, &'static str)]),
    /// A journal (`comments`, `work_notes`): written entries go to
    /// `sys_journal_field`, the field itself reads back empty.
    Journal,
}

/// One field of a table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Column name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Stored when an insert does not set it.
    pub default: &'static str,
}

const fn plain(name: &'static str) -> Field {
    Field { name, kind: Kind::Plain, default: "" }
}

const fn flag(name: &'static str, default: &'static str) -> Field {
    Field { name, kind: Kind::Plain, default }
}

const fn reference(name: &'static str, table: &'static str) -> Field {
    Field { name, kind: Kind::Reference(table), default: "" }
}

const fn choice(name: &'static str, choices: &'static [(&'static str, &'static str)], default: &'static str) -> Field {
    Field { name, kind: Kind::Choice(choices), default }
}

const fn journal(name: &'static str) -> Field {
    Field { name, kind: Kind::Journal, default: "" }
}

/// Incident states (out of the box).
pub const INCIDENT_STATES: &[(&str, &str)] =
    &[("1", "New"), ("2", "In Progress"), ("3", "On Hold"), ("6", "Resolved"), ("7", "Closed"), ("8", "Canceled")];

/// Task priorities: derived from impact and urgency on incidents.
pub const PRIORITIES: &[(&str, &str)] =
    &[("1", "1 - Critical"), ("2", "2 - High"), ("3", "3 - Moderate"), ("4", "4 - Low"), ("5", "5 - Planning")];

/// Impact and urgency share their scale.
pub const SCALE: &[(&str, &str)] = &[("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low")];

const SEVERITIES: &[(&str, &str)] = &[("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low")];

const PROBLEM_STATES: &[(&str, &str)] = &[
    ("101", "New"),
    ("102", "Assess"),
    ("103", "Root Cause Analysis"),
    ("104", "Fix in Progress"),
    ("106", "Resolved"),
    ("107", "Closed"),
];

const CHANGE_STATES: &[(&str, &str)] = &[
    ("-5", "New"),
    ("-4", "Assess"),
    ("-3", "Authorize"),
    ("-2", "Scheduled"),
    ("-1", "Implement"),
    ("0", "Review"),
    ("3", "Closed"),
    ("4", "Canceled"),
];

const REQUEST_ITEM_STATES: &[(&str, &str)] =
    &[("1", "Open"), ("2", "Work in Progress"), ("3", "Closed Complete"), ("4", "Closed Incomplete")];

const KNOWLEDGE_STATES: &[(&str, &str)] =
    &[("draft", "Draft"), ("review", "Review"), ("published", "Published"), ("retired", "Retired")];

/// Fields every table has.
const SYSTEM: &[Field] = &[
    plain("sys_id"),
    plain("sys_created_on"),
    plain("sys_created_by"),
    plain("sys_updated_on"),
    plain("sys_updated_by"),
    flag("sys_mod_count", "0"),
    plain("sys_class_name"),
];

/// Fields every table extending `task` has.
const TASK: &[Field] = &[
    plain("number"),
    plain("short_description"),
    plain("description"),
    flag("active", "true"),
    choice("priority", PRIORITIES, "4"),
    choice("impact", SCALE, "3"),
    choice("urgency", SCALE, "3"),
    reference("assignment_group", "sys_user_group"),
    reference("assigned_to", "sys_user"),
    reference("opened_by", "sys_user"),
    plain("opened_at"),
    reference("closed_by", "sys_user"),
    plain("closed_at"),
    plain("close_notes"),
    flag("approval", "not requested"),
    flag("escalation", "0"),
    flag("reassignment_count", "0"),
    flag("made_sla", "true"),
    plain("watch_list"),
    plain("task_effective_number"),
    journal("comments"),
    journal("work_notes"),
];

const INCIDENT: &[Field] = &[
    choice("state", INCIDENT_STATES, "1"),
    choice("incident_state", INCIDENT_STATES, "1"),
    choice("priority", PRIORITIES, "5"),
    choice("severity", SEVERITIES, "3"),
    reference("caller_id", "sys_user"),
    flag("category", "inquiry"),
    plain("subcategory"),
    flag("contact_type", "phone"),
    plain("close_code"),
    plain("resolved_at"),
    reference("resolved_by", "sys_user"),
    flag("reopen_count", "0"),
    flag("knowledge", "false"),
    flag("notify", "1"),
];

const PROBLEM: &[Field] = &[
    choice("state", PROBLEM_STATES, "101"),
    plain("known_error"),
    plain("cause_notes"),
    plain("fix_notes"),
    plain("resolution_code"),
];

const CHANGE_REQUEST: &[Field] = &[
    choice("state", CHANGE_STATES, "-5"),
    flag("type", "normal"),
    flag("risk", "3"),
    plain("start_date"),
    plain("end_date"),
    reference("requested_by", "sys_user"),
];

const REQUEST_ITEM: &[Field] =
    &[choice("state", REQUEST_ITEM_STATES, "1"), reference("requested_for", "sys_user"), plain("cat_item")];

const KNOWLEDGE: &[Field] = &[
    plain("number"),
    plain("short_description"),
    plain("text"),
    choice("workflow_state", KNOWLEDGE_STATES, "draft"),
    reference("author", "sys_user"),
    plain("kb_category"),
    flag("active", "true"),
];

const USER: &[Field] = &[
    plain("user_name"),
    plain("first_name"),
    plain("last_name"),
    plain("name"),
    plain("email"),
    plain("title"),
    plain("department"),
    plain("phone"),
    flag("active", "true"),
    reference("manager", "sys_user"),
];

const GROUP: &[Field] =
    &[plain("name"), plain("description"), plain("email"), reference("manager", "sys_user"), flag("active", "true")];

const JOURNAL_ENTRY: &[Field] = &[plain("element"), plain("element_id"), plain("name"), plain("value")];

/// One table's definition.
#[derive(Debug)]
pub struct Table {
    /// Table name, as in `/api/now/table/{name}`.
    pub name: &'static str,
    /// Prefix of the `number` field (`INC`), for tables that number records.
    pub number_prefix: Option<&'static str>,
    /// The field a reference to this table displays.
    pub display_field: &'static str,
    extends_task: bool,
    own: &'static [Field],
}

impl Table {
    /// The field `name`, looking at the table's own fields first (they
    /// override inherited ones, as `incident.state` overrides `task.state`).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields().find(|field| field.name == name)
    }

    /// Every field, own ones first; an inherited field a table overrides is
    /// listed once, in its overriding form.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        let inherited = if self.extends_task { TASK } else { &[] };
        let own = self.own;
        own.iter()
            .chain(inherited.iter().filter(move |field| !own.iter().any(|mine| mine.name == field.name)))
            .chain(SYSTEM.iter())
    }
}

/// Every table the fake instance has.
pub const TABLES: &[Table] = &[
    Table { name: "incident", number_prefix: Some("INC"), display_field: "number", extends_task: true, own: INCIDENT },
    Table { name: "problem", number_prefix: Some("PRB"), display_field: "number", extends_task: true, own: PROBLEM },
    Table {
        name: "change_request",
        number_prefix: Some("CHG"),
        display_field: "number",
        extends_task: true,
        own: CHANGE_REQUEST,
    },
    Table {
        name: "sc_req_item",
        number_prefix: Some("RITM"),
        display_field: "number",
        extends_task: true,
        own: REQUEST_ITEM,
    },
    Table {
        name: "kb_knowledge",
        number_prefix: Some("KB"),
        display_field: "number",
        extends_task: false,
        own: KNOWLEDGE,
    },
    Table { name: "sys_user", number_prefix: None, display_field: "name", extends_task: false, own: USER },
    Table { name: "sys_user_group", number_prefix: None, display_field: "name", extends_task: false, own: GROUP },
    Table {
        name: "sys_journal_field",
        number_prefix: None,
        display_field: "value",
        extends_task: false,
        own: JOURNAL_ENTRY,
    },
];

/// The table called `name`, if the instance has one.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|table| table.name == name)
}

/// The label of `code` among `choices`, or the code itself when it is not
/// one of them (ServiceNow stores and shows unknown codes as they are).
pub fn label<'a>(choices: &'a [(&'a str, &'a str)], code: &'a str) -> &'a str {
    choices.iter().find(|(known, _)| *known == code).map_or(code, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_fields_override_inherited_ones_once() {
        let incident = table("incident").unwrap();
        assert_eq!(incident.fields().filter(|field| field.name == "priority").count(), 1);
        assert_eq!(incident.field("priority").unwrap().default, "5");
        assert_eq!(incident.field("state").unwrap().kind, Kind::Choice(INCIDENT_STATES));
        assert!(incident.field("sys_id").is_some() && incident.field("comments").is_some());
        assert!(table("sys_user").unwrap().field("comments").is_none());
    }

    #[test]
    fn unknown_codes_show_as_themselves() {
        assert_eq!(label(INCIDENT_STATES, "6"), "Resolved");
        assert_eq!(label(INCIDENT_STATES, "42"), "42");
    }
}
