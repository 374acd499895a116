//! The command line: `serve` (the default), `migrate` and `user`.

use std::io::{BufRead, IsTerminal};

use clap::{Parser, Subcommand};

use crate::config::{DatabaseArgs, ServeArgs};
use crate::db::Database;
use crate::domain::reservation::PaymentMethod;
use crate::domain::time::Timestamp;
use crate::domain::user::{FullName, NewPassword, Role, Username};
use crate::report::ConsoleReporter;
use crate::services::hashing::Hasher;
use crate::services::import::{self, ImportOptions, Outcome, Resolution};
use crate::services::{staff, Origin};

/// LocaCar Manager: the server a car-rental agency runs its day on.
///
/// Every option can also be set by the environment variable shown, or in a `.env` file
/// in the working directory.
#[derive(Debug, Parser)]
#[command(name = "locacar", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Server options, when no command is given (`serve` is the default).
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve(Box<ServeArgs>),
    /// Apply the database migrations and exit.
    Migrate,
    /// Fill an empty database with a demo agency (accounts admin/admin123 and
    /// manager/manager123, cars and clients), then exit. Refuses a database that holds data.
    Demo,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Read the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import the files `mongoexport` wrote from the Flask/MongoDB version (users.json,
    /// clients.json, cars.json, reservations.json, audit_log.json in DIR) into an empty
    /// database, in one transaction: everything or nothing. Every problem is reported with
    /// its file, line and field; the --on-* options say how to resolve each kind.
    ImportMongo(Box<ImportArgs>),
    /// Fill an empty database with a made-up agency or chain at scale, for benchmarks:
    /// accounts admin/admin123 and manager/manager123 (public: never for a real agency),
    /// branches, cars, clients and a history of rentals that keeps every rule.
    Seed(Box<SeedArgs>),
    /// Write the whole database into DIR as the files `mongoexport` writes (relaxed
    /// Extended JSON, one document per line), which `import-mongo` reads back.
    ExportMongo {
        /// The folder to write users.json, clients.json, cars.json, reservations.json and
        /// audit_log.json into (created if needed; existing files are replaced).
        dir: std::path::PathBuf,
    },
    /// Print the OpenAPI document that `/api/openapi.json` serves (outside development
    /// mode); `web/openapi.json` is this output, and the web app's types come from it.
    Openapi,
}

/// `locacar import-mongo`'s options.
#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The folder holding the collection files.
    dir: std::path::PathBuf,
    /// Check and report everything, then roll back: nothing is imported.
    #[arg(long)]
    dry_run: bool,
    /// A document this schema cannot hold (bad value, type or status): fail, or skip it.
    #[arg(long, value_enum, default_value = "fail")]
    on_invalid: Resolution,
    /// A duplicate _id, phone, e-mail, CIN, plate, VIN or username: fail, or skip
    /// (keep the first).
    #[arg(long, value_enum, default_value = "fail")]
    on_duplicate: Resolution,
    /// Two blocking reservations of one car that overlap: fail, skip (keep the first), or
    /// cancel (import the later one as cancelled_by_agency, with a note).
    #[arg(long, value_enum, default_value = "fail")]
    on_overlap: Resolution,
    /// A reservation whose car or client is missing: fail, or skip it.
    #[arg(long, value_enum, default_value = "fail")]
    on_missing_reference: Resolution,
    /// The method recorded for the original's payments, which did not say.
    #[arg(long, default_value = "cash", value_parser = parse_method)]
    payment_method: PaymentMethod,
    /// Pricing settings (VAT, grace, language) the imported reservations are priced with.
    #[command(flatten)]
    settings: ServeArgs,
}

/// `locacar seed`'s options.
#[derive(Debug, clap::Args)]
struct SeedArgs {
    #[arg(long, default_value_t = 10)]
    branches: usize,
    #[arg(long, default_value_t = 200)]
    cars: usize,
    #[arg(long, default_value_t = 2_000)]
    clients: usize,
    #[arg(long, default_value_t = 10_000)]
    reservations: usize,
    /// The same seed makes the same data.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Pricing settings (VAT, grace) the rentals are priced with.
    #[command(flatten)]
    settings: ServeArgs,
}

