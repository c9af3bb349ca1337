//! The routes, and what every request passes first ([`guard`]):
//! authentication, the end-user restriction, and the rate limit, whose
//! headers every response carries. Each path is served with and without
//! the `.json` suffix, as Zendesk serves them.

use super::error::ApiError;
use super::model::{Group, Role, Ticket, User};
use super::{Account, auth, lock, people, records, search, tickets};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use std::sync::Arc;

/// Who is calling, for handlers.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The authenticated user's id.
    pub id: u64,
    /// The `User-Agent`, which audits record as the client.
    pub client: String,
}

/// Marks a response of a ticket list endpoint, which carries the extra
/// `ratelimit-*` headers.
#[derive(Debug, Clone, Copy)]
pub struct TicketList;

/// The API's router.
pub fn router(account: Arc<Account>) -> Router {
    let routes: [(&str, MethodRouter<Arc<Account>>); 12] = [
        ("/api/v2/tickets", get(tickets::list).post(tickets::create)),
        ("/api/v2/tickets/show_many", get(tickets::show_many)),
        ("/api/v2/tickets/{id}", get(records::show::<Ticket>).put(tickets::update)),
        ("/api/v2/tickets/{id}/comments", get(tickets::comments)),
        ("/api/v2/search", get(search::search)),
        ("/api/v2/search/count", get(search::count)),
        ("/api/v2/search/export", get(search::export)),
        ("/api/v2/users/me", get(people::me)),
        ("/api/v2/users/show_many", get(records::show_many::<User>)),
        ("/api/v2/users/search", get(people::search)),
        ("/api/v2/users/{id}", get(records::show::<User>)),
        ("/api/v2/groups", get(people::groups)),
    ];
    let mut router = Router::new().route("/api/v2/groups/{id}", get(records::show::<Group>));
    for (path, handler) in routes {
        // `{id}` routes take `123.json` as their id; the rest are registered twice.
        if !path.ends_with("{id}") {
            router = router.route(&format!("{path}.json"), handler.clone());
        }
        router = router.route(path, handler);
    }
    router
        .fallback(|| async { ApiError::InvalidEndpoint })
        .layer(middleware::from_fn_with_state(account.clone(), guard))
        .with_state(account)
}

/// A record id from a path segment (`123` or `123.json`); anything else
/// names no record.
pub fn record_id(segment: &str) -> Result<u64, ApiError> {
    segment.strip_suffix(".json").unwrap_or(segment).parse().map_err(|_| ApiError::RecordNotFound)
}

/// Whether the request is an Update Ticket call, which has its own 429 body.
fn is_ticket_update(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::PUT
        && path.strip_prefix("/api/v2/tickets/").is_some_and(|rest| !rest.contains('/') && record_id(rest).is_ok())
}

/// Authentication, then the end-user restriction, then the rate limit;
/// every answer carries `X-Rate-Limit` and `X-Rate-Limit-Remaining`.
async fn guard(State(account): State<Arc<Account>>, mut request: Request, next: Next) -> Response {
    let authenticated = {
        let store = lock(&account.store);
        auth::authenticate(&account.options, &store, request.headers())
            .map(|id| (id, store.user(id).map_or(Role::EndUser, |user| user.role)))
    };
    let (id, role) = match authenticated {
        Ok(caller) => caller,
        Err(refusal) => {
            let quota = lock(&account.limiter).peek();
            let mut response = refusal.into_response();
            quota.apply(response.headers_mut());
            return response;
        }
    };
    let admitted = lock(&account.limiter).admit(is_ticket_update(&request));
    let quota = match admitted {
        Ok(quota) => quota,
        Err((refusal, quota)) => {
            let mut response = refusal.into_response();
            quota.apply(response.headers_mut());
            return response;
        }
    };
    let own_profile = matches!(request.uri().path(), "/api/v2/users/me" | "/api/v2/users/me.json");
    let mut response = if role == Role::EndUser && !own_profile {
        ApiError::Forbidden.into_response()
    } else {
        let client = request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .unwrap_or("Zendesk API client")
            .to_owned();
        request.extensions_mut().insert(Caller { id, client });
        next.run(request).await
    };
    quota.apply(response.headers_mut());
    if response.extensions().get::<TicketList>().is_some() {
        quota.apply_list(response.headers_mut());
    }
    response
}
