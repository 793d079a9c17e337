//! The widget, the agent dashboard and the demo page, embedded in the binary so that one file is the
//! whole product.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::app::App;

/// One script from parts that share one function scope, joined at compile time: the widget keeps one
/// public URL (customers embed it with one script tag) and its `document.currentScript`, and no build
/// step is needed. Each part is a run of statements of that function body, in the order given.
macro_rules! scoped_script {
    ($dir:literal: $($part:literal),+) => {
        concat!(
            "(function () {\n  'use strict';\n",
            $(include_str!(concat!("../web-widget/", $dir, "/", $part))),+,
            "})();\n"
        )
    };
}

/// `/widget.js`, embedded by customers (docs/widget.md); its parts are in `web-widget/widget/`.
pub const WIDGET_JS: &str = scoped_script!("widget": "text.js", "connection.js", "style.js", "panels.js", "ui.js");
/// `/agent.js`, the dashboard's script (docs/dashboard.md); its parts are in `web-widget/agent/`.
pub const AGENT_JS: &str = scoped_script!("agent": "state.js", "connection.js", "render.js", "actions.js", "lists.js");
const AGENT_HTML: &str = include_str!("../web-widget/agent.html");
const AGENT_CSS: &str = include_str!("../web-widget/agent.css");
const DEMO_HTML: &str = include_str!("../web-widget/demo.html");
const ADMIN_HTML: &str = include_str!("../web-widget/admin.html");
const ADMIN_JS: &str = include_str!("../web-widget/admin.js");
const ADMIN_CHARTS_JS: &str = include_str!("../web-widget/admin-charts.js");
const ADMIN_CSS: &str = include_str!("../web-widget/admin.css");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Short caching: embeds pick up a new release within minutes.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response
}

pub fn router() -> Router<App> {
    Router::new()
        .route("/widget.js", get(|| async { asset(WIDGET_JS, "text/javascript; charset=utf-8") }))
        .route("/agent", get(|| async { asset(AGENT_HTML, "text/html; charset=utf-8") }))
        .route("/agent.js", get(|| async { asset(AGENT_JS, "text/javascript; charset=utf-8") }))
        .route("/agent.css", get(|| async { asset(AGENT_CSS, "text/css; charset=utf-8") }))
        .route("/admin", get(|| async { asset(ADMIN_HTML, "text/html; charset=utf-8") }))
        .route("/admin.js", get(|| async { asset(ADMIN_JS, "text/javascript; charset=utf-8") }))
        .route("/admin-charts.js", get(|| async { asset(ADMIN_CHARTS_JS, "text/javascript; charset=utf-8") }))
        .route("/admin.css", get(|| async { asset(ADMIN_CSS, "text/css; charset=utf-8") }))
        .route("/", get(index))
}

async fn index(State(app): State<App>) -> Response {
    if app.demo {
        return asset(DEMO_HTML, "text/html; charset=utf-8");
    }
    Html(
        "<!doctype html><meta charset=utf-8><title>Switchboard</title>\
         <p>Switchboard is running. Agents sign in at <a href=\"/agent\">/agent</a>; \
         embed <code>/widget.js</code> on your site (see docs/widget.md).</p>",
    )
    .into_response()
}
