//! The knowledge base (spec 7.6): the public search and the admin's articles. Reads go to the store's
//! readers; writes go through the hub's dispatcher (`AdminCommand::Persist`), the one writer.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::auth::Admin;
use super::error::{ApiError, JsonBody};
use crate::app::App;
use crate::domain::ArticleId;
use crate::hub::AdminCommand;
use crate::protocol::rest::{ArticleOut, CreateArticle, KbHitOut, PatchArticle};
use crate::routing::language::Language;
use crate::store::{ArticleRecord, StoreOp};

/// Longest article text, in characters.
pub const MAX_ARTICLE_CHARS: usize = 20_000;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most tags, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
/// Longest url.
pub const MAX_URL_CHARS: usize = 2000;
/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Results of a search at most (and by default).
pub const MAX_RESULTS: usize = 20;
const DEFAULT_RESULTS: usize = 5;
/// Articles the admin's list shows at most.
pub const MAX_LISTED: usize = 1000;

fn language(raw: &str) -> Result<std::sync::Arc<str>, ApiError> {
    Language::parse(raw)
        .map(|l| l.as_str().into())
        .ok_or_else(|| ApiError::bad_request(format!("\"language\": \"{raw}\" is not an ISO 639-1 language code")))
}

fn title(t: &str) -> Result<(), ApiError> {
    if t.trim().is_empty() || t.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::bad_request(format!("\"title\" must be 1 to {MAX_TITLE_CHARS} characters")));
    }
    Ok(())
}

fn text(t: &str) -> Result<(), ApiError> {
    let n = t.chars().count();
    if t.trim().is_empty() || n > MAX_ARTICLE_CHARS {
        return Err(ApiError::bad_request(format!(
            "\"text\" must be 1 to {MAX_ARTICLE_CHARS} characters (this one has {n}): split a longer article"
        )));
    }
    Ok(())
}

fn tags(list: &[String]) -> Result<Vec<std::sync::Arc<str>>, ApiError> {
    if list.len() > MAX_TAGS || list.iter().any(|t| t.trim().is_empty() || t.chars().count() > MAX_TAG_CHARS) {
        return Err(ApiError::bad_request(format!(
            "\"tags\": at most {MAX_TAGS}, each 1 to {MAX_TAG_CHARS} characters"
        )));
    }
    Ok(list.iter().map(|t| t.trim().into()).collect())
}

fn url(u: &str) -> Result<std::sync::Arc<str>, ApiError> {
    let ok = (u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        && u.chars().count() <= MAX_URL_CHARS
        && !u.chars().any(char::is_whitespace);
    if !ok {
        return Err(ApiError::bad_request(format!(
            "\"url\" must be an http(s) address or a path starting with /, at most {MAX_URL_CHARS} characters"
        )));
    }
    Ok(u.into())
}

fn out(a: ArticleRecord) -> ArticleOut {
    ArticleOut {
        id: a.id,
        language: a.language,
        title: a.title,
        text: a.text,
        tags: a.tags,
        url: a.url,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

async fn persist(app: &App, op: StoreOp) -> Result<(), ApiError> {
    Ok(app.hub.admin(|r| AdminCommand::Persist(vec![op], r)).await??)
}

async fn find(app: &App, id: ArticleId) -> Result<ArticleRecord, ApiError> {
    let found = app.readers.run(move |r| r.kb_articles(Some(id), 1)).await?;
    found.into_iter().next().ok_or_else(|| ApiError::not_found("article"))
}

fn article_id(raw: &str) -> Result<ArticleId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("article"))
}

#[derive(serde::Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    lang: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/kb/search?q=&lang=` (anyone, from any origin: the widget asks from the host page).
pub async fn search(State(app): State<App>, Query(p): Query<SearchParams>) -> Result<impl IntoResponse, ApiError> {
    let q = p.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!("\"q\" must be at most {MAX_QUERY_CHARS} characters")));
    }
    // A locale ("de-DE") is as good as a language here; an unknown one only loses the preference.
    let lang = p.lang.as_deref().and_then(crate::routing::language::from_locale).map(|l| l.as_str().to_owned());
    let limit = p.limit.unwrap_or(DEFAULT_RESULTS).clamp(1, MAX_RESULTS);
    let hits = app.readers.run(move |r| r.kb_search(&q, lang.as_deref(), limit)).await?;
    let results: Vec<KbHitOut> = hits
        .into_iter()
        .map(|h| KbHitOut { id: h.id, title: h.title, snippet: h.snippet, url: h.url, language: h.language })
        .collect();
    let any_origin = [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")];
    Ok((any_origin, Json(serde_json::json!({ "results": results }))))
}

pub async fn list(_: Admin, State(app): State<App>) -> Result<Json<serde_json::Value>, ApiError> {
    let all = app.readers.run(|r| r.kb_articles(None, MAX_LISTED)).await?;
    let articles: Vec<ArticleOut> = all.into_iter().map(out).collect();
    Ok(Json(serde_json::json!({ "articles": articles })))
}

pub async fn get_one(_: Admin, State(app): State<App>, Path(id): Path<String>) -> Result<Json<ArticleOut>, ApiError> {
    Ok(Json(out(find(&app, article_id(&id)?).await?)))
}

pub async fn create(
    _: Admin,
    State(app): State<App>,
    JsonBody(body): JsonBody<CreateArticle>,
) -> Result<impl IntoResponse, ApiError> {
    title(&body.title)?;
    text(&body.text)?;
    let now = jiff::Timestamp::now();
    let record = ArticleRecord {
        id: ArticleId::random(),
        language: language(&body.language)?,
        title: body.title.trim().into(),
        text: body.text.trim().into(),
        tags: tags(&body.tags)?,
        url: body.url.as_deref().map(url).transpose()?,
        created_at: now,
        updated_at: now,
    };
    persist(&app, StoreOp::PutArticle(Box::new(record.clone()))).await?;
    Ok((StatusCode::CREATED, Json(out(record))))
}

pub async fn update(
    _: Admin,
    State(app): State<App>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchArticle>,
) -> Result<Json<ArticleOut>, ApiError> {
    let mut a = find(&app, article_id(&id)?).await?;
    if let Some(v) = &body.language {
        a.language = language(v)?;
    }
    if let Some(v) = &body.title {
        title(v)?;
        a.title = v.trim().into();
    }
    if let Some(v) = &body.text {
        text(v)?;
        a.text = v.trim().into();
    }
    if let Some(v) = &body.tags {
        a.tags = tags(v)?;
    }
    if let Some(v) = &body.url {
        a.url = v.as_deref().map(url).transpose()?;
    }
    a.updated_at = jiff::Timestamp::now();
    persist(&app, StoreOp::PutArticle(Box::new(a.clone()))).await?;
    Ok(Json(out(a)))
}

pub async fn delete(_: Admin, State(app): State<App>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let a = find(&app, article_id(&id)?).await?;
    persist(&app, StoreOp::DeleteArticle(a.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
