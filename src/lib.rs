//! LocaCar Manager: the server a car-rental agency runs its day on.
//!
//! Layout: `domain` holds the business rules and value types; `services` the use cases,
//! each one transaction with its audit entry; `db` the persistence, one module per
//! resource; `http` the routes and thin handlers; `config` and `cli` the settings and
//! commands; `logging` the log lines.

pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod error;
pub mod http;
pub mod logging;
pub mod mongo;
pub mod report;
pub mod server;
pub mod services;
