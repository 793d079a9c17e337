//! Ticket numbers, handed out from blocks the store has reserved: a number is used only once it is
//! covered by a reservation committed with (or before) the conversation that carries it, so a restart
//! never hands out a number again, whatever crashed when (spec 4: unique, never reused).

use crate::domain::Ticket;
use crate::store::StoreOp;

/// Numbers reserved at a time: one reservation write per this many conversations.
pub const TICKET_BLOCK: u64 = 1000;

pub struct Tickets {
    next: u64,
    /// Every number up to this one is covered by a reservation.
    reserved: u64,
}

impl Tickets {
    /// After `reserved` (the store's high-water mark: numbers up to it may have been used).
    pub fn after(reserved: u64) -> Tickets {
        Tickets { next: reserved + 1, reserved }
    }

    /// The next number, and the reservation to commit with it when the block is used up.
    pub fn take(&mut self) -> (Ticket, Option<StoreOp>) {
        let ticket = Ticket(self.next);
        self.next += 1;
        let reserve = (ticket.0 > self.reserved).then(|| {
            self.reserved = ticket.0 + TICKET_BLOCK - 1;
            StoreOp::ReserveTickets { up_to: self.reserved }
        });
        (ticket, reserve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_reserved_a_block_ahead_and_never_reused_after_a_restart() {
        let mut t = Tickets::after(1000);
        let (first, reserve) = t.take();
        assert_eq!(first, Ticket(1001));
        assert_eq!(reserve, Some(StoreOp::ReserveTickets { up_to: 1000 + TICKET_BLOCK }));
        for _ in 1..TICKET_BLOCK {
            assert_eq!(t.take().1, None, "within the block: no write");
        }
        let (next, reserve) = t.take();
        assert_eq!(next, Ticket(1001 + TICKET_BLOCK));
        assert!(reserve.is_some(), "a new block");
        // A crash after the first number: the next process starts past the whole reservation.
        let mut again = Tickets::after(1000 + TICKET_BLOCK);
        assert_eq!(again.take().0, Ticket(1001 + TICKET_BLOCK));
    }
}
