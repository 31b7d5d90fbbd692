//! Catalogue at scale: imports a generated 100,000-row Goodreads export through the same
//! service the HTTP API and CLI use, then times searches through the real server (Rocket's
//! local client). Prints figures; asserts nothing about time.
//!
//! cargo bench --bench catalogue

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use library_server::config::{Config, Settings};
use library_server::db::Db;
use library_server::services::{csv_format, import};
use rocket::local::blocking::Client;

const ROWS: usize = 100_000;
const HEADER: &str = "Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,Publisher,Binding,Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,Bookshelves,Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,Read Count,Owned Copies";

const ADJECTIVES: &[&str] = &[
    "Silent",
    "Broken",
    "Golden",
    "Hidden",
    "Last",
    "Lost",
    "Burning",
    "Quiet",
    "Northern",
    "Endless",
    "Crimson",
    "Distant",
    "Secret",
    "Frozen",
    "Wild",
    "Little",
    "Second",
    "Iron",
    "Glass",
    "Hollow",
    "Bright",
    "Dark",
    "Ancient",
    "Restless",
    "Wandering",
    "Painted",
];
const NOUNS: &[&str] = &[
    "River",
    "Garden",
    "Kingdom",
    "House",
    "Sea",
    "Mountain",
    "Winter",
    "Summer",
    "City",
    "Forest",
    "Letter",
    "Daughter",
    "Stranger",
    "Island",
    "Library",
    "Clock",
    "Bridge",
    "Map",
    "Shadow",
    "Orchard",
    "Lighthouse",
    "Harbour",
    "Compiler",
    "Parser",
    "Machine",
    "Empire",
    "Song",
    "Storm",
    "Road",
    "Night",
    "Fire",
    "Stone",
    "Crown",
    "Mirror",
    "Tide",
];
const FIRST: &[&str] = &[
    "Anna", "James", "Maria", "Chen", "Olu", "Sofia", "Liam", "Amara", "Kenji", "Ingrid", "Pedro",
    "Fatima", "Noah", "Elena", "Ravi", "Zoe", "Tomas", "Aiko", "Kwame", "Lucia",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Garcia",
    "Novak",
    "Haddad",
    "Silva",
    "Kowalski",
    "O'Brien",
    "Ivanova",
    "Mbeki",
    "Rossi",
    "Nakamura",
    "Fischer",
    "Patel",
    "Duarte",
    "Larsen",
    "Abara",
    "Whitfield",
    "Castellanos",
    "Bergström",
];
const PUBLISHERS: &[&str] = &[
    "Penguin",
    "Vintage",
    "Ace",
    "Tor",
    "Faber & Faber",
    "Gallimard",
    "Orbit",
    "Picador",
];
const SHELVES: &[&str] = &[
    "fantasy",
    "history",
    "sf",
    "poetry",
    "mystery",
    "classics",
    "cs",
    "travel",
    "to-read",
    "favourites",
    "romance",
    "biography",
];

/// xorshift64*: deterministic, so every run benchmarks the same catalogue.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn isbn13(n: u64) -> String {
    let body = format!("978{:09}", n % 1_000_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn title(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("The {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
        1 => format!("{} of the {}", rng.pick(NOUNS), rng.pick(NOUNS)),
        2 => format!("A {} for {}", rng.pick(NOUNS), rng.pick(FIRST)),
        3 => format!("{} {}: A Novel", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
        _ => format!(
            "The {} {} and the {} {}",
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS)
        ),
    }
}

fn goodreads_csv(rows: usize) -> Vec<u8> {
    let mut rng = Rng(0x5EED_CAFE_F00D_D00D);
    let mut out = String::with_capacity(rows * 260);
    out.push_str(HEADER);
    out.push('\n');
    for i in 0..rows {
        let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
        // Most rows carry an ISBN-13, some none, as in real exports.
        let isbn13 = if rng.below(10) < 8 {
            isbn13(i as u64 + 1)
        } else {
            String::new()
        };
        let shelves = (0..rng.below(4))
            .map(|_| rng.pick(SHELVES))
            .collect::<Vec<_>>()
            .join(", ");
        let year = 1900 + rng.below(126);
        let _ = writeln!(
            out,
            "{id},\"{title}\",{first} {last},\"{last}, {first}\",,\"=\"\"\"\"\",\"=\"\"{isbn13}\"\"\",{rating},{avg:.2},{publisher},Paperback,{pages},{year},{year},,2020/01/01,\"{shelves}\",,read,,,,1,{owned}",
            id = i + 1,
            title = title(&mut rng),
            rating = rng.below(6),
            avg = 3.0 + rng.below(200) as f64 / 100.0,
            publisher = rng.pick(PUBLISHERS),
            pages = 80 + rng.below(900),
            owned = rng.below(3),
        );
    }
    out.into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("bench.db");
    let db = Db::open(&database)?;

    let started = Instant::now();
    let csv = goodreads_csv(ROWS);
    println!(
        "generated {ROWS} Goodreads rows ({:.1} MiB) in {:.2}s",
        csv.len() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );

    let mut conn = db.get()?;
    let started = Instant::now();
    let rules = library_server::services::copies::CopyRules::from_config(
        &library_server::config::Config::default(),
    );
    let report = import::import_file(&mut conn, csv, rules, &mut |_| {})?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "import: {} created, {} updated, {} skipped in {took:.2}s = {:.0} rows/s",
        report.created,
        report.updated,
        report.skipped,
        ROWS as f64 / took
    );

    let started = Instant::now();
    let exported = csv_format::export(&conn, Vec::new(), &mut || {})?;
    println!(
        "export: {:.1} MiB in {:.2}s",
        exported.len() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    drop(conn);

    let figment = Config::figment()
        .merge(("database", &database))
        .merge(("data_dir", dir.path().join("data")))
        .merge(("log_level", "off"));
    let settings = Settings::load(figment)?;
    let client = Client::untracked(library_server::build(settings, db)?)?;

    let queries = [
        "/books?q=river&per_page=20",
        "/books?q=lighthouse%20garden&per_page=20",
        "/books?q=lig&per_page=20",
        "/books?q=harb&per_page=20",
        "/books?q=9780000050007",
        "/books?q=storm&tag=fantasy&sort=published_year&order=desc&per_page=20",
        "/books?author=Anna%20Okafor&sort=title&per_page=20",
        "/books?tag=poetry&available=true&sort=created_at&order=desc&per_page=20",
        "/books?sort=title&page=200&per_page=20",
        "/books?available=true&per_page=20",
    ];
    println!(
        "\n{:<74} {:>8} {:>8} {:>8}",
        "query (200 runs each)", "total", "p50 ms", "p99 ms"
    );
    for query in queries {
        let mut times = Vec::with_capacity(200);
        let mut total = 0;
        for run in 0..210 {
            let started = Instant::now();
            let response = client.get(query).dispatch();
            let status = response.status().code;
            let body = response.into_string().unwrap_or_default();
            let elapsed = started.elapsed();
            if status != 200 {
                return Err(format!("{query} answered {status}: {body}").into());
            }
            // The first runs warm the caches and are not counted.
            if run >= 10 {
                times.push(elapsed);
            } else if run == 0 {
                let value: serde_json::Value = serde_json::from_str(&body)?;
                total = value["meta"]["total"].as_i64().unwrap_or(-1);
            }
        }
        times.sort();
        println!(
            "{query:<74} {total:>8} {:>8.2} {:>8.2}",
            percentile(&times, 0.50),
            percentile(&times, 0.99)
        );
    }
    Ok(())
}
