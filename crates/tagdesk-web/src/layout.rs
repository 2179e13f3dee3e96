//! What every back-office page shows around its content, and form error lookup for templates.

use tagdesk_domain::FieldErrors;

/// The frame of a page (read by `base.html`).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Page title (prefixed "Error: " when a form came back with errors).
    pub title: String,
    /// The signed-in user, if any.
    pub user: Option<LayoutUser>,
    /// CSRF token for forms on the page.
    pub csrf: String,
    /// Active navigation item.
    pub nav: &'static str,
    /// Success notice.
    pub flash: Option<String>,
    /// Warning banner.
    pub banner: Option<String>,
}

/// The signed-in user as shown in the header.
#[derive(Debug, Clone)]
pub struct LayoutUser {
    /// Name.
    pub display_name: String,
    /// Email.
    pub email: String,
    /// Workspace name.
    pub workspace_name: String,
    /// Shows admin navigation.
    pub is_admin: bool,
}

/// Field errors for templates: `errors.msg("name")` is the message or "".
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub FieldErrors);

impl FormErrors {
    /// The message for a field, or "".
    pub fn msg(&self, field: &str) -> &str {
        self.0.get(field).unwrap_or("")
    }

    /// Whether there are any errors.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// All errors, for the summary: (field, message).
    pub fn all(&self) -> Vec<(String, String)> {
        self.0.iter().map(|e| (e.field.clone(), e.message.clone())).collect()
    }

    /// Marks a title as an error page when there are errors.
    pub fn title(&self, title: &str) -> String {
        if self.any() { format!("Error: {title}") } else { title.to_owned() }
    }
}
