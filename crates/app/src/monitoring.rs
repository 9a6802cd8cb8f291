//! Commands for the monitoring reports: trends, site dashboards, prevalence, hosts by
//! pathogen, risk by site and its settings, country progress and "needs attention". Each is one
//! call into `dauria_core::monitoring`. The shell runs them off the window's thread, as a report
//! over a large store takes a noticeable fraction of a second.

use crate::{today, with, AppState, Reply};
use dauria_core::monitoring::{
    self, CountryProgress, HostPathogen, Period, PrevalenceQuery, PrevalenceRow, RiskSettings,
    SiteRisk, SiteSummary, TrendPoint, TrendQuery,
};

/// Abundance per year or season, with the effort behind each point.
pub fn report_trends(state: &AppState, query: TrendQuery) -> Reply<Vec<TrendPoint>> {
    with(state, |s| monitoring::trends(s, &query))
}

/// Each site's dashboard over a period.
pub fn report_sites(state: &AppState, period: Period) -> Reply<Vec<SiteSummary>> {
    with(state, |s| monitoring::site_summaries(s, &period))
}

/// Prevalence with its 95% Wilson interval.
pub fn report_prevalence(state: &AppState, query: PrevalenceQuery) -> Reply<Vec<PrevalenceRow>> {
    with(state, |s| monitoring::prevalence(s, &query))
}

/// Hosts found positive, per pathogen.
pub fn report_hosts_by_pathogen(state: &AppState, period: Period) -> Reply<Vec<HostPathogen>> {
    with(state, |s| monitoring::hosts_by_pathogen(s, &period))
}

/// The risk of one disease (by its settings key) at every site with data, riskiest first.
pub fn report_risk(state: &AppState, disease: String) -> Reply<Vec<SiteRisk>> {
    with(state, |s| {
        let settings = monitoring::risk_settings(s)?
            .into_iter()
            .find(|r| r.disease == disease)
            .ok_or_else(|| {
                dauria_core::Error::NotFound(format!("no risk settings for '{disease}'"))
            })?;
        monitoring::risk(s, &settings, today())
    })
}

/// The risk settings of every disease.
pub fn risk_settings(state: &AppState) -> Reply<Vec<RiskSettings>> {
    with(state, |s| monitoring::risk_settings(s))
}

/// Keeps a disease's risk settings.
pub fn risk_settings_save(state: &AppState, settings: RiskSettings) -> Reply<()> {
    with(state, |s| monitoring::save_risk_settings(s, &settings))
}

/// Puts a disease's risk settings back to the defaults.
pub fn risk_settings_reset(state: &AppState, disease: String) -> Reply<()> {
    with(state, |s| monitoring::reset_risk_settings(s, &disease))
}

/// Records per country and group against the data-sheet deadlines.
pub fn report_country_progress(state: &AppState) -> Reply<Vec<CountryProgress>> {
    with(state, |s| monitoring::country_progress(s, today()))
}

/// The sites Home lists as needing attention.
pub fn needs_attention_sites(state: &AppState) -> Reply<Vec<SiteRisk>> {
    with(state, |s| monitoring::needs_attention_sites(s, today()))
}
