// Generated from the Rust types of dauria-core by crates/core/tests/bindings.rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p dauria-core --test bindings`.

export type Kind = "taxon" | "checklist" | "protected_area" | "site" | "person" | "survey" | "route" | "assignment" | "budget_line" | "visit" | "observation" | "sample" | "cooperation_action" | "shipment" | "custody_transfer" | "sensitivity_rule";

export type Country = "CN" | "MN" | "RU" | "KZ";

export type TaxonGroup = "large_mammal" | "bird" | "small_mammal" | "vector" | "pathogen";

export type TaxonName = { 
/**
 * Locale: `en`, `zh`, `ru`, `mn`, `kk`.
 */
locale: string, name: string, 
/**
 * False when the source marks the name as needing verification.
 */
verified: boolean, };

export type Taxon = { scientific_name: string, rank: string, group: TaxonGroup, names: Array<TaxonName>, synonyms: Array<string>, iucn_status: string | null, 
/**
 * Where the names came from (free text, as given by the compiler of the checklist).
 */
source: string | null, };

export type Deadline = { title: string, 
/**
 * Calendar date, `YYYY-MM-DD`.
 */
due: string, submitted: boolean, };

export type Checklist = { country: Country, taxa: Array<string>, deadlines: Array<Deadline>, };

export type PartnershipStatus = "invited" | "engaged" | "agreement" | "declined";

export type ProtectedArea = { name_en: string, name_local: string | null, country: Country, category: string | null, lat: number, lon: number, area_km2: number | null, extent_note: string | null, partnership: PartnershipStatus, contact: string | null, 
/**
 * Calendar date, `YYYY-MM-DD`.
 */
agreement_date: string | null, source: string | null, };

export type Site = { name: string, country: Country, protected_area: string | null, lat: number, lon: number, uncertainty_m: number | null, elevation_m: number | null, habitat: string | null, };

export type Person = { name: string, organisation: string | null, country: Country | null, roles: Array<string>, contact: string | null, languages: Array<string>, };

export type ExchangeRate = { currency: string, per_usd: string, };

export type SurveyStatus = "draft" | "approved" | "in_field" | "done";

export type Survey = { title: string, region: string | null, target_groups: Array<TaxonGroup>, target_taxa: Array<string>, methods: Array<string>, 
/**
 * Calendar dates, `YYYY-MM-DD`.
 */
start_date: string | null, end_date: string | null, status: SurveyStatus, lead: string | null, 
/**
 * Exchange rates for totalling this survey's budget in one reporting currency.
 */
exchange_rates?: Array<ExchangeRate>, };

export type Waypoint = { name: string | null, lat: number, lon: number, 
/**
 * When a GPS unit recorded the point (RFC 3339); absent on drawn routes.
 */
time?: string | null, 
/**
 * Elevation in metres, when the GPS unit gave one.
 */
ele?: number | null, };

export type Route = { survey: string, name: string, waypoints: Array<Waypoint>, planned_date: string | null, transport: string | null, };

export type Assignment = { survey: string, person: string, role: string, from: string | null, to: string | null, };

export type BudgetLine = { survey: string, category: string, description: string | null, quantity: string, unit_cost: string, currency: string, 
/**
 * What was actually spent on this line, in its currency, entered after the field season.
 */
actual?: string | null, };

export type Visit = { survey: string | null, site: string | null, 
/**
 * The planned route walked, when the visit followed one (its length is the distance
 * effort unless the visit has a GPS track of its own).
 */
route?: string | null, 
/**
 * RFC 3339 with the offset the team was in.
 */
start: string, end: string | null, observers: Array<string>, protocol: string | null, effort_value: number | null, effort_unit: string | null, weather: string | null, track: Array<Waypoint>, };

export type CountUnit = "individuals" | "pairs" | "nests" | "burrows" | "colonies";

export type DatePrecision = "day" | "month" | "year" | "undated";

export type RecordSource = { 
/**
 * The dataset's name (Darwin Core `datasetName`), else the name of the imported file.
 */
dataset: string, 
/**
 * The record's occurrenceID or catalogNumber, the `id` column of an export, or `sha256:`
 * of the row's fields (with `#n` for the n-th identical row of a file).
 */
id: string, };

