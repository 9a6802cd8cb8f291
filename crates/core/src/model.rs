//! Typed values for every record kind in the data model (docs/ARCHITECTURE.md, "Data model").
//!
//! Each struct is the *body* of a revision; the record id, revision id and provenance live in the
//! revision itself. Bodies are serialised as JSON and their field names are part of the sync wire
//! format, so renaming a field is a schema change.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A record's client-made id (UUIDv7, text form).
pub type RecordId = String;

/// The kinds of synced record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Taxon,
    Checklist,
    ProtectedArea,
    Site,
    Person,
    Survey,
    Route,
    Assignment,
    BudgetLine,
    Visit,
    Observation,
    Sample,
    CooperationAction,
    Shipment,
    CustodyTransfer,
    SensitivityRule,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 16] = [
        Kind::Taxon,
        Kind::Checklist,
        Kind::ProtectedArea,
        Kind::Site,
        Kind::Person,
        Kind::Survey,
        Kind::Route,
        Kind::Assignment,
        Kind::BudgetLine,
        Kind::Visit,
        Kind::Observation,
        Kind::Sample,
        Kind::CooperationAction,
        Kind::Shipment,
        Kind::CustodyTransfer,
        Kind::SensitivityRule,
    ];

    /// The snake_case name used in the store and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Taxon => "taxon",
            Kind::Checklist => "checklist",
            Kind::ProtectedArea => "protected_area",
            Kind::Site => "site",
            Kind::Person => "person",
            Kind::Survey => "survey",
            Kind::Route => "route",
            Kind::Assignment => "assignment",
            Kind::BudgetLine => "budget_line",
            Kind::Visit => "visit",
            Kind::Observation => "observation",
            Kind::Sample => "sample",
            Kind::CooperationAction => "cooperation_action",
            Kind::Shipment => "shipment",
            Kind::CustodyTransfer => "custody_transfer",
            Kind::SensitivityRule => "sensitivity_rule",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Countries of the CMRC project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub enum Country {
    CN,
    MN,
    RU,
    KZ,
}

impl Country {
    /// Every country, in a stable order.
    pub const ALL: [Country; 4] = [Country::CN, Country::MN, Country::RU, Country::KZ];

    /// ISO 3166-1 alpha-2 code.
    pub fn code(self) -> &'static str {
        match self {
            Country::CN => "CN",
            Country::MN => "MN",
            Country::RU => "RU",
            Country::KZ => "KZ",
        }
    }

    /// Parses an ISO code, case-insensitively.
    pub fn parse(s: &str) -> Option<Country> {
        Country::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(s.trim()))
    }
}

/// Broad taxon group used for planning and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TaxonGroup {
    LargeMammal,
    Bird,
    SmallMammal,
    Vector,
    Pathogen,
}

impl TaxonGroup {
    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<TaxonGroup> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
    }
}

/// A vernacular or scientific name with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TaxonName {
    /// Locale: `en`, `zh`, `ru`, `mn`, `kk`.
    pub locale: String,
    pub name: String,
    /// False when the source marks the name as needing verification.
    pub verified: bool,
}

/// A species (or other rank) on the checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Taxon {
    pub scientific_name: String,
    pub rank: String,
    pub group: TaxonGroup,
    pub names: Vec<TaxonName>,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub iucn_status: Option<String>,
    /// Where the names came from (free text, as given by the compiler of the checklist).
    pub source: Option<String>,
}

/// A data-sheet submission deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Deadline {
    pub title: String,
    /// Calendar date, `YYYY-MM-DD`.
    pub due: String,
    #[serde(default)]
    pub submitted: bool,
}

/// A country's species list and its data-sheet deadlines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Checklist {
    pub country: Country,
    pub taxa: Vec<RecordId>,
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
}

/// Partnership status of a protected area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PartnershipStatus {
    Invited,
    Engaged,
    Agreement,
    Declined,
}

