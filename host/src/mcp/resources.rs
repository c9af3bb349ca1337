//! Resources: `resources/list`, `resources/templates/list`,
//! `resources/read` and the subscriptions of `resources/subscribe`.
//!
//! A resource's URI scheme is its plugin's name (`servicenow://...`), so a
//! read goes to exactly one plugin, and a plugin that lists or reads another
//! plugin's URI is ignored: two plugins can never answer for one URI.

use super::content;
use super::input_required::{Answer, Retry};
use super::server::{BerthServer, guest_error};
use super::untrusted::clean;
use crate::policy::manifest::{owns_uri, uri_owner};
use crate::runtime::LoadedPlugin;
use crate::runtime::bindings::types::ToolError;
use crate::tenants::PluginAccess;
use rmcp::ErrorData;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::json;
use std::sync::Arc;

impl BerthServer {
    /// The plugins `tenant` may use that serve resources (0.1 components
    /// serve none and are never instantiated for them).
    fn resource_plugins(&self, access: &PluginAccess) -> Vec<Arc<LoadedPlugin>> {
        self.plugins_in(access).into_iter().filter(|plugin| plugin.serves_resources()).collect()
    }

    /// One page of the resources the tenant's plugins offer now. Each
    /// plugin is asked in its own sandbox, all at once; one that fails is
    /// left out of the list and logged, so one broken upstream does not hide
    /// every other plugin's resources.
    pub(super) async fn resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let principal = self.principal(&context)?;
        let tenant = principal.tenant.clone();
        let (generation, access) = self.access(&tenant).await?;
        let plugins = self.resource_plugins(&access);
        let lists = plugins.iter().map(|plugin| {
            let runtime = &self.app.runtime;
            let target = (&principal, &**plugin, &*generation);
            self.export(target, "resources/list", json!({}), async |scope| runtime.list_resources(plugin, scope).await)
        });
        let hidden_text = self.hidden_text(&generation, &tenant).await?;
        let mut resources = Vec::new();
        for (plugin, listed) in plugins.iter().zip(futures::future::join_all(lists).await) {
            match listed {
                Ok(Ok(mut listed)) => resources.extend({
                    clean(hidden_text, &mut listed);
                    listed.into_iter().filter(|resource| owns_uri(plugin.name(), &resource.uri)).map(content::resource)
                }),
                Ok(Err(error)) => {
                    tracing::warn!(tenant = %tenant, plugin = %plugin.name(), "listing resources failed: {}", error.describe())
                }
                Err(error) => {
                    tracing::warn!(tenant = %tenant, plugin = %plugin.name(), "listing resources failed: {}", error.message)
                }
            }
        }
        let (resources, next) =
            super::paging::respond(resources, |resource| &resource.uri, request.as_ref(), self.app.mcp.page_size)?;
        let mut result = ListResourcesResult::with_all_items(resources);
        result.next_cursor = next;
        Ok(result)
    }

    /// One page of the tenant's plugins' resource templates.
    pub(super) async fn resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let tenant = self.tenant(&context)?;
        let templates = self
            .resource_plugins(&self.access(&tenant).await?.1)
            .iter()
            .flat_map(|plugin| plugin.templates.iter().map(content::template).collect::<Vec<_>>())
            .collect();
        let (templates, next) = super::paging::respond(
            templates,
            |template| &template.uri_template,
            request.as_ref(),
            self.app.mcp.page_size,
        )?;
        let mut result = ListResourceTemplatesResult::with_all_items(templates);
        result.next_cursor = next;
        Ok(result)
    }

    /// Reads the resource at the request's URI from the plugin whose scheme
    /// it is; the plugin may ask the client for input while it does. An
    /// unknown resource is invalid params with the URI in `data`, as MCP
    /// asks.
    pub(super) async fn read(
        &self,
        mut request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let principal = self.principal(&context)?;
        let tenant = principal.tenant.clone();
        let uri = std::mem::take(&mut request.uri);
        let not_found = || ErrorData::invalid_params("Resource not found", Some(json!({ "uri": uri })));
        let (generation, access) = self.access(&tenant).await?;
        let plugin = uri_owner(&uri)
            .filter(|owner| access.allows(owner))
            .and_then(|owner| self.app.plugins.get(owner))
            .filter(|plugin| plugin.serves_resources())
            .ok_or_else(not_found)?;
        let audited = json!({ "uri": uri });
        let retry = Retry {
            method: "resources/read",
            target: &uri,
            arguments: &audited,
            state: request.request_state.take(),
            responses: request.input_responses.take(),
        };
        let hidden_text = self.hidden_text(&generation, &tenant).await?;
        let client = self.client(&context, (&tenant, hidden_text), retry)?;
        let runtime = &self.app.runtime;
        let target = (&principal, &*plugin, &*generation);
        let read = async |scope| runtime.read_resource(&plugin, scope, &uri).await;
        let read = match self.export_asking(target, "resources/read", audited.clone(), Some(&client), read).await? {
            Answer::InputRequired(asked) => return Ok(asked.into()),
            Answer::Complete(mut read) => {
                clean(hidden_text, &mut read);
                read
            }
        };
        match read {
            Ok(contents) if !contents.is_empty() => {
                let contents = contents.into_iter().map(content::resource_contents).collect();
                Ok(ReadResourceResult::new(contents).into())
            }
            Ok(_) | Err(ToolError::NotFound(_)) => Err(not_found()),
            Err(error) => Err(guest_error(error)),
        }
    }

    /// Subscribes the session to `uri`, or ends the subscription. The
    /// session registers here if `notifications/initialized` has not been
    /// handled yet: a client may subscribe right after sending it, and rmcp
    /// handles the two concurrently.
    pub(super) fn subscription(
        &self,
        uri: &str,
        subscribe: bool,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let tenant = self.tenant(&context)?;
        let registration = self.registration.get_or_init(|| self.app.sessions.register(tenant, context.peer.clone()));
        if subscribe {
            registration.subscribe(uri).map_err(|error| ErrorData::invalid_params(error.to_string(), None))
        } else {
            registration.unsubscribe(uri);
            Ok(())
        }
    }
}
