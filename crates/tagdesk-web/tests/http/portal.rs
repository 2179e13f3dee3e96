//! The customer portal as a visitor meets it (PRODUCT.md §3, issue 3): the label's pages (unknown,
//! replaced, disabled), the PIN and its session cookie, the device page, reporting with a template in two
//! steps, the confirmation and the private follow-up page; the boundaries (other deployments, database ids,
//! staff pages, other cases); sessions ending when the PIN changes or the portal is switched off; abuse
//! (honeypot, idempotency also under concurrent posts, body limits, PIN lock-out, CSRF); escaping of
//! hostile names and Markdown; languages; security headers; and the page-weight budget.

use axum::http::Method;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use tagdesk_app::cases::{self, CaseInput, CaseView};
use tagdesk_app::deployments::{self, DeploymentInput};
use tagdesk_app::devices::{self, DeviceInput};
use tagdesk_app::portal::tokens;
use tagdesk_app::templates::{self, TemplateInput};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{
    CaseOrigin, CaseStatus, CaseTemplateId, CaseType, DeploymentId, DeploymentRole, DeviceId, UserId,
};
use tagdesk_store::portal as portal_store;
use tagdesk_web::WebConfig;
use tower::ServiceExt as _;

use crate::support::{
    Response, TestApp, Visitor, Workspace, both_backends, fill, form_values, multipart_form, request, set_cookie_header,
};

both_backends!(
    unknown_and_malformed_tokens_get_a_clear_404,
    a_replaced_label_answers_410_with_the_contact_details,
    a_disabled_portal_shows_a_neutral_page_with_the_contact_details,
    the_pin_page_asks_for_four_digits_and_a_correct_pin_starts_a_session,
    portal_cookies_are_secure_when_the_public_url_is_https,
    the_device_page_shows_this_device_and_its_recent_cases_without_reporter_data,
    a_report_with_a_template_creates_a_portal_case_in_two_steps,
    a_free_report_gets_the_default_assignee_and_a_neutral_title,
    the_follow_page_shows_one_case_and_only_public_comments_without_a_session,
    validation_errors_answer_422_with_everything_typed_filled_in,
    a_session_for_one_deployment_gives_nothing_at_another,
    no_portal_url_accepts_a_database_id,
    staff_pages_and_the_api_refuse_portal_sessions,
    a_note_goes_to_an_open_case_of_this_device_only,
    changing_the_pin_ends_every_session,
    disabling_the_portal_ends_every_session,
    a_filled_honeypot_looks_like_success_but_stores_nothing,
    the_same_form_sent_twice_creates_one_case,
    oversized_bodies_get_413_with_a_clear_portal_page,
    six_wrong_pins_lock_the_client_out_with_429,
    portal_forms_without_their_csrf_token_are_refused,
    hostile_names_and_markdown_are_escaped_everywhere,
    the_language_follows_the_switcher_then_the_browser_then_the_deployment,
    portal_pages_carry_the_security_headers,
    the_pin_and_device_pages_stay_within_30_kb_with_the_stylesheet,
    photos_are_checked_by_content_re_encoded_and_attached,
    a_confirmation_belongs_to_its_own_label,
    the_hourly_report_quota_answers_429_with_a_clear_page,
    a_report_post_is_refused_before_its_body_is_read,
    photos_are_processed_only_for_valid_forms_within_the_hourly_photo_budget,
);

/// The site PIN (not obvious, and not a substring of anything the pages show).
const PIN: &str = "8357";
/// The deployment's contact details (Markdown) and a piece of their visible text.
const CONTACT_MD: &str = "Call the *North service desk*: 0800 123 456";
const CONTACT_TEXT: &str = "0800 123 456";
/// The public URL of `WebConfig::for_tests()`.
const PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// The page-weight budget of the PIN and device pages, HTML plus stylesheet (PRODUCT.md §3).
const PAGE_BUDGET: usize = 30_000;

// ---------------------------------------------------------------------------------------------------------
// The site every scenario starts from
// ---------------------------------------------------------------------------------------------------------

/// A workspace with deployment North, its device Robot 7 (KUKA KR 6, SN-7) and a damage template offered
/// by North's enabled portal (PIN [`PIN`], contact details [`CONTACT_MD`]).
struct Site {
    acme: Workspace,
    north: DeploymentId,
    robot: DeviceId,
    token: String,
    template: CaseTemplateId,
}

async fn add_device(app: &TestApp, acme: &Workspace, deployment: DeploymentId, name: &str, serial: &str) -> DeviceId {
    let input = DeviceInput {
        deployment_id: deployment.to_string(),
        name: name.to_owned(),
        serial_number: serial.to_owned(),
        manufacturer: "KUKA".to_owned(),
        model: "KR 6".to_owned(),
        ..DeviceInput::default()
    };
    devices::create(&app.app, &acme.system(), &input).await.expect("create device").id
}

/// "Damage": a required single choice (f1), an optional short text with help (f2), an optional number
/// (f3); pre-fills title, type, description and a staff-only solution suggestion.
async fn damage_template(app: &TestApp, acme: &Workspace, name: &str) -> CaseTemplateId {
    let field = |label: &str, kind: &str, required: bool, help: &str, options: &[&str], position: i64| FieldDraft {
        label: label.to_owned(),
        kind: kind.to_owned(),
        required,
        help: help.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        position,
        ..FieldDraft::default()
    };
    let input = TemplateInput {
        name: name.to_owned(),
        title: "Damage reported".to_owned(),
        case_type: "damage".to_owned(),
        description: "Describe the damage.".to_owned(),
        solution_suggestion: "Check the wheel bearings.".to_owned(),
        fields: vec![
            field("Which part?", "single_choice", true, "Where is the damage?", &["Screen", "Wheel"], 1),
            field("Error code", "short_text", false, "Shown on the display, like E42.", &[], 2),
            field("How many times?", "number", false, "", &[], 3),
        ],
    };
    templates::create(&app.app, &acme.system(), &input).await.expect("create template").id
}

async fn site(app: &TestApp) -> Site {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let robot = add_device(app, &acme, north, "Robot 7", "SN-7").await;
    let template = damage_template(app, &acme, "Damage").await;
    acme.configure_portal(north, |s| {
        s.enabled = true;
        s.pin = Some(PIN.to_owned());
        s.welcome_md = "Welcome to the *North* service portal.".to_owned();
        s.instructions_md = "1. Pick the kind of problem\n2. Describe what you see".to_owned();
        s.contact_md = CONTACT_MD.to_owned();
        s.offered_template_ids = vec![template.to_string()];
        s.allow_free_description = true;
    })
    .await;
    let token = acme.portal_token(robot).await;
    Site { acme, north, robot, token, template }
}

/// Borrowed `(name, value)` pairs of a filled-in form.
fn fields_of(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

/// A visitor who entered the right PIN at the label `token`.
async fn signed_in<'a>(app: &'a TestApp, token: &str) -> Visitor<'a> {
    let visitor = app.visitor();
    let response = visitor.enter_pin(token, PIN).await;
    response.expect_status(303, "correct PIN");
    assert_eq!(response.location(), format!("/d/{token}"));
    visitor
}

/// A well-formed portal token that no device has.
fn unused_token(used: &str) -> String {
    loop {
        let token = tokens::generate().to_string();
        if token != used {
            return token;
        }
    }
}

/// Sends a free report and follows the redirect to the confirmation; returns (case number, follow path).
async fn report_freely(visitor: &Visitor<'_>, token: &str, description: &str) -> (i64, String) {
    let response = visitor
        .submit_report(
            token,
            "free",
            &[("description", description), ("reporter_name", "Rita Reporter"), ("reporter_email", "rita@example.com")],
        )
        .await;
    response.expect_status(303, "free report");
    confirmation(visitor, token, &response).await
}

/// Follows a report's redirect to `/d/<token>/done`; returns (case number, follow path).
async fn confirmation(visitor: &Visitor<'_>, token: &str, response: &Response) -> (i64, String) {
    assert_eq!(response.location(), format!("/d/{token}/done"));
    let done = visitor.get(response.location()).await;
    done.expect_status(200, "confirmation");
    let html = done.html();
    let big = html.text_of(".big").expect("case number paragraph");
    let number: i64 = big
        .trim_start_matches("Your case number is #")
        .trim_end_matches('.')
        .parse()
        .unwrap_or_else(|_| panic!("no case number in {big:?}"));
    let link = html.attr(".link a", "href").expect("private status link");
    let path = link.strip_prefix(PUBLIC_URL).unwrap_or_else(|| panic!("link on the public URL: {link}")).to_owned();
    assert!(path.starts_with("/c/"), "{path}");
    (number, path)
}

/// Every portal page shows the deployment's contact details.
#[track_caller]
fn assert_contact(response: &Response, context: &str) {
    let contact = response.html().text_of("footer.contact").unwrap_or_default();
    assert!(contact.contains(CONTACT_TEXT), "{context}: contact details missing; footer: {contact:?}");
}

async fn case_by_number(site: &Site, number: i64) -> CaseView {
    site.acme
        .cases_at(site.north)
        .await
        .into_iter()
        .find(|c| c.number.0 == number)
        .unwrap_or_else(|| panic!("no case #{number}"))
}

async fn outbox_created(app: &TestApp) -> Vec<serde_json::Value> {
    let mut conn = app.app.store.read().await.expect("connection");
    portal_store::outbox_of_kind(&mut conn, "case.created")
        .await
        .expect("outbox")
        .into_iter()
        .map(|row| serde_json::from_str(&row.payload_json).expect("payload JSON"))
        .collect()
}

async fn set_default_assignee(app: &TestApp, acme: &Workspace, deployment: DeploymentId, user: UserId) {
    let view = deployments::get(&app.app, &acme.system(), deployment).await.expect("deployment");
    let input = DeploymentInput {
        name: view.name,
        address: view.address,
        timezone: view.timezone,
        language: view.language,
        default_assignee_id: user.to_string(),
        notification_emails: view.notification_emails.join("\n"),
    };
    deployments::update(&app.app, &acme.system(), deployment, &input).await.expect("set default assignee");
}

/// A staff case about a device, with reporter data that the portal must never show.
async fn staff_case(
    app: &TestApp,
    acme: &Workspace,
    deployment: DeploymentId,
    device: Option<DeviceId>,
    title: &str,
) -> CaseView {
    let input = CaseInput {
        deployment_id: deployment.to_string(),
        device_id: device.map(|d| d.to_string()),
        title: title.to_owned(),
        description: format!("Confidential description of {title}"),
        reporter_name: "Harald Hidden".to_owned(),
        reporter_email: "harald@hidden.example".to_owned(),
        reporter_phone: "+49 30 999999".to_owned(),
        ..CaseInput::default()
    };
    cases::create(&app.app, &acme.system(), CaseOrigin::Staff, &input).await.expect("staff case")
}

/// The session-bound form token of a visitor with a session (read from the report form).
async fn form_csrf(visitor: &Visitor<'_>, token: &str) -> String {
    let form = visitor.report_form(token, "free").await;
    form.into_iter().find(|(n, _)| n == "_csrf").map(|(_, v)| v).expect("_csrf in the report form")
}

#[track_caller]
fn assert_pin_page(response: &Response, context: &str) {
    response.expect_status(200, context);
    let html = response.html();
    assert_eq!(html.text_of("h1").as_deref(), Some("Enter the site PIN"), "{context}");
    assert!(html.has("input[name=\"pin\"]"), "{context}: PIN field");
}