/// A partner protected area (reserve).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProtectedArea {
    pub name_en: String,
    pub name_local: Option<String>,
    pub country: Country,
    pub category: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub area_km2: Option<f64>,
    pub extent_note: Option<String>,
    pub partnership: PartnershipStatus,
    pub contact: Option<String>,
    /// Calendar date, `YYYY-MM-DD`.
    pub agreement_date: Option<String>,
    pub source: Option<String>,
}

/// A named place where surveys sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Site {
    pub name: String,
    pub country: Country,
    pub protected_area: Option<RecordId>,
    pub lat: f64,
    pub lon: f64,
    pub uncertainty_m: Option<f64>,
    pub elevation_m: Option<f64>,
    pub habitat: Option<String>,
}

/// A member of a survey team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Person {
    pub name: String,
    pub organisation: Option<String>,
    pub country: Option<Country>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub contact: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
}

/// Survey life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    Draft,
    Approved,
    InField,
    Done,
}

/// A planned survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Survey {
    pub title: String,
    pub region: Option<String>,
    #[serde(default)]
    pub target_groups: Vec<TaxonGroup>,
    #[serde(default)]
    pub target_taxa: Vec<RecordId>,
    #[serde(default)]
    pub methods: Vec<String>,
    /// Calendar dates, `YYYY-MM-DD`.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub status: SurveyStatus,
    pub lead: Option<RecordId>,
    /// Exchange rates for totalling this survey's budget in one reporting currency.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchange_rates: Vec<ExchangeRate>,
}

/// How many units of a currency buy one US dollar, as a decimal string (`"3450"` for MNT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExchangeRate {
    pub currency: String,
    pub per_usd: String,
}

/// One point of a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Waypoint {
    pub name: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// When a GPS unit recorded the point (RFC 3339); absent on drawn routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Elevation in metres, when the GPS unit gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ele: Option<f64>,
}

/// A planned route of a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Route {
    pub survey: RecordId,
    pub name: String,
    pub waypoints: Vec<Waypoint>,
    pub planned_date: Option<String>,
    pub transport: Option<String>,
}

/// A person assigned to a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Assignment {
    pub survey: RecordId,
    pub person: RecordId,
    pub role: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One line of a survey budget. Money is kept as decimal strings, never floats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BudgetLine {
    pub survey: RecordId,
    pub category: String,
    pub description: Option<String>,
    pub quantity: String,
    pub unit_cost: String,
    pub currency: String,
    /// What was actually spent on this line, in its currency, entered after the field season.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

/// A sampling event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Visit {
    pub survey: Option<RecordId>,
    pub site: Option<RecordId>,
    /// The planned route walked, when the visit followed one (its length is the distance
    /// effort unless the visit has a GPS track of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RecordId>,
    /// RFC 3339 with the offset the team was in.
    pub start: String,
    pub end: Option<String>,
    #[serde(default)]
    pub observers: Vec<String>,
    pub protocol: Option<String>,
    pub effort_value: Option<f64>,
    pub effort_unit: Option<String>,
    pub weather: Option<String>,
    #[serde(default)]
    pub track: Vec<Waypoint>,
}

/// What a count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CountUnit {
    Individuals,
    Pairs,
    Nests,
    Burrows,
    Colonies,
}

impl CountUnit {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CountUnit::Individuals => "individuals",
            CountUnit::Pairs => "pairs",
            CountUnit::Nests => "nests",
            CountUnit::Burrows => "burrows",
            CountUnit::Colonies => "colonies",
        }
    }
    /// Parses the name (singular or plural), case-insensitively.
    pub fn parse(s: &str) -> Option<CountUnit> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_suffix('s').unwrap_or(&s);
        match s {
            "individual" | "ind" => Some(CountUnit::Individuals),
            "pair" => Some(CountUnit::Pairs),
            "nest" => Some(CountUnit::Nests),
            "burrow" => Some(CountUnit::Burrows),
            "colonie" | "colony" => Some(CountUnit::Colonies),
            _ => None,
        }
    }
}

