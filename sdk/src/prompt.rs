//! Prompts: templates of messages a user picks in the client, built from
//! their arguments by a handler.

use crate::bindings::berth::plugin::types as wit;
use crate::{PromptMessage, PromptResult, ToolError};
use std::collections::BTreeMap;

type Handler = Box<dyn Fn(&PromptArguments) -> Result<Vec<PromptMessage>, ToolError>>;

/// The arguments a prompt was asked with. The host has checked that every
/// required one is present.
#[derive(Debug, Clone, Default)]
pub struct PromptArguments(BTreeMap<String, String>);

impl PromptArguments {
    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of `name`, or an `invalid-arguments` error naming it.
    pub fn require(&self, name: &str) -> Result<&str, ToolError> {
        self.get(name).ok_or_else(|| ToolError::invalid(format!("the argument `{name}` is missing")))
    }
}

/// One prompt: a name, a description, its arguments and a handler that
/// builds its messages. MCP clients see it as `{plugin}_{name}`.
///
/// ```no_run
/// use berth_sdk::{Content, Prompt, PromptMessage};
///
/// let triage = Prompt::new("triage", "Triage an incident", |args| {
///     let number = args.require("number")?;
///     Ok(vec![PromptMessage::user(Content::text(format!("Triage incident {number}: impact, urgency, next step.")))])
/// })
/// .argument("number", "The incident number, such as INC0010001", true);
/// ```
pub struct Prompt {
    name: &'static str,
    title: Option<String>,
    description: String,
    arguments: Vec<wit::PromptArgument>,
    handler: Handler,
}

impl Prompt {
    /// A prompt named `name` (`[a-z][a-z0-9_]*`) built by `handler`.
    pub fn new<F>(name: &'static str, description: &str, handler: F) -> Self
    where
        F: Fn(&PromptArguments) -> Result<Vec<PromptMessage>, ToolError> + 'static,
    {
        Self {
            name,
            title: None,
            description: description.to_owned(),
            arguments: Vec::new(),
            handler: Box::new(handler),
        }
    }

    /// A short human-readable title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_owned());
        self
    }

    /// Declares an argument.
    pub fn argument(mut self, name: &str, description: &str, required: bool) -> Self {
        self.arguments.push(wit::PromptArgument {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            required,
        });
        self
    }

    /// The prompt's name within the plugin.
    pub fn name(&self) -> &str {
        self.name
    }

    pub(crate) fn describe(&self) -> wit::Prompt {
        wit::Prompt {
            name: self.name.to_owned(),
            title: self.title.clone(),
            description: Some(self.description.clone()),
            arguments: self.arguments.clone(),
        }
    }

    pub(crate) fn build(&self, arguments: Vec<(String, String)>) -> Result<PromptResult, ToolError> {
        let messages = (self.handler)(&PromptArguments(arguments.into_iter().collect()))?;
        Ok(PromptResult { description: Some(self.description.clone()), messages })
    }
}
