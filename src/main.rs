use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // A malformed .env is reported; a missing one is normal.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("error: cannot read .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    match locacar::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