fn parse_method(raw: &str) -> Result<PaymentMethod, String> {
    raw.parse()
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Write the audit log as JSON lines (one entry per line, oldest first) for an auditor.
    Export {
        /// Only entries at or after this RFC 3339 date-time (e.g. 2026-01-01T00:00:00Z).
        #[arg(long, value_parser = parse_instant)]
        from: Option<Timestamp>,
        /// Only entries before this RFC 3339 date-time.
        #[arg(long, value_parser = parse_instant)]
        to: Option<Timestamp>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

fn parse_instant(raw: &str) -> Result<Timestamp, String> {
    Timestamp::parse(raw)
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a staff account.
    Create {
        /// Login name: 3–50 letters, digits, '.', '_' or '-'.
        #[arg(long)]
        username: String,
        /// What the account may do.
        #[arg(long, value_enum)]
        role: Role,
        /// The person's full name.
        #[arg(long)]
        full_name: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account; its sessions end.
    SetPassword {
        /// The account's username.
        username: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Parses the command line and runs the command.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Held to the end of the command: dropping it writes out the last log lines.
    let _log_writer = crate::logging::init(&cli.database)?;
    match cli.command {
        None => crate::server::serve(&cli.database, cli.serve).await,
        Some(Command::Serve(args)) => crate::server::serve(&cli.database, *args).await,
        Some(Command::Migrate) => {
            let db = Database::connect(&cli.database.db_settings()).await?;
            db.close().await;
            println!("migrations applied");
            Ok(())
        }
        Some(Command::User(cmd)) => run_user(&cli.database, cmd).await,
        Some(Command::Audit(AuditCommand::Export { from, to, output })) => {
            let db = Database::connect(&cli.database.db_settings()).await?;
            let result = export_audit(&db, from, to, output).await;
            db.close().await;
            let written = result?;
            eprintln!("exported {written} audit entries");
            Ok(())
        }
        Some(Command::ImportMongo(args)) => import_mongo(&cli.database, *args).await,
        Some(Command::Seed(args)) => {
            let scale = crate::services::seed::Scale {
                branches: args.branches,
                cars: args.cars,
                clients: args.clients,
                reservations: args.reservations,
                seed: args.seed,
            };
            let started = std::time::Instant::now();
            let policy = args.settings.rental_policy();
            let made =
                crate::services::seed::run(&cli.database.database_url, scale, policy).await?;
            println!(
                "seeded {} branches, {} cars, {} clients, {} reservations in {:.1} s \
                 (accounts admin/admin123, manager/manager123)",
                made.branches,
                made.cars,
                made.clients,
                made.reservations,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Some(Command::ExportMongo { dir }) => {
            let db = Database::connect(&cli.database.db_settings()).await?;
            let result = export_mongo(&db, &dir).await;
            db.close().await;
            result
        }
        Some(Command::Openapi) => {
            println!("{}", crate::http::openapi_document().to_pretty_json()?);
            Ok(())
        }
        Some(Command::Demo) => {
            let db = Database::connect(&cli.database.db_settings()).await?;
            let result = crate::demo::fill(&db, &Hasher::new(1)?).await;
            db.close().await;
            crate::demo::announce(&result?);
            Ok(())
        }
    }
}

async fn import_mongo(database: &DatabaseArgs, args: ImportArgs) -> anyhow::Result<()> {
    let options = ImportOptions {
        dir: args.dir,
        dry_run: args.dry_run,
        on_invalid: args.on_invalid,
        on_duplicate: args.on_duplicate,
        on_overlap: args.on_overlap,
        on_missing_reference: args.on_missing_reference,
        payment_method: args.payment_method,
        policy: args.settings.rental_policy(),
    };
    if options.on_invalid == Resolution::Cancel
        || options.on_duplicate == Resolution::Cancel
        || options.on_missing_reference == Resolution::Cancel
    {
        anyhow::bail!("`cancel` resolves only overlaps (--on-overlap)");
    }
    let summary = {
        let mut reporter = ConsoleReporter::new(std::io::stderr(), std::io::stderr().is_terminal());
        import::run(&database.database_url, &options, &mut reporter).await?
    };
    match summary.outcome {
        Outcome::Imported => println!("imported: every document is in the database"),
        Outcome::WouldImport => println!("dry run: the import would succeed; nothing was written"),
        Outcome::AlreadyImported(at) => {
            println!("already imported on {at} from the same files: nothing was done");
        }
        Outcome::Failed => anyhow::bail!(
            "{} problem(s) left unresolved: nothing was imported (see the --on-* options)",
            summary.unresolved
        ),
    }
    Ok(())
}

async fn export_mongo(db: &Database, dir: &std::path::Path) -> anyhow::Result<()> {
    let interactive = std::io::stderr().is_terminal();
    let mut last_line = std::time::Instant::now();
    let mut progress = |collection: &str, written: u64, seconds: f64| {
        let rate = written as f64 / seconds.max(1e-9);
        if interactive {
            eprint!("\r{collection}: {written} documents ({rate:.0}/s)   ");
        } else if last_line.elapsed() >= std::time::Duration::from_secs(5) {
            last_line = std::time::Instant::now();
            eprintln!("{collection}: {written} documents so far ({rate:.0}/s)");
        }
    };
    let summary = crate::services::export::run(db, dir, &mut progress).await?;
    if interactive {
        eprintln!();
    }
    for (collection, written) in &summary.written {
        eprintln!("{collection}: {written} documents");
    }
    println!("exported to {}", dir.display());
    Ok(())
}

async fn run_user(database: &DatabaseArgs, cmd: UserCommand) -> anyhow::Result<()> {
    let db = Database::connect(&database.db_settings()).await?;
    let hasher = Hasher::new(1)?;
    let result = match cmd {
        UserCommand::Create {
            username,
            role,
            full_name,
            password_stdin,
        } => {
            let username =
                Username::parse(&username).map_err(|e| anyhow::anyhow!("--username {e}"))?;
            let full_name =
                FullName::parse(&full_name).map_err(|e| anyhow::anyhow!("--full-name {e}"))?;
            let password = read_password(password_stdin)?;
            let new = staff::NewUser {
                username,
                full_name,
                password,
                role,
                is_active: true,
            };
            staff::create(&db, &hasher, None, new, &Origin::cli())
                .await
                .map(|u| println!("created {} {} ({})", u.role.as_str(), u.username, u.id))
        }
        UserCommand::SetPassword {
            username,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            staff::set_password(&db, &hasher, &username, password)
                .await
                .map(|u| {
                    println!(
                        "password changed for {}; their sessions have ended",
                        u.username
                    )
                })
        }
    };
    db.close().await;
    result.map_err(|e| anyhow::anyhow!("{e}"))
}

async fn export_audit(
    db: &Database,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<u64> {
    match output {
        Some(path) => {
            let file = std::fs::File::create(&path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            crate::services::audit::export(db, from, to, &mut std::io::BufWriter::new(file)).await
        }
        None => {
            let stdout = std::io::stdout();
            crate::services::audit::export(
                db,
                from,
                to,
                &mut std::io::BufWriter::new(stdout.lock()),
            )
            .await
        }
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<NewPassword> {
    let raw = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        first
    };
    NewPassword::parse(&raw).map_err(|e| anyhow::anyhow!("the password {e}"))
}
