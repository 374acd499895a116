//! `locacar serve`: start-up, the first admin, serving, and graceful shutdown.

use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::{DatabaseArgs, ServeArgs};
use crate::db::Database;
use crate::domain::time::Timestamp;
use crate::http::{self, AppState};
use crate::services::auth::{self, AuthPolicy};
use crate::services::blocks;
use crate::services::hashing::Hasher;
use crate::services::staff;

/// Runs the server until SIGTERM or Ctrl-C, then finishes requests in flight and
/// closes the database.
pub async fn serve(db_args: &DatabaseArgs, args: ServeArgs) -> anyhow::Result<()> {
    let db = Database::connect(&db_args.db_settings()).await?;
    let hasher = Hasher::new(args.hash_threads())?;
    if args.demo {
        add_demo(&db, &hasher).await?;
    }
    announce_first_admin(&db, &hasher, args.admin_password.as_deref()).await?;

    let policy = auth_policy(&args);
    let period = Duration::from_secs(args.housekeeping_seconds);
    let listener = TcpListener::bind(args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} (LOCACAR_BIND): {e}", args.bind))?;
    let address = listener.local_addr()?;
    let state = AppState {
        db: db.clone(),
        hasher,
        auth: policy.clone(),
        config: Arc::new(args),
        photo_slots: AppState::photo_slots(),
    };
    let housekeeping = tokio::spawn(housekeeping(db.clone(), policy, period));
    let limits = state.config.connection_limits();
    let app = http::router(state)?;

    // Tests and scripts read this line to learn the port; keep its shape.
    println!("locacar listening on http://{address}");
    tracing::info!(%address, engine = db.engine().name(), "listening");
    http::connections::serve(listener, app, limits, shutdown_signal()).await;

    tracing::info!("stopping: requests finished, closing the database");
    housekeeping.abort();
    db.close().await;
    Ok(())
}

fn auth_policy(args: &ServeArgs) -> AuthPolicy {
    AuthPolicy {
        session_idle: args.session_idle(),
        session_max: args.session_max(),
        max_failures_per_username: i64::from(args.login_max_failures),
        max_failures_per_address: i64::from(args.login_max_failures_per_address),
        throttle_window: args.login_window(),
    }
}

/// Creates the first admin on an empty database and tells the person at the terminal how to log in.
async fn announce_first_admin(
    db: &Database,
    hasher: &Hasher,
    password: Option<&str>,
) -> anyhow::Result<()> {
    let Some(admin) = staff::ensure_first_admin(db, hasher, password)
        .await
        .context("creating the first admin")?
    else {
        return Ok(());
    };
    println!("First start: created the admin account.");
    println!("  username: {}", admin.username);
    match admin.generated_password {
        Some(password) => {
            println!("  password: {password}");
            println!("  This password is shown only once. Change it after logging in (PUT /api/auth/password)");
            println!("  or with: locacar user set-password {}", admin.username);
        }
        None => println!("  password: the one given in LOCACAR_ADMIN_PASSWORD"),
    }
    Ok(())
}

/// `serve --demo`: the demo agency on a fresh database; an existing one is served as it is.
async fn add_demo(db: &Database, hasher: &Hasher) -> anyhow::Result<()> {
    if crate::demo::is_empty(db).await? {
        crate::demo::announce(&crate::demo::fill(db, hasher).await?);
    } else {
        println!("Demo data not added: the database already holds data.");
    }
    Ok(())
}

/// Purges expired sessions and old login attempts every few minutes.
async fn housekeeping(db: Database, policy: AuthPolicy, period: Duration) {
    let mut every = tokio::time::interval(period);
    // Blocks that ended while no server ran are caught up at start, a week back.
    let mut since = Timestamp::now().plus_millis(-7 * 24 * 60 * 60 * 1000);
    let mut ticks: u64 = 0;
    loop {
        every.tick().await;
        let now = Timestamp::now();
        match blocks::follow_the_clock(&db, since).await {
            Ok(_) => since = now,
            Err(e) => tracing::warn!(error = %e, "following blocks failed"),
        }
        if ticks % 5 == 0 {
            if let Err(e) = auth::purge_expired(&db, &policy).await {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
        ticks += 1;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
