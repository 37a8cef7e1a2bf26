//! Who is on call, and when people do not want to be disturbed.

use askama::Template;
use axum::extract::{Form, State};
use axum::response::Response;
use jardinier_domain::{FieldError, Permission, ValidationErrors};
use jardinier_store::{OnCallRotation, QuietHours};
use serde::Deserialize;

use super::{Chrome, audit_in, format_time, no_errors, redirect, render, render_invalid};
use crate::context::{InWorkspace, SignedIn};
use crate::error::WebError;
use crate::{SharedState, unix_now};

pub struct Slot {
    pub user_id: i64,
    pub name: String,
    pub position: String,
}

#[derive(Template)]
#[template(path = "oncall.html")]
struct OnCallTemplate {
    c: Chrome,
    ws_slug: String,
    can_manage: bool,
    now_on_call: Option<String>,
    next_on_call: Option<(String, String)>,
    slots: Vec<Slot>,
    period_days: String,
    start: String,
    errors: ValidationErrors,
}

async fn template(state: &SharedState, w: &InWorkspace) -> Result<OnCallTemplate, WebError> {
    let members = state.store.members(w.workspace.id).await?;
    let rotation = state.store.oncall_rotation(w.workspace.id).await?;
    let now = unix_now();
    let name = |id: i64| {
        members
            .iter()
            .find(|m| m.user.id == id)
            .map(|m| m.user.display_name.clone())
    };
    let (now_on_call, next_on_call, period_days, start) = match &rotation {
        Some(r) => {
            let period = r.period_days.max(1) * 86_400;
            let next_change = r.starts_at + ((now - r.starts_at).div_euclid(period) + 1) * period;
            (
                r.on_call(now).and_then(name),
                r.on_call(next_change)
                    .and_then(name)
                    .map(|n| (n, format_time(w.ctx.tr, next_change, &w.workspace.timezone))),
                r.period_days.to_string(),
                super::iso_day(r.starts_at, &w.workspace.timezone),
            )
        }
        None => (
            None,
            None,
            "7".into(),
            super::iso_day(now, &w.workspace.timezone),
        ),
    };
    let slots = members
        .iter()
        .map(|m| Slot {
            user_id: m.user.id,
            name: m.user.display_name.clone(),
            position: rotation
                .as_ref()
                .and_then(|r| r.user_ids.iter().position(|id| *id == m.user.id))
                .map(|p| (p + 1).to_string())
                .unwrap_or_default(),
        })
        .collect();
    Ok(OnCallTemplate {
        c: Chrome::workspace(w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        can_manage: w.can(Permission::ManageWorkspace),
        now_on_call,
        next_on_call,
        slots,
        period_days,
        start,
        errors: no_errors(),
    })
}

pub async fn page(State(state): State<SharedState>, w: InWorkspace) -> Result<Response, WebError> {
    render(template(&state, &w).await?)
}

/// The rotation form: `position_<user id>` numbers (blank: not in the rotation), the period and
/// the start date.
pub async fn save(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageWorkspace)?;
    let members = state.store.members(w.workspace.id).await?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut errors = ValidationErrors::default();
    let mut order: Vec<(i64, i64)> = Vec::new();
    for m in &members {
        let value = field(&format!("position_{}", m.user.id));
        if value.is_empty() {
            continue;
        }
        match value.parse::<i64>() {
            Ok(p) if p >= 1 => order.push((p, m.user.id)),
            _ => errors.push(FieldError::new("positions", "error.number_out_of_range")),
        }
    }
    order.sort();
    let period = match field("period_days").parse::<i64>() {
        Ok(d) if (1..=90).contains(&d) => d,
        _ => {
            errors.push(FieldError::new("period_days", "error.number_out_of_range"));
            7
        }
    };
    let zone = jiff::tz::TimeZone::get(&w.workspace.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = field("start")
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(zone).ok())
        .map(|z| z.timestamp().as_second());
    if start.is_none() {
        errors.push(FieldError::new("start", "error.date_invalid"));
    }
    let (Some(start), true) = (start, errors.is_empty()) else {
        let mut t = template(&state, &w).await?;
        t.errors = errors;
        return render_invalid(t);
    };
    let rotation = OnCallRotation {
        workspace_id: w.workspace.id,
        user_ids: order.iter().map(|(_, id)| *id).collect(),
        period_days: period,
        starts_at: start,
    };
    state
        .store
        .set_oncall_rotation(&rotation, unix_now())
        .await?;
    audit_in(
        &state,
        &w,
        "oncall_changed",
        &format!("{} people, {period} days", rotation.user_ids.len()),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/settings/oncall?done=saved",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct QuietForm {
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
}

fn minutes(text: &str) -> Option<i64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// The person's own quiet hours ("22:00" to "07:00"; both empty: none).
pub async fn save_quiet_hours(
    State(state): State<SharedState>,
    me: SignedIn,
    Form(form): Form<QuietForm>,
) -> Result<Response, WebError> {
    let hours = match (form.quiet_start.trim(), form.quiet_end.trim()) {
        ("", "") => None,
        (start, end) => match (minutes(start), minutes(end)) {
            (Some(start), Some(end)) if start != end => Some(QuietHours { start, end }),
            _ => return Ok(redirect("/account?done=quiet_invalid")),
        },
    };
    state.store.set_quiet_hours(me.user.id, hours).await?;
    Ok(redirect("/account?done=quiet_saved"))
}