// ---------------------------------------------------------------------------------------------------------
// The label's pages
// ---------------------------------------------------------------------------------------------------------

async fn unknown_and_malformed_tokens_get_a_clear_404(app: &TestApp) {
    let s = site(app).await;
    let visitor = app.visitor();
    let unknown = unused_token(&s.token);
    for path in [
        format!("/d/{unknown}"),
        format!("/d/{}", unknown.to_lowercase()),
        "/d/x".to_owned(),
        "/d/not-a-token".to_owned(),
        "/d/%3Cscript%3E".to_owned(),
        format!("/d/{}", &s.token[..12]),
        format!("/d/{}0", s.token),
        format!("/d/{unknown}/report"),
        format!("/d/{}/anything", s.token),
    ] {
        let response = visitor.get(&path).await;
        response.expect_status(404, &path);
        let html = response.html();
        let heading = html.text_of("h1").unwrap_or_default();
        assert!(
            heading == "This label is not known" || heading == "This page does not exist",
            "{path}: clear heading, got {heading:?}"
        );
        let text = response.text();
        assert!(!text.contains("North") || path.ends_with("/anything"), "{path}: names no deployment");
        assert!(!text.contains("Robot 7") && !text.contains("SN-7"), "{path}: names no device");
        assert!(!text.to_lowercase().contains("panicked") && !text.contains("sqlx"), "{path}: no internals");
        assert!(html.has("footer.contact"), "{path}: contact hint");
    }
    // Tokens are looked up case-insensitively, and the upper-case URL a QR code carries is the same page.
    assert_pin_page(&visitor.get(&format!("/d/{}", s.token.to_lowercase())).await, "lower-case token");
    assert_pin_page(&visitor.get(&format!("/D/{}", s.token)).await, "the QR code's upper-case URL");
    visitor.get(&format!("/D/{unknown}")).await.expect_status(404, "unknown token, upper-case URL");
    // The same token unknown and malformed give the same page.
    let a = visitor.get(&format!("/d/{unknown}")).await.html().text();
    let b = visitor.get("/d/not-a-token").await.html().text();
    assert_eq!(a.replace(&unknown, ""), b.replace("not-a-token", ""), "no hint whether a token exists");
}

async fn a_replaced_label_answers_410_with_the_contact_details(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let new = tokens::replace(&app.app, &s.acme.system(), s.robot).await.expect("replace token").to_string();
    for path in [format!("/d/{}", s.token), format!("/d/{}", s.token.to_lowercase()), format!("/d/{}/report", s.token)]
    {
        let response = visitor.get(&path).await;
        response.expect_status(410, &path);
        let html = response.html();
        assert_eq!(html.text_of("h1").as_deref(), Some("This label was replaced"), "{path}");
        assert_contact(&response, &path);
        assert!(!response.text().contains("Robot 7"), "{path}: the replaced page shows no device");
    }
    let pin = visitor.post_form(&format!("/d/{}/pin", s.token), &[("pin", PIN)]).await;
    pin.expect_status(410, "PIN on a replaced label");
    // The new label works; the session (same deployment) still holds.
    let page = visitor.get(&format!("/d/{new}")).await;
    page.expect_status(200, "new label");
    assert_eq!(page.html().text_of("h1").as_deref(), Some("Robot 7"));
}

async fn a_disabled_portal_shows_a_neutral_page_with_the_contact_details(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let south = acme.deployment("South").await;
    let pump = add_device(app, &acme, south, "Pump 3", "SN-3").await;
    let token = acme.portal_token(pump).await;
    let visitor = app.visitor();

    // Never configured: neutral page with a generic contact hint.
    let response = visitor.get(&format!("/d/{token}")).await;
    response.expect_status(200, "never enabled");
    assert_eq!(response.html().text_of("h1").as_deref(), Some("The service portal is not available"));
    assert!(response.html().has("footer.contact"));

    // Configured but off: the contact details, and nothing about the device.
    acme.configure_portal(south, |s| {
        s.contact_md = CONTACT_MD.to_owned();
        s.pin = Some(PIN.to_owned());
    })
    .await;
    for path in [format!("/d/{token}"), format!("/d/{token}/report"), format!("/d/{token}/done")] {
        let response = visitor.get(&path).await;
        response.expect_status(200, &path);
        let html = response.html();
        assert_eq!(html.text_of("h1").as_deref(), Some("The service portal is not available"), "{path}");
        assert_contact(&response, &path);
        assert!(!html.has("input[name=\"pin\"]") && !html.has("form"), "{path}: no form");
        let text = response.text();
        assert!(!text.contains("Pump 3") && !text.contains("SN-3"), "{path}: nothing about the device");
    }
    let pin = visitor.post_form(&format!("/d/{token}/pin"), &[("pin", PIN)]).await;
    assert!(pin.set_cookie("tagdesk_portal").is_none(), "no session while disabled");
    assert_eq!(pin.html().text_of("h1").as_deref(), Some("The service portal is not available"));
}

async fn the_pin_page_asks_for_four_digits_and_a_correct_pin_starts_a_session(app: &TestApp) {
    let s = site(app).await;
    let visitor = app.visitor();
    let path = format!("/d/{}", s.token);

    let response = visitor.get(&path).await;
    assert_pin_page(&response, "first visit");
    let html = response.html();
    let pin = "input[name=\"pin\"]";
    assert_eq!(html.attr(pin, "inputmode").as_deref(), Some("numeric"));
    assert_eq!(html.attr(pin, "autocomplete").as_deref(), Some("one-time-code"));
    assert!(html.has("label[for=\"pin\"]"), "the PIN field has a label");
    assert_eq!(html.attr(pin, "id").as_deref(), Some("pin"));
    assert!(html.has("form[method=\"post\"] button[type=\"submit\"]"), "a submit button");
    assert_eq!(html.texts_of("form input:not([type=\"hidden\"])").len(), 1, "one field only");
    assert_eq!(html.text_of(".site").as_deref(), Some("North"), "the deployment's name");
    assert_contact(&response, "PIN page");
    assert!(!response.text().contains("SN-7"), "no device details before the PIN");
    assert!(set_cookie_header(&response, "tagdesk_portal_csrf").is_some_and(|c| c.contains("HttpOnly")));
    assert!(response.set_cookie("tagdesk_portal").is_none());

    // A wrong PIN: the page again with a clear message, no session.
    let wrong = visitor.enter_pin(&s.token, "1111").await;
    wrong.expect_status(401, "wrong PIN");
    let html = wrong.html();
    assert_eq!(
        html.text_of("#pin-error").as_deref(),
        Some("Error: That PIN is not correct. Please check it and try again.")
    );
    assert_eq!(html.attr(pin, "aria-invalid").as_deref(), Some("true"));
    assert!(html.attr(pin, "aria-describedby").is_some_and(|d| d.contains("pin-error")));
    assert!(wrong.set_cookie("tagdesk_portal").is_none(), "no session after a wrong PIN");
    assert_contact(&wrong, "wrong PIN");
    assert_pin_page(&visitor.get(&path).await, "still the PIN page");

    // Not four digits: said so.
    let format = visitor.enter_pin(&s.token, "12a4").await;
    format.expect_status(422, "malformed PIN");
    assert_eq!(format.html().text_of("#pin-error").as_deref(), Some("Error: Enter exactly 4 digits."));

    // The right PIN: a session cookie for this deployment, then the device page.
    let right = visitor.enter_pin(&s.token, PIN).await;
    right.expect_status(303, "correct PIN");
    assert_eq!(right.location(), path);
    let cookie = set_cookie_header(&right, "tagdesk_portal").expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(cookie.split(';').any(|a| a.trim() == attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "no Secure on plain http: {cookie}");
    let value = right.set_cookie("tagdesk_portal").expect("value");
    assert_eq!(value.len(), 64, "opaque 256-bit value: {value}");
    assert!(!value.contains(&s.north.to_string()) && !value.contains(PIN), "opaque");
    let trust = set_cookie_header(&right, "tagdesk_portal_trust").expect("trust cookie");
    assert!(trust.contains("HttpOnly") && trust.contains("SameSite=Lax"), "{trust}");

    let device = visitor.get(&path).await;
    device.expect_status(200, "device page");
    assert_eq!(device.html().text_of("h1").as_deref(), Some("Robot 7"));
    // Case-insensitive tokens keep the session.
    let lower = visitor.get(&format!("/d/{}", s.token.to_lowercase())).await;
    assert_eq!(lower.html().text_of("h1").as_deref(), Some("Robot 7"));
}

async fn portal_cookies_are_secure_when_the_public_url_is_https(app: &TestApp) {
    let s = site(app).await;
    let https =
        app.with_web_config(WebConfig { public_url: "https://desk.example.com".to_owned(), ..WebConfig::for_tests() });
    let visitor = https.visitor();
    let page = visitor.get(&format!("/d/{}?lang=en", s.token)).await;
    // Site-wide cookies get the `__Host-` prefix over https (crate::cookie_prefix).
    for name in ["__Host-tagdesk_portal_csrf", "__Host-tagdesk_lang"] {
        let cookie = set_cookie_header(&page, name).unwrap_or_else(|| panic!("{name} set"));
        assert!(cookie.split(';').any(|a| a.trim() == "Secure"), "{cookie}");
    }
    let response = visitor.enter_pin(&s.token, PIN).await;
    response.expect_status(303, "correct PIN");
    for name in ["__Host-tagdesk_portal", "__Host-tagdesk_portal_trust"] {
        let cookie = set_cookie_header(&response, name).unwrap_or_else(|| panic!("{name} set"));
        for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.split(';').any(|a| a.trim() == attribute), "{attribute} in {cookie}");
        }
    }
    let sent = visitor
        .submit_report(
            &s.token,
            "free",
            &[("description", "Squeaks"), ("reporter_name", "Rita"), ("reporter_phone", "+49 30 1234567")],
        )
        .await;
    sent.expect_status(303, "report");
    let done_cookie = set_cookie_header(&sent, "tagdesk_portal_done").expect("confirmation cookie");
    assert!(done_cookie.contains("Secure") && done_cookie.contains("HttpOnly"), "{done_cookie}");
    let done = visitor.get(sent.location()).await;
    let link = done.html().attr(".link a", "href").expect("status link");
    assert!(link.starts_with("https://desk.example.com/c/"), "{link}");
}

// ---------------------------------------------------------------------------------------------------------
// Device page, report, confirmation, follow-up
// ---------------------------------------------------------------------------------------------------------

