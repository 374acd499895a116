//! Three servers started at once on an empty database apply the migrations once, and
//! correctly, every time.

use std::sync::Barrier;

use crate::common::{Engine, Options, Server, TestDb};

crate::both_engines!(three_servers_starting_together_migrate_once);

const ROUNDS: usize = 20;
const INSTANCES: usize = 3;

async fn three_servers_starting_together_migrate_once(engine: Engine) {
    let reference = {
        let db = TestDb::new(engine).await;
        let _server = Server::start(&db, &Options::default());
        schema(&db).await
    };
    let migrations = std::fs::read_dir(match engine {
        Engine::Sqlite => "migrations/sqlite",
        Engine::Postgres => "migrations/postgres",
    })
    .expect("migrations folder")
    .count() as i64;
    for round in 0..ROUNDS {
        let db = TestDb::new(engine).await;
        let servers = tokio::task::block_in_place(|| start_together(&db));
        for server in &servers {
            let ready = server.api().get("/readyz").await;
            assert_eq!(ready.status, 200, "round {round}: {}", server.log());
        }
        let applied = db
            .count("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .await;
        assert_eq!(applied, migrations, "round {round}: migrations applied");
        let rows = db.count("SELECT COUNT(*) FROM _sqlx_migrations").await;
        assert_eq!(
            rows, migrations,
            "round {round}: each migration recorded once"
        );
        assert_eq!(schema(&db).await, reference, "round {round}: the schema");
        let admins = db
            .count("SELECT COUNT(*) FROM users WHERE username = 'admin'")
            .await;
        assert_eq!(admins, 1, "round {round}: the first admin, made once");
    }
}

/// Starts the servers on threads released at the same moment.
fn start_together(db: &TestDb) -> Vec<Server> {
    let barrier = Barrier::new(INSTANCES);
    std::thread::scope(|scope| {
        let starts: Vec<_> = (0..INSTANCES)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    Server::start(db, &Options::default())
                })
            })
            .collect();
        starts
            .into_iter()
            .map(|s| s.join().expect("server start"))
            .collect()
    })
}

/// Every table, column, index and trigger, as text.
async fn schema(db: &TestDb) -> Vec<String> {
    let sql = match db.engine {
        Engine::Sqlite => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master \
             ORDER BY type, name"
        }
        Engine::Postgres => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || \
             COALESCE(column_default, '') FROM information_schema.columns \
             WHERE table_schema = 'public' \
             UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace \
             UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal \
             ORDER BY 1"
        }
    };
    db.texts(sql).await
}