export type Observation = { visit: string | null, site: string | null, 
/**
 * The taxon, when identified against the checklist.
 */
taxon: string | null, 
/**
 * Free-text name when the taxon is not on the checklist or not identified.
 */
taxon_name: string | null, 
/**
 * Exact count; or a min/max estimate below.
 */
count: number | null, count_min: number | null, count_max: number | null, unit: CountUnit, sex: string | null, age: string | null, behaviour: string | null, lat: number | null, lon: number | null, uncertainty_m: number | null, 
/**
 * RFC 3339 with the offset the observer was in.
 */
observed_at: string, observers: Array<string>, detection_method: string | null, notes: string | null, 
/**
 * SHA-256 of attached photos.
 */
photos: Array<string>, 
/**
 * How precisely the date is known, when it is less than the moment in `observed_at`
 * (schema 2; see [`crate::dates`]). Absent: the time is as written.
 */
date_precision?: DatePrecision, 
/**
 * The end of a date range, at `date_precision` (`2019-05-15`, `2019-07`, `2020`),
 * inclusive; absent when the record covers one day, month or year (schema 2).
 */
observed_until?: string, 
/**
 * Where an imported record came from, so the same file imported on any laptop after a
 * sync adds nothing.
 */
source?: RecordSource, };

export type SampleResult = "pending" | "negative" | "positive" | "inconclusive";

export type Sample = { host_observation: string, sample_type: string, barcode: string, collected_at: string, storage: string | null, lab: string | null, test: string | null, pathogen: string | null, result: SampleResult, result_date: string | null, };

export type ActionStatus = "planned" | "in_progress" | "done" | "cancelled";

export type CooperationAction = { title: string, countries: Array<Country>, owner: string | null, due: string | null, status: ActionStatus, notes: string | null, };

export type ColdChain = "ambient" | "chilled" | "frozen" | "deep_frozen" | "liquid_nitrogen";

export type Shipment = { 
/**
 * The reference printed on the manifest (`SHP-20260601-7F3A`).
 */
reference: string, 
/**
 * The samples packed, in manifest order.
 */
samples: Array<string>, 
/**
 * Who sends it (field station, team).
 */
from: string, 
/**
 * The receiving laboratory.
 */
to: string, carrier: string | null, cold_chain: ColdChain, 
/**
 * Calendar dates, `YYYY-MM-DD`.
 */
packed_on: string | null, expected_on: string | null, notes: string | null, };

export type CustodyAction = "sent" | "transferred" | "received";

export type Condition = "intact" | "damaged" | "cold_chain_broken";

export type ReceiptStatus = "received" | "damaged" | "missing" | "extra";

export type ReceiptLine = { 
/**
 * The barcode as scanned (or as on the manifest, for a missing sample).
 */
barcode: string, 
/**
 * The sample, when the barcode is known here.
 */
sample: string | null, status: ReceiptStatus, note: string | null, };

export type CustodyTransfer = { shipment: string | null, 
/**
 * The samples that changed hands.
 */
samples: Array<string>, action: CustodyAction, 
/**
 * RFC 3339 with the offset where it happened.
 */
at: string, 
/**
 * Who handed them over.
 */
from_person: string | null, 
/**
 * Who took custody (for a receipt, who checked it in).
 */
to_person: string, place: string | null, condition: Condition, 
/**
 * Temperature inside the package, °C.
 */
temperature_c: number | null, notes: string | null, 
/**
 * For a receipt: each manifest sample and each extra sample found.
 */
receipt: Array<ReceiptLine>, };

export type SensitivityAction = "exact" | "generalise" | "withhold";

export type SensitivityRule = { taxon: string, 
/**
 * The taxon's scientific name, so free-text names of the taxon are caught too.
 */
scientific_name: string, action: SensitivityAction, 
/**
 * Cell size for [`SensitivityAction::Generalise`], km.
 */
grid_km: number | null, reason: string | null, 
/**
 * Where the rule comes from.
 */
source: string | null, 
/**
 * False when the source marks the rule as needing verification.
 */
verified: boolean, };

