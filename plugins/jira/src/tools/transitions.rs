//! `list_transitions` and `transition_issue`: where an issue's workflow
//! lets it go from its status now, and moving it there.

use crate::client::Jira;
use crate::issues::{self, IssueView, StatusView};
use crate::ticketing::{self, Offered};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `list_transitions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// The issue key, such as `OPS-12`.
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
}

/// A transition the workflow offers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TransitionView {
    /// Its id, what `transition_issue` takes.
    pub id: String,
    /// What the button says.
    pub name: String,
    /// The status it leads to.
    pub to: StatusView,
    /// Whether its screen takes a resolution.
    pub takes_resolution: bool,
    /// The resolutions its screen allows, when it lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolutions: Vec<String>,
    /// Fields its screen requires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_fields: Vec<String>,
}

impl From<&Offered> for TransitionView {
    fn from(offered: &Offered) -> Self {
        Self {
            id: offered.id.clone(),
            name: offered.name.clone(),
            to: StatusView { name: offered.to.clone(), category: offered.to_category.clone() },
            takes_resolution: offered.resolution.is_some(),
            resolutions: offered.resolution.clone().unwrap_or_default(),
            required_fields: offered.required.clone(),
        }
    }
}

/// An issue's status and the transitions from it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Transitions {
    /// The issue key.
    pub key: String,
    /// Its status now.
    pub status: StatusView,
    /// Where it can go.
    pub transitions: Vec<TransitionView>,
}

/// Runs `list_transitions`.
pub fn list_transitions(args: ListArgs) -> Result<Json<Transitions>, ToolError> {
    let key = issues::key(&args.key)?;
    let jira = Jira::new()?;
    let issue = issues::read(&jira, &key, &["status"])?;
    let status = issues::status(issue.get("fields").unwrap_or(&serde_json::Value::Null));
    let transitions = ticketing::offered(&jira, &key)?.iter().map(TransitionView::from).collect();
    Ok(Json(Transitions { key, status, transitions }))
}

/// Arguments of `transition_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionArgs {
    /// The issue key, such as `OPS-12`.
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// Which transition: its id from `list_transitions`, its name (`Start
    /// progress`) or the name of the status it leads to (`In Progress`).
    #[schemars(length(min = 1, max = 255))]
    pub transition: String,
    /// The resolution to set (`Done`, `Won't Do`…), for a transition whose
    /// screen takes one; by default `Done` when it does.
    #[schemars(length(max = 255))]
    pub resolution: Option<String>,
    /// A comment to add with the transition, plain text.
    #[schemars(length(max = 32768))]
    pub comment: Option<String>,
    /// Make the comment an internal note (Service Management).
    #[serde(default)]
    pub internal: bool,
}

/// What a transition did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Transitioned {
    /// The transition performed; absent when the issue already was in the
    /// status asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performed: Option<TransitionView>,
    /// The issue as it is now.
    pub issue: IssueView,
}

/// Runs `transition_issue`.
pub fn transition_issue(args: TransitionArgs) -> Result<Json<Transitioned>, ToolError> {
    let key = issues::key(&args.key)?;
    let wanted = args.transition.trim();
    let jira = Jira::new()?;
    let current = issues::read(&jira, &key, &["status", "project"])?;
    let status = issues::status(current.get("fields").unwrap_or(&serde_json::Value::Null));
    let comment = args.comment.as_deref().map(str::trim).filter(|comment| !comment.is_empty());
    if comment.is_some() && args.internal {
        issues::check_internal_allowed(&current, &key)?;
    }
    let offered = ticketing::offered(&jira, &key)?;
    let performed = match choose(&offered, wanted) {
        Some(transition) => {
            let resolution = ticketing::resolution_for(transition, args.resolution.as_deref());
            let public = comment.filter(|_| !args.internal);
            ticketing::perform(&jira, &key, transition, resolution, public)?;
            if let Some(note) = comment.filter(|_| args.internal) {
                super::comments::write(&jira, &key, note, true)?;
            }
            Some(TransitionView::from(transition))
        }
        // Already there: nothing to do but the comment.
        None if status.name.eq_ignore_ascii_case(wanted) => {
            if let Some(comment) = comment {
                super::comments::write(&jira, &key, comment, args.internal)?;
            }
            None
        }
        None => {
            let listed: Vec<String> = offered.iter().map(|t| format!("{} `{}` → {}", t.id, t.name, t.to)).collect();
            let listed = if listed.is_empty() { "none".to_owned() } else { listed.join(", ") };
            return Err(ToolError::invalid(format!(
                "{key} is in `{}`, and no transition from there is `{wanted}` or leads to it; Jira offers: {listed}",
                status.name
            )));
        }
    };
    let issue = issues::read(&jira, &key, issues::FIELDS)?;
    let issue = issues::view(&issue, &|key| jira.settings.browse(key), &[]);
    Ok(Json(Transitioned { performed, issue }))
}

/// The transition `wanted` names: by id, else by name, else by target
/// status (names compare without case).
fn choose<'a>(offered: &'a [Offered], wanted: &str) -> Option<&'a Offered> {
    offered
        .iter()
        .find(|transition| transition.id == wanted)
        .or_else(|| offered.iter().find(|transition| transition.name.eq_ignore_ascii_case(wanted)))
        .or_else(|| offered.iter().find(|transition| transition.to.eq_ignore_ascii_case(wanted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: &str, name: &str, to: &str) -> Offered {
        Offered {
            id: id.into(),
            name: name.into(),
            to: to.into(),
            to_category: "indeterminate".into(),
            resolution: None,
            required: vec![],
        }
    }

    #[test]
    fn lists_left_out_when_empty_are_not_required() {
        let schema = serde_json::to_value(schemars::schema_for!(TransitionView)).unwrap();
        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(required, ["id", "name", "to", "takes_resolution"]);
    }

    #[test]
    fn a_transition_is_named_by_id_name_or_target() {
        let offered =
            [offer("11", "Start progress", "In Progress"), offer("41", "Done", "Done"), offer("21", "21", "x")];
        assert_eq!(choose(&offered, "41").unwrap().id, "41");
        assert_eq!(choose(&offered, "start PROGRESS").unwrap().id, "11");
        assert_eq!(choose(&offered, "in progress").unwrap().id, "11");
        assert_eq!(choose(&offered, "21").unwrap().id, "21", "ids first");
        assert!(choose(&offered, "Closed").is_none());
    }
}
