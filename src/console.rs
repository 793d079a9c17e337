//! Lines for the operator on stdout (the address, the demo's accounts, a node's role). `println!` panics
//! when stdout cannot be written (a file on a full disk), which would kill the task that printed; these
//! lines are dropped instead, like a log line that cannot be written.

use std::io::Write;

/// Writes one line to stdout, ignoring a failed write.
pub fn say(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(line).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}