/// One sighting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Observation {
    pub visit: Option<RecordId>,
    pub site: Option<RecordId>,
    /// The taxon, when identified against the checklist.
    pub taxon: Option<RecordId>,
    /// Free-text name when the taxon is not on the checklist or not identified.
    pub taxon_name: Option<String>,
    /// Exact count; or a min/max estimate below.
    pub count: Option<u32>,
    pub count_min: Option<u32>,
    pub count_max: Option<u32>,
    pub unit: CountUnit,
    pub sex: Option<String>,
    pub age: Option<String>,
    pub behaviour: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub uncertainty_m: Option<f64>,
    /// RFC 3339 with the offset the observer was in.
    pub observed_at: String,
    #[serde(default)]
    pub observers: Vec<String>,
    pub detection_method: Option<String>,
    pub notes: Option<String>,
    /// SHA-256 of attached photos.
    #[serde(default)]
    pub photos: Vec<String>,
    /// How precisely the date is known, when it is less than the moment in `observed_at`
    /// (schema 2; see [`crate::dates`]). Absent: the time is as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub date_precision: Option<DatePrecision>,
    /// The end of a date range, at `date_precision` (`2019-05-15`, `2019-07`, `2020`),
    /// inclusive; absent when the record covers one day, month or year (schema 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub observed_until: Option<String>,
    /// Where an imported record came from, so the same file imported on any laptop after a
    /// sync adds nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<RecordSource>,
    /// Fields written by a newer version, kept and written back as they came.
    #[serde(flatten)]
    #[ts(skip)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How precisely an observation's date is known (Darwin Core allows a day, a month, a year or
/// a range of them, and historical records may have no date at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// The day is known, the time of day is not.
    Day,
    Month,
    Year,
    /// No date: a historical record kept without one (`observed_at` is empty).
    Undated,
}

/// The dataset an imported record came from and its identifier there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecordSource {
    /// The dataset's name (Darwin Core `datasetName`), else the name of the imported file.
    pub dataset: String,
    /// The record's occurrenceID or catalogNumber, the `id` column of an export, or `sha256:`
    /// of the row's fields (with `#n` for the n-th identical row of a file).
    pub id: String,
}

/// Result of a laboratory test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SampleResult {
    Pending,
    Negative,
    Positive,
    Inconclusive,
}

/// A sample taken for disease testing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Sample {
    pub host_observation: RecordId,
    pub sample_type: String,
    pub barcode: String,
    pub collected_at: String,
    pub storage: Option<String>,
    pub lab: Option<String>,
    pub test: Option<String>,
    pub pathogen: Option<String>,
    pub result: SampleResult,
    pub result_date: Option<String>,
}

/// Status of a cooperation action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

/// An action of the transboundary cooperation plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CooperationAction {
    pub title: String,
    pub countries: Vec<Country>,
    pub owner: Option<String>,
    pub due: Option<String>,
    pub status: ActionStatus,
    pub notes: Option<String>,
}

/// How cold a shipment of samples must be kept on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ColdChain {
    /// No requirement (fixed or dried samples).
    Ambient,
    /// 2–8 °C.
    Chilled,
    /// −20 °C or colder.
    Frozen,
    /// −70 °C or colder (dry ice).
    DeepFrozen,
    /// Liquid nitrogen (dry shipper).
    LiquidNitrogen,
}

/// A shipment of samples and its manifest. What happened to it on the way is in its
/// [`CustodyTransfer`] records, so the laptop that sends it and the lab that receives it never
/// edit the same record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Shipment {
    /// The reference printed on the manifest (`SHP-20260601-7F3A`).
    pub reference: String,
    /// The samples packed, in manifest order.
    pub samples: Vec<RecordId>,
    /// Who sends it (field station, team).
    pub from: String,
    /// The receiving laboratory.
    pub to: String,
    pub carrier: Option<String>,
    pub cold_chain: ColdChain,
    /// Calendar dates, `YYYY-MM-DD`.
    pub packed_on: Option<String>,
    pub expected_on: Option<String>,
    pub notes: Option<String>,
}