export type Body = { "kind": "taxon", "body": Taxon } | { "kind": "checklist", "body": Checklist } | { "kind": "protected_area", "body": ProtectedArea } | { "kind": "site", "body": Site } | { "kind": "person", "body": Person } | { "kind": "survey", "body": Survey } | { "kind": "route", "body": Route } | { "kind": "assignment", "body": Assignment } | { "kind": "budget_line", "body": BudgetLine } | { "kind": "visit", "body": Visit } | { "kind": "observation", "body": Observation } | { "kind": "sample", "body": Sample } | { "kind": "cooperation_action", "body": CooperationAction } | { "kind": "shipment", "body": Shipment } | { "kind": "custody_transfer", "body": CustodyTransfer } | { "kind": "sensitivity_rule", "body": SensitivityRule };

export type Current = { id: string, kind: Kind, 
/**
 * The provisional winner among the heads.
 */
rev_id: string, deleted: boolean, 
/**
 * More than one head: someone must merge.
 */
conflict: boolean, 
/**
 * Absent for a deleted record.
 */
body: Body | null, };

export type RevisionInfo = { rev_id: string, parents: Array<string>, generation: number, device_id: string, device_seq: number, hlc: string, 
/**
 * Wall-clock time of the writer, from the HLC, RFC 3339 UTC.
 */
written_at: string, deleted: boolean, body: Body | null, 
/**
 * Whether this revision is currently a head.
 */
head: boolean, };

export type Saved = { id: string, rev_id: string, device_seq: number, };

export type ObservationFilter = { taxon?: string, site?: string, country?: Country, 
/**
 * Inclusive lower bound, RFC 3339 or `YYYY-MM-DD` (UTC midnight).
 */
from?: string, 
/**
 * Exclusive upper bound, RFC 3339 or `YYYY-MM-DD` (the whole day included).
 */
to?: string, 
/**
 * `[min_lon, min_lat, max_lon, max_lat]`.
 */
bbox?: [number, number, number, number], 
/**
 * Matches notes, free-text names, observers and any name of the taxon.
 */
text?: string, };

export type ObservationRow = { id: string, rev_id: string, conflict: boolean, scientific_name: string | null, site_name: string | null, country: Country | null, observation: Observation, };

export type ObservationPage = { rows: Array<ObservationRow>, 
/**
 * Pass back as `after` for the next page; absent on the last page.
 */
next: string | null, };

export type SpeciesSummary = { site_id: string | null, site_name: string | null, taxon_id: string | null, scientific_name: string | null, records: number, 
/**
 * Sum of exact counts (or minimum estimates) in individuals.
 */
individuals: number, first_seen: string, last_seen: string, };

export type CountryChecklist = { id: string, rev_id: string, country: Country, taxa: Array<ChecklistEntry>, deadlines: Array<Deadline>, };

export type ChecklistEntry = { id: string, taxon: Taxon, };

export type Stats = { device_id: string, records: Array<[Kind, number]>, observations: number, revisions: number, pending_ops: number, conflicts: number, size_bytes: number, };

export type MatchKind = "exact" | "prefix" | "transliterated" | "fuzzy";

export type TaxonMatch = { id: string, taxon: Taxon, 
/**
 * The name that matched, as written.
 */
matched: string, 
/**
 * Locale of the matched name (`sci` for scientific names and synonyms).
 */
locale: string, 
/**
 * False when the matched name is marked as needing verification.
 */
verified: boolean, 
/**
 * How it matched.
 */
how: MatchKind, 
/**
 * The spelling that matched when it is not the name as written: a transliteration
 * (`tarbagan` for `Тарбаган`) or pinyin (`huáng yáng` for `黄羊`).
 */
via: string | null, };

export type FieldError = { 
/**
 * The body field (`lat`, `count`, `observed_at`, ...).
 */
field: string, 
/**
 * The rule code (`range`, `required`, `negative`, `order`, `format`, `unknown_taxon`, ...).
 */
rule: string, 
/**
 * English explanation with the offending value.
 */
message: string, };

export type ErrorPayload = { code: string, message: string, fields: Array<FieldError>, };

export type Position = { lat: number, lon: number, };

