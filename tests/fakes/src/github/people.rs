//! Users, the signed-in user, a repository, and the free rate-limit
//! report.

use super::api::Ctx;
use super::error::ApiError;
use super::limiter::{Caller, Quota};
use super::render::Render;
use super::store::Store;
use super::{Account, lock};
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// `public-user` for `login`, or 404.
fn profile(store: &Store, ctx: &Ctx, login: &str) -> Result<Value, ApiError> {
    let user = store.user(login).ok_or(ApiError::NotFound)?;
    Ok(Render::new(&ctx.origin, store).profile(user, 0))
}

/// `GET /users/{login}`: anyone's public profile, with the public `email`.
pub async fn user(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path(login): Path<String>,
) -> Result<Response, ApiError> {
    Ok(axum::Json(profile(&lock(&account.store), &ctx, &login)?).into_response())
}

/// `GET /user`: the token's user (401 `Requires authentication` without
/// one).
pub async fn me(State(account): State<Arc<Account>>, Extension(ctx): Extension<Ctx>) -> Result<Response, ApiError> {
    let login = ctx.require_login()?;
    Ok(axum::Json(profile(&lock(&account.store), &ctx, login)?).into_response())
}

/// `GET /repos/{owner}/{repo}`.
pub async fn repository(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?;
    Ok(axum::Json(Render::new(&ctx.origin, &store).repo(repo)).into_response())
}

/// `GET /rate_limit`: `{resources: {core, search}, rate}`, each `{limit,
/// used, remaining, reset}`. It does not count against any limit.
pub async fn rate_limit(State(account): State<Arc<Account>>, Extension(ctx): Extension<Ctx>) -> Response {
    let caller = match &ctx.login {
        Some(login) => Caller::User(lock(&account.store).user(login).map_or(0, |user| user.id)),
        None => Caller::Anonymous,
    };
    let [core, search] = lock(&account.limiter).snapshot(caller);
    let entry = |quota: Quota| json!({"limit": quota.limit, "used": quota.used, "remaining": quota.remaining(), "reset": quota.reset});
    axum::Json(json!({"resources": {"core": entry(core), "search": entry(search)}, "rate": entry(core)}))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use reqwest::StatusCode;

    #[tokio::test]
    async fn profiles_carry_the_public_email() {
        let gh = Harness::start().await;
        for (login, email) in [
            ("mia-krystof", "mia.krystof@example.com"),
            ("tomas-okafor", "tomas.okafor@example.com"),
            ("priya-natarajan", "priya.natarajan@example.com"),
        ] {
            let user = gh.get(&format!("/users/{login}")).await.body;
            assert_eq!(
                (user["login"].as_str(), user["email"].as_str(), user["type"].as_str()),
                (Some(login), Some(email), Some("User"))
            );
        }
        assert_eq!(gh.get("/users/nobody").await.status, StatusCode::NOT_FOUND);
        let me = gh.call("GET", "/user", None, None).await;
        assert_eq!(
            (me.status, me.body["message"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("Requires authentication"))
        );
        let repo = gh.get("/repos/acme/ops-portal").await.body;
        assert_eq!(
            (repo["private"].as_bool(), repo["full_name"].as_str(), repo["owner"]["type"].as_str()),
            (Some(true), Some("acme/ops-portal"), Some("Organization"))
        );
    }
}
