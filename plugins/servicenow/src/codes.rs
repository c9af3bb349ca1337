//! Incident choice fields: the codes ServiceNow stores and the labels people
//! use. Agents may say `resolved` or `6`, `high` or `2`; the instance wants
//! the code, and the agent reads the label back.

use berth_sdk::ToolError;

/// One choice field's (code, label) pairs, as on a stock instance.
pub struct Choices {
    /// The field, for messages.
    pub field: &'static str,
    pairs: &'static [(&'static str, &'static str)],
}

/// `incident.state` (and `incident_state`, which mirrors it).
pub const STATE: Choices = Choices {
    field: "state",
    pairs: &[
        ("1", "New"),
        ("2", "In Progress"),
        ("3", "On Hold"),
        ("6", "Resolved"),
        ("7", "Closed"),
        ("8", "Canceled"),
    ],
};

/// `priority`: derived by ServiceNow from impact × urgency.
pub const PRIORITY: Choices = Choices {
    field: "priority",
    pairs: &[("1", "1 - Critical"), ("2", "2 - High"), ("3", "3 - Moderate"), ("4", "4 - Low"), ("5", "5 - Planning")],
};

/// `impact`.
pub const IMPACT: Choices =
    Choices { field: "impact", pairs: &[("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low")] };

/// `urgency` (same scale as impact).
pub const URGENCY: Choices = Choices { field: "urgency", pairs: IMPACT.pairs };

/// The state code of a resolved incident.
pub const RESOLVED: &str = "6";

impl Choices {
    /// The label of `code`, if it is one of the stock codes.
    pub fn label(&self, code: &str) -> Option<&'static str> {
        self.pairs.iter().find(|(known, _)| *known == code.trim()).map(|(_, label)| *label)
    }

    /// The code for `given`: a code, a label (`2 - High`), or the label's
    /// name alone, in any case and with `_` or `-` for spaces
    /// (`in_progress`, `on-hold`, `high`). "Cancelled" is accepted too.
    pub fn code(&self, given: &str) -> Result<&'static str, ToolError> {
        let wanted = normalise(given);
        let wanted = if wanted == "cancelled" { "canceled".to_owned() } else { wanted };
        self.pairs
            .iter()
            .find(|(code, label)| {
                let name = label.split_once(" - ").map_or(*label, |(_, name)| name);
                wanted == *code || wanted == normalise(label) || wanted == normalise(name)
            })
            .map(|(code, _)| *code)
            .ok_or_else(|| {
                let known: Vec<String> = self.pairs.iter().map(|(code, label)| format!("{code} ({label})")).collect();
                ToolError::invalid(format!("`{given}` is not a {}; use one of {}", self.field, known.join(", ")))
            })
    }
}

fn normalise(text: &str) -> String {
    text.trim().to_lowercase().replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_codes_labels_and_names() {
        assert_eq!(STATE.code("6").unwrap(), "6");
        assert_eq!(STATE.code("Resolved").unwrap(), "6");
        assert_eq!(STATE.code("in_progress").unwrap(), "2");
        assert_eq!(STATE.code("on-hold").unwrap(), "3");
        assert_eq!(STATE.code("Cancelled").unwrap(), "8");
        assert_eq!(PRIORITY.code("critical").unwrap(), "1");
        assert_eq!(PRIORITY.code("2 - High").unwrap(), "2");
        assert_eq!(URGENCY.code("low").unwrap(), "3");
        assert!(STATE.code("done").is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(STATE.label("7"), Some("Closed"));
        assert_eq!(PRIORITY.label("5"), Some("5 - Planning"));
        assert_eq!(STATE.label("42"), None);
    }
}
