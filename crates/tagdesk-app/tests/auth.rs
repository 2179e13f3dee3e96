//! Staff sign-in throttling holds under parallel attempts.

mod support;

use tagdesk_app::users::NewUserInput;
use tagdesk_app::{App, AppError, auth, users};

#[tokio::test]
async fn parallel_wrong_passwords_cannot_slip_past_the_client_limit_and_never_lock_the_account() {
    let db = support::TestDb::from_env().await;
    let app = App::new(db.store.clone());
    let input = NewUserInput {
        email: "ana@example.com".into(),
        display_name: "Ana".into(),
        workspace_role: "admin".into(),
        password: "correct horse battery".into(),
    };
    users::bootstrap(&app, "Acme", &input).await.expect("user");

    // 40 parallel wrong passwords from one client: exactly its limit is evaluated, the rest refused.
    let attempts: Vec<_> = (0..40)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { auth::login(&app, "ana@example.com", "wrong password", "attacker").await })
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
    assert_eq!(evaluated, auth::CLIENT_FAILURES, "exactly the client's allowance was checked");
    assert_eq!(refused, 40 - auth::CLIENT_FAILURES);
    assert!(
        matches!(
            auth::login(&app, "ana@example.com", "correct horse battery", "attacker").await,
            Err(AppError::RateLimited { .. })
        ),
        "the attacking client is refused even with the right password"
    );
    // The account is over its failure limit, but the real user from another client signs in (slowed down).
    let started = std::time::Instant::now();
    auth::login(&app, "ana@example.com", "correct horse battery", "ana-laptop").await.expect("not locked out");
    assert!(started.elapsed() >= std::time::Duration::from_millis(auth::ACCOUNT_SLOWDOWN_MS), "slowed down");
    // A success clears the account's failures: the next sign-in is not slowed down.
    let started = std::time::Instant::now();
    auth::login(&app, "ana@example.com", "correct horse battery", "ana-laptop").await.expect("sign in");
    assert!(started.elapsed() < std::time::Duration::from_millis(auth::ACCOUNT_SLOWDOWN_MS));
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
