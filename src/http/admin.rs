//! Admin API: agents, bots, identity links (spec 2 and 3).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::auth::{Admin, Staff};
use super::error::{ApiError, JsonBody};
use crate::app::App;
use crate::auth::{self, TokenKind};
use crate::domain::Language;
use crate::domain::{AgentId, BotId, Tier};
use crate::hub::{AdminCommand, AgentChanges, NewAgent};
use crate::protocol::rest::{AgentOut, BotOut, Colleague, CreateAgent, CreateBot, PatchAgent, Relink};

/// Longest name, email or password accepted, in characters.
pub const MAX_FIELD_CHARS: usize = 200;
/// Most chats one agent may be given at once.
pub const MAX_CHATS_LIMIT: u32 = 100;

fn languages(codes: &[String]) -> Result<Vec<Language>, ApiError> {
    let mut out = Vec::new();
    for code in codes {
        // Browsers and people say "no" for Norwegian; the detector says "nb".
        let code = if code.eq_ignore_ascii_case("no") { "nb" } else { code.as_str() };
        let lang = Language::parse(code)
            .ok_or_else(|| ApiError::bad_request(format!("\"{code}\" is not an ISO 639-1 language code")))?;
        if !out.contains(&lang) {
            out.push(lang);
        }
    }
    Ok(out)
}

fn text_field(name: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.chars().count() > MAX_FIELD_CHARS {
        return Err(ApiError::bad_request(format!("\"{name}\" must be 1 to {MAX_FIELD_CHARS} characters")));
    }
    Ok(())
}

fn tier(t: u8) -> Result<u8, ApiError> {
    Tier::new(t).map(Tier::get).ok_or_else(|| ApiError::bad_request("\"tier\" must be 1 to 3"))
}

fn max_chats(n: u32) -> Result<u32, ApiError> {
    if (1..=MAX_CHATS_LIMIT).contains(&n) {
        Ok(n)
    } else {
        Err(ApiError::bad_request(format!("\"max_chats\" must be 1 to {MAX_CHATS_LIMIT}")))
    }
}

fn email(e: &str) -> Result<(), ApiError> {
    text_field("email", e)?;
    if !e.contains('@') {
        return Err(ApiError::bad_request("\"email\" is not an email address"));
    }
    Ok(())
}

async fn hash(app: &App, password: String) -> Result<String, ApiError> {
    if password.chars().count() < 4 || password.chars().count() > MAX_FIELD_CHARS {
        return Err(ApiError::bad_request(format!("\"password\" must be 4 to {MAX_FIELD_CHARS} characters")));
    }
    Ok(app.passwords.hash(password).await?)
}

async fn find(app: &App, id: AgentId) -> Result<AgentOut, ApiError> {
    let list = app.hub.admin(AdminCommand::ListAgents).await?;
    list.into_iter().find(|a| a.info.id == id).ok_or_else(|| ApiError::not_found("agent"))
}

pub async fn create_agent(
    _: Admin,
    State(app): State<App>,
    JsonBody(body): JsonBody<CreateAgent>,
) -> Result<impl IntoResponse, ApiError> {
    email(&body.email)?;
    text_field("name", &body.name)?;
    let new = NewAgent {
        email: body.email,
        name: body.name,
        languages: languages(&body.languages)?,
        tier: tier(body.tier)?,
        max_chats: max_chats(body.max_chats)?,
        departments: body.departments,
        password_hash: hash(&app, body.password).await?,
    };
    let info = app.hub.admin(|r| AdminCommand::CreateAgent(new, r)).await??;
    Ok((StatusCode::CREATED, Json(find(&app, info.id).await?)))
}

pub async fn list_agents(_: Admin, State(app): State<App>) -> Result<Json<Vec<AgentOut>>, ApiError> {
    Ok(Json(app.hub.admin(AdminCommand::ListAgents).await?))
}

/// For agents: the colleagues they may transfer to.
pub async fn list_agents_for_staff(_: Staff, State(app): State<App>) -> Result<Json<Vec<Colleague>>, ApiError> {
    let list = app.hub.admin(AdminCommand::ListAgents).await?;
    Ok(Json(
        list.into_iter().map(|a| Colleague { info: a.info, online: a.online, availability: a.availability }).collect(),
    ))
}

fn agent_id(raw: &str) -> Result<AgentId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("agent"))
}

pub async fn patch_agent(
    _: Admin,
    State(app): State<App>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchAgent>,
) -> Result<Json<AgentOut>, ApiError> {
    let id = agent_id(&id)?;
    if let Some(e) = &body.email {
        email(e)?;
    }
    if let Some(n) = &body.name {
        text_field("name", n)?;
    }
    let changes = AgentChanges {
        email: body.email,
        name: body.name,
        languages: body.languages.as_deref().map(languages).transpose()?,
        tier: body.tier.map(tier).transpose()?,
        max_chats: body.max_chats.map(max_chats).transpose()?,
        departments: body.departments,
        password_hash: match body.password {
            Some(p) => Some(hash(&app, p).await?),
            None => None,
        },
    };
    app.hub.admin(|r| AdminCommand::UpdateAgent(id, changes, r)).await??;
    Ok(Json(find(&app, id).await?))
}

pub async fn delete_agent(_: Admin, State(app): State<App>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = agent_id(&id)?;
    app.hub.admin(|r| AdminCommand::DeleteAgent(id, r)).await??;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn create_bot(
    _: Admin,
    State(app): State<App>,
    JsonBody(body): JsonBody<CreateBot>,
) -> Result<impl IntoResponse, ApiError> {
    text_field("name", &body.name)?;
    let (token, hash) = auth::new_token(TokenKind::Bot);
    let id = BotId::random();
    let info =
        app.hub.admin(|reply| AdminCommand::EnsureBot { id, name: body.name, token_hash: Some(hash), reply }).await??;
    Ok((StatusCode::CREATED, Json(BotOut { id: info.id, name: info.name, token })))
}

pub async fn relink(
    _: Admin,
    State(app): State<App>,
    Path((site, sub)): Path<(String, String)>,
    JsonBody(body): JsonBody<Relink>,
) -> Result<Json<serde_json::Value>, ApiError> {
    email(&body.email)?;
    if !app.sites.contains_key(&site) {
        return Err(ApiError::not_found("site"));
    }
    let email = body.email.trim().to_lowercase();
    let (s, u, e) = (site.clone(), sub.clone(), email.clone());
    app.hub.admin(|reply| AdminCommand::Relink { site: s, sub: u, email: e, reply }).await??;
    tracing::info!(site = %site, sub = %sub, "identity relinked by an admin");
    Ok(Json(serde_json::json!({ "site": site, "sub": sub, "email": email })))
}
