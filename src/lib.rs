//! Switchboard: a live-chat hub that routes website visitors to support agents and bots.
//!
//! Layers, outermost first: `transport` and `http` (axum) → `hub` (live state, one owner) →
//! `store` (durable, behind a trait). `routing` is the policy as pure functions; `protocol` holds the
//! wire types. See ARCHITECTURE.md.

pub mod app;
pub mod auth;
pub mod bot;
pub mod cluster;
pub mod config;
pub mod console;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod email;
pub mod http;
pub mod hub;
pub mod listen;
pub mod memory;
pub mod passwords;
pub mod protocol;
pub mod routing;
pub mod server;
pub mod stop;
pub mod store;
pub mod throttle;
pub mod transport;
pub mod visitor_token;
pub mod web;
