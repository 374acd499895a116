//! Use cases: each function is one thing a person does (log in, create a manager, …).
//! They combine the domain rules with persistence, inside one transaction with its
//! audit entry, and know nothing of HTTP.

pub mod audit;
pub mod auth;
pub mod billing;
pub mod blocks;
pub mod branches;
pub mod cars;
pub mod clients;
pub mod dashboard;
pub mod export;
pub mod extras;
pub mod hashing;
pub mod import;
pub mod invoices;
pub mod photos;
pub mod reports;
pub mod reservations;
pub mod seed;
pub mod staff;

use crate::domain::id::Id;
use crate::domain::user::{Role, User};

/// Who is acting, as established by their session.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Id,
    pub username: String,
    pub role: Role,
}

impl From<&User> for Actor {
    fn from(u: &User) -> Self {
        Actor {
            id: u.id,
            username: u.username.clone(),
            role: u.role,
        }
    }
}

/// Where a request came from, recorded with every audit entry.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

impl Origin {
    /// Changes made from the command line.
    pub fn cli() -> Self {
        Origin {
            ip: "local".into(),
            user_agent: "locacar-cli".into(),
        }
    }
}
