//! Turning a [`Backlog`] into frames, one page at a time, from the read pool: what a session (and the
//! built-in bot) does when it meets a backlog in its queue.

use super::{Backlog, BacklogKind};
use crate::domain::Seq;
use crate::hub::views::message_view;
use crate::protocol::ServerFrame;
use crate::store::page::{PAGE_MESSAGES, read_page};
use crate::store::{ReadPool, StoreResult};

/// Where a backlog's reading stands.
pub struct Pages<'a> {
    backlog: &'a Backlog,
    after: Seq,
    started: bool,
    done: bool,
}

impl<'a> Pages<'a> {
    pub fn new(backlog: &'a Backlog) -> Pages<'a> {
        Pages { backlog, after: backlog.after_seq, started: false, done: false }
    }

    /// The frames of the next page (the last page ends with `synced` and the ack for a sync); `None`
    /// once everything was read.
    pub async fn next(&mut self, readers: &ReadPool) -> StoreResult<Option<Vec<ServerFrame>>> {
        if self.done {
            return Ok(None);
        }
        let b = self.backlog;
        let (conversation, after, until) = (b.conversation, self.after, b.last_seq);
        let page = readers.run(move |s| read_page(s, conversation, after, until, PAGE_MESSAGES)).await?;
        self.after = page.next_after(self.after);
        let more = page.more;
        let messages = page.messages.into_iter().map(message_view);
        let mut frames: Vec<ServerFrame> = match &b.kind {
            BacklogKind::Transcript(view) if !self.started => {
                vec![ServerFrame::Assigned { conversation: (**view).clone(), messages: messages.collect(), more }]
            }
            BacklogKind::TranscriptRelayed(view) if !self.started => {
                vec![ServerFrame::AssignedRelayed { conversation: view.clone(), messages: messages.collect(), more }]
            }
            _ => messages.map(ServerFrame::Message).collect(),
        };
        self.started = true;
        if !more {
            self.done = true;
            if let BacklogKind::Sync { reference } = &b.kind {
                let last_seq = b.last_seq.unwrap_or(self.after);
                frames.push(ServerFrame::Synced { conversation_id: conversation, last_seq });
                frames.push(ServerFrame::ack(reference.clone()));
            }
        }
        Ok(Some(frames))
    }
}
