//! What a `viewer` laptop receives: sightings of sensitive species with their positions
//! generalised, or not at all when the rule withholds them (`dauria_core::sensitive`). Leads
//! and field laptops receive every revision as it was stored; the laptop that recorded a
//! sighting keeps its own exact copy.
//!
//! Every pull for a viewer passes through [`generalise_for_viewer`]: a changefeed page is
//! rewritten before it is sent, so no other path needs to know about sensitive species.

use crate::error::ServerError;
use crate::store::ServerStore;
use dauria_core::model::{Body, Kind, Observation, SensitivityRule, Site};
use dauria_core::sensitive::{Protection, Rules};
use dauria_proto::{Change, Revision, Role};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The seed revisions of the kinds this module reads (sites, rules), computed once.
fn seed_revisions() -> &'static [Revision] {
    static SEEDS: std::sync::OnceLock<Vec<Revision>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        dauria_core::seed::seed_revisions()
            .into_iter()
            .filter(|r| r.kind == Kind::Site.as_str() || r.kind == Kind::SensitivityRule.as_str())
            .collect()
    })
}

/// The current bodies of these records: their stored heads, else their seed revision (a seed
/// record never edited has no stored revision). A record in conflict gives each live head.
fn current_bodies(
    store: &dyn ServerStore,
    kind: Kind,
    ids: &[String],
) -> Result<HashMap<String, Vec<Body>>, ServerError> {
    let mut out: HashMap<String, Vec<Body>> = HashMap::new();
    let mut stored: std::collections::HashSet<String> = Default::default();
    for doc in store.head_docs(ids)? {
        let Ok(rev) = serde_json::from_str::<Revision>(&doc) else {
            continue;
        };
        stored.insert(rev.record_id.clone());
        if let Some(Ok(body)) = rev.body.map(|b| Body::from_json(kind, b.get())) {
            out.entry(rev.record_id).or_default().push(body);
        }
    }
    for rev in seed_revisions() {
        if rev.kind == kind.as_str()
            && ids.contains(&rev.record_id)
            && !stored.contains(&rev.record_id)
        {
            if let Some(Ok(body)) = rev.body.as_ref().map(|b| Body::from_json(kind, b.get())) {
                // The last seed revision of a record is its current one.
                out.insert(rev.record_id.clone(), vec![body]);
            }
        }
    }
    Ok(out)
}

/// The sensitive-species rules in force on the server.
fn rules(store: &dyn ServerStore) -> Result<Rules, ServerError> {
    let mut ids = store.record_ids_of_kind(Kind::SensitivityRule.as_str())?;
    ids.extend(
        seed_revisions()
            .iter()
            .filter(|r| r.kind == Kind::SensitivityRule.as_str())
            .map(|r| r.record_id.clone()),
    );
    ids.sort();
    ids.dedup();
    let bodies = current_bodies(store, Kind::SensitivityRule, &ids)?;
    let rules: Vec<SensitivityRule> = bodies
        .into_values()
        .flatten()
        .filter_map(|b| match b {
            Body::SensitivityRule(r) => Some(r),
            _ => None,
        })
        .collect();
    Ok(Rules::from_rules(&rules))
}

/// Rewrites a changefeed page for a device of `role`: for a viewer, each sighting of a
/// sensitive species is generalised (position, site, visit, notes, photos and time of day, as
/// `Rules::protect` does for exports, with a new body hash) or left out when withheld.
/// Everything else, and every page for another role, passes unchanged.
pub fn generalise_for_viewer(
    store: &dyn ServerStore,
    role: Role,
    changes: Vec<Change>,
) -> Result<Vec<Change>, ServerError> {
    if role != Role::Viewer {
        return Ok(changes);
    }
    let rules = rules(store)?;
    if rules.is_empty() {
        return Ok(changes);
    }
    // Sightings of protected taxa in this page, parsed once.
    let mut protected: HashMap<usize, (Revision, Observation)> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        let Ok(rev) = serde_json::from_str::<Revision>(c.rev.get()) else {
            continue;
        };
        if rev.kind != Kind::Observation.as_str() {
            continue;
        }
        let Some(Ok(o)) = rev
            .body
            .as_ref()
            .map(|b| serde_json::from_str::<Observation>(b.get()))
        else {
            continue;
        };
        if rules.for_observation(&o).is_some() {
            protected.insert(i, (rev, o));
        }
    }
    if protected.is_empty() {
        return Ok(changes);
    }
    let site_ids: Vec<String> = protected
        .values()
        .filter(|(_, o)| o.lat.is_none())
        .filter_map(|(_, o)| o.site.clone())
        .collect();
    let sites: HashMap<String, Site> = current_bodies(store, Kind::Site, &site_ids)?
        .into_iter()
        .filter_map(|(id, bodies)| match bodies.into_iter().next() {
            Some(Body::Site(s)) => Some((id, s)),
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(changes.len());
    for (i, c) in changes.into_iter().enumerate() {
        let Some((mut rev, mut o)) = protected.remove(&i) else {
            out.push(c);
            continue;
        };
        let site = o.site.as_ref().and_then(|s| sites.get(s)).cloned();
        // Withheld, or nothing to place it by: a viewer does not receive it.
        let generalised = matches!(
            rules.protect(&mut o, site.as_ref()),
            Some(Protection::Generalise { .. })
        );
        if generalised && o.lat.is_some() {
            let json = serde_json::to_string(&o).expect("observations serialise");
            rev.body_sha256 = hex::encode(Sha256::digest(json.as_bytes()));
            rev.body = Some(RawValue::from_string(json).expect("JSON"));
            let doc = serde_json::to_string(&rev).expect("revisions serialise");
            out.push(Change {
                server_seq: c.server_seq,
                rev: RawValue::from_string(doc).expect("JSON"),
                role: c.role,
            });
        }
    }
    Ok(out)
}
