use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

fn main() -> ExitCode {
    fewer_malloc_arenas();
    // LIBRARY_LOG: a level ("warn"), or levels per module ("info,library_server=debug").
    let filter = std::env::var("LIBRARY_LOG")
        .ok()
        .and_then(|spec| spec.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    // The log goes to standard error, plain (no colour codes: it mostly lands in a file
    // or the journal, and colour support cost the binary its weight).
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_filter(filter),
        )
        .init();
    match library_server::cli::Cli::parse().run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("library-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives threads that allocate at the same time arenas of their own (up to eight per
/// core), and memory freed in one arena is not reused by another: with six clients running
/// catalogue searches on the blocking threads, a third of the server's peak memory was
/// such arenas (61 MB peak; 41 MB with two). The work is mostly SQLite's, on a few threads;
/// two arenas serve it as fast. `MALLOC_ARENA_MAX`, when set, still decides.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fewer_malloc_arenas() {
    const M_ARENA_MAX: std::os::raw::c_int = -8;
    extern "C" {
        fn mallopt(param: std::os::raw::c_int, value: std::os::raw::c_int) -> std::os::raw::c_int;
    }
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a parameter of glibc's allocator, and this runs first
        // in main, before any other thread exists.
        unsafe {
            mallopt(M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fewer_malloc_arenas() {}