/// What a custody transfer records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CustodyAction {
    /// Handed to the carrier: the shipment leaves.
    Sent,
    /// Handed from one person to another on the way.
    Transferred,
    /// Received at the destination, checked against the manifest.
    Received,
}

/// The state of a package or a sample when it changed hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Intact,
    Damaged,
    /// The cold chain was broken (thawed, warm).
    ColdChainBroken,
}

/// One line of a receipt: a manifest sample found (or not), or a sample found that the
/// manifest does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Received,
    Damaged,
    Missing,
    Extra,
}

/// A sample as the receiving lab found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReceiptLine {
    /// The barcode as scanned (or as on the manifest, for a missing sample).
    pub barcode: String,
    /// The sample, when the barcode is known here.
    pub sample: Option<RecordId>,
    pub status: ReceiptStatus,
    pub note: Option<String>,
}

/// One change of hands of samples: who took them, when, where, in what state and at what
/// temperature. Each transfer is a record of its own, written by whoever holds the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustodyTransfer {
    pub shipment: Option<RecordId>,
    /// The samples that changed hands.
    pub samples: Vec<RecordId>,
    pub action: CustodyAction,
    /// RFC 3339 with the offset where it happened.
    pub at: String,
    /// Who handed them over.
    pub from_person: Option<String>,
    /// Who took custody (for a receipt, who checked it in).
    pub to_person: String,
    pub place: Option<String>,
    pub condition: Condition,
    /// Temperature inside the package, °C.
    pub temperature_c: Option<f64>,
    pub notes: Option<String>,
    /// For a receipt: each manifest sample and each extra sample found.
    #[serde(default)]
    pub receipt: Vec<ReceiptLine>,
}

/// What a sensitive-species rule does to positions that leave the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SensitivityAction {
    /// Positions shown as they are (a lead relaxing a seeded rule).
    Exact,
    /// Positions snapped to the centre of a cell of a grid of `grid_km`.
    Generalise,
    /// No position at all.
    Withhold,
}

/// A sensitive-species rule for one taxon, set by a survey lead: applied to every export, the
/// printed report and what viewer laptops receive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SensitivityRule {
    pub taxon: RecordId,
    /// The taxon's scientific name, so free-text names of the taxon are caught too.
    pub scientific_name: String,
    pub action: SensitivityAction,
    /// Cell size for [`SensitivityAction::Generalise`], km.
    pub grid_km: Option<u32>,
    pub reason: Option<String>,
    /// Where the rule comes from.
    pub source: Option<String>,
    /// False when the source marks the rule as needing verification.
    #[serde(default)]
    pub verified: bool,
}

/// A record body of any kind.
// Observations are most bodies by far: boxing them would add an allocation to nearly every
// body for the sake of the few that are smaller.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Body {
    Taxon(Taxon),
    Checklist(Checklist),
    ProtectedArea(ProtectedArea),
    Site(Site),
    Person(Person),
    Survey(Survey),
    Route(Route),
    Assignment(Assignment),
    BudgetLine(BudgetLine),
    Visit(Visit),
    Observation(Observation),
    Sample(Sample),
    CooperationAction(CooperationAction),
    Shipment(Shipment),
    CustodyTransfer(CustodyTransfer),
    SensitivityRule(SensitivityRule),
}

