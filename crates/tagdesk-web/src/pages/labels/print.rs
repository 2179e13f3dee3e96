//! `GET /labels`: choose devices (a deployment, a tag, a search, a pasted or scanned list, "never
//! scanned / not scanned in N days"), a format, a template, where to start on a half-used sheet, a printer
//! profile and the fields; with a selection, the page shows what it covers and warns when the QR modules
//! come out too small. `POST /labels` prints: up to `SYNC_LABEL_LIMIT` labels download at once, more
//! become a background job. `POST /labels/replace` gives the selection new labels (new tokens) first.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tagdesk_app::labels::render::{self, ModuleCheck, PrintRequest};
use tagdesk_app::labels::replace::{self as replacing, Replaced};
use tagdesk_app::labels::select::{self, Selection};
use tagdesk_app::labels::settings;
use tagdesk_app::labels::{self as labels, LabelFormat, SYNC_LABEL_LIMIT};
use tagdesk_app::{AppError, deployments};
use tagdesk_domain::{DeploymentId, DeviceId, FieldErrors};

use super::{Choice, download, printer_choices, template_choices};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::session::Staff;

/// The print form, as query (GET) or body (POST). Checkboxes post `true`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct PrintForm {
    deployment: String,
    tag: String,
    search: String,
    listed: String,
    never_scanned: bool,
    not_scanned_days: String,
    /// Device ids (from a device page or a link), comma-separated.
    devices: String,
    format: String,
    template: String,
    start_at: String,
    printer_profile: String,
    /// Set by the form, so "no optional field ticked" differs from "use the deployment's fields".
    fields_chosen: bool,
    field_name: bool,
    field_serial: bool,
    field_site: bool,
    field_cta: bool,
    field_logo: bool,
    outlines: bool,
    png_px: String,
    confirm_replace: bool,
    /// The deployment the form's template, printer and field choices were filled in for, and those
    /// choices as shown (see [`PrintForm::adopt_deployment_choices`]).
    shown_for: String,
    shown_template: String,
    shown_printer: String,
    shown_fields: String,
}

impl PrintForm {
    /// The ticked fields and outlines as one string, to compare with what the page showed.
    fn fields_key(&self) -> String {
        let on = [
            ("name", self.field_name),
            ("serial", self.field_serial),
            ("site", self.field_site),
            ("cta", self.field_cta),
            ("logo", self.field_logo),
            ("outlines", self.outlines),
        ];
        on.iter().filter(|(_, on)| *on).map(|(n, _)| *n).collect::<Vec<_>>().join(",")
    }

    /// When the deployment was changed on the page (without a script the choices below it still show what
    /// was filled in for the previous one), every choice left as shown gives way to the chosen deployment's
    /// remembered one; choices the person changed stay. Without this, choosing a deployment and pressing
    /// "Print labels" would print — and remember — the previous deployment's (or the default) choices.
    fn adopt_deployment_choices(&mut self) {
        if self.shown_for.trim() == self.deployment.trim() {
            return;
        }
        if self.template.trim() == self.shown_template.trim() {
            self.template.clear();
        }
        if self.printer_profile.trim() == self.shown_printer.trim() {
            self.printer_profile.clear();
        }
        if self.fields_chosen && self.fields_key() == self.shown_fields.trim() {
            self.fields_chosen = false;
        }
    }

    fn selection(&self, errors: &mut FieldErrors) -> Selection {
        let trimmed = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let deployment = match self.deployment.trim() {
            "" => None,
            raw => DeploymentId::parse(raw)
                .map_err(|_| errors.add("deployment", "Choose a deployment from the list."))
                .ok(),
        };
        let not_scanned_days = match self.not_scanned_days.trim() {
            "" => None,
            raw => raw.parse::<u32>().map_err(|_| errors.add("not_scanned_days", "Give a whole number of days.")).ok(),
        };
        let device_ids = self
            .devices
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .filter_map(|d| {
                DeviceId::parse(d).map_err(|_| errors.add("devices", "A device in the link is unknown.")).ok()
            })
            .collect();
        Selection {
            deployment,
            tag: trimmed(&self.tag),
            search: trimmed(&self.search),
            device_ids,
            listed: trimmed(&self.listed),
            never_scanned: self.never_scanned,
            not_scanned_days,
        }
    }

