//! IPC commands for the monitoring reports: trends, site dashboards, prevalence, hosts by
//! pathogen, risk by site and its settings, country progress and "needs attention". Each is one
//! call into `dauria_core::monitoring`. They run off the window's thread (`async`), as a report
//! over a large store takes a noticeable fraction of a second.

use crate::commands::{with, Reply};
use crate::AppState;
use dauria_core::monitoring::{
    self, CountryProgress, HostPathogen, Period, PrevalenceQuery, PrevalenceRow, RiskSettings,
    SiteRisk, SiteSummary, TrendPoint, TrendQuery,
};
use tauri::State;

/// Today on this laptop's clock, in its time zone: the end of the risk window and the day
/// deadlines are counted from.
fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command(async)]
pub fn report_trends(state: State<'_, AppState>, query: TrendQuery) -> Reply<Vec<TrendPoint>> {
    with(&state, |s| monitoring::trends(s, &query))
}

#[tauri::command(async)]
pub fn report_sites(state: State<'_, AppState>, period: Period) -> Reply<Vec<SiteSummary>> {
    with(&state, |s| monitoring::site_summaries(s, &period))
}

#[tauri::command(async)]
pub fn report_prevalence(
    state: State<'_, AppState>,
    query: PrevalenceQuery,
) -> Reply<Vec<PrevalenceRow>> {
    with(&state, |s| monitoring::prevalence(s, &query))
}

#[tauri::command(async)]
pub fn report_hosts_by_pathogen(
    state: State<'_, AppState>,
    period: Period,
) -> Reply<Vec<HostPathogen>> {
    with(&state, |s| monitoring::hosts_by_pathogen(s, &period))
}

/// The risk of one disease (by its settings key) at every site with data, riskiest first.
#[tauri::command(async)]
pub fn report_risk(state: State<'_, AppState>, disease: String) -> Reply<Vec<SiteRisk>> {
    with(&state, |s| {
        let settings = monitoring::risk_settings(s)?
            .into_iter()
            .find(|r| r.disease == disease)
            .ok_or_else(|| {
                dauria_core::Error::NotFound(format!("no risk settings for '{disease}'"))
            })?;
        monitoring::risk(s, &settings, today())
    })
}

#[tauri::command(async)]
pub fn risk_settings(state: State<'_, AppState>) -> Reply<Vec<RiskSettings>> {
    with(&state, |s| monitoring::risk_settings(s))
}

#[tauri::command(async)]
pub fn risk_settings_save(state: State<'_, AppState>, settings: RiskSettings) -> Reply<()> {
    with(&state, |s| monitoring::save_risk_settings(s, &settings))
}

#[tauri::command(async)]
pub fn risk_settings_reset(state: State<'_, AppState>, disease: String) -> Reply<()> {
    with(&state, |s| monitoring::reset_risk_settings(s, &disease))
}

#[tauri::command(async)]
pub fn report_country_progress(state: State<'_, AppState>) -> Reply<Vec<CountryProgress>> {
    with(&state, |s| monitoring::country_progress(s, today()))
}

#[tauri::command(async)]
pub fn needs_attention_sites(state: State<'_, AppState>) -> Reply<Vec<SiteRisk>> {
    with(&state, |s| monitoring::needs_attention_sites(s, today()))
}
