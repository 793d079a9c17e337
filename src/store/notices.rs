//! Status notices (spec 7.4) as rows: written by the hub's ops, read back whole at start.

use rusqlite::{Connection, Row, named_params};

use super::columns::{NOTICES, run, sql};
use super::rows::{from_ms, join, ms, parse, split};
use super::*;

pub(super) fn put(tx: &Connection, n: &NoticeRecord) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(sql!(NOTICES.insert("INSERT OR REPLACE")))?;
    run(
        &mut stmt,
        named_params! {
            ":id": n.id.0 as i64,
            ":kind": n.kind.as_str(),
            ":title": n.title.as_ref(),
            ":body": n.text.as_ref(),
            ":starts_at": ms(n.starts_at),
            ":ends_at": n.ends_at.map(ms),
            ":departments": join(n.departments.iter()),
            ":created_at": ms(n.created_at),
            ":updated_at": ms(n.updated_at),
        },
    )?;
    Ok(())
}

pub(super) fn delete(tx: &Connection, id: NoticeId) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM notices WHERE id = :id", named_params! {":id": id.0 as i64})?;
    Ok(())
}

fn row(r: &Row<'_>) -> rusqlite::Result<NoticeRecord> {
    Ok(NoticeRecord {
        id: NoticeId(r.get::<_, i64>("id")? as u64),
        kind: parse(&r.get::<_, String>("kind")?, "notice kind")?,
        title: r.get::<_, String>("title")?.into(),
        text: r.get::<_, String>("body")?.into(),
        starts_at: from_ms(r.get("starts_at")?),
        ends_at: r.get::<_, Option<i64>>("ends_at")?.map(from_ms),
        departments: split(&r.get::<_, String>("departments")?).map(Arc::from).collect(),
        created_at: from_ms(r.get("created_at")?),
        updated_at: from_ms(r.get("updated_at")?),
    })
}

/// Every notice, oldest first.
pub(super) fn all(c: &Connection) -> rusqlite::Result<Vec<NoticeRecord>> {
    c.prepare(sql!(format!("{} ORDER BY created_at, id", NOTICES.select())))?.query_map([], row)?.collect()
}
