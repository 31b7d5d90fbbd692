//! How long one bcrypt verify takes at a cost (default 10, the server's), in the release
//! profile: the yardstick for the login target (cores ÷ this time is the most logins a
//! second the machine can do). Prints milliseconds of CPU time per verify, then the
//! wall-clock median.
//!
//! One verifier runs on every core at once, as during a login flood: a core whose sibling
//! is busy verifies more slowly than one alone (shared caches, hyper-threads, a lower
//! clock under load), and a bound measured on an idle machine is one no server reaches.
//! CPU time, because the machine is shared: wall time counts other people's builds too.

use std::time::Instant;

const RUNS: u32 = 15;

/// This process's user + system CPU time in clock ticks (fields 14 and 15 of
/// /proc/self/stat; the command name, field 2, may hold spaces, so count from its ')').
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// `RUNS` verifies of `hash`, each one's wall time in milliseconds.
fn verify_runs(hash: &str) -> Vec<f64> {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let ok = bcrypt::verify("correct horse battery", hash).expect("bcrypt verify");
            assert!(ok);
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}

fn main() {
    let cost = std::env::args()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(10); // the server's default (the bcrypt crate's own default is 12)
    let hash = bcrypt::hash("correct horse battery", cost).expect("bcrypt hash");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Linux's USER_HZ is 100 on every common architecture.
    const TICKS_PER_SECOND: f64 = 100.0;
    let ticks_before = cpu_ticks();
    let mut wall: Vec<f64> = std::thread::scope(|scope| {
        let verifiers: Vec<_> = (0..cores)
            .map(|_| scope.spawn(|| verify_runs(&hash)))
            .collect();
        verifiers
            .into_iter()
            .flat_map(|v| v.join().expect("a verifier panicked"))
            .collect()
    });
    let verifies = (RUNS as usize * cores) as f64;
    let cpu_ms = (cpu_ticks() - ticks_before) as f64 / TICKS_PER_SECOND * 1000.0 / verifies;
    wall.sort_by(f64::total_cmp);
    println!("{:.1} {:.1}", cpu_ms, wall[wall.len() / 2]);
}
