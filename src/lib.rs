//! Switchboard: a live-chat hub that routes website visitors to support agents and bots.
//!
//! Layers, outermost first: `transport` and `http` (axum) → `hub` (live state, one owner) →
//! `store` (durable, behind a trait). `routing` is the policy as pure functions; `protocol` holds the
//! wire types. See ARCHITECTURE.md.
//!
//! The `server` feature (on by default) is the hub itself. Without it, the library is only the core
//! that a client's bytes reach first: wire types and their codec and bounds, identity tokens, and the
//! configuration with the hours and SLA math it checks. The fuzz targets build that alone (fuzz/).

pub mod auth;
pub mod config;
pub mod domain;
pub mod email;
pub mod net;
pub mod protocol;
pub mod routing;
pub mod transport;

#[cfg(feature = "server")]
pub mod app;
#[cfg(feature = "server")]
pub mod bot;
#[cfg(feature = "server")]
pub mod cluster;
#[cfg(feature = "server")]
pub mod console;
#[cfg(feature = "server")]
pub mod delivery;
#[cfg(feature = "server")]
pub mod demo;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "server")]
pub mod hub;
#[cfg(feature = "server")]
pub mod listen;
#[cfg(feature = "server")]
pub mod memory;
#[cfg(feature = "server")]
pub mod passwords;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod stop;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod throttle;
#[cfg(feature = "server")]
pub mod visitor_token;
#[cfg(feature = "server")]
pub mod web;