impl Body {
    /// The record kind of this body.
    pub fn kind(&self) -> Kind {
        match self {
            Body::Taxon(_) => Kind::Taxon,
            Body::Checklist(_) => Kind::Checklist,
            Body::ProtectedArea(_) => Kind::ProtectedArea,
            Body::Site(_) => Kind::Site,
            Body::Person(_) => Kind::Person,
            Body::Survey(_) => Kind::Survey,
            Body::Route(_) => Kind::Route,
            Body::Assignment(_) => Kind::Assignment,
            Body::BudgetLine(_) => Kind::BudgetLine,
            Body::Visit(_) => Kind::Visit,
            Body::Observation(_) => Kind::Observation,
            Body::Sample(_) => Kind::Sample,
            Body::CooperationAction(_) => Kind::CooperationAction,
            Body::Shipment(_) => Kind::Shipment,
            Body::CustodyTransfer(_) => Kind::CustodyTransfer,
            Body::SensitivityRule(_) => Kind::SensitivityRule,
        }
    }

    /// The lowest body schema version whose readers understand this body fully: 2 for an
    /// observation whose date is less precise than a moment or absent (a schema-1 reader would
    /// take its placeholder time for the moment it was seen), else 1. Written into each
    /// revision, so older laptops set aside only what they would misread (docs/SYNC.md §1.1).
    pub fn schema_version(&self) -> u32 {
        match self {
            Body::Observation(o) if o.date_precision.is_some() || o.observed_until.is_some() => 2,
            _ => 1,
        }
    }

    /// The body alone as JSON (without the kind tag), as stored in a revision.
    pub fn to_json(&self) -> String {
        let r = match self {
            Body::Taxon(b) => serde_json::to_string(b),
            Body::Checklist(b) => serde_json::to_string(b),
            Body::ProtectedArea(b) => serde_json::to_string(b),
            Body::Site(b) => serde_json::to_string(b),
            Body::Person(b) => serde_json::to_string(b),
            Body::Survey(b) => serde_json::to_string(b),
            Body::Route(b) => serde_json::to_string(b),
            Body::Assignment(b) => serde_json::to_string(b),
            Body::BudgetLine(b) => serde_json::to_string(b),
            Body::Visit(b) => serde_json::to_string(b),
            Body::Observation(b) => serde_json::to_string(b),
            Body::Sample(b) => serde_json::to_string(b),
            Body::CooperationAction(b) => serde_json::to_string(b),
            Body::Shipment(b) => serde_json::to_string(b),
            Body::CustodyTransfer(b) => serde_json::to_string(b),
            Body::SensitivityRule(b) => serde_json::to_string(b),
        };
        r.expect("record bodies always serialise")
    }

    /// Parses a stored body of the given kind.
    pub fn from_json(kind: Kind, json: &str) -> serde_json::Result<Body> {
        Ok(match kind {
            Kind::Taxon => Body::Taxon(serde_json::from_str(json)?),
            Kind::Checklist => Body::Checklist(serde_json::from_str(json)?),
            Kind::ProtectedArea => Body::ProtectedArea(serde_json::from_str(json)?),
            Kind::Site => Body::Site(serde_json::from_str(json)?),
            Kind::Person => Body::Person(serde_json::from_str(json)?),
            Kind::Survey => Body::Survey(serde_json::from_str(json)?),
            Kind::Route => Body::Route(serde_json::from_str(json)?),
            Kind::Assignment => Body::Assignment(serde_json::from_str(json)?),
            Kind::BudgetLine => Body::BudgetLine(serde_json::from_str(json)?),
            Kind::Visit => Body::Visit(serde_json::from_str(json)?),
            Kind::Observation => Body::Observation(serde_json::from_str(json)?),
            Kind::Sample => Body::Sample(serde_json::from_str(json)?),
            Kind::CooperationAction => Body::CooperationAction(serde_json::from_str(json)?),
            Kind::Shipment => Body::Shipment(serde_json::from_str(json)?),
            Kind::CustodyTransfer => Body::CustodyTransfer(serde_json::from_str(json)?),
            Kind::SensitivityRule => Body::SensitivityRule(serde_json::from_str(json)?),
        })
    }
}