export type RowError = { 
/**
 * 1-based line in the file (the header is line 1).
 */
line: number, 
/**
 * The file's header of the column the problem is in.
 */
column: string, 
/**
 * The field of the record that column fills (`count`, `observed_at`, `taxon`…).
 */
field: string, 
/**
 * What is wrong: one of `ROW_RULES`, or a validation rule of `field` (`format`, `range`,
 * `unknown_taxon`…).
 */
rule: string, 
/**
 * The value the words name (`'abc' is not a number`), when they name one.
 */
value: string | null, 
/**
 * The problem in English words.
 */
reason: string, };

export type ImportReport = { rows: number, imported: number, 
/**
 * Rows imported from the same dataset before (by occurrenceID, catalogNumber, the record
 * id of an export, or else the row's content), not added again.
 */
already_imported: number, errors: Array<RowError>, 
/**
 * True when nothing was written because of `all_or_nothing`.
 */
rolled_back: boolean, };

export type CsvPreview = { headers: Array<string>, 
/**
 * The guessed column per header (`null`: ignored).
 */
guessed: Array<string | null>, 
/**
 * Up to the asked number of rows, as text.
 */
rows: Array<Array<string>>, 
/**
 * Every column a header may map to.
 */
columns: Array<string>, 
/**
 * The file's encoding as detected (`UTF-8`, `windows-1251`, `gb18030`, ...).
 */
encoding: string, 
/**
 * The file starts with a byte-order mark.
 */
bom: boolean, 
/**
 * The field separator as detected (`,`, `;` or a tab).
 */
separator: string, 
/**
 * Numbers in the file are written with a decimal comma (`49,7`).
 */
decimal_comma: boolean, };

export type PhotoInfo = { 
/**
 * DateTimeOriginal as the camera's clock showed it, `YYYY-MM-DDTHH:MM:SS`, no offset.
 */
local_time: string | null, 
/**
 * OffsetTimeOriginal (`+09:00`) when the camera recorded it.
 */
utc_offset: string | null, 
/**
 * RFC 3339 time, present only when both the time and its offset are known.
 */
taken_at: string | null, 
/**
 * WGS84 decimal degrees, south and west negative.
 */
lat: number | null, lon: number | null, altitude_m: number | null, 
/**
 * GPSHPositioningError, when the receiver recorded it.
 */
uncertainty_m: number | null, };

export type StoredPhoto = { sha256: string, 
/**
 * False when the same bytes were stored already (the first copy is kept).
 */
newly_stored: boolean, width: number, height: number, info: PhotoInfo, };

export type AttachedPhoto = { sha256: string, 
/**
 * False when the same bytes were already in the blob store.
 */
newly_stored: boolean, 
/**
 * The observation's new revision; absent when the photo was already attached to it.
 */
saved: Saved | null, width: number, height: number, };

export type UnmatchedRow = { 
/**
 * 1-based line in the file (the header is line 1).
 */
line: number, barcode: string, };

export type LabResultReport = { rows: number, 
/**
 * Samples given a new revision.
 */
updated: number, 
/**
 * Rows that matched a sample already holding the same result.
 */
unchanged: number, unmatched: Array<UnmatchedRow>, errors: Array<RowError>, };

export type ResultSummary = { site_id: string | null, site_name: string | null, host_taxon: string | null, 
/**
 * Scientific name of the host, or its free-text name.
 */
host_name: string | null, pathogen: string | null, pending: number, negative: number, positive: number, inconclusive: number, };

export type NewShipment = { 
/**
 * The barcodes of the samples packed, in manifest order.
 */
barcodes: Array<string>, from: string, to: string, carrier: string | null, cold_chain: ColdChain, packed_on: string | null, expected_on: string | null, notes: string | null, };

export type Handover = { 
/**
 * RFC 3339 with offset.
 */
at: string, from_person: string | null, to_person: string, place: string | null, condition: Condition, temperature_c: number | null, notes: string | null, };

export type Receipt = { handover: Handover, scanned: Array<string>, damaged: Array<string>, };

export type ShipmentStatus = "packed" | "in_transit" | "received";

export type ShipmentSummary = { id: string, reference: string, from: string, to: string, cold_chain: ColdChain, samples: number, status: ShipmentStatus, 
/**
 * Receipt lines that are not `received`: missing, extra or damaged.
 */
discrepancies: number, conflict: boolean, };

