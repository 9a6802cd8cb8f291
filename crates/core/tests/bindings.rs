//! The TypeScript types the UI uses are generated from these Rust types and committed in
//! `ui/src/lib/bindings/core.ts`. This test fails when the committed file no longer matches;
//! run it with `UPDATE_BINDINGS=1` to rewrite the file.

use dauria_core::coords::Position;
use dauria_core::custody::{
    Handover, HistoryEntry, ManifestItem, NewShipment, Receipt, ReceiptReport, SampleHistory,
    ShipmentDetail, ShipmentStatus, ShipmentSummary, TransferRow,
};
use dauria_core::dwca::{DwcaExportReport, DwcaImportReport, DwcaRowError};
use dauria_core::error::ErrorPayload;
use dauria_core::import::{CsvPreview, ImportReport, RowError};
use dauria_core::media::{AttachedPhoto, PhotoInfo, StoredPhoto};
use dauria_core::model::*;
use dauria_core::monitoring::{
    CountryProgress, GroupRecords, HostPathogen, Period, PrevalenceBy, PrevalenceQuery,
    PrevalenceRow, RiskSettings, Season, SiteRisk, SiteSummary, TrendBy, TrendPoint, TrendQuery,
};
use dauria_core::places::Place;
use dauria_core::planning::booking::DoubleBooking;
use dauria_core::planning::budget::{Amounts, BudgetSummary, Total};
use dauria_core::planning::datasheet::{CountrySheet, SheetStatus};
use dauria_core::planning::gpx::{ExportSummary, ImportSummary};
use dauria_core::planning::progress::Progress;
use dauria_core::planning::timeline::{Activity, ScheduleItem};
use dauria_core::samples::{LabResultReport, ResultSummary, UnmatchedRow};
use dauria_core::sensitive::Protection;
use dauria_core::sites::{SiteInput, SiteMerge};
use dauria_core::store::query::*;
use dauria_core::taxa::{MatchKind, TaxonMatch};
use dauria_core::validate::FieldError;
use dauria_core::visits::{DistanceSource, Effort, VisitStart, VisitSummary};
use dauria_core::{Current, RevisionInfo, Saved};
use std::path::PathBuf;
use ts_rs::{Config, TS};

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

