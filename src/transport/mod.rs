//! WebSocket endpoints (spec section 4): upgrade, limits, and one session task per connection.

pub mod bounds;
pub mod codec;
#[cfg(feature = "server")]
mod hello;
#[cfg(feature = "server")]
mod hold;
#[cfg(feature = "server")]
mod session;
#[cfg(feature = "server")]
mod write;
#[cfg(feature = "server")]
mod ws;

#[cfg(feature = "server")]
pub use ws::{HARD_FRAME_FACTOR, READ_BUFFER_BYTES, WRITE_BUFFER_BYTES, origin_allowed, router};
