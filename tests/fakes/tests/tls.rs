//! The fakes are served over HTTPS that a client trusting the test CA
//! accepts, and every request is recorded.

use axum::Router;
use axum::routing::get;

#[tokio::test]
async fn a_client_trusting_the_test_ca_reaches_a_fake_and_the_hit_is_recorded() {
    let served = berth_fakes::serve(Router::new().route("/ping", get(|| async { "pong" }))).await.unwrap();
    let ca = reqwest::Certificate::from_pem(berth_fakes::TestCa::get().pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
    let body = client.get(format!("{}/ping?x=1", served.base_url())).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, "pong");
    assert_eq!(served.hits.all(), ["GET /ping?x=1"]);
    assert_eq!(served.hits.count("/ping"), 1);

    let untrusting = reqwest::Client::new();
    assert!(untrusting.get(format!("{}/ping", served.base_url())).send().await.is_err(), "the CA is not a public one");
}