    fn fields(&self) -> Option<String> {
        self.fields_chosen.then(|| {
            let chosen = [
                ("name", self.field_name),
                ("serial", self.field_serial),
                ("site", self.field_site),
                ("cta", self.field_cta),
                ("logo", self.field_logo),
            ];
            std::iter::once("qr")
                .chain(chosen.iter().filter(|(_, on)| *on).map(|(n, _)| *n))
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    fn request(&self) -> Result<PrintRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let selection = self.selection(&mut errors);
        let format = match self.format.trim() {
            "" => None,
            raw => LabelFormat::parse(raw).map_err(|_| errors.add("format", "Choose PDF, ZIP or CSV.")).ok(),
        };
        let start_at = match self.start_at.trim() {
            "" => 0,
            raw => raw.parse::<u32>().unwrap_or_else(|_| {
                errors.add("start_at", "Give the number of labels already used (0 for a new sheet).");
                0
            }),
        };
        let png_px = match self.png_px.trim() {
            "" => None,
            raw => raw.parse::<u32>().map_err(|_| errors.add("png_px", "Choose a PNG size.")).ok(),
        };
        errors.into_result()?;
        Ok(PrintRequest {
            selection,
            format,
            template: Some(self.template.trim().to_owned()).filter(|t| !t.is_empty()),
            start_at,
            printer_profile: Some(self.printer_profile.trim().to_owned()).filter(|p| !p.is_empty()),
            fields: self.fields(),
            outlines: self.fields_chosen.then_some(self.outlines),
            png_px,
        })
    }
}

/// What a selection covers, shown above the print button.
struct Summary {
    count: usize,
    /// The first few device names.
    first: Vec<String>,
    unmatched: Vec<String>,
    in_background: bool,
    check: Option<ModuleCheck>,
}

#[derive(Template)]
#[template(path = "labels/print.html")]
struct PrintPage {
    layout: Layout,
    form: PrintForm,
    deployments: Vec<Choice>,
    templates: Vec<Choice>,
    printers: Vec<Choice>,
    png_sizes: Vec<u32>,
    summary: Option<Summary>,
    sync_limit: usize,
    /// The chosen field set, for the checkboxes (a deployment's remembered one when not chosen).
    name_on: bool,
    serial_on: bool,
    site_on: bool,
    cta_on: bool,
    logo_on: bool,
    outlines_on: bool,
    /// [`PrintForm::fields_key`] of the checkboxes as shown.
    shown_fields: String,
    errors: FormErrors,
}

async fn show(state: &AppState, staff: &Staff, mut form: PrintForm, errors: FieldErrors) -> PageResult {
    let actor = &staff.actor;
    let deployments = deployments::list_all(&state.app, actor)
        .await?
        .into_iter()
        .filter(|d| actor.deployment_role(d.id).is_some_and(|r| r.can_work()))
        .map(|d| Choice { value: d.id.to_string(), text: d.name })
        .collect();
    let mut errors = errors;
    let request = form.request();
    // A deployment's remembered choices fill what the form leaves open.
    if let Ok(request) = &request
        && let Some(deployment) = request.selection.deployment
        && let Ok(defaults) = settings::deployment_defaults(&state.app, actor, deployment).await
    {
        if form.template.is_empty() {
            form.template = defaults.template.clone();
        }
        if form.printer_profile.is_empty() {
            form.printer_profile = defaults.printer_profile_id.clone().unwrap_or_default();
        }
        if !form.fields_chosen {
            let f = defaults.fields;
            (form.field_name, form.field_serial, form.field_site, form.field_cta, form.field_logo, form.outlines) =
                (f.name, f.serial, f.site, f.cta, f.logo, defaults.outlines);
            form.fields_chosen = true;
        }
    }
    if !form.fields_chosen {
        let f = tagdesk_labels::Fields::default();
        (form.field_name, form.field_serial, form.field_site, form.field_cta) = (f.name, f.serial, f.site, f.cta);
    }
    if form.template.is_empty() {
        form.template = settings::DEFAULT_TEMPLATE.to_owned();
    }
    let summary = match &request {
        Ok(request) if !request.selection.is_everything() && errors.is_empty() => {
            match select::resolve(&state.app, actor, &request.selection).await {
                Ok(selected) => {
                    let fields = form.fields().unwrap_or_else(|| "qr,name,serial,site,cta".to_owned());
                    let check =
                        render::module_check(&state.app, actor, &state.config.public_url, &form.template, &fields)
                            .await
                            .ok();
                    Some(Summary {
                        count: selected.devices.len(),
                        first: selected.devices.iter().take(8).map(|d| d.name.clone()).collect(),
                        unmatched: selected.unmatched,
                        in_background: selected.devices.len() > SYNC_LABEL_LIMIT,
                        check,
                    })
                }
                Err(AppError::Invalid(e)) => {
                    for e in e.iter() {
                        errors.add(&e.field, e.message.clone());
                    }
                    None
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(_) => None,
        Err(e) => {
            for e in e.iter() {
                errors.add(&e.field, e.message.clone());
            }
            None
        }
    };
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = PrintPage {
        layout: staff.layout(errors.title("Print labels"), "labels"),
        deployments,
        templates: template_choices(state, actor).await?,
        printers: printer_choices(state, actor).await?,
        png_sizes: labels::PNG_SIZES.to_vec(),
        summary,
        sync_limit: SYNC_LABEL_LIMIT,
        name_on: form.field_name,
        serial_on: form.field_serial,
        site_on: form.field_site,
        cta_on: form.field_cta,
        logo_on: form.field_logo,
        outlines_on: form.outlines,
        shown_fields: form.fields_key(),
        form,
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn page(State(state): State<AppState>, staff: Staff, Query(mut form): Query<PrintForm>) -> PageResult {
    form.adopt_deployment_choices();
    show(&state, &staff, form, FieldErrors::new()).await
}

pub(super) async fn print(State(state): State<AppState>, staff: Staff, Form(mut form): Form<PrintForm>) -> PageResult {
    form.adopt_deployment_choices();
    let request = match form.request() {
        Ok(request) => request,
        Err(errors) => return show(&state, &staff, form, errors).await,
    };
    let base = &state.config.public_url;
    let prepared = match render::prepare(&state.app, &staff.actor, base, &request).await {
        Ok(prepared) => prepared,
        Err(AppError::Invalid(errors)) => return show(&state, &staff, form, errors).await,
        Err(e) => return Err(e.into()),
    };
    if prepared.labels.len() > SYNC_LABEL_LIMIT {
        let job = tagdesk_app::labels::jobs::start_prepared(&state.app, &staff.actor, prepared, &request).await?;
        return Ok(Redirect::to(&format!("/labels/jobs/{}", job.id)).into_response());
    }
    prepared.remember(&state.app).await?;
    let rendered = render::render_prepared(prepared).await?;
    Ok(download(rendered.bytes, &rendered.file_name, rendered.content_type))
}

pub(super) async fn replace(
    State(state): State<AppState>,
    staff: Staff,
    Form(mut form): Form<PrintForm>,
) -> PageResult {
    form.adopt_deployment_choices();
    if !form.confirm_replace {
        let errors = FieldErrors::single(
            "confirm_replace",
            "Tick the box to confirm: the old labels of these devices stop working.",
        );
        return show(&state, &staff, form, errors).await;
    }
    let request = match form.request() {
        Ok(request) => PrintRequest { format: Some(LabelFormat::Pdf), ..request },
        Err(errors) => return show(&state, &staff, form, errors).await,
    };
    match replacing::replace(&state.app, &staff.actor, &state.config.public_url, &request).await {
        Ok(Replaced::Now(rendered)) => Ok(download(rendered.bytes, &rendered.file_name, rendered.content_type)),
        Ok(Replaced::Job(job)) => Ok(Redirect::to(&format!("/labels/jobs/{}", job.id)).into_response()),
        Err(AppError::Invalid(errors)) => show(&state, &staff, form, errors).await,
        Err(e) => Err(e.into()),
    }
}