export type ManifestItem = { sample: string, barcode: string, sample_type: string, 
/**
 * The host's scientific name (or free-text name).
 */
host: string | null, collected_at: string, 
/**
 * What the receiving lab found, once received.
 */
receipt: ReceiptStatus | null, };

export type TransferRow = { id: string, transfer: CustodyTransfer, };

export type ShipmentDetail = { id: string, rev_id: string, conflict: boolean, shipment: Shipment, status: ShipmentStatus, items: Array<ManifestItem>, 
/**
 * Oldest first.
 */
transfers: Array<TransferRow>, 
/**
 * Receipt lines other than `received`, from every receipt.
 */
discrepancies: Array<ReceiptLine>, };

export type ReceiptReport = { saved: Saved, lines: Array<ReceiptLine>, 
/**
 * Scans of a barcode already scanned, which count once.
 */
repeated_scans: number, };

export type HistoryEntry = { at: string, 
/**
 * `collected`, or a [`CustodyAction`] name.
 */
event: string, shipment: string | null, shipment_reference: string | null, from_person: string | null, to_person: string | null, place: string | null, condition: Condition | null, temperature_c: number | null, 
/**
 * For a receipt: what the lab found for this sample.
 */
receipt: ReceiptStatus | null, notes: string | null, };

export type SampleHistory = { sample_id: string, sample: Sample, entries: Array<HistoryEntry>, };

export type Protection = { "action": "generalise", grid_km: number, } | { "action": "withhold" };

export type DwcaExportReport = { events: number, 
/**
 * Events made for sightings recorded without a visit.
 */
synthetic_events: number, occurrences: number, 
/**
 * Pathogen occurrences derived from sample results (included in `occurrences`).
 */
pathogen_occurrences: number, measurements: number, relationships: number, };

export type DwcaRowError = { 
/**
 * The data file inside the archive.
 */
file: string, 
/**
 * 1-based line in that file (the header is line 1).
 */
line: number, term: string, reason: string, };

export type TaxonImportReport = { 
/**
 * Rows of the Taxon core.
 */
rows: number, 
/**
 * Taxa added to the species list.
 */
added: number, 
/**
 * Rows naming a taxon the list has already (only missing names were added to it).
 */
already_listed: number, 
/**
 * Synonym rows, added as synonyms of their accepted name.
 */
synonyms: number, 
/**
 * Vernacular names added, to new taxa and to taxa listed before.
 */
names_added: number, 
/**
 * The scientific names added, in file order.
 */
added_names: Array<string>, 
/**
 * Rows not added, each with its reason.
 */
skipped: Array<DwcaRowError>, };

export type DwcaImportReport = { rows: number, imported: number, 
/**
 * Occurrences imported from this archive before (by occurrenceID, catalogNumber, or else
 * the row's content), not added again.
 */
already_imported: number, 
/**
 * Scientific names not on the checklist, with how many rows used each; those rows were
 * imported with the name as free text.
 */
unmatched_names: Array<[string, number]>, errors: Array<DwcaRowError>, 
/**
 * What a checklist (Taxon core) archive added to the species list.
 */
taxa: TaxonImportReport, };

export type Progress = { 
/**
 * Planned routes, and their total length in km.
 */
routes_planned: number, routes_km: number, 
/**
 * Visits recorded, and those finished (with an end time).
 */
visits: number, visits_done: number, 
/**
 * Observations made on this survey's visits.
 */
records: number, 
/**
 * Individuals counted (exact counts, or the minimum of an estimate).
 */
individuals: number, 
/**
 * Effort summed per unit (`km`, `h`, `trap-nights`, ...).
 */
effort: { [key in string]: number }, 
/**
 * Hours in the field, from visits' start and end times.
 */
hours: number, 
/**
 * People assigned.
 */
team: number, };

export type Amounts = { 
/**
 * Planned (quantity × unit cost).
 */
planned: string, 
/**
 * Actually spent, over the lines that have an actual figure.
 */
actual: string, 
/**
 * Lines totalled, and those without an actual figure yet.
 */
lines: number, lines_without_actual: number, };

export type Total = { 
/**
 * The category or currency this row totals.
 */
key: string, currency: string, amounts: Amounts, };