async fn the_device_page_shows_this_device_and_its_recent_cases_without_reporter_data(app: &TestApp) {
    let s = site(app).await;
    let forklift = add_device(app, &s.acme, s.north, "Forklift 2", "SN-9").await;
    let mine = staff_case(app, &s.acme, s.north, Some(s.robot), "Wheel squeaks").await;
    cases::comment(&app.app, &s.acme.system(), mine.id, "Internal remark about the bearings", false)
        .await
        .expect("comment");
    let resolved = staff_case(app, &s.acme, s.north, Some(s.robot), "Screen was dark").await;
    cases::change_status(&app.app, &s.acme.system(), resolved.id, CaseStatus::Resolved).await.expect("resolve");
    let other_device = staff_case(app, &s.acme, s.north, Some(forklift), "Forks bent").await;
    let no_device = staff_case(app, &s.acme, s.north, None, "Door broken").await;

    let visitor = signed_in(app, &s.token).await;
    let response = visitor.get(&format!("/d/{}", s.token)).await;
    response.expect_status(200, "device page");
    let html = response.html();
    assert_eq!(html.text_of("h1").as_deref(), Some("Robot 7"));
    assert_eq!(html.texts_of("dl.facts dt"), vec!["Model", "Serial number", "Site"]);
    assert_eq!(html.texts_of("dl.facts dd"), vec!["KUKA KR 6", "SN-7", "North"]);
    let text = html.text();
    assert!(text.contains("Welcome to the North service portal."), "welcome message");
    assert!(html.has(".md em"), "welcome Markdown rendered");
    assert!(text.contains("Pick the kind of problem") && html.has(".md ol li"), "instructions");
    assert_contact(&response, "device page");
    assert_eq!(html.attr("a.btn.primary", "href"), Some(format!("/d/{}/report", s.token)));

    let listed = html.texts_of("ul.cases .case-title");
    assert_eq!(
        listed,
        vec![format!("#{} Screen was dark", resolved.number.0), format!("#{} Wheel squeaks", mine.number.0)],
        "this device's recent cases only, newest first"
    );
    let badges = html.texts_of("ul.cases .badge");
    assert_eq!(badges, vec!["Resolved".to_owned(), "Open".to_owned()]);
    assert!(html.has(&format!("#case-{} time[datetime]", mine.number.0)), "date of the case");
    assert!(html.has(&format!("a[href=\"/d/{}/cases/{}/note\"]", s.token, mine.number.0)), "open cases take notes");
    assert!(!html.has(&format!("a[href=\"/d/{}/cases/{}/note\"]", s.token, resolved.number.0)), "resolved do not");
    let body = response.text();
    for hidden in [
        "Forks bent",
        "Door broken",
        "Harald",
        "harald@hidden.example",
        "999999",
        "Confidential description",
        "Internal remark",
        "Check the wheel bearings",
    ] {
        assert!(!body.contains(hidden), "the device page shows {hidden:?}");
    }
    for id in [
        s.robot.to_string(),
        s.north.to_string(),
        mine.id.to_string(),
        other_device.id.to_string(),
        no_device.id.to_string(),
    ] {
        assert!(!body.contains(&id), "a database id on the device page: {id}");
    }
    assert!(!body.contains(&forklift.to_string()) && !body.contains("SN-9"), "no other device");

    // The list is cached for a few seconds, but a case created or changed here shows on the next view.
    let listed = async || {
        let html = visitor.get(&format!("/d/{}", s.token)).await.html();
        let pairs: Vec<(String, String)> =
            html.texts_of("ul.cases .case-title").into_iter().zip(html.texts_of("ul.cases .badge")).collect();
        pairs.into_iter().map(|(title, badge)| format!("{title}: {badge}")).collect::<Vec<_>>()
    };
    cases::change_status(&app.app, &s.acme.system(), mine.id, CaseStatus::Resolved).await.expect("resolve");
    let (screen, wheel) =
        (format!("#{} Screen was dark", resolved.number.0), format!("#{} Wheel squeaks", mine.number.0));
    assert_eq!(listed().await, [format!("{screen}: Resolved"), format!("{wheel}: Resolved")], "status change");
    let newest = staff_case(app, &s.acme, s.north, Some(s.robot), "Oil on the floor").await;
    let oil = format!("#{} Oil on the floor", newest.number.0);
    assert_eq!(listed().await[0], format!("{oil}: Open"), "staff case");
    let (reported, _) = report_freely(&visitor, &s.token, "Gripper stuck").await;
    assert_eq!(
        listed().await,
        [
            format!("#{reported} Problem report: Open"),
            format!("{oil}: Open"),
            format!("{screen}: Resolved"),
            format!("{wheel}: Resolved")
        ],
        "portal report"
    );

    // Switched off: no list.
    s.acme.configure_portal(s.north, |p| p.show_open_cases = false).await;
    let hidden = visitor.get(&format!("/d/{}", s.token)).await.html();
    assert!(!hidden.has("ul.cases") && !hidden.text().contains("Wheel squeaks"), "no cases when switched off");
}

async fn a_report_with_a_template_creates_a_portal_case_in_two_steps(app: &TestApp) {
    let s = site(app).await;
    let (tech, _) = s.acme.member("tech", &[(s.north, DeploymentRole::Technician)]).await;
    set_default_assignee(app, &s.acme, s.north, tech).await;
    let visitor = signed_in(app, &s.token).await;

    // Step 1: pick the kind of problem (no JavaScript: a GET form).
    let choose = visitor.get(&format!("/d/{}/report", s.token)).await;
    choose.expect_status(200, "report step 1");
    let html = choose.html();
    assert_eq!(html.attr("form", "method").as_deref(), Some("get"));
    assert_eq!(html.attr("form", "action"), Some(format!("/d/{}/report", s.token)));
    let values: Vec<String> = html
        .0
        .select(&scraper::Selector::parse("input[name=\"template\"][type=\"radio\"]").expect("selector"))
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(values, vec!["1".to_owned(), "free".to_owned()], "templates by position, never by id");
    assert_eq!(
        html.texts_of("label.choice"),
        vec!["Damage".to_owned(), "Something else — describe it freely".to_owned()]
    );
    assert!(!choose.text().contains(&s.template.to_string()), "no template id in the page");

    // Step 2: the template's fields with their types, help texts and required flags.
    let step2 = visitor.get(&format!("/d/{}/report?template=1", s.token)).await;
    step2.expect_status(200, "report step 2");
    let html = step2.html();
    assert_eq!(html.text_of("#f-field-f1 legend").as_deref(), Some("Which part? (required)"));
    assert_eq!(html.text_of("#f-field-f1-help").as_deref(), Some("Where is the damage?"));
    assert_eq!(
        html.0.select(&scraper::Selector::parse("#f-field-f1 input[type=\"radio\"][required]").expect("s")).count(),
        2
    );
    assert_eq!(html.text_of("label[for=\"f-field-f2\"]").as_deref(), Some("Error code"));
    assert_eq!(html.text_of("#f-field-f2-help").as_deref(), Some("Shown on the display, like E42."));
    assert_eq!(html.attr("#f-field-f3", "inputmode").as_deref(), Some("decimal"));
    assert_eq!(
        html.field_value("description").as_deref(),
        Some("Describe the damage."),
        "template's description pre-filled"
    );
    assert_eq!(html.field_value("template").as_deref(), Some("1"));
    let key = html.field_value("idempotency_key").expect("idempotency key");
    assert!(key.len() >= 16, "{key}");
    assert!(html.has("input#f-website[name=\"website\"]"), "honeypot");
    assert!(html.has("label[for=\"f-reporter_name\"]") && html.has("label[for=\"f-reporter_email\"]"));
    assert!(!step2.text().contains("Check the wheel bearings"), "the solution suggestion is staff-only");

    let response = visitor
        .submit_report(
            &s.token,
            "1",
            &[
                ("field.f1", "Wheel"),
                ("field.f2", "E42"),
                ("field.f3", "3"),
                ("description", "Squeaks when turning left."),
                ("reporter_name", "Rita Reporter"),
                ("reporter_email", "rita@example.com"),
                ("reporter_phone", "+49 30 1234567"),
            ],
        )
        .await;
    response.expect_status(303, "report");
    let (number, follow) = confirmation(&visitor, &s.token, &response).await;
    let done = visitor.get(&format!("/d/{}/done", s.token)).await;
    assert!(done.html().text().contains(&format!("#{number}")), "confirmation shows #{number}");
    assert_contact(&done, "confirmation");
    let token = follow.trim_start_matches("/c/");
    assert_eq!(token.len(), 26, "130-bit follow-up token: {token}");

    let all = s.acme.cases_at(s.north).await;
    assert_eq!(all.len(), 1);
    let case = &all[0];
    assert_eq!(case.number.0, number);
    assert_eq!(case.origin, CaseOrigin::Portal);
    assert_eq!(case.device_id, Some(s.robot));
    assert_eq!(case.deployment_id, s.north);
    assert_eq!(case.template_id, Some(s.template));
    assert_eq!(case.title, "Damage reported", "template title");
    assert_eq!(case.case_type, CaseType::Damage, "template type");
    assert_eq!(case.description, "Squeaks when turning left.");
    assert_eq!(case.solution_suggestion, "Check the wheel bearings.", "suggestion copied for staff");
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.reporter.name, "Rita Reporter");
    assert_eq!(case.reporter.email, "rita@example.com");
    assert_eq!(case.reporter.phone, "+49 30 1234567");
    assert_eq!(case.assignee_id, Some(tech), "the deployment's default assignee");
    let field = |key: &str| case.fields.iter().find(|f| f.key == key).map(|f| f.display.clone());
    assert_eq!(field("f1").as_deref(), Some("Wheel"));
    assert_eq!(field("f2").as_deref(), Some("E42"));
    let f3 = case.fields.iter().find(|f| f.key == "f3").map(|f| f.value.clone());
    assert_eq!(f3.and_then(|v| v.as_f64()), Some(3.0));

    let outbox = outbox_created(app).await;
    assert_eq!(outbox.len(), 1, "one case.created entry: {outbox:?}");
    assert_eq!(outbox[0]["number"], number);
    assert_eq!(outbox[0]["case_id"], case.id.to_string());
    assert_eq!(outbox[0]["origin"], "portal");
    assert!(!outbox[0].to_string().contains(token), "the follow-up token is not in the outbox");

    // The new case is on the device page now (number, title, status; no reporter data).
    let device = visitor.get(&format!("/d/{}", s.token)).await;
    assert_eq!(device.html().texts_of("ul.cases .case-title"), vec![format!("#{number} Damage reported")]);
    assert!(!device.text().contains("Rita") && !device.text().contains("Squeaks when"));
}

