//! Satisfaction and service reports (spec 7.5), computed by SQL over the stored conversations and their
//! history. Every figure is over the conversations opened (`created_at`) in `[from, to)`, optionally of one
//! department, grouped per department and per agent (the agent holding the conversation last).
//!
//! Times are in milliseconds: first response from the moment the conversation first needed a human
//! (`sla_started_at`, else its creation) to the first agent message; resolution from creation to
//! `resolved_at`. Median and p90 are nearest-rank percentiles (the value at rank ceil(p·n)), picked with
//! window functions. The range is bounded by the index on `created_at`; the history is read through its
//! index on `(conversation_id, what)` (schema migration 8).

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

/// The conversations of the report, as a CTE named `c`.
const COHORT: &str = "c AS (SELECT * FROM conversations WHERE created_at >= :from AND created_at < :to \
                      AND (:department IS NULL OR department = :department))";

fn has(what: &str) -> String {
    format!("EXISTS (SELECT 1 FROM history h WHERE h.conversation_id = c.id AND h.what = '{what}')")
}

/// Counts and ratings per group (`g`, a column of `c`).
fn counts_sql(g: &str) -> String {
    format!(
        "WITH {COHORT} SELECT {g} AS g, COUNT(*) AS opened, \
           SUM(status = 'resolved') AS resolved, \
           SUM(status = 'resolved' AND {bot} AND NOT {assigned}) AS bot_alone, \
           SUM({handoff}) AS handed_off, \
           COUNT(rating) AS ratings, AVG(rating) AS rating_mean, \
           AVG(CASE WHEN rating IS NULL THEN NULL WHEN rating >= 4 THEN 1.0 ELSE 0.0 END) AS share \
         FROM c WHERE {g} IS NOT NULL GROUP BY {g}",
        bot = has("bot"),
        assigned = has("assigned"),
        handoff = has("handoff"),
    )
}

/// Median and p90 of `value` per group, over the rows where it is not null.
fn percentiles_sql(g: &str, value: &str) -> String {
    format!(
        "WITH {COHORT}, t AS (SELECT {g} AS g, {value} AS v FROM c WHERE {g} IS NOT NULL AND {value} IS NOT NULL), \
         r AS (SELECT g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY g) AS n FROM t) \
         SELECT g, MAX(n) AS n, MAX(CASE WHEN rn = (n + 1) / 2 THEN v END) AS median, \
                MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN v END) AS p90 \
         FROM r GROUP BY g"
    )
}

fn breaches_sql(g: &str) -> String {
    format!(
        "WITH {COHORT} SELECT c.{g} AS g, h.note AS clock, COUNT(*) AS n FROM c JOIN history h \
         ON h.conversation_id = c.id AND h.what = 'sla_breached' WHERE c.{g} IS NOT NULL GROUP BY c.{g}, h.note"
    )
}

const FIRST_RESPONSE: &str = "first_response_at - COALESCE(sla_started_at, created_at)";
const RESOLUTION: &str = "CASE WHEN status = 'resolved' THEN resolved_at - created_at END";

/// Figures per value of `g` (a text or integer column), keyed by its text.
fn grouped(conn: &Connection, q: &ReportQuery, g: &str) -> rusqlite::Result<Vec<(String, Figures)>> {
    let params = named_params! {":from": ms(q.from), ":to": ms(q.to), ":department": q.department.as_deref()};
    let key = |r: &rusqlite::Row<'_>| -> rusqlite::Result<String> {
        Ok(match r.get_ref("g")? {
            rusqlite::types::ValueRef::Integer(i) => i.to_string(),
            other => other.as_str().unwrap_or_default().to_owned(),
        })
    };
    let mut out: Vec<(String, Figures)> = Vec::new();
    let mut stmt = conn.prepare_cached(&counts_sql(g))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let f = Figures {
            opened: r.get::<_, i64>("opened")? as u64,
            resolved: r.get::<_, i64>("resolved")? as u64,
            bot_alone: r.get::<_, i64>("bot_alone")? as u64,
            handed_off: r.get::<_, i64>("handed_off")? as u64,
            ratings: r.get::<_, i64>("ratings")? as u64,
            rating_mean: r.get("rating_mean")?,
            rating_share_4_5: r.get("share")?,
            ..Figures::default()
        };
        out.push((key(r)?, f));
    }
    for (value, pick) in [(FIRST_RESPONSE, 0), (RESOLUTION, 1)] {
        let mut stmt = conn.prepare_cached(&percentiles_sql(g, value))?;
        let mut rows = stmt.query(params)?;
        while let Some(r) = rows.next()? {
            let k = key(r)?;
            let p =
                Percentiles { count: r.get::<_, i64>("n")? as u64, median_ms: r.get("median")?, p90_ms: r.get("p90")? };
            if let Some((_, f)) = out.iter_mut().find(|(x, _)| *x == k) {
                if pick == 0 { f.first_response = p } else { f.resolution = p }
            }
        }
    }
    let mut stmt = conn.prepare_cached(&breaches_sql(g))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let (k, clock, n) = (key(r)?, r.get::<_, Option<String>>("clock")?, r.get::<_, i64>("n")? as u64);
        if let Some((_, f)) = out.iter_mut().find(|(x, _)| *x == k) {
            match clock.as_deref() {
                Some("first_response") => f.breaches_first_response += n,
                Some("resolution") => f.breaches_resolution += n,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// The report: departments by name, agents by name.
pub(super) fn report(conn: &Connection, q: &ReportQuery) -> rusqlite::Result<Report> {
    let mut departments: Vec<(Arc<str>, Figures)> =
        grouped(conn, q, "department")?.into_iter().map(|(k, f)| (Arc::from(k), f)).collect();
    departments.sort_by(|a, b| a.0.cmp(&b.0));
    let mut agents = Vec::new();
    for (k, f) in grouped(conn, q, "agent_id")? {
        let id = AgentId(k.parse::<i64>().unwrap_or_default() as u64);
        let name: Option<String> = conn
            .prepare_cached("SELECT name FROM agents WHERE id = :id")?
            .query_row(named_params! {":id": id.0 as i64}, |r| r.get(0))
            .ok();
        agents.push((id, name.map(Arc::from), f));
    }
    agents.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.0.cmp(&b.0.0)));
    Ok(Report { departments, agents })
}
