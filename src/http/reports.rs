//! `GET /api/admin/reports` (spec 7.5): satisfaction and service figures per department and agent over a
//! range of days, as JSON or CSV, computed by the store.

use std::fmt::Write;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};

use super::auth::Admin;
use super::error::ApiError;
use crate::app::App;
use crate::protocol::rest::{
    AgentFigures, BreachesOut, DepartmentFigures, FiguresOut, RatingsOut, ReportOut, TimesOut,
};
use crate::store::{Figures, Percentiles, ReportQuery};

/// Longest range a report covers.
pub const MAX_DAYS: i64 = 366;
/// Days a report covers when `from` is not given.
const DEFAULT_DAYS: i64 = 7;

#[derive(serde::Deserialize)]
pub struct Params {
    from: Option<String>,
    to: Option<String>,
    department: Option<String>,
    format: Option<String>,
}

/// A day (`2026-11-23`, its start, UTC) or an instant (RFC 3339). `end` makes a day inclusive: its end.
fn bound(name: &str, raw: &str, end: bool) -> Result<Timestamp, ApiError> {
    if let Ok(date) = raw.parse::<jiff::civil::Date>() {
        let date = if end {
            date.tomorrow().map_err(|_| ApiError::bad_request(format!("\"{name}\" is out of range")))?
        } else {
            date
        };
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| ApiError::bad_request(e.to_string()));
    }
    raw.parse::<Timestamp>().map_err(|_| {
        ApiError::bad_request(format!(
            "\"{name}\" must be a day (2026-11-23) or an RFC 3339 instant (2026-11-23T09:00:00Z)"
        ))
    })
}

/// The range asked for: `[from, to)`, at most `MAX_DAYS` long.
fn range(p: &Params) -> Result<(Timestamp, Timestamp), ApiError> {
    let to = match &p.to {
        Some(raw) => bound("to", raw, true)?,
        None => bound("to", &Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string(), true)?,
    };
    let from = match &p.from {
        Some(raw) => bound("from", raw, false)?,
        None => to - SignedDuration::from_hours(24 * DEFAULT_DAYS),
    };
    if from >= to {
        return Err(ApiError::bad_request("\"from\" must be before \"to\""));
    }
    if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_DAYS) {
        return Err(ApiError::bad_request(format!(
            "a report covers at most {MAX_DAYS} days: {from} to {to} is longer; ask for a shorter range"
        )));
    }
    Ok((from, to))
}

fn times(p: &Percentiles) -> TimesOut {
    let s = |ms: Option<i64>| ms.map(|v| v as f64 / 1000.0);
    TimesOut { count: p.count, median_s: s(p.median_ms), p90_s: s(p.p90_ms) }
}

fn figures(f: &Figures) -> FiguresOut {
    FiguresOut {
        opened: f.opened,
        resolved: f.resolved,
        bot_alone: f.bot_alone,
        handed_off: f.handed_off,
        first_response: times(&f.first_response),
        resolution: times(&f.resolution),
        sla_breaches: BreachesOut { first_response: f.breaches_first_response, resolution: f.breaches_resolution },
        ratings: RatingsOut { count: f.ratings, mean: f.rating_mean, share_4_5: f.rating_share_4_5 },
    }
}

pub async fn report(_: Admin, State(app): State<App>, Query(p): Query<Params>) -> Result<Response, ApiError> {
    let (from, to) = range(&p)?;
    let csv = match p.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::bad_request(format!("\"format\" must be json or csv, not \"{other}\""))),
    };
    if let Some(d) = &p.department
        && !app.departments.iter().any(|x| x.name.as_ref() == d)
    {
        return Err(ApiError::bad_request(format!("no department \"{d}\"")));
    }
    let query = ReportQuery { from, to, department: p.department.clone() };
    let started = std::time::Instant::now();
    let report = app.readers.run(move |r| r.report(&query)).await?;
    metrics::histogram!("switchboard_report_seconds").record(started.elapsed().as_secs_f64());
    let out = ReportOut {
        from,
        to,
        department: p.department,
        departments: report
            .departments
            .iter()
            .map(|(n, f)| DepartmentFigures { name: n.clone(), figures: figures(f) })
            .collect(),
        agents: report
            .agents
            .iter()
            .map(|(id, n, f)| AgentFigures { id: *id, name: n.clone(), figures: figures(f) })
            .collect(),
    };
    if !csv {
        return Ok(Json(out).into_response());
    }
    let disposition = format!(
        "attachment; filename=\"switchboard-report-{}-{}.csv\"",
        from.strftime("%Y%m%d"),
        to.strftime("%Y%m%d")
    );
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        to_csv(&out),
    )
        .into_response())
}

pub const CSV_HEADER: &str = "scope,id,name,opened,resolved,bot_alone,handed_off,\
first_response_count,first_response_median_s,first_response_p90_s,\
resolution_count,resolution_median_s,resolution_p90_s,\
sla_breaches_first_response,sla_breaches_resolution,ratings_count,ratings_mean,ratings_share_4_5";

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so that a spreadsheet does not run a name as a formula.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{}", (x * 1000.0).round() / 1000.0)).unwrap_or_default()
}

fn to_csv(r: &ReportOut) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    let rows = r.departments.iter().map(|d| ("department", String::new(), d.name.to_string(), &d.figures)).chain(
        r.agents.iter().map(|a| ("agent", a.id.to_string(), a.name.as_deref().unwrap_or("").to_string(), &a.figures)),
    );
    for (scope, id, name, f) in rows {
        let _ = write!(
            out,
            "{scope},{id},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            field(&name),
            f.opened,
            f.resolved,
            f.bot_alone,
            f.handed_off,
            f.first_response.count,
            opt(f.first_response.median_s),
            opt(f.first_response.p90_s),
            f.resolution.count,
            opt(f.resolution.median_s),
            opt(f.resolution.p90_s),
            f.sla_breaches.first_response,
            f.sla_breaches.resolution,
            f.ratings.count,
            opt(f.ratings.mean),
            opt(f.ratings.share_4_5),
        );
    }
    out
}
