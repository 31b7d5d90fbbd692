//! Two (or many) desks scan the same copy at once: exactly one lends it.

use super::*;
use crate::common::{server, settings_in};
use rocket::futures::future::join_all;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

/// Every desk lends `barcode` to its own patron at the same moment; each answer.
async fn scan_at_once(
    client: &Client,
    staff: &str,
    barcode: &str,
    cards: &[String],
) -> Vec<(Status, Value)> {
    let requests = cards.iter().map(|card| {
        client
            .post("/loans")
            .header(ContentType::JSON)
            .header(Header::new("Authorization", format!("Bearer {staff}")))
            .body(json!({"barcode": barcode, "card_number": card}).to_string())
            .dispatch()
    });
    let mut answers = Vec::new();
    for response in join_all(requests).await {
        let status = response.status();
        let body: Value = response.into_json().await.expect("every answer is JSON");
        answers.push((status, body));
    }
    answers
}

/// A lost race is rare in one round, so several rounds run, each on its own copy of a book
/// with a second copy that must stay on the shelf.
#[test]
fn desks_scanning_the_same_copy_at_once_lend_it_once() {
    const DESKS: usize = 16;
    const ROUNDS: usize = 5;
    let d = desk();
    let (app, staff) = (&d.app, d.librarian.as_str());
    let books: Vec<i64> = (0..ROUNDS)
        .map(|round| book(app, staff, &format!("Book {round}"), 2))
        .collect();
    let cards: Vec<String> = (0..DESKS)
        .map(|i| {
            patron(
                app,
                staff,
                &format!("reader{i}"),
                &format!("Reader {i}"),
                "5B",
            )
            .card
        })
        .collect();

    // The first copy of each book; the blocking client cannot be used inside the runtime.
    let targets: Vec<(i64, String)> = books
        .iter()
        .map(|&id| (id, barcodes(app, staff, id)[0].clone()))
        .collect();
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let rounds = runtime.block_on(async {
        // A second server over the same database: the JWT secret lives there, so the
        // librarian's token is good here too.
        let client = Client::untracked(server(settings_in(app.dir.path())))
            .await
            .expect("client");
        let mut rounds = Vec::new();
        for (id, barcode) in targets {
            let answers = scan_at_once(&client, staff, &barcode, &cards).await;
            rounds.push((id, barcode, answers));
        }
        rounds
    });

    for (id, barcode, answers) in rounds {
        let codes: Vec<u16> = answers.iter().map(|(status, _)| status.code).collect();
        assert_eq!(
            codes.iter().filter(|&&code| code == 201).count(),
            1,
            "{barcode}: {codes:?}"
        );
        let winner = answers
            .iter()
            .find(|(status, _)| *status == Status::Created)
            .map(|(_, body)| body["result"]["user_id"].as_i64().unwrap())
            .unwrap();
        for (status, body) in &answers {
            if *status != Status::Created {
                assert_eq!(status.code, 409, "{body}");
                assert_eq!(body["code"], "item_on_loan", "{body}");
                assert_eq!(body["params"]["user_id"], winner, "{body}");
            }
        }
        let open = open_loans_of(app, &barcode);
        assert_eq!(open.len(), 1, "{barcode}: one open loan");
        assert_eq!(open[0].1, winner);
        assert_eq!(status(app, &barcode), "on_loan");
        assert_eq!(counts(app, id), (2, 1), "the other copy stays on the shelf");
    }
}