fn generate() -> String {
    // serde_json writes u64 as a JSON number, so it is a number on the TypeScript side too.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types of dauria-core by crates/core/tests/bindings.rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p dauria-core --test bindings`.\n\n",
    );
    let o = &mut out;
    decl::<Kind>(&cfg, o);
    decl::<Country>(&cfg, o);
    decl::<TaxonGroup>(&cfg, o);
    decl::<TaxonName>(&cfg, o);
    decl::<Taxon>(&cfg, o);
    decl::<Deadline>(&cfg, o);
    decl::<Checklist>(&cfg, o);
    decl::<PartnershipStatus>(&cfg, o);
    decl::<ProtectedArea>(&cfg, o);
    decl::<Site>(&cfg, o);
    decl::<Person>(&cfg, o);
    decl::<ExchangeRate>(&cfg, o);
    decl::<SurveyStatus>(&cfg, o);
    decl::<Survey>(&cfg, o);
    decl::<Waypoint>(&cfg, o);
    decl::<Route>(&cfg, o);
    decl::<Assignment>(&cfg, o);
    decl::<BudgetLine>(&cfg, o);
    decl::<Visit>(&cfg, o);
    decl::<CountUnit>(&cfg, o);
    decl::<DatePrecision>(&cfg, o);
    decl::<RecordSource>(&cfg, o);
    decl::<Observation>(&cfg, o);
    decl::<SampleResult>(&cfg, o);
    decl::<Sample>(&cfg, o);
    decl::<ActionStatus>(&cfg, o);
    decl::<CooperationAction>(&cfg, o);
    decl::<ColdChain>(&cfg, o);
    decl::<Shipment>(&cfg, o);
    decl::<CustodyAction>(&cfg, o);
    decl::<Condition>(&cfg, o);
    decl::<ReceiptStatus>(&cfg, o);
    decl::<ReceiptLine>(&cfg, o);
    decl::<CustodyTransfer>(&cfg, o);
    decl::<SensitivityAction>(&cfg, o);
    decl::<SensitivityRule>(&cfg, o);
    decl::<Body>(&cfg, o);
    decl::<Current>(&cfg, o);
    decl::<RevisionInfo>(&cfg, o);
    decl::<Saved>(&cfg, o);
    decl::<ObservationFilter>(&cfg, o);
    decl::<ObservationRow>(&cfg, o);
    decl::<ObservationPage>(&cfg, o);
    decl::<SpeciesSummary>(&cfg, o);
    decl::<CountryChecklist>(&cfg, o);
    decl::<ChecklistEntry>(&cfg, o);
    decl::<Stats>(&cfg, o);
    decl::<MatchKind>(&cfg, o);
    decl::<TaxonMatch>(&cfg, o);
    decl::<FieldError>(&cfg, o);
    decl::<ErrorPayload>(&cfg, o);
    decl::<Position>(&cfg, o);
    decl::<RowError>(&cfg, o);
    decl::<ImportReport>(&cfg, o);
    decl::<CsvPreview>(&cfg, o);
    decl::<PhotoInfo>(&cfg, o);
    decl::<StoredPhoto>(&cfg, o);
    decl::<AttachedPhoto>(&cfg, o);
    decl::<UnmatchedRow>(&cfg, o);
    decl::<LabResultReport>(&cfg, o);
    decl::<ResultSummary>(&cfg, o);
    decl::<NewShipment>(&cfg, o);
    decl::<Handover>(&cfg, o);
    decl::<Receipt>(&cfg, o);
    decl::<ShipmentStatus>(&cfg, o);
    decl::<ShipmentSummary>(&cfg, o);
    decl::<ManifestItem>(&cfg, o);
    decl::<TransferRow>(&cfg, o);
    decl::<ShipmentDetail>(&cfg, o);
    decl::<ReceiptReport>(&cfg, o);
    decl::<HistoryEntry>(&cfg, o);
    decl::<SampleHistory>(&cfg, o);
    decl::<Protection>(&cfg, o);
    decl::<DwcaExportReport>(&cfg, o);
    decl::<DwcaRowError>(&cfg, o);
    decl::<dauria_core::taxon_archive::TaxonImportReport>(&cfg, o);
    decl::<DwcaImportReport>(&cfg, o);
    decl::<Progress>(&cfg, o);
    decl::<Amounts>(&cfg, o);
    decl::<Total>(&cfg, o);
    decl::<BudgetSummary>(&cfg, o);
    decl::<DoubleBooking>(&cfg, o);
    decl::<Activity>(&cfg, o);
    decl::<ScheduleItem>(&cfg, o);
    decl::<SheetStatus>(&cfg, o);
    decl::<CountrySheet>(&cfg, o);
    decl::<ImportSummary>(&cfg, o);
    decl::<ExportSummary>(&cfg, o);
    decl::<DistanceSource>(&cfg, o);
    decl::<Effort>(&cfg, o);
    decl::<VisitSummary>(&cfg, o);
    decl::<VisitStart>(&cfg, o);
    decl::<Place>(&cfg, o);
    decl::<SiteInput>(&cfg, o);
    decl::<SiteMerge>(&cfg, o);
    decl::<Period>(&cfg, o);
    decl::<TrendBy>(&cfg, o);
    decl::<Season>(&cfg, o);
    decl::<TrendQuery>(&cfg, o);
    decl::<TrendPoint>(&cfg, o);
    decl::<SiteSummary>(&cfg, o);
    decl::<PrevalenceBy>(&cfg, o);
    decl::<PrevalenceQuery>(&cfg, o);
    decl::<PrevalenceRow>(&cfg, o);
    decl::<HostPathogen>(&cfg, o);
    decl::<RiskSettings>(&cfg, o);
    decl::<SiteRisk>(&cfg, o);
    decl::<GroupRecords>(&cfg, o);
    decl::<CountryProgress>(&cfg, o);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings/core.ts");
    let fresh = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings/core.ts is out of date with the Rust types in dauria-core \
         (a field or type changed). Regenerate it with \
         `UPDATE_BINDINGS=1 cargo test -p dauria-core --test bindings` and commit the result."
    );
}