async fn a_free_report_gets_the_default_assignee_and_a_neutral_title(app: &TestApp) {
    let s = site(app).await;
    let (tech, _) = s.acme.member("tech", &[(s.north, DeploymentRole::Technician)]).await;
    set_default_assignee(app, &s.acme, s.north, tech).await;
    let visitor = signed_in(app, &s.token).await;
    let form = visitor.get(&format!("/d/{}/report?template=free", s.token)).await.html();
    assert!(form.has("textarea#f-description[required]"), "a free report needs a description");
    assert!(!form.has("fieldset#f-field-f1"), "no template fields");
    let (number, _) = report_freely(&visitor, &s.token, "Display flickers\nSince this morning.").await;
    let case = case_by_number(&s, number).await;
    assert_eq!(case.origin, CaseOrigin::Portal);
    assert_eq!(case.template_id, None);
    // Titles are public to everyone with the PIN: never taken from what the visitor typed.
    assert_eq!(case.title, "Problem report");
    assert_eq!(case.description, "Display flickers\nSince this morning.");
    assert_eq!(case.assignee_id, Some(tech));
    assert_eq!(case.device_id, Some(s.robot));
    let device_page = visitor.get(&format!("/d/{}", s.token)).await;
    let titles = device_page.html().texts_of("ul.cases .case-title");
    assert_eq!(titles, vec![format!("#{number} Problem report")]);
    assert!(!device_page.text().contains("Display flickers"), "the description stays off the device page");
    // A template's pre-filled title is used as it is.
    let sent = visitor
        .submit_report(
            &s.token,
            "1",
            &[("field.f1", "Wheel"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")],
        )
        .await;
    sent.expect_status(303, "template report");
    let (number, _) = confirmation(&visitor, &s.token, &sent).await;
    assert_eq!(case_by_number(&s, number).await.title, "Damage reported");
}

async fn the_follow_page_shows_one_case_and_only_public_comments_without_a_session(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let (first, follow) = report_freely(&visitor, &s.token, "Wheel squeaks loudly\nSecret detail 4711").await;
    let (second, follow_second) = report_freely(&visitor, &s.token, "Display flickers").await;
    assert_ne!(follow, follow_second);
    let case = case_by_number(&s, first).await;
    cases::comment(&app.app, &s.acme.system(), case.id, "We ordered a new wheel.", true).await.expect("public comment");
    cases::comment(&app.app, &s.acme.system(), case.id, "Customer sounded angry.", false)
        .await
        .expect("internal comment");

    // No cookies at all.
    let response = app.get(&follow).await;
    response.expect_status(200, "follow-up page without a session");
    let html = response.html();
    assert_eq!(html.text_of("h1"), Some(format!("Case #{first}")));
    assert_eq!(html.text_of("p.case-title").as_deref(), Some("Problem report"));
    assert_eq!(html.texts_of("dl.facts dt"), vec!["Status", "Reported on"]);
    assert_eq!(html.texts_of("dl.facts dd").first().map(String::as_str), Some("Open"));
    assert!(html.has("dl.facts time[datetime]"), "submission date");
    assert_eq!(html.texts_of("ol.updates .text"), vec!["We ordered a new wheel.".to_owned()], "public comments only");
    let body = response.text();
    for hidden in [
        "Customer sounded angry",
        "Secret detail",
        "Rita",
        "rita@example.com",
        "Robot 7",
        "SN-7",
        "Display flickers",
        &format!("#{second}"),
    ] {
        assert!(!body.contains(hidden), "the follow-up page shows {hidden:?}");
    }
    assert!(!body.contains(&case.id.to_string()), "no case id");
    assert_contact(&response, "follow-up page");
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"));

    let other = app.get(&follow_second).await;
    other.expect_status(200, "second follow-up page");
    assert_eq!(other.html().text_of("h1"), Some(format!("Case #{second}")));
    assert!(!other.text().contains("Wheel squeaks") && !other.text().contains("new wheel"));

    // Resolving shows in the status.
    cases::change_status(&app.app, &s.acme.system(), case.id, CaseStatus::Resolved).await.expect("resolve");
    let resolved = app.get(&follow).await.html();
    assert_eq!(resolved.texts_of("dl.facts dd").first().map(String::as_str), Some("Resolved"));

    // Unknown, malformed and id-shaped follow-up links: one clear 404.
    let unknown = format!("/c/{}", "7".repeat(26));
    for path in [unknown.as_str(), "/c/abc", &format!("/c/{}", case.id), &format!("/c/{}", first)] {
        let response = app.get(path).await;
        response.expect_status(404, path);
        assert_eq!(response.html().text_of("h1").as_deref(), Some("This status link is not known"), "{path}");
    }
}

async fn validation_errors_answer_422_with_everything_typed_filled_in(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let form = visitor.report_form(&s.token, "1").await;
    let key = form.iter().find(|(n, _)| n == "idempotency_key").map(|(_, v)| v.clone()).expect("key");
    let typed = fill(
        &form,
        &[
            ("field.f2", "E42 <b>"),
            ("field.f3", "many"),
            ("description", "It rattles & shakes <b>bold</b>"),
            ("reporter_name", "Rita \"R\" Reporter"),
            ("reporter_email", ""),
            ("reporter_phone", ""),
        ],
    );
    let fields: Vec<(&str, &str)> = typed.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = visitor.post_multipart(&format!("/d/{}/report", s.token), &fields, &[]).await;
    response.expect_status(422, "invalid report");
    let html = response.html();
    assert!(html.title().starts_with("Error:"), "title says there are errors: {}", html.title());
    assert_eq!(html.text_of("#f-field-f1-error").as_deref(), Some("Error: This field is required."));
    assert_eq!(html.text_of("#f-field-f3-error").as_deref(), Some("Error: Enter a number, like 12 or 3.5."));
    assert_eq!(
        html.text_of("#f-reporter_email-error").as_deref(),
        Some("Error: Please give an email address or a phone number.")
    );
    assert_eq!(html.attr("#f-reporter_email", "aria-describedby").as_deref(), Some("f-reporter_email-error"));
    let summary: Vec<String> = html
        .0
        .select(&scraper::Selector::parse(".summary a").expect("selector"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(
        summary.contains(&"#f-field-f1".to_owned()) && summary.contains(&"#f-reporter_email".to_owned()),
        "{summary:?}"
    );
    // Everything typed is still there.
    assert_eq!(html.field_value("field.f2").as_deref(), Some("E42 <b>"));
    assert_eq!(html.field_value("field.f3").as_deref(), Some("many"));
    assert_eq!(html.field_value("description").as_deref(), Some("It rattles & shakes <b>bold</b>"));
    assert_eq!(html.field_value("reporter_name").as_deref(), Some("Rita \"R\" Reporter"));
    assert_eq!(html.field_value("idempotency_key"), Some(key), "the same report keeps its key");
    assert!(!response.text().contains("<b>bold</b>"), "typed text is escaped");
    assert!(s.acme.cases_at(s.north).await.is_empty(), "nothing stored");
    assert_contact(&response, "422 page");

    // Corrected from the page as it came back: one case.
    let again = form_values(&html, "form[method=\"post\"]");
    let corrected = fill(&again, &[("field.f1", "Screen"), ("field.f3", "2"), ("reporter_phone", "+49 30 1234567")]);
    let fields: Vec<(&str, &str)> = corrected.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = visitor.post_multipart(&format!("/d/{}/report", s.token), &fields, &[]).await;
    response.expect_status(303, "corrected report");
    let all = s.acme.cases_at(s.north).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].description, "It rattles & shakes <b>bold</b>");
    assert_eq!(all[0].reporter.name, "Rita \"R\" Reporter");
}

// ---------------------------------------------------------------------------------------------------------
// Boundaries
// ---------------------------------------------------------------------------------------------------------

async fn a_session_for_one_deployment_gives_nothing_at_another(app: &TestApp) {
    let s = site(app).await;
    let south = s.acme.deployment("South").await;
    let pump = add_device(app, &s.acme, south, "Pump 3", "SN-3").await;
    // The same PIN on purpose: the session, not the PIN, is the boundary.
    s.acme.enable_portal(south, PIN).await;
    let south_case = staff_case(app, &s.acme, south, Some(pump), "Pump leaks").await;
    let south_token = s.acme.portal_token(pump).await;

    let other = app.workspace("Other").await;
    let east = other.deployment("East").await;
    let crane = add_device(app, &other, east, "Crane 1", "SN-1").await;
    other.enable_portal(east, PIN).await;
    let east_token = other.portal_token(crane).await;

    let visitor = signed_in(app, &s.token).await;
    for token in [&south_token, &east_token] {
        let page = visitor.get(&format!("/d/{token}")).await;
        assert_pin_page(&page, "another deployment's label");
        assert!(!page.text().contains("Pump 3") && !page.text().contains("Crane 1"));
        let report = visitor.get(&format!("/d/{token}/report?template=free")).await;
        report.expect_status(303, "report form elsewhere");
        assert_eq!(report.location(), format!("/d/{token}"));
    }
    // The form token of North's session does not work at South either.
    let csrf = form_csrf(&visitor, &s.token).await;
    let note = visitor
        .post_form(
            &format!("/d/{south_token}/cases/{}/note", south_case.number.0),
            &[("_csrf", &csrf), ("body", "Me too")],
        )
        .await;
    assert!(matches!(note.status.as_u16(), 303 | 403), "note at South without a session: {}", note.status);
    if note.status.as_u16() == 303 {
        assert_eq!(note.location(), format!("/d/{south_token}"));
    }
    let form = fill(
        &visitor.report_form(&s.token, "free").await,
        &[("description", "Sneaky"), ("reporter_name", "Eve"), ("reporter_email", "eve@example.com")],
    );
    let fields: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let post = visitor.post_multipart(&format!("/d/{south_token}/report"), &fields, &[]).await;
    assert!(matches!(post.status.as_u16(), 303 | 403), "report at South without a session: {}", post.status);
    assert_eq!(s.acme.cases_at(south).await.len(), 1, "nothing reported at South");
    let timeline = cases::timeline(&app.app, &s.acme.system(), south_case.id).await.expect("timeline");
    assert!(timeline.iter().all(|e| e.kind != "portal_note"), "no note at South");

    // With its own PIN the visitor gets a second session, and North's still works.
    visitor.enter_pin(&south_token, PIN).await.expect_status(303, "PIN at South");
    assert_eq!(visitor.get(&format!("/d/{south_token}")).await.html().text_of("h1").as_deref(), Some("Pump 3"));
    assert_eq!(visitor.get(&format!("/d/{}", s.token)).await.html().text_of("h1").as_deref(), Some("Robot 7"));
}

async fn no_portal_url_accepts_a_database_id(app: &TestApp) {
    let s = site(app).await;
    let case = staff_case(app, &s.acme, s.north, Some(s.robot), "Wheel squeaks").await;
    let visitor = signed_in(app, &s.token).await;
    let csrf = form_csrf(&visitor, &s.token).await;
    for path in [
        format!("/d/{}", s.robot),
        format!("/d/{}", s.north),
        format!("/d/{}", s.acme.id),
        format!("/d/{}", case.id),
        format!("/d/{}/report", s.robot),
        format!("/d/{}/done", s.robot),
        format!("/c/{}", case.id),
        format!("/c/{}", s.robot),
    ] {
        let response = visitor.get(&path).await;
        response.expect_status(404, &path);
        assert!(!response.text().contains("Robot 7"), "{path}");
    }
    for path in [format!("/d/{}/pin", s.robot), format!("/d/{}/cases/{}/note", s.robot, case.number.0)] {
        let response = visitor.post_form(&path, &[("_csrf", &csrf), ("pin", PIN), ("body", "x")]).await;
        response.expect_status(404, &path);
    }
    // A case is named by its number on this device's page, never by its id.
    let by_id = visitor
        .post_form(&format!("/d/{}/cases/{}/note", s.token, case.id), &[("_csrf", &csrf), ("body", "Me too")])
        .await;
    by_id.expect_status(404, "note by case id");
    let timeline = cases::timeline(&app.app, &s.acme.system(), case.id).await.expect("timeline");
    assert!(timeline.iter().all(|e| e.kind != "portal_note"));
    // A template is picked by position, never by id.
    let by_template_id = visitor.get(&format!("/d/{}/report?template={}", s.token, s.template)).await;
    by_template_id.expect_status(200, "unknown choice: step 1 again");
    assert!(by_template_id.html().has("input[name=\"template\"][type=\"radio\"]"), "the choice page");
}

async fn staff_pages_and_the_api_refuse_portal_sessions(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    visitor.get(&format!("/d/{}", s.token)).await.expect_status(200, "portal session works");
    assert!(visitor.cookie("tagdesk_portal").is_some() && visitor.cookie("tagdesk_portal_trust").is_some());
    for path in [
        "/cases".to_owned(),
        "/devices".to_owned(),
        "/deployments".to_owned(),
        format!("/deployments/{}", s.north),
        format!("/deployments/{}/portal", s.north),
        format!("/devices/{}", s.robot),
        "/templates".to_owned(),
        "/users".to_owned(),
    ] {
        let response = visitor.get(&path).await;
        response.expect_status(303, &path);
        assert!(response.location().starts_with("/login"), "{path} → {}", response.location());
    }
    for path in [
        "/api/v1/cases".to_owned(),
        "/api/v1/devices".to_owned(),
        "/api/v1/deployments".to_owned(),
        format!("/api/v1/deployments/{}/portal", s.north),
    ] {
        visitor.get(&path).await.expect_status(401, &path);
    }
    // The portal session value as a bearer token or a staff session cookie does not work either.
    let portal = visitor.cookie("tagdesk_portal").expect("portal cookie");
    let api = app.api(&portal).get("/api/v1/cases").await;
    api.expect_status(401, "portal session as an API key");
    let cookie = format!("{}={portal}", tagdesk_web::session::SESSION_COOKIE);
    let staff = app.send(request(Method::GET, "/cases", &[(COOKIE.as_str(), cookie)], Vec::new())).await;
    staff.expect_status(303, "portal session as a staff session");
}

async fn a_note_goes_to_an_open_case_of_this_device_only(app: &TestApp) {
    let s = site(app).await;
    let forklift = add_device(app, &s.acme, s.north, "Forklift 2", "SN-9").await;
    let mine = staff_case(app, &s.acme, s.north, Some(s.robot), "Wheel squeaks").await;
    let theirs = staff_case(app, &s.acme, s.north, Some(forklift), "Forks bent").await;
    let loose = staff_case(app, &s.acme, s.north, None, "Door broken").await;
    let resolved = staff_case(app, &s.acme, s.north, Some(s.robot), "Screen was dark").await;
    cases::change_status(&app.app, &s.acme.system(), resolved.id, CaseStatus::Resolved).await.expect("resolve");
    let visitor = signed_in(app, &s.token).await;
    let device_page = visitor.get(&format!("/d/{}", s.token)).await.html();
    let note_path = format!("/d/{}/cases/{}/note", s.token, mine.number.0);
    assert!(device_page.has(&format!("a[href=\"{note_path}\"]")), "the note link on the device page");
    let note_page = visitor.get(&note_path).await;
    note_page.expect_status(200, "note form");
    let page = note_page.html();
    assert_eq!(page.text_of("p.case-title").as_deref(), Some("Wheel squeaks"));
    assert!(!note_page.text().contains("Harald") && !note_page.text().contains("Confidential"), "no reporter data");
    let form = format!("form[action=\"{note_path}\"]");
    let csrf = page.attr(&format!("{form} input[name=\"_csrf\"]"), "value").expect("note form");
    assert!(
        page.has(&format!("{form} textarea[name=\"body\"]")) && page.has(&format!("{form} input[name=\"website\"]"))
    );
    assert!(page.has("label[for=\"f-body\"]") && page.has("label[for=\"f-reporter_contact\"]"), "labelled fields");
    assert_contact(&note_page, "note form");

    for (case, what) in
        [(&theirs, "another device's case"), (&loose, "a case without a device"), (&resolved, "a resolved case")]
    {
        let response = visitor
            .post_form(&format!("/d/{}/cases/{}/note", s.token, case.number.0), &[("_csrf", &csrf), ("body", "Me too")])
            .await;
        response.expect_status(404, what);
        assert_contact(&response, what);
        let form = visitor.get(&format!("/d/{}/cases/{}/note", s.token, case.number.0)).await;
        form.expect_status(404, &format!("note form for {what}"));
        let timeline = cases::timeline(&app.app, &s.acme.system(), case.id).await.expect("timeline");
        assert!(timeline.iter().all(|e| e.kind != "portal_note"), "{what}: no note");
    }
    let unknown =
        visitor.post_form(&format!("/d/{}/cases/99999/note", s.token), &[("_csrf", &csrf), ("body", "Me too")]).await;
    unknown.expect_status(404, "unknown number");

    // An empty note comes back with what was typed.
    let empty = visitor
        .post_form(
            &format!("/d/{}/cases/{}/note", s.token, mine.number.0),
            &[("_csrf", &csrf), ("body", " "), ("reporter_name", "Nina"), ("reporter_contact", "nina@example.com")],
        )
        .await;
    empty.expect_status(422, "empty note");
    let html = empty.html();
    assert_eq!(html.text_of("#f-body-error").as_deref(), Some("Error: Please describe what you noticed."));
    assert_eq!(html.attr("#f-body", "aria-describedby").as_deref(), Some("f-body-error"));
    assert_eq!(html.attr("#f-reporter_name", "value").as_deref(), Some("Nina"));
    assert_eq!(html.attr("#f-reporter_contact", "value").as_deref(), Some("nina@example.com"));

    let added = visitor
        .post_form(
            &format!("/d/{}/cases/{}/note", s.token, mine.number.0),
            &[
                ("_csrf", &csrf),
                ("body", "Same here, since Monday."),
                ("reporter_name", "Nina"),
                ("reporter_contact", "nina@example.com"),
            ],
        )
        .await;
    added.expect_status(303, "note");
    assert!(added.location().starts_with(&format!("/d/{}?noted=", s.token)), "{}", added.location());
    let notice = visitor.get(added.location()).await.html();
    assert_eq!(
        notice.text_of(".notice").as_deref(),
        Some(format!("Thank you. Your information was added to case #{}.", mine.number.0)).as_deref()
    );
    let timeline = cases::timeline(&app.app, &s.acme.system(), mine.id).await.expect("timeline");
    let note = timeline.iter().find(|e| e.kind == "portal_note").expect("portal note on the timeline");
    assert!(note.body.starts_with("Same here, since Monday."), "{}", note.body);
    assert!(note.body.contains("nina@example.com"), "contact kept with the note");
    assert!(!note.public, "notes are internal");
    assert_eq!(s.acme.cases_at(s.north).await.len(), 4, "no duplicate case");
    // A forged notice is not shown.
    let forged = visitor.get(&format!("/d/{}?noted={}.{}", s.token, theirs.number.0, "0".repeat(64))).await.html();
    assert!(!forged.has(".notice"), "forged notice");
}

async fn changing_the_pin_ends_every_session(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let other = signed_in(app, &s.token).await;
    let path = format!("/d/{}", s.token);
    assert_eq!(visitor.get(&path).await.html().text_of("h1").as_deref(), Some("Robot 7"));

    s.acme.configure_portal(s.north, |p| p.pin = Some("2468".to_owned())).await;
    for v in [&visitor, &other] {
        assert_pin_page(&v.get(&path).await, "after the PIN changed");
        let report = v.get(&format!("{path}/report?template=free")).await;
        report.expect_status(303, "report form after the PIN changed");
        assert_eq!(report.location(), path);
    }
    visitor.enter_pin(&s.token, PIN).await.expect_status(401, "the old PIN");
    visitor.enter_pin(&s.token, "2468").await.expect_status(303, "the new PIN");
    assert_eq!(visitor.get(&path).await.html().text_of("h1").as_deref(), Some("Robot 7"));
    assert_pin_page(&other.get(&path).await, "the other visitor still needs the new PIN");
}

async fn disabling_the_portal_ends_every_session(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let path = format!("/d/{}", s.token);
    s.acme.configure_portal(s.north, |p| p.enabled = false).await;
    let off = visitor.get(&path).await;
    off.expect_status(200, "disabled");
    assert_eq!(off.html().text_of("h1").as_deref(), Some("The service portal is not available"));
    assert_contact(&off, "disabled");
    // Switched on again with the same PIN: the old session is over.
    s.acme.configure_portal(s.north, |p| p.enabled = true).await;
    assert_pin_page(&visitor.get(&path).await, "after disabling and enabling");
    visitor.enter_pin(&s.token, PIN).await.expect_status(303, "PIN again");
    assert_eq!(visitor.get(&path).await.html().text_of("h1").as_deref(), Some("Robot 7"));
}

// ---------------------------------------------------------------------------------------------------------
// Abuse
// ---------------------------------------------------------------------------------------------------------

async fn a_filled_honeypot_looks_like_success_but_stores_nothing(app: &TestApp) {
    let s = site(app).await;
    let mine = staff_case(app, &s.acme, s.north, Some(s.robot), "Wheel squeaks").await;
    let visitor = signed_in(app, &s.token).await;
    let response = visitor
        .submit_report(
            &s.token,
            "free",
            &[
                ("description", "Buy cheap watches"),
                ("reporter_name", "Bot"),
                ("reporter_email", "bot@spam.example"),
                ("website", "http://spam.example"),
            ],
        )
        .await;
    response.expect_status(303, "honeypot report");
    assert_eq!(response.location(), format!("/d/{}/done", s.token));
    let done = visitor.get(response.location()).await;
    done.expect_status(200, "honeypot confirmation");
    let html = done.html();
    assert_eq!(html.text_of("h1").as_deref(), Some("Thank you — we received your report"));
    assert!(!html.has(".link a"), "no status link");
    assert_eq!(s.acme.cases_at(s.north).await.len(), 1, "no case stored");
    assert!(outbox_created(app).await.is_empty(), "no outbox entry");

    let csrf = form_csrf(&visitor, &s.token).await;
    let note = visitor
        .post_form(
            &format!("/d/{}/cases/{}/note", s.token, mine.number.0),
            &[("_csrf", &csrf), ("body", "Buy cheap watches"), ("website", "http://spam.example")],
        )
        .await;
    note.expect_status(303, "honeypot note");
    let timeline = cases::timeline(&app.app, &s.acme.system(), mine.id).await.expect("timeline");
    assert!(timeline.iter().all(|e| e.kind != "portal_note"), "no note stored");
}

async fn the_same_form_sent_twice_creates_one_case(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let form = fill(
        &visitor.report_form(&s.token, "free").await,
        &[("description", "Double tap"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")],
    );
    let fields: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let first = visitor.post_multipart(&format!("/d/{}/report", s.token), &fields, &[]).await;
    first.expect_status(303, "first submit");
    let (number, _) = confirmation(&visitor, &s.token, &first).await;
    let second = visitor.post_multipart(&format!("/d/{}/report", s.token), &fields, &[]).await;
    second.expect_status(303, "second submit");
    assert_eq!(s.acme.cases_at(s.north).await.len(), 1, "one case");
    assert_eq!(outbox_created(app).await.len(), 1, "one outbox entry");
    let done = visitor.get(second.location()).await;
    assert!(done.html().text().contains(&format!("#{number}")), "the confirmation names the first case");

    // The retry from another phone (the first response lost): still one case, and it says so.
    let retry = app.visitor();
    retry.enter_pin(&s.token, PIN).await.expect_status(303, "PIN");
    let csrf = form_csrf(&retry, &s.token).await;
    let resent = fill(&form, &[("_csrf", &csrf)]);
    let fields: Vec<(&str, &str)> = resent.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let third = retry.post_multipart(&format!("/d/{}/report", s.token), &fields, &[]).await;
    third.expect_status(303, "resubmit");
    let done = retry.get(third.location()).await.html();
    assert_eq!(done.text_of("h1").as_deref(), Some("We already received this report"));
    assert!(done.text().contains(&format!("case #{number}")));
    assert!(!done.has(".link a"), "the status link is shown once only");
    assert_eq!(s.acme.cases_at(s.north).await.len(), 1, "still one case");
}

/// Eight identical posts at once (a nervous double tap times four): exactly one case.
async fn eight_concurrent_posts_create_exactly_one_case(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let form = fill(
        &visitor.report_form(&s.token, "1").await,
        &[("field.f1", "Wheel"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")],
    );
    let fields: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let (body, content_type) = multipart_form(&fields, &[]);
    let cookie = visitor.cookie_header().expect("cookies");
    let path = format!("/d/{}/report", s.token);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let router = app.service();
        let headers = vec![(CONTENT_TYPE.as_str(), content_type.clone()), (COOKIE.as_str(), cookie.clone())];
        let request = request(Method::POST, &path, &headers, body.clone());
        tasks.push(tokio::spawn(async move { router.oneshot(request).await.expect("infallible").status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    assert!(statuses.iter().all(|s| *s == 303), "every post is answered with the confirmation: {statuses:?}");
    let all = s.acme.cases_at(s.north).await;
    assert_eq!(all.len(), 1, "exactly one case from 8 concurrent posts (statuses {statuses:?})");
    assert_eq!(outbox_created(app).await.len(), 1, "exactly one outbox entry");
}

/// Runs on a multi-threaded runtime so that the posts really run in parallel.
mod eight_concurrent_posts_create_exactly_one_case {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        let app = crate::support::TestApp::sqlite().await;
        super::eight_concurrent_posts_create_exactly_one_case(&app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        if let Some(app) = crate::support::TestApp::postgres().await {
            super::eight_concurrent_posts_create_exactly_one_case(&app).await;
        }
    }
}

async fn oversized_bodies_get_413_with_a_clear_portal_page(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let form = visitor.report_form(&s.token, "free").await;
    let path = format!("/d/{}/report", s.token);

    // One text part over its limit (64 KiB), the body within the server's.
    let long = "a".repeat(100 * 1024);
    let filled =
        fill(&form, &[("description", &long), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")]);
    let fields: Vec<(&str, &str)> = filled.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = visitor.post_multipart(&path, &fields, &[]).await;
    response.expect_status(413, "a text part over its limit");
    assert_eq!(response.html().text_of("h1").as_deref(), Some("What you sent is too large"));
    assert_contact(&response, "413 for a long text");

    // A body over the portal's report limit (photos of one report add up to at most 60 MB).
    let photo = vec![0xff_u8; tagdesk_app::portal::settings::REPORT_BODY_LIMIT_BYTES + 1024];
    let filled =
        fill(&form, &[("description", "Photo"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")]);
    let fields: Vec<(&str, &str)> = filled.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = visitor.post_multipart(&path, &fields, &[("photos", "big.jpg", "image/jpeg", &photo)]).await;
    response.expect_status(413, "a body over the server's limit");
    assert!(s.acme.cases_at(s.north).await.is_empty(), "nothing stored");
    let html = response.html();
    assert_eq!(
        html.text_of("h1").as_deref(),
        Some("What you sent is too large"),
        "the portal's own 413 page (not the back office's) for a visitor's oversized upload"
    );
    assert_contact(&response, "413 for an oversized body");
}

async fn six_wrong_pins_lock_the_client_out_with_429(app: &TestApp) {
    let s = site(app).await;
    let visitor = app.visitor();
    let mut statuses = Vec::new();
    let mut last = None;
    for wrong in ["1111", "2222", "3333", "4444", "5555", "6666"] {
        let response = visitor.enter_pin(&s.token, wrong).await;
        statuses.push(response.status.as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429], "locked out after the fifth wrong PIN: {statuses:?}");
    let locked = last.expect("sixth response");
    locked.expect_status(429, "sixth wrong PIN");
    let message = locked.html().text_of("#pin-error").unwrap_or_default();
    assert!(message.contains("minute"), "the lock-out says how long: {message:?}");
    let retry_after: i64 = locked.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=24 * 3600).contains(&retry_after), "Retry-After {retry_after}");
    assert_contact(&locked, "lock-out page");
    // Even the right PIN waits now.
    let right = visitor.enter_pin(&s.token, PIN).await;
    right.expect_status(429, "correct PIN while locked out");
    assert!(right.set_cookie("tagdesk_portal").is_none(), "no session while locked out");
    assert_pin_page(&visitor.get(&format!("/d/{}", s.token)).await, "still the PIN page");
}

async fn portal_forms_without_their_csrf_token_are_refused(app: &TestApp) {
    let s = site(app).await;
    let mine = staff_case(app, &s.acme, s.north, Some(s.robot), "Wheel squeaks").await;
    let visitor = app.visitor();
    visitor.get(&format!("/d/{}", s.token)).await.expect_status(200, "PIN page");
    let pin_path = format!("/d/{}/pin", s.token);
    for (fields, what) in [
        (vec![("pin", PIN)], "PIN without _csrf"),
        (vec![("pin", PIN), ("_csrf", "")], "PIN with an empty _csrf"),
        (
            vec![("pin", PIN), ("_csrf", "0000000000000000000000000000000000000000000000000000000000000000")],
            "PIN with a forged _csrf",
        ),
    ] {
        let response = visitor.post_form(&pin_path, &fields).await;
        response.expect_status(403, what);
        assert_eq!(response.html().text_of("h1").as_deref(), Some("This form has expired"), "{what}");
        assert!(response.set_cookie("tagdesk_portal").is_none(), "{what}: no session");
        assert_contact(&response, what);
    }
    // A PIN page's token without its cookie (another browser's page).
    let page = visitor.get(&format!("/d/{}", s.token)).await.html();
    let token = page.attr("input[name=\"_csrf\"]", "value").expect("PIN form token");
    let stranger = app.visitor();
    stranger
        .post_form(&pin_path, &[("_csrf", &token), ("pin", PIN)])
        .await
        .expect_status(403, "token without its cookie");

    let visitor = signed_in(app, &s.token).await;
    let other = signed_in(app, &s.token).await;
    let form = visitor.report_form(&s.token, "free").await;
    let others_csrf = form_csrf(&other, &s.token).await;
    let report_path = format!("/d/{}/report", s.token);
    let filled =
        fill(&form, &[("description", "Squeaks"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")]);
    let without: Vec<(&str, &str)> =
        filled.iter().filter(|(n, _)| n != "_csrf").map(|(n, v)| (n.as_str(), v.as_str())).collect();
    visitor.post_multipart(&report_path, &without, &[]).await.expect_status(403, "report without _csrf");
    let foreign = fill(&filled, &[("_csrf", &others_csrf)]);
    let foreign: Vec<(&str, &str)> = foreign.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    visitor.post_multipart(&report_path, &foreign, &[]).await.expect_status(403, "report with another session's _csrf");
    // The form's action URL carries the token: checked before the body is read, and it is enough alone.
    let action = visitor
        .get(&format!("{report_path}?template=free"))
        .await
        .html()
        .attr("form[method=\"post\"]", "action")
        .expect("form action");
    let my_csrf = form_csrf(&visitor, &s.token).await;
    assert_eq!(action, format!("{report_path}?_csrf={my_csrf}"));
    let forged = format!("{report_path}?_csrf=0000000000000000000000000000000000000000000000000000000000000000");
    let others = format!("{report_path}?_csrf={others_csrf}");
    for (path, what) in [(&forged, "forged query token"), (&others, "another session's query token")] {
        // Even with a valid token as a part: a wrong token in the query is refused.
        let response = visitor.post_multipart(path, &fields_of(&filled), &[]).await;
        response.expect_status(403, what);
        assert_eq!(response.html().text_of("h1").as_deref(), Some("This form has expired"), "{what}");
    }
    assert!(s.acme.cases_at(s.north).await.len() == 1, "no case from refused forms");
    visitor.post_multipart(&action, &without, &[]).await.expect_status(303, "the query token alone");
    assert!(s.acme.cases_at(s.north).await.len() == 2, "the report with the query token");

    let note_path = format!("/d/{}/cases/{}/note", s.token, mine.number.0);
    visitor.post_form(&note_path, &[("body", "Me too")]).await.expect_status(403, "note without _csrf");
    visitor
        .post_form(&note_path, &[("body", "Me too"), ("_csrf", &others_csrf)])
        .await
        .expect_status(403, "note, foreign _csrf");
    let timeline = cases::timeline(&app.app, &s.acme.system(), mine.id).await.expect("timeline");
    assert!(timeline.iter().all(|e| e.kind != "portal_note"), "no note from refused forms");
}

// ---------------------------------------------------------------------------------------------------------
// Escaping, language, headers, weight
// ---------------------------------------------------------------------------------------------------------

#[track_caller]
fn assert_inert(response: &Response, context: &str) {
    let html = response.text();
    let lower = html.to_lowercase();
    for needle in ["<script", "onerror", "javascript:", "<iframe", "<img"] {
        assert!(!lower.contains(needle), "{context}: {needle:?} in the HTML");
    }
}

async fn hostile_names_and_markdown_are_escaped_everywhere(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let device = add_device(app, &acme, north, "<script>alert(1)</script>", "<b>SN</b>").await;
    let template = damage_template(app, &acme, "<script>alert(4)</script>").await;
    acme.configure_portal(north, |s| {
        s.enabled = true;
        s.pin = Some(PIN.to_owned());
        s.welcome_md =
            "Hello <img src=x onerror=alert(1)> and [x](javascript:alert(1)) and <script>alert(2)</script>".to_owned();
        s.instructions_md =
            "[call us](JavaScript:alert(3)) <iframe src=\"//evil.example\"></iframe> **bold**".to_owned();
        s.contact_md =
            "[mail](javascript&#58;alert(5)) [desk](https://desk.example.com) <a href=\"javascript:alert(6)\">raw</a>"
                .to_owned();
        s.offered_template_ids = vec![template.to_string()];
    })
    .await;
    let token = acme.portal_token(device).await;
    let visitor = app.visitor();

    let pin = visitor.get(&format!("/d/{token}")).await;
    assert_inert(&pin, "PIN page");
    let contact = pin.html();
    assert_eq!(
        contact.attr("footer.contact a[href=\"https://desk.example.com\"]", "rel").as_deref(),
        Some("noopener nofollow")
    );

    visitor.enter_pin(&token, PIN).await.expect_status(303, "PIN");
    let device_page = visitor.get(&format!("/d/{token}")).await;
    device_page.expect_status(200, "device page");
    assert_inert(&device_page, "device page");
    assert!(device_page.text().contains("alert(1)"), "the name is shown, escaped");
    assert_eq!(device_page.html().text_of("h1").as_deref(), Some("<script>alert(1)</script>"));
    assert!(device_page.html().has(".md strong"), "harmless Markdown still renders");

    let choose = visitor.get(&format!("/d/{token}/report")).await;
    assert_inert(&choose, "report step 1");
    let form = visitor.get(&format!("/d/{token}/report?template=1")).await;
    assert_inert(&form, "report step 2");

    let invalid = visitor
        .submit_report(
            &token,
            "free",
            &[("description", "<script>alert(7)</script>"), ("reporter_name", "<script>x</script>")],
        )
        .await;
    invalid.expect_status(422, "hostile input with a missing contact");
    assert_inert(&invalid, "422 page");
    let sent = visitor
        .submit_report(
            &token,
            "free",
            &[
                ("description", "<script>alert(8)</script>\nmore"),
                ("reporter_name", "<script>x</script>"),
                ("reporter_email", "rita@example.com"),
            ],
        )
        .await;
    sent.expect_status(303, "hostile report");
    let done = visitor.get(sent.location()).await;
    assert_inert(&done, "confirmation");
    let follow = done.html().attr(".link a", "href").expect("status link");
    let follow = follow.strip_prefix(PUBLIC_URL).expect("public URL").to_owned();
    // A portal case gets a neutral title; staff may still type a hostile one.
    staff_case(app, &acme, north, Some(device), "<script>alert(10)</script>").await;
    let listed = visitor.get(&format!("/d/{token}")).await;
    assert_inert(&listed, "device page with a hostile case title");
    let titles = listed.html().texts_of("ul.cases .case-title");
    assert!(titles.iter().any(|t| t.contains("<script>alert(10)</script>")), "{titles:?}");
    assert!(titles.iter().any(|t| t.ends_with(" Problem report")) && !listed.text().contains("alert(8)"), "{titles:?}");
    let case = acme.cases_at(north).await.into_iter().find(|c| c.origin == CaseOrigin::Portal).expect("portal case");
    cases::comment(&app.app, &acme.system(), case.id, "<script>alert(9)</script> <img src=x onerror=alert(9)>", true)
        .await
        .expect("comment");
    let follow_page = app.get(&follow).await;
    follow_page.expect_status(200, "follow-up page");
    let lower = follow_page.text().to_lowercase();
    assert!(!lower.contains("<script") && !lower.contains("<img"), "follow-up page escapes the title and comments");
    assert!(follow_page.html().text().contains("<img src=x onerror=alert(9)>"), "shown as text");
}

async fn the_language_follows_the_switcher_then_the_browser_then_the_deployment(app: &TestApp) {
    let s = site(app).await;
    let path = format!("/d/{}", s.token);
    let visitor = app.visitor();
    let german = visitor.get_with(&path, &[("accept-language", "de-DE,de;q=0.9,en;q=0.5")]).await;
    german.expect_status(200, "German browser");
    let html = german.html();
    assert_eq!(html.attr("html", "lang").as_deref(), Some("de"));
    assert_eq!(html.text_of("h1").as_deref(), Some("Standort-PIN eingeben"));
    assert_eq!(german.header("content-language"), Some("de"));
    assert_eq!(html.attr("a[hreflang=\"en\"]", "href"), Some(format!("{path}?lang=en")), "the switcher");

    let switched = visitor.get_with(&format!("{path}?lang=en"), &[("accept-language", "de")]).await;
    let html = switched.html();
    assert_eq!(html.attr("html", "lang").as_deref(), Some("en"));
    assert_eq!(html.text_of("h1").as_deref(), Some("Enter the site PIN"));
    assert_eq!(switched.set_cookie("tagdesk_lang").as_deref(), Some("en"), "the choice is remembered");
    let remembered = visitor.get_with(&path, &[("accept-language", "de")]).await.html();
    assert_eq!(remembered.attr("html", "lang").as_deref(), Some("en"), "the switcher wins over the browser");

    // The deployment's default without a header (or with an unsupported language).
    s.acme.configure_portal(s.north, |p| p.language = "de".to_owned()).await;
    for accept in [None, Some("fr-FR,fr;q=0.9")] {
        let fresh = app.visitor();
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept-language", a)).into_iter().collect();
        let page = fresh.get_with(&path, &headers).await.html();
        assert_eq!(page.attr("html", "lang").as_deref(), Some("de"), "deployment default with {accept:?}");
        assert_eq!(page.text_of("h1").as_deref(), Some("Standort-PIN eingeben"));
    }
    let weighted = app.visitor().get_with(&path, &[("accept-language", "en;q=0.2, de-AT;q=0.8")]).await.html();
    assert_eq!(weighted.attr("html", "lang").as_deref(), Some("de"), "quality values count");
    let english = app.visitor().get_with(&path, &[("accept-language", "en-GB")]).await.html();
    assert_eq!(english.attr("html", "lang").as_deref(), Some("en"), "the browser wins over the default");

    // German through the whole path.
    let de = app.visitor();
    let wrong = de.enter_pin(&s.token, "1111").await;
    assert!(wrong.html().text_of("#pin-error").is_some_and(|t| t.contains("Diese PIN ist nicht richtig")));
    de.enter_pin(&s.token, PIN).await.expect_status(303, "PIN");
    let device = de.get(&path).await.html();
    assert_eq!(device.texts_of("dl.facts dt"), vec!["Modell", "Seriennummer", "Standort"]);
    let follow = {
        let sent = de
            .submit_report(
                &s.token,
                "free",
                &[("description", "Quietscht"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")],
            )
            .await;
        sent.expect_status(303, "German report");
        let done = de.get(sent.location()).await.html();
        assert_eq!(done.text_of("h1").as_deref(), Some("Danke — wir haben Ihre Meldung erhalten"));
        let link = done.attr(".link a", "href").expect("link");
        link.strip_prefix(PUBLIC_URL).expect("public URL").to_owned()
    };
    let page = app.get(&follow).await.html();
    assert_eq!(page.attr("html", "lang").as_deref(), Some("de"), "the follow-up page in the reporter's language");
}

async fn portal_pages_carry_the_security_headers(app: &TestApp) {
    let s = site(app).await;
    let visitor = app.visitor();
    let mut pages = vec![
        ("PIN page", visitor.get(&format!("/d/{}", s.token)).await),
        ("unknown label", visitor.get(&format!("/d/{}", unused_token(&s.token))).await),
        ("wrong PIN", visitor.enter_pin(&s.token, "1111").await),
    ];
    visitor.enter_pin(&s.token, PIN).await.expect_status(303, "PIN");
    pages.push(("device page", visitor.get(&format!("/d/{}", s.token)).await));
    pages.push(("report form", visitor.get(&format!("/d/{}/report?template=1", s.token)).await));
    let (_, follow) = report_freely(&visitor, &s.token, "Squeaks").await;
    pages.push(("confirmation", visitor.get(&format!("/d/{}/done", s.token)).await));
    pages.push(("follow-up page", app.get(&follow).await));
    for (what, response) in &pages {
        let csp = response.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{what}: CSP {csp:?}");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"), "{what}: CSP {csp:?}");
        assert!(!csp.contains("unsafe-inline"), "{what}: CSP {csp:?}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{what}");
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"), "{what}");
        assert_eq!(response.header("cache-control"), Some("no-store"), "{what}");
        assert!(response.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{what}");
        let html = response.html();
        assert_eq!(html.attr("meta[name=\"robots\"]", "content").as_deref(), Some("noindex, nofollow"), "{what}");
        assert!(
            !response.text().contains("<script") && !response.text().contains(" style=\""),
            "{what}: no inline script or style"
        );
    }
    let css = app.get("/static/portal.css").await;
    css.expect_status(200, "portal stylesheet");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("x-content-type-options"), Some("nosniff"));
}

async fn the_pin_and_device_pages_stay_within_30_kb_with_the_stylesheet(app: &TestApp) {
    let s = site(app).await;
    // Realistic, generous content: long texts and the most recent cases the page lists, all open.
    let paragraph = "Please describe what you see, when it started and whether the device still works. ".repeat(6);
    s.acme
        .configure_portal(s.north, |p| {
            p.welcome_md = format!("Welcome to the *North* service portal.\n\n{paragraph}");
            p.instructions_md = format!("1. {paragraph}\n2. {paragraph}\n3. Send the report.");
            p.contact_md = format!("{CONTACT_MD}\n\nEmail: [service@north.example](mailto:service@north.example)");
        })
        .await;
    let max_cases = tagdesk_app::portal::visit::RECENT_CASES_MAX;
    for i in 0..max_cases {
        staff_case(app, &s.acme, s.north, Some(s.robot), &format!("Problem number {i} with a typical title length"))
            .await;
    }
    let css = app.get("/static/portal.css").await;
    css.expect_status(200, "stylesheet");
    let visitor = app.visitor();
    let pin = visitor.get(&format!("/d/{}", s.token)).await;
    pin.expect_status(200, "PIN page");
    let pin_weight = pin.body.len() + css.body.len();
    assert!(pin_weight < PAGE_BUDGET, "PIN page {} + CSS {} = {pin_weight} bytes", pin.body.len(), css.body.len());

    visitor.enter_pin(&s.token, PIN).await.expect_status(303, "PIN");
    let device = visitor.get(&format!("/d/{}", s.token)).await;
    device.expect_status(200, "device page");
    assert_eq!(device.html().texts_of("ul.cases li .case-title").len(), usize::try_from(max_cases).expect("count"));
    let device_weight = device.body.len() + css.body.len();
    assert!(
        device_weight < PAGE_BUDGET,
        "device page with {max_cases} open cases: {} + CSS {} = {device_weight} bytes",
        device.body.len(),
        css.body.len()
    );
}

/// A 4×4 red PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09, 0x29, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x21, 0x27, 0x07, 0x47, 0x0c, 0xc4, 0x71, 0x00, 0xb1, 0x63, 0x10, 0x41,
    0x3b, 0x4b, 0x63, 0x82, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn photos_are_checked_by_content_re_encoded_and_attached(app: &TestApp) {
    let s = site(app).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = tagdesk_app::attachments::LocalDirStore::new(dir.path().join("attachments"));
    let with_photos =
        app.with_app(app.app.clone().with_attachments(std::sync::Arc::new(store.clone())), WebConfig::for_tests());
    let visitor = signed_in(&with_photos, &s.token).await;
    let path = format!("/d/{}/report", s.token);
    let form = visitor.report_form(&s.token, "free").await;
    let page = visitor.get(&format!("{path}?template=free")).await.html();
    assert_eq!(page.attr("input#f-photos", "type").as_deref(), Some("file"));
    assert_eq!(page.attr("form[method=\"post\"]", "enctype").as_deref(), Some("multipart/form-data"));
    let typed = fill(
        &form,
        &[("description", "Cracked screen"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")],
    );
    let fields: Vec<(&str, &str)> = typed.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();

    // Not a photo, whatever its name says: the form comes back, photos to be added again.
    let fake = visitor
        .post_multipart(&path, &fields, &[("photos", "screen.jpg", "image/jpeg", b"just some text, not a JPEG")])
        .await;
    fake.expect_status(422, "a text file named .jpg");
    let html = fake.html();
    assert!(
        html.text_of("#f-photos-error")
            .is_some_and(|t| t.contains("screen.jpg") && t.contains("not a JPEG, PNG or WebP")),
        "{:?}",
        html.text_of("#f-photos-error")
    );
    assert!(html.text_of(".notice.warn").is_some_and(|t| t.contains("add your photos again")), "photos are not kept");
    assert_eq!(html.field_value("description").as_deref(), Some("Cracked screen"), "the text is kept");
    assert!(s.acme.cases_at(s.north).await.is_empty());

    // A real photo: stored re-encoded as JPEG and attached to the case.
    let again = form_values(&html, "form[method=\"post\"]");
    let fields: Vec<(&str, &str)> = again.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let sent = visitor.post_multipart(&path, &fields, &[("photos", "screen.png", "image/png", PNG)]).await;
    sent.expect_status(303, "report with a photo");
    let case = s.acme.cases_at(s.north).await.into_iter().next().expect("case");
    let photos = tagdesk_app::attachments::list_for_case(&app.app, &s.acme.system(), case.id).await.expect("photos");
    assert_eq!(photos.len(), 1, "one photo attached");
    assert_eq!(photos[0].content_type, "image/jpeg");
    assert_eq!((photos[0].width, photos[0].height), (4, 4));
    let (_, bytes) =
        tagdesk_app::attachments::open(&app.app, &s.acme.system(), photos[0].id, &store).await.expect("open photo");
    assert!(bytes.starts_with(&[0xff, 0xd8, 0xff]), "re-encoded as JPEG");
    // Never served to the portal.
    let follow = confirmation(&visitor, &s.token, &sent).await.1;
    let follow_page = with_photos.get(&follow).await;
    assert!(
        !follow_page.text().contains(&photos[0].id.to_string()) && !follow_page.text().contains("<img"),
        "no photo on the follow-up page"
    );
    with_photos.get(&format!("/attachments/{}", photos[0].id)).await.expect_status(303, "photos need a staff session");

    // Too many photos.
    let form = visitor.report_form(&s.token, "free").await;
    let typed =
        fill(&form, &[("description", "Many"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")]);
    let fields: Vec<(&str, &str)> = typed.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let six: Vec<(&str, &str, &str, &[u8])> = (0..6).map(|_| ("photos", "p.png", "image/png", PNG)).collect();
    let many = visitor.post_multipart(&path, &fields, &six).await;
    many.expect_status(422, "six photos, five allowed");
    assert!(
        many.html().text_of("#f-photos-error").is_some_and(|t| t.contains("at most 5 photos")),
        "{:?}",
        many.html().text_of("#f-photos-error")
    );
    assert_eq!(s.acme.cases_at(s.north).await.len(), 1);
}

async fn a_confirmation_belongs_to_its_own_label(app: &TestApp) {
    let s = site(app).await;
    let forklift = add_device(app, &s.acme, s.north, "Forklift 2", "SN-9").await;
    let forklift_token = s.acme.portal_token(forklift).await;
    let visitor = signed_in(app, &s.token).await;
    let (number, _) = report_freely(&visitor, &s.token, "Squeaks").await;
    assert!(visitor.cookie("tagdesk_portal_done").is_some());
    // The test browser sends the confirmation cookie everywhere (real ones only to its path): it is signed
    // for Robot 7's label and says nothing at another label.
    let elsewhere = visitor.get(&format!("/d/{forklift_token}/done")).await;
    elsewhere.expect_status(303, "another label's confirmation");
    assert_eq!(elsewhere.location(), format!("/d/{forklift_token}"));
    // Nor can a tampered cookie name another case.
    let cookie = visitor.cookie("tagdesk_portal_done").expect("done cookie");
    let forged = cookie.replacen(&format!("{number}:"), "7:", 1);
    assert_ne!(forged, cookie);
    let session = visitor.cookie("tagdesk_portal").expect("session");
    let headers = [(COOKIE.as_str(), format!("tagdesk_portal={session}; tagdesk_portal_done={forged}"))];
    let response = app.send(request(Method::GET, &format!("/d/{}/done", s.token), &headers, Vec::new())).await;
    response.expect_status(303, "a forged confirmation cookie");
    assert!(!response.text().contains("#7"), "a forged confirmation is not shown");
}

async fn the_hourly_report_quota_answers_429_with_a_clear_page(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let quota = tagdesk_app::portal::report::CLIENT_QUOTA_PER_HOUR;
    for i in 0..quota {
        let description = format!("Report {i}");
        let fields =
            [("description", description.as_str()), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")];
        visitor
            .submit_report(&s.token, "free", &fields)
            .await
            .expect_status(303, &format!("report {i} within the quota"));
    }
    let over = visitor
        .submit_report(
            &s.token,
            "free",
            &[("description", "One more"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")],
        )
        .await;
    over.expect_status(429, "over the hourly quota");
    assert_eq!(over.html().text_of("h1").as_deref(), Some("Too many reports at the moment"));
    assert!(over.header("retry-after").and_then(|v| v.parse::<i64>().ok()).is_some_and(|s| (1..=3601).contains(&s)));
    assert_contact(&over, "quota page");
    assert_eq!(s.acme.cases_at(s.north).await.len(), usize::try_from(quota).expect("quota"), "nothing over the quota");
}

/// Sends the head of a 50 MB report post to `path` over a real connection, then `start` (the beginning of
/// the body), and never the rest; returns what the server answers (status line and headers) — it has to
/// answer without the body.
async fn answer_to_a_stalled_post(app: &TestApp, path: &str, cookie: Option<String>, start: &[u8]) -> String {
    use std::io::{Read as _, Write as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let router = app.service();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={STALL_BOUNDARY}\r\n\
         Content-Length: 50000000\r\n"
    );
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    head.push_str("\r\n");
    let start = start.to_vec();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
        stream.write_all(head.as_bytes()).expect("send head");
        stream.write_all(&start).expect("send the start of the body");
        let mut answer = vec![0_u8; 64 * 1024];
        let n = stream.read(&mut answer).expect("an answer while the body is still incomplete");
        String::from_utf8_lossy(&answer[..n]).into_owned()
    })
    .await
    .expect("client");
    server.abort();
    answer
}

const STALL_BOUNDARY: &str = "----tagdesk-stalled-boundary";

/// The head of a photo part (the photo itself never follows).
fn photo_part_head() -> Vec<u8> {
    format!(
        "--{STALL_BOUNDARY}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\nPNG bytes"
    )
    .into_bytes()
}

#[track_caller]
fn assert_status_line(answer: &str, status: u16, context: &str) {
    let first = answer.lines().next().unwrap_or_default();
    assert!(first.starts_with(&format!("HTTP/1.1 {status} ")), "{context}: {first:?}");
}

/// Finding: the report post used to buffer the whole body (up to 64 MiB) before looking at the session
/// or the form token. Now every refusal comes back while the body is still being sent.
async fn a_report_post_is_refused_before_its_body_is_read(app: &TestApp) {
    let s = site(app).await;
    let path = format!("/d/{}/report", s.token);

    // No session, no token: the device page (the PIN), at once.
    let answer = answer_to_a_stalled_post(app, &path, None, &photo_part_head()).await;
    assert_status_line(&answer, 303, "no session");
    assert!(answer.contains(&format!("location: /d/{}\r\n", s.token)), "to the PIN page: {answer}");
    let stranger = app.visitor();
    stranger.get(&format!("/d/{}", s.token)).await.expect_status(200, "PIN page");
    let answer = answer_to_a_stalled_post(app, &path, stranger.cookie_header(), &photo_part_head()).await;
    assert_status_line(&answer, 303, "cookies but no session");

    // A session, but a wrong token in the query: 403 before the body.
    let visitor = signed_in(app, &s.token).await;
    let other = signed_in(app, &s.token).await;
    let others_csrf = form_csrf(&other, &s.token).await;
    let cookie = visitor.cookie_header();
    let answer =
        answer_to_a_stalled_post(app, &format!("{path}?_csrf={others_csrf}"), cookie.clone(), &photo_part_head()).await;
    assert_status_line(&answer, 403, "another session's token in the query");

    // A session without a token in the query: a photo before the `_csrf` part is refused on its first bytes.
    let answer = answer_to_a_stalled_post(app, &path, cookie.clone(), &photo_part_head()).await;
    assert_status_line(&answer, 403, "a photo before the form token");
    // So is a wrong `_csrf` part, before any photo.
    let wrong = format!(
        "--{STALL_BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{others_csrf}\r\n{}",
        String::from_utf8_lossy(&photo_part_head())
    );
    let answer = answer_to_a_stalled_post(app, &path, cookie, wrong.as_bytes()).await;
    assert_status_line(&answer, 403, "another session's _csrf part");

    // Over the hourly report quota: refused before the body as well.
    let quota = tagdesk_app::portal::report::CLIENT_QUOTA_PER_HOUR;
    for i in 0..quota {
        let description = format!("Report {i}");
        let fields =
            [("description", description.as_str()), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")];
        visitor.submit_report(&s.token, "free", &fields).await.expect_status(303, "within the quota");
    }
    let mine = form_csrf(&visitor, &s.token).await;
    let answer =
        answer_to_a_stalled_post(app, &format!("{path}?_csrf={mine}"), visitor.cookie_header(), &photo_part_head())
            .await;
    assert_status_line(&answer, 429, "over the quota");
    assert_eq!(s.acme.cases_at(s.north).await.len(), usize::try_from(quota).expect("quota"), "nothing else stored");

    // Plain requests without a session store nothing and say the same.
    let (body, content_type) = multipart_form(&[("description", "x")], &[]);
    let response = app.send(request(Method::POST, &path, &[(CONTENT_TYPE.as_str(), content_type)], body)).await;
    response.expect_status(303, "no session");
    assert_eq!(response.location(), format!("/d/{}", s.token));
}

/// Finding: photos were decoded before any quota or form check, and failed reports counted nothing.
async fn photos_are_processed_only_for_valid_forms_within_the_hourly_photo_budget(app: &TestApp) {
    let s = site(app).await;
    let visitor = signed_in(app, &s.token).await;
    let path = format!("/d/{}/report", s.token);
    let form = visitor.report_form(&s.token, "free").await;
    let max = 5; // the site's photo limit (the default)
    let photos: Vec<(&str, &str, &str, &[u8])> =
        (0..max).map(|_| ("photos", "p.png", "image/png", b"not a photo at all".as_slice())).collect();

    // A form that will be refused anyway (no contact): its photos are never looked at, nor counted.
    let incomplete = fill(&form, &[("description", "Cracked")]);
    for _ in 0..10 {
        let response = visitor.post_multipart(&path, &fields_of(&incomplete), &photos).await;
        response.expect_status(422, "missing contact");
        let html = response.html();
        assert!(html.text_of("#f-reporter_email-error").is_some(), "the contact error");
        assert_eq!(html.text_of("#f-photos-error"), None, "photos were not decoded");
        assert!(html.text_of(".notice.warn").is_some_and(|t| t.contains("add your photos again")));
    }

    // Complete forms: every photo counts against the client's hourly budget before decoding, even when
    // the report then fails.
    let complete =
        fill(&form, &[("description", "Cracked"), ("reporter_name", "Rita"), ("reporter_email", "rita@example.com")]);
    let budget = usize::try_from(tagdesk_app::portal::report::PHOTO_QUOTA_PER_HOUR).expect("budget");
    for i in 0..budget / max {
        let response = visitor.post_multipart(&path, &fields_of(&complete), &photos).await;
        response.expect_status(422, &format!("post {i}: not photos"));
        assert!(response.html().text_of("#f-photos-error").is_some_and(|t| t.contains("not a JPEG, PNG or WebP")));
    }
    let over = visitor.post_multipart(&path, &fields_of(&complete), &photos[..1]).await;
    over.expect_status(429, "the photo budget is used up");
    assert_eq!(over.html().text_of("h1").as_deref(), Some("Too many reports at the moment"));
    assert!(over.header("retry-after").and_then(|v| v.parse::<i64>().ok()).is_some_and(|s| (1..=3601).contains(&s)));
    assert!(s.acme.cases_at(s.north).await.is_empty(), "nothing stored");

    // Reports without photos are not affected by the photo budget.
    visitor.post_multipart(&path, &fields_of(&complete), &[]).await.expect_status(303, "report without photos");
    assert_eq!(s.acme.cases_at(s.north).await.len(), 1);
}
