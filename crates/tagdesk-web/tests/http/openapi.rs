//! The OpenAPI document: its shape is pinned by a snapshot (`tests/snapshots/openapi.snap`; update it
//! with `INSTA_UPDATE=always cargo test -p tagdesk-web --test http openapi` and review the diff), the
//! served copy is the same document, and every operation documents its errors.

use crate::support::TestApp;

#[test]
fn the_openapi_document_matches_its_snapshot() {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false, sort_maps => true }, {
        insta::assert_json_snapshot!("openapi", tagdesk_web::api::openapi());
    });
}

#[test]
fn every_operation_is_tagged_and_documents_its_errors() {
    let doc = serde_json::to_value(tagdesk_web::api::openapi()).expect("serialize");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 10, "{:?}", paths.keys());
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().expect("path item") {
            let what = format!("{method} {path}");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{what}: tagged");
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{what}: summary");
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("401"), "{what}: documents 401");
            assert!(responses.keys().any(|s| s.starts_with('2')), "{what}: documents success");
            let has_id = path.contains('{');
            assert!(!has_id || responses.contains_key("404"), "{what}: documents 404");
            let writes = matches!(method.as_str(), "post" | "put" | "patch");
            assert!(!writes || op["requestBody"].is_object() || !has_id || responses.contains_key("404"), "{what}");
        }
    }
}

#[tokio::test]
async fn the_served_document_is_the_same() {
    let app = TestApp::sqlite().await;
    let served = app.get("/api/openapi.json").await;
    served.expect_status(200, "GET /api/openapi.json");
    let expected = serde_json::to_value(tagdesk_web::api::openapi()).expect("serialize");
    assert_eq!(served.json(), expected);
}
