//! `GET /api/tickets/search`: agents find tickets by number, the visitor's email or name, or any text of
//! the transcript (docs/http-api.md). Bounded: the query's length, the page's size, and the tickets one
//! request examines (`store::search`).

use axum::Json;
use axum::extract::{Query, State};

use super::auth::Staff;
use super::error::ApiError;
use super::tickets::{list_item, site_bot_name};
use crate::app::App;
use crate::domain::Ticket;
use crate::hub::views_for_http::ticket_out;
use crate::protocol::rest::SearchOut;
use crate::store::search::{SEARCH_MAX_CHARS, SEARCH_MAX_PAGE, SEARCH_MIN_CHARS, SEARCH_WINDOW, SearchQuery};

/// Tickets a page holds unless `limit` says otherwise.
const DEFAULT_PAGE: usize = 20;

#[derive(serde::Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
    /// The previous page's `next_before`.
    before: Option<String>,
}

pub async fn search(
    _: Staff,
    State(app): State<App>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchOut>, ApiError> {
    let text = p.q.unwrap_or_default().trim().to_owned();
    let chars = text.chars().count();
    if !(SEARCH_MIN_CHARS..=SEARCH_MAX_CHARS).contains(&chars) {
        return Err(ApiError::bad_request(format!("q must be {SEARCH_MIN_CHARS} to {SEARCH_MAX_CHARS} characters")));
    }
    let before = match p.before.as_deref().filter(|b| !b.is_empty()) {
        Some(b) => {
            Some(b.parse::<Ticket>().map_err(|_| ApiError::bad_request("before must be a ticket like SB-1001"))?)
        }
        None => None,
    };
    let limit = p.limit.unwrap_or(DEFAULT_PAGE).clamp(1, SEARCH_MAX_PAGE);
    let query = SearchQuery { text, before, limit, window: SEARCH_WINDOW };
    let (items, next_before) = app
        .readers
        .run(move |s| {
            let page = s.search(&query)?;
            let items = page.records.into_iter().map(|rec| list_item(s, rec, true)).collect::<Result<Vec<_>, _>>()?;
            Ok((items, page.next_before))
        })
        .await?;
    let results = items.into_iter().map(|p| ticket_out(site_bot_name(&app, p), &app.departments, &app.sla)).collect();
    Ok(Json(SearchOut { results, next_before: next_before.map(|t| t.to_string()) }))
}
