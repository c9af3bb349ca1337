//! Prompts and completion: `prompts/list`, `prompts/get` and
//! `completion/complete`. Prompts are named `{plugin}_{prompt}` like tools;
//! a completion goes to the plugin whose prompt or resource template it is
//! for.

use super::content;
use super::input_required::{Answer, Retry};
use super::server::{BerthServer, guest_error};
use super::untrusted::clean;
use crate::policy::echo::clip;
use crate::policy::manifest::{qualified_name, split_qualified_name, uri_owner};
use crate::runtime::LoadedPlugin;
use crate::runtime::PromptSpec;
use crate::runtime::bindings::types::{CompletionRef, CompletionRequest};
use crate::tenants::PluginAccess;
use rmcp::ErrorData;
use rmcp::model::{
    CompleteRequestParams, CompleteResult, CompletionInfo, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
    ListPromptsResult, PaginatedRequestParams, Prompt, PromptArgument, Reference,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Value, json};
use std::sync::Arc;

fn describe_prompt(plugin: &LoadedPlugin, prompt: &PromptSpec) -> Prompt {
    let arguments = prompt
        .arguments
        .iter()
        .map(|argument| {
            let mut shown = PromptArgument::new(argument.name.clone());
            shown.description = argument.description.clone();
            shown.required = Some(argument.required);
            shown
        })
        .collect();
    let mut shown =
        Prompt::new(qualified_name(plugin.name(), &prompt.name), prompt.description.clone(), Some(arguments));
    shown.title = prompt.title.clone();
    shown
}

/// A prompt argument's value as the plugin gets it: a string as it is,
/// anything else as its JSON.
fn argument_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

impl BerthServer {
    /// The plugin behind a prompt's qualified `name`, if `access` allows it.
    fn find_prompt(&self, access: &PluginAccess, name: &str) -> Result<(Arc<LoadedPlugin>, usize), ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown prompt `{}`", clip(name)), None);
        let (plugin, prompt) = split_qualified_name(name).ok_or_else(unknown)?;
        let plugin =
            Some(plugin).filter(|plugin| access.allows(plugin)).and_then(|plugin| self.app.plugins.get(plugin));
        let plugin = plugin.ok_or_else(unknown)?;
        let index = plugin.prompts.iter().position(|spec| spec.name == prompt).ok_or_else(unknown)?;
        Ok((plugin, index))
    }

    /// One page of the tenant's prompts.
    pub(super) async fn prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let tenant = self.tenant(&context)?;
        let prompts = self
            .plugins(&tenant)
            .await?
            .iter()
            .flat_map(|plugin| plugin.prompts.iter().map(|prompt| describe_prompt(plugin, prompt)).collect::<Vec<_>>())
            .collect();
        let (prompts, next) =
            super::paging::respond(prompts, |prompt| &prompt.name, request.as_ref(), self.app.mcp.page_size)?;
        let mut result = ListPromptsResult::with_all_items(prompts);
        result.next_cursor = next;
        Ok(result)
    }

    /// Builds a prompt, once every required argument is there. The plugin
    /// may ask the client for input while it does.
    pub(super) async fn prompt(
        &self,
        mut request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let principal = self.principal(&context)?;
        let tenant = principal.tenant.clone();
        let (generation, access) = self.access(&tenant).await?;
        let (plugin, index) = self.find_prompt(&access, &request.name)?;
        let spec = &plugin.prompts[index];
        let given = request.arguments.take().unwrap_or_default();
        if let Some(missing) =
            spec.arguments.iter().find(|argument| argument.required && !given.contains_key(&argument.name))
        {
            let message = format!("prompt `{}` needs the argument `{}`", clip(&request.name), missing.name);
            return Err(ErrorData::invalid_params(message, None));
        }
        let audited = Value::Object(given.clone());
        let retry = Retry {
            method: "prompts/get",
            target: &request.name,
            arguments: &audited,
            state: request.request_state.take(),
            responses: request.input_responses.take(),
        };
        let hidden_text = self.hidden_text(&generation, &tenant).await?;
        let client = self.client(&context, (&tenant, hidden_text), retry)?;
        let arguments: Vec<(String, String)> =
            given.into_iter().map(|(name, value)| (name, argument_text(value))).collect();
        let runtime = &self.app.runtime;
        let target = (&principal, &*plugin, &*generation);
        let build = async |scope| runtime.get_prompt(&plugin, scope, &spec.name, &arguments).await;
        let what = format!("prompts/get {}", spec.name);
        let built = match self.export_asking(target, &what, audited.clone(), Some(&client), build).await? {
            Answer::Complete(mut built) => {
                clean(hidden_text, &mut built);
                built.map_err(guest_error)?
            }
            Answer::InputRequired(asked) => return Ok(asked.into()),
        };
        let mut result = GetPromptResult::new(built.messages.into_iter().map(content::prompt_message).collect());
        result.description = built.description;
        Ok(result.into())
    }

    /// Completes a prompt argument or a template variable, through the
    /// plugin the prompt or template belongs to. At most 100 values go back,
    /// as MCP allows.
    pub(super) async fn completion(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let principal = self.principal(&context)?;
        let tenant = principal.tenant.clone();
        let (generation, access) = self.access(&tenant).await?;
        let (plugin, reference) = match &request.r#ref {
            Reference::Prompt(prompt) => {
                let (plugin, index) = self.find_prompt(&access, &prompt.name)?;
                let name = plugin.prompts[index].name.clone();
                (plugin, CompletionRef::Prompt(name))
            }
            Reference::Resource(template) => {
                let unknown =
                    || ErrorData::invalid_params(format!("unknown resource template `{}`", clip(&template.uri)), None);
                let plugin = uri_owner(&template.uri)
                    .filter(|owner| access.allows(owner))
                    .and_then(|owner| self.app.plugins.get(owner))
                    .filter(|plugin| plugin.templates.iter().any(|known| known.uri_template == template.uri))
                    .ok_or_else(unknown)?;
                (plugin, CompletionRef::ResourceTemplate(template.uri.clone()))
            }
            _ => return Err(ErrorData::invalid_params("unknown completion reference", None)),
        };
        let context = request.context.and_then(|context| context.arguments).unwrap_or_default();
        let asked = CompletionRequest {
            reference,
            argument: request.argument.name.clone(),
            value: request.argument.value.clone(),
            context: context.into_iter().collect(),
        };
        let runtime = &self.app.runtime;
        let target = (&principal, &*plugin, &*generation);
        let audited = json!({ "argument": request.argument.name, "value": request.argument.value });
        let complete = async |scope| runtime.complete(&plugin, scope, &asked).await;
        let mut completion = self.export(target, "completion/complete", audited, complete).await?;
        clean(self.hidden_text(&generation, &tenant).await?, &mut completion);
        let completion = completion.map_err(guest_error)?;
        let mut values = completion.values;
        let more = values.len() > CompletionInfo::MAX_VALUES;
        values.truncate(CompletionInfo::MAX_VALUES);
        let mut info = CompletionInfo::default();
        info.values = values;
        info.total = completion.total;
        info.has_more = Some(completion.has_more || more);
        Ok(CompleteResult::new(info))
    }
}