export type BudgetSummary = { lines: number, 
/**
 * Per currency, in that currency.
 */
per_currency: Array<Total>, 
/**
 * Per category, in the reporting currency (absent when no reporting currency was given).
 */
per_category: Array<Total>, 
/**
 * Everything in the reporting currency.
 */
reporting: Total | null, };

export type DoubleBooking = { person: string, person_name: string, first_assignment: string, first_survey: string, first_survey_title: string, second_assignment: string, second_survey: string, second_survey_title: string, 
/**
 * First and last overlapping day, inclusive.
 */
from: string, to: string, };

export type Activity = "survey" | "route" | "assignment";

export type ScheduleItem = { survey: string, survey_title: string, activity: Activity, 
/**
 * The record this item comes from (survey, route or assignment id).
 */
record: string, 
/**
 * What to show: the route's name, or the person's name and role.
 */
label: string, 
/**
 * For an assignment: the role as stored (a standard role's key, or free text), so that a
 * window can show it in its own language next to `label`'s person.
 */
role: string | null, 
/**
 * For an assignment: the person's name.
 */
person: string | null, 
/**
 * Calendar dates, `YYYY-MM-DD`, inclusive.
 */
start: string, end: string, };

export type SheetStatus = "on_track" | "due" | "overdue" | "submitted";

export type CountrySheet = { country: Country, 
/**
 * Observations whose site (or whose visit's site) is in this country.
 */
records: number, 
/**
 * The earliest unsubmitted deadline, or the last submitted one when all are in.
 */
next_deadline: Deadline | null, status: SheetStatus, };

export type GpxImportSummary = { 
/**
 * Ids of the routes created (GPX routes, then loose waypoints).
 */
routes: Array<string>, 
/**
 * Ids of the visits created from tracks.
 */
visits: Array<string>, 
/**
 * Points read, over routes, waypoints and tracks.
 */
points: number, 
/**
 * Kilometres and hours of the imported tracks.
 */
track_km: number, track_hours: number, };

export type GpxExportSummary = { routes: number, tracks: number, points: number, };

export type DistanceSource = "track" | "route";

export type Effort = { 
/**
 * Hours from start to end; absent while the visit is open.
 */
hours: number | null, 
/**
 * Kilometres walked or driven; absent without a track or a route.
 */
km: number | null, distance_from: DistanceSource | null, };

export type VisitSummary = { id: string, rev_id: string, conflict: boolean, 
/**
 * No end time yet.
 */
open: boolean, visit: Visit, effort: Effort, };

export type VisitStart = { survey: string | null, site: string | null, route: string | null, protocol: string, observers: Array<string>, 
/**
 * RFC 3339 with the team's offset; now when absent.
 */
start: string | null, weather: string | null, };

export type Place = { 
/**
 * The country the position lies in, if it is one of the project's four.
 */
country: Country | null, 
/**
 * The partner reserve the position lies in (see the module's note on reserve extents).
 */
protected_area: string | null, };

export type SiteInput = { name: string, lat: number, lon: number, uncertainty_m: number | null, elevation_m: number | null, habitat: string | null, };

export type SiteMerge = { 
/**
 * The kept site.
 */
kept: string, 
/**
 * Observations and visits that now point at the kept site (one new revision each).
 */
observations: number, visits: number, 
/**
 * The deletion of the merged-away site.
 */
deleted: Saved, };

export type Period = { from?: string, to?: string, };

export type TrendBy = "year" | "season";

export type Season = "winter" | "spring" | "summer" | "autumn";

export type TrendQuery = { taxon?: string, group?: TaxonGroup, site?: string, country?: Country, by: TrendBy, period: Period, };

export type TrendPoint = { 
/**
 * `2024`, or `2024-spring` when by season.
 */
period: string, year: number, season: Season | null, 
/**
 * Sightings of the taxa in scope.
 */
records: number, 
/**
 * Individuals counted (sightings counted in individuals; pairs, nests, burrows and colonies
 * are records but not individuals).
 */
individuals: number, 
/**
 * Visits to the sites in scope in this period, whether or not the taxa were seen: the
 * sampling behind the point, so a thin year shows as thin.
 */
visits: number, 
/**
 * Kilometres walked on the visits that recorded a distance.
 */
effort_km: number, 
/**
 * Hours spent on the visits that recorded a duration.
 */
effort_h: number, 
/**
 * Individuals seen on visits with a distance, per kilometre of those visits.
 */
per_km: number | null, 
/**
 * Individuals seen on visits with a duration, per hour of those visits.
 */
per_hour: number | null, };

