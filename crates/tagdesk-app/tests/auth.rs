//! Staff sign-in throttling holds under parallel attempts.

mod support;

use tagdesk_app::users::NewUserInput;
use tagdesk_app::{App, AppError, auth, users};

#[tokio::test]
async fn parallel_wrong_passwords_cannot_slip_past_the_account_limit() {
    let db = support::TestDb::from_env().await;
    let app = App::new(db.store.clone());
    let input = NewUserInput {
        email: "ana@example.com".into(),
        display_name: "Ana".into(),
        workspace_role: "admin".into(),
        password: "correct horse battery".into(),
    };
    users::bootstrap(&app, "Acme", &input).await.expect("user");

    let attempts: Vec<_> = (0..30)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(
                async move { auth::login(&app, "ana@example.com", "wrong password", &format!("client-{i}")).await },
            )
        })
        .collect();
    let mut evaluated = 0;
    let mut refused = 0;
    for attempt in attempts {
        match attempt.await.expect("task") {
            Err(AppError::Unauthenticated(_)) => evaluated += 1,
            Err(AppError::RateLimited { .. }) => refused += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(evaluated, auth::ACCOUNT_FAILURES, "exactly the allowed number of attempts were checked");
    assert_eq!(refused, 30 - auth::ACCOUNT_FAILURES);
    // Even the right password waits for the window now.
    let locked = auth::login(&app, "ana@example.com", "correct horse battery", "client-x").await;
    assert!(matches!(locked, Err(AppError::RateLimited { .. })), "{locked:?}");
    db.finish().await;
}

#[tokio::test]
async fn a_successful_sign_in_gives_the_client_its_attempt_back() {
    let db = support::TestDb::from_env().await;
    let app = App::new(db.store.clone());
    let input = NewUserInput {
        email: "bo@example.com".into(),
        display_name: "Bo".into(),
        workspace_role: "admin".into(),
        password: "correct horse battery".into(),
    };
    users::bootstrap(&app, "Acme", &input).await.expect("user");
    // An office behind one address signs in many times: successes never use up the client's budget.
    for _ in 0..(auth::CLIENT_FAILURES + 5) {
        auth::login(&app, "bo@example.com", "correct horse battery", "office").await.expect("sign in");
    }
    db.finish().await;
}
