use crate::common::TestApp;

#[test]
fn health_answers() {
    let app = TestApp::new();
    let reply = app.get("/health", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ok");
}
