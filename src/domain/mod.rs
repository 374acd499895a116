//! Business rules and value types. Nothing here knows about HTTP or SQL,
//! so every rule can be unit-tested on its own.

pub mod audit;
pub mod billing;
pub mod block;
pub mod branch;
pub mod car;
pub mod client;
pub mod dashboard;
pub mod date;
pub mod deposit;
pub mod driver;
pub mod extras;
pub mod id;
pub mod inspection;
pub mod invoice;
pub mod money;
pub mod password;
pub mod pricing;
pub mod quote;
pub mod rates;
pub mod report;
pub mod reservation;
pub mod tax;
pub mod text;
pub mod time;
pub mod user;
pub mod validation;
