//! Satisfaction and service reports (spec 7.5), computed by SQL over the stored conversations and their
//! history. Every figure is over the conversations opened (`created_at`) in `[from, to)`, optionally of one
//! department, grouped per department and per agent (the agent holding the conversation last).
//!
//! Times are in milliseconds: first response from the moment the conversation first needed a human
//! (`sla_started_at`, else its creation) to the first agent message; resolution from creation to
//! `resolved_at`. Median and p90 are nearest-rank percentiles (the value at rank ceil(p·n)),
//! picked from each group's times in order. The cohort is read through a covering index on
//! `created_at` and the figures' columns (schema migration 8), what its history says through
//! `conversation_flags`, kept by a trigger on the history (schema migration 11).

use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::{Connection, named_params};

use super::rows::ms;
use crate::domain::AgentId;

/// What a report covers.
#[derive(Clone, Debug)]
pub struct ReportQuery {
    pub from: Timestamp,
    /// Exclusive.
    pub to: Timestamp,
    pub department: Option<String>,
}

/// A time's distribution: how many, median and p90 in milliseconds (none when there are none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
}

/// The figures of one department or agent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub opened: u64,
    pub resolved: u64,
    /// Resolved with the bot and never assigned to a person.
    pub bot_alone: u64,
    /// A bot asked for a person (`handoff`).
    pub handed_off: u64,
    pub first_response: Percentiles,
    pub resolution: Percentiles,
    pub breaches_first_response: u64,
    pub breaches_resolution: u64,
    pub ratings: u64,
    pub rating_mean: Option<f64>,
    /// Share of ratings that are 4 or 5, 0..1.
    pub rating_share_4_5: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub departments: Vec<(Arc<str>, Figures)>,
    /// Agent, its name (none if the agent was removed since), figures.
    pub agents: Vec<(AgentId, Option<Arc<str>>, Figures)>,
}

/// One statement for the whole report: the cohort is read once (through the covering index
/// `conversations_report`) with its history flags (`conversation_flags`, one primary-key lookup per
/// conversation: schema migration 11), materialized, doubled into department and agent groups, and
/// counted. A time's median and p90 are nearest-rank picks from the group's times gathered in order into
/// one JSON array (`json_group_array(v ORDER BY v)`, one sort per time): window functions over the same
/// rows took twice as long (docs/benchmarks.md, "Reports").
const REPORT_SQL: &str = "
WITH c AS MATERIALIZED (
  SELECT conv.department, conv.agent_id, conv.status, conv.rating,
         conv.first_response_at - COALESCE(conv.sla_started_at, conv.created_at) AS fr,
         CASE WHEN conv.status = 'resolved' THEN conv.resolved_at - conv.created_at END AS res,
         COALESCE(f.bot, 0) AS bot, COALESCE(f.assigned, 0) AS assigned, COALESCE(f.handoff, 0) AS handoff,
         COALESCE(f.breaches_first_response, 0) AS brf, COALESCE(f.breaches_resolution, 0) AS brr
  FROM conversations conv LEFT JOIN conversation_flags f ON f.conversation_id = conv.id
  WHERE conv.created_at >= :from AND conv.created_at < :to AND (:department IS NULL OR conv.department = :department)
),
g AS MATERIALIZED (
  SELECT 0 AS kind, department AS g, * FROM c
  UNION ALL SELECT 1, agent_id, * FROM c WHERE agent_id IS NOT NULL
),
counts AS (
  SELECT kind, g, COUNT(*) AS opened, SUM(status = 'resolved') AS resolved,
         SUM(status = 'resolved' AND bot AND NOT assigned) AS bot_alone, SUM(handoff) AS handed_off,
         SUM(brf) AS brf, SUM(brr) AS brr, COUNT(rating) AS ratings, AVG(rating) AS rating_mean,
         AVG(CASE WHEN rating IS NULL THEN NULL WHEN rating >= 4 THEN 1.0 ELSE 0.0 END) AS share
  FROM g GROUP BY kind, g
),
frp AS (
  SELECT kind, g, n, vs ->> ('$[' || ((n + 1) / 2 - 1) || ']') AS med,
         vs ->> ('$[' || ((9 * n + 9) / 10 - 1) || ']') AS p90
  FROM (SELECT kind, g, COUNT(*) AS n, json_group_array(fr ORDER BY fr) AS vs FROM g WHERE fr IS NOT NULL
        GROUP BY kind, g)
),
resp AS (
  SELECT kind, g, n, vs ->> ('$[' || ((n + 1) / 2 - 1) || ']') AS med,
         vs ->> ('$[' || ((9 * n + 9) / 10 - 1) || ']') AS p90
  FROM (SELECT kind, g, COUNT(*) AS n, json_group_array(res ORDER BY res) AS vs FROM g WHERE res IS NOT NULL
        GROUP BY kind, g)
)
SELECT counts.*, frp.n AS fr_n, frp.med AS fr_med, frp.p90 AS fr_p90,
       resp.n AS res_n, resp.med AS res_med, resp.p90 AS res_p90
FROM counts LEFT JOIN frp USING (kind, g) LEFT JOIN resp USING (kind, g)";

fn percentiles(r: &rusqlite::Row<'_>, prefix: &str) -> rusqlite::Result<Percentiles> {
    Ok(Percentiles {
        count: r.get::<_, Option<i64>>(format!("{prefix}_n").as_str())?.unwrap_or(0) as u64,
        median_ms: r.get(format!("{prefix}_med").as_str())?,
        p90_ms: r.get(format!("{prefix}_p90").as_str())?,
    })
}

/// The report: departments by name, agents by name.
pub(super) fn report(conn: &Connection, q: &ReportQuery) -> rusqlite::Result<Report> {
    let params = named_params! {":from": ms(q.from), ":to": ms(q.to), ":department": q.department.as_deref()};
    let mut out = Report::default();
    let mut stmt = conn.prepare_cached(REPORT_SQL)?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let f = Figures {
            opened: r.get::<_, i64>("opened")? as u64,
            resolved: r.get::<_, i64>("resolved")? as u64,
            bot_alone: r.get::<_, i64>("bot_alone")? as u64,
            handed_off: r.get::<_, i64>("handed_off")? as u64,
            first_response: percentiles(r, "fr")?,
            resolution: percentiles(r, "res")?,
            breaches_first_response: r.get::<_, i64>("brf")? as u64,
            breaches_resolution: r.get::<_, i64>("brr")? as u64,
            ratings: r.get::<_, i64>("ratings")? as u64,
            rating_mean: r.get("rating_mean")?,
            rating_share_4_5: r.get("share")?,
        };
        if r.get::<_, i64>("kind")? == 0 {
            out.departments.push((Arc::from(r.get::<_, String>("g")?), f));
        } else {
            out.agents.push((AgentId(r.get::<_, i64>("g")? as u64), None, f));
        }
    }
    drop(rows);
    for (id, name, _) in &mut out.agents {
        *name = conn
            .prepare_cached("SELECT name FROM agents WHERE id = :id")?
            .query_row(named_params! {":id": id.0 as i64}, |r| r.get::<_, String>(0))
            .ok()
            .map(Arc::from);
    }
    out.departments.sort_by(|a, b| a.0.cmp(&b.0));
    out.agents.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.0.cmp(&b.0.0)));
    Ok(out)
}