export type SiteSummary = { site_id: string, name: string, country: Country, lat: number, lon: number, 
/**
 * Distinct checklist taxa seen.
 */
richness: number, records: number, individuals: number, visits: number, 
/**
 * Start of the latest visit (as written), or the latest sighting when no visit was made.
 */
last_visit: string | null, effort_km: number, effort_h: number, samples: number, 
/**
 * Samples with a positive or negative result.
 */
tested: number, positive: number, pending: number, prevalence: number | null, };

export type PrevalenceBy = "site" | "host" | "pathogen" | "period";

export type PrevalenceQuery = { by: PrevalenceBy, 
/**
 * Pathogen as labs write it; matched ignoring case and surrounding spaces.
 */
pathogen?: string, 
/**
 * Host taxon id.
 */
host?: string, site?: string, country?: Country, 
/**
 * Collection dates.
 */
period: Period, 
/**
 * Year or season, when grouping by period.
 */
period_by: TrendBy, };

export type PrevalenceRow = { 
/**
 * Site id, host taxon id (or `name:` and the free-text host), pathogen (lower case) or
 * period; empty for samples without one.
 */
key: string, 
/**
 * What a person reads: site name, scientific name, pathogen as first written, period.
 */
label: string, positive: number, negative: number, tested: number, pending: number, inconclusive: number, prevalence: number | null, wilson_low: number | null, wilson_high: number | null, };

export type HostPathogen = { pathogen: string, host_taxon: string | null, host_name: string, positive: number, tested: number, prevalence: number | null, wilson_low: number | null, wilson_high: number | null, };

export type RiskSettings = { 
/**
 * Short key: `plague`, `tick_borne`, `hantavirus`.
 */
disease: string, label: string, 
/**
 * Names labs use for the pathogen; a sample counts when its pathogen is one of these
 * (ignoring case and surrounding spaces).
 */
pathogens: Array<string>, 
/**
 * Scientific names of the reservoir hosts.
 */
hosts: Array<string>, 
/**
 * Scientific names of the vectors.
 */
vectors: Array<string>, 
/**
 * The window every component looks back over, in months before the day of the report.
 */
months: number, host_weight: number, vector_weight: number, positivity_weight: number, 
/**
 * Host individuals per km (per hour) at which the host component reaches 1.
 */
host_ref_per_km: number, host_ref_per_hour: number, 
/**
 * Vector individuals per km (per hour) at which the vector component reaches 1.
 */
vector_ref_per_km: number, vector_ref_per_hour: number, 
/**
 * Lower Wilson bound of positivity at which the positivity component reaches 1.
 */
positivity_ref: number, 
/**
 * Score (0–1) from which a site needs attention.
 */
threshold: number, };

export type SiteRisk = { disease: string, site_id: string, site_name: string, country: Country, lat: number, lon: number, 
/**
 * 1 for the riskiest site.
 */
rank: number, score: number, 
/**
 * Host individuals per km (or per hour, see `per`), and its component.
 */
host_rate: number | null, host_component: number | null, vector_rate: number | null, vector_component: number | null, 
/**
 * `km` or `h`: the effort both rates are divided by.
 */
per: string | null, 
/**
 * Visits in the window.
 */
visits: number, positive: number, tested: number, positivity_low: number | null, positivity_component: number | null, over_threshold: boolean, };

export type GroupRecords = { 
/**
 * Absent for sightings not identified against the checklist.
 */
group: TaxonGroup | null, records: number, };

export type CountryProgress = { country: Country, records: number, by_group: Array<GroupRecords>, deadlines: Array<Deadline>, 
/**
 * The earliest unsubmitted deadline, or the last submitted one when all are in.
 */
next_deadline: Deadline | null, 
/**
 * Days from today to the next deadline (negative when overdue).
 */
days_left: number | null, status: SheetStatus, };
