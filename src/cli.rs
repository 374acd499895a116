//! The command line: `serve` (the default), `migrate` and `user`.

use std::io::{BufRead, IsTerminal};

use clap::{Parser, Subcommand};

use crate::config::{DatabaseArgs, LogFormat, ServeArgs};
use crate::db::Database;
use crate::domain::time::Timestamp;
use crate::domain::user::{FullName, NewPassword, Role, Username};
use crate::services::hashing::Hasher;
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
    init_logging(&cli.database)?;
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
        Some(Command::Demo) => {
            let db = Database::connect(&cli.database.db_settings()).await?;
            let result = crate::demo::fill(&db, &Hasher::new(1)).await;
            db.close().await;
            crate::demo::announce(&result?);
            Ok(())
        }
    }
}

async fn run_user(database: &DatabaseArgs, cmd: UserCommand) -> anyhow::Result<()> {
    let db = Database::connect(&database.db_settings()).await?;
    let hasher = Hasher::new(1);
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

fn init_logging(args: &DatabaseArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .map_err(|e| anyhow::anyhow!("LOCACAR_LOG must be a level such as info or debug, or a filter such as locacar=debug: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(())
}
