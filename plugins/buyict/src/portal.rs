//! The BuyICT Service Portal client: the two JSON APIs the portal's own
//! pages use, sent through the host with the tenant's `buyict` session
//! credential (the `JSESSIONID` cookie and the `X-UserToken` header, which
//! the host attaches; this plugin never sees them).
//!
//! - `GET /api/now/sp/page?id=<page>&portal_id=<portal>&...` returns a whole
//!   page, widget data included (see [`crate::widgets`]).
//! - `POST /api/now/sp/widget/<widget sys_id>?id=<page>` with the widget's
//!   input as the JSON body returns that widget's data for the input; it is
//!   how the portal searches and pages server-side.

use crate::errors::PortalError;
use crate::settings::Settings;
use berth_sdk::http::Request;
use serde::Serialize;
use serde_json::Value;

/// The credential the operator stores for this plugin.
pub const CREDENTIAL: &str = "buyict";
/// Where the portal's JSON APIs live; also the plugin's only egress.
pub const API_PATH: &str = "/api/now/sp/";

/// A portal, as the calling tenant configured it.
#[derive(Debug, Clone)]
pub struct Portal {
    settings: Settings,
}

impl Portal {
    /// The portal described by `settings`.
    pub fn new(settings: Settings) -> Self {
        Self { settings }
    }

    /// The tenant's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Page `id` with page parameters `params`: the answer's `result`.
    pub fn page(&self, id: &str, params: &[(&str, &str)]) -> Result<Value, PortalError> {
        let mut request = Request::get(format!("{}{API_PATH}page", self.settings.origin())).query("id", id);
        if let Some(portal_id) = &self.settings.portal_id {
            request = request.query("portal_id", portal_id.as_str());
        }
        for (name, value) in params {
            request = request.query(name, *value);
        }
        self.send(request)
    }

    /// The data of widget `widget_sys_id` on page `page_id` for `input`: the
    /// answer's `result.data`.
    pub fn widget<T: Serialize>(&self, widget_sys_id: &str, page_id: &str, input: &T) -> Result<Value, PortalError> {
        let url =
            format!("{}{API_PATH}widget/{}", self.settings.origin(), berth_sdk::http::percent_encode(widget_sys_id));
        let mut result = self.send(Request::post(url).query("id", page_id).json(input))?;
        result
            .get_mut("data")
            .map(Value::take)
            .ok_or_else(|| PortalError::Unexpected("the widget answer has no `result.data`".to_owned()))
    }

    /// Sends `request` with the session credential; the answer's `result`.
    fn send(&self, request: Request) -> Result<Value, PortalError> {
        let base_url = &self.settings.base_url;
        let response =
            request.credential(CREDENTIAL).send().map_err(|error| PortalError::from_http(error, base_url))?;
        PortalError::check(&response, base_url)?;
        let mut body: Value = serde_json::from_slice(&response.body).map_err(|error| {
            let excerpt: String = response.text().chars().take(200).collect();
            PortalError::Unexpected(format!("the body is not JSON ({error}): {excerpt}"))
        })?;
        body.get_mut("result")
            .map(Value::take)
            .ok_or_else(|| PortalError::Unexpected("the answer has no `result`".to_owned()))
    }
}
