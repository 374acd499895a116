use std::process::ExitCode;

/// jemalloc rather than glibc's allocator: under load glibc's threads contended for
/// each other's arenas (13 % of the server's time in its locks), and the 19 MiB of an
/// Argon2id hash stayed resident after it was freed (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
