//! Species search: the one index every screen and command finds taxa with.
//!
//! A [`TaxonIndex`] holds every name of every taxon (scientific names, synonyms and vernacular
//! names in any locale) in the forms people type them:
//!
//! - the name as written, folded by [`search_form`] (case, diacritics, `ё`/`е`, punctuation);
//! - Latin spellings of Cyrillic names (Russian, Mongolian, Kazakh) in several standard
//!   schemes: a general one (`any_ascii`, close to BGN/PCGN: `kh`, `ts`, `ya`), GOST 7.79
//!   System B (`x`, `c`, `j`, `ya`) and the ICAO passport scheme (`kh`, `ts`, `i`, `ia`), letters
//!   no scheme knows (Kazakh `қ`, Mongolian `ө`) spelled by `any_ascii`;
//! - pinyin of Chinese names: syllables (`huang yang`, typed with or without tones), joined
//!   (`huangyang`) and initials (`hy`);
//! - ASCII spellings of names in any other script.
//!
//! Every form is a key of a finite-state transducer (`fst`) together with the suffixes that
//! start a word (and, in Chinese, each character), so a search is a key lookup, a prefix range
//! and, when those find too little, a Levenshtein automaton run over the same keys
//! (`levenshtein_automata`), never a scan of the names. What someone types in Cyrillic is also
//! spelled in Latin letters, so `мармота` finds *Marmota*.
//!
//! Results are ranked: an exact name, then a name that starts with what was typed, then a word
//! of a name that does, then a transliteration or pinyin, then a near miss (one typo in 4–11
//! letters, two from 12). Ties go to taxa on the checklist of the survey's country, then to the
//! shorter name.
//!
//! The index is built once per store and brought up to date when taxa or checklists change
//! ([`Store::taxon_index`]): only the changed taxa are spelled again.

use crate::error::{Error, Result};
use crate::model::{Body, Checklist, Country, Kind, Taxon};
use crate::store::{Current, Store};
use crate::text::{has_cyrillic, is_han, search_form};
use fst::{Automaton, IntoStreamer, Streamer};
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use translit::ToLatin;
use ts_rs::TS;

/// How a search matched a taxon, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// A whole name (or a part of it in brackets or after a slash), as typed.
    Exact,
    /// A name, or a word of it, starts with what was typed.
    Prefix,
    /// A transliteration or pinyin of the name matched, or what was typed in Cyrillic matched
    /// once spelled in Latin letters.
    Transliterated,
    /// Within a typo or two of a name.
    Fuzzy,
}

/// One match of a species search.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TaxonMatch {
    pub id: String,
    pub taxon: Taxon,
    /// The name that matched, as written.
    pub matched: String,
    /// Locale of the matched name (`sci` for scientific names and synonyms).
    pub locale: String,
    /// False when the matched name is marked as needing verification.
    pub verified: bool,
    /// How it matched.
    pub how: MatchKind,
    /// The spelling that matched when it is not the name as written: a transliteration
    /// (`tarbagan` for `Тарбаган`) or pinyin (`huáng yáng` for `黄羊`).
    pub via: Option<String>,
}

/// What a search is for.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// At most this many taxa.
    pub limit: usize,
    /// The survey's country: among equally good matches, taxa on its checklist come first.
    pub country: Option<Country>,
}

impl SearchOptions {
    /// Up to `limit` taxa, with no country preferred.
    pub fn limit(limit: usize) -> SearchOptions {
        SearchOptions {
            limit,
            country: None,
        }
    }
}

/// What is typed is cut to this many characters: no name is longer, and a pasted page costs
/// no more than a name.
const MAX_QUERY_CHARS: usize = 64;
/// A prefix range stops after this many postings: a one- or two-letter query ranks the first
/// names in key order, not all of them (on ten thousand names that would be most).
const MAX_SHORT_PREFIX_POSTINGS: usize = 3_000;
const MAX_PREFIX_POSTINGS: usize = 50_000;
/// A near-miss run stops after this many postings.
const MAX_FUZZY_POSTINGS: usize = 5_000;
/// Word suffixes indexed per form: long names do not multiply the keys.
const MAX_SUFFIXES: usize = 8;

/// What results are sorted by: tier, edit distance, off the survey country's checklist, name
/// length, unverified name, scientific-name order.
type RankKey = (u8, u8, bool, u16, bool, u32);

/// Ranks inside the index; [`MatchKind`] is what callers see.
const EXACT: u8 = 0;
const PREFIX: u8 = 1;
const WORD: u8 = 2;
const SPELLED: u8 = 3;
const SPELLED_PREFIX: u8 = 4;
const FUZZY: u8 = 5;

fn kind_of(tier: u8) -> MatchKind {
    match tier {
        EXACT => MatchKind::Exact,
        PREFIX | WORD => MatchKind::Prefix,
        SPELLED | SPELLED_PREFIX => MatchKind::Transliterated,
        _ => MatchKind::Fuzzy,
    }
}

/// A name of a taxon as written.
#[derive(Debug, Clone)]
struct Name {
    text: String,
    locale: String,
    verified: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormKind {
    /// The whole name as written.
    Whole,
    /// A part of the name: `Изюбрь` of `Изюбрь / марал`.
    Part,
    /// A transliteration or pinyin of the name (or of a part).
    Spelling,
    /// Pinyin initials: matched only from their start, never by near misses.
    Initials,
}

/// One searchable form of a name.
#[derive(Debug, Clone)]
struct Form {
    name: u16,
    kind: FormKind,
    key: Box<str>,
    /// Characters in `key` (the tie-break for shorter names).
    chars: u16,
    /// Shown as [`TaxonMatch::via`] for spellings.
    shown: Option<Box<str>>,
}

#[derive(Debug, Clone)]
struct Slot {
    id: String,
    /// The revision the forms were made from (none when built from bare taxa).
    rev: Option<String>,
    taxon: Taxon,
    names: Vec<Name>,
    forms: Vec<Form>,
    /// Bit `i` set when the taxon is on the checklist of `Country::ALL[i]`.
    countries: u8,
    /// Position in scientific-name order (the last tie-break).
    order: u32,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    form: u16,
    /// The key is a suffix of the form that starts a word, not the form itself.
    word: bool,
}

/// The search index of every taxon name. Cheap to search (a few hundred microseconds on ten
/// thousand names), rebuilt only when taxa change; see the module docs.
#[derive(Clone)]
pub struct TaxonIndex {
    slots: Vec<Slot>,
    by_id: HashMap<String, usize>,
    keys: fst::Map<Vec<u8>>,
    /// Postings of key `g` are `postings[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    postings: Vec<Posting>,
}

struct Schemes {
    gost: translit::Gost779B,
    icao: translit::Passport2013,
}

fn schemes() -> &'static Schemes {
    static S: OnceLock<Schemes> = OnceLock::new();
    S.get_or_init(|| Schemes {
        gost: translit::Gost779B::new(translit::Language::Ru),
        icao: translit::Passport2013::new(),
    })
}

fn automata(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if distance <= 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

/// Latin spellings of a Cyrillic text in each scheme the index uses, as written (case kept),
/// distinct: what people may type for it on a Latin keyboard.
pub fn cyrillic_spellings(s: &str) -> Vec<String> {
    let sc = schemes();
    let mut out: Vec<String> = Vec::new();
    for spelled in [
        any_ascii::any_ascii(s),
        sc.gost.to_latin(s),
        sc.icao.to_latin(s),
    ] {
        // Letters a scheme does not know (Kazakh `қ`, Mongolian `ө`) are left as they are:
        // the general scheme spells them. GOST's hard and soft signs (`` ` ``) are not typed.
        let spelled = any_ascii::any_ascii(&spelled).replace('`', "");
        if !out.contains(&spelled) {
            out.push(spelled);
        }
    }
    out
}

/// Pinyin of a Chinese name: (with tones, syllables spaced; initials), or none when it has no
/// Han character.
fn pinyin_of(s: &str) -> Option<(String, String)> {
    use pinyin::ToPinyin;
    let mut toned = String::new();
    let mut initials = String::new();
    let mut han = 0;
    let mut word = String::new();
    let flush = |word: &mut String, toned: &mut String| {
        if !word.is_empty() {
            if !toned.is_empty() {
                toned.push(' ');
            }
            toned.push_str(word);
            word.clear();
        }
    };
    for c in s.chars() {
        match c.to_pinyin() {
            Some(p) if is_han(c) => {
                flush(&mut word, &mut toned);
                if !toned.is_empty() {
                    toned.push(' ');
                }
                toned.push_str(p.with_tone());
                initials.push_str(p.first_letter());
                han += 1;
            }
            _ if c.is_alphanumeric() => word.push(c),
            _ => flush(&mut word, &mut toned),
        }
    }
    flush(&mut word, &mut toned);
    (han > 0).then_some((toned, if han > 1 { initials } else { String::new() }))
}

/// Splits `Тарбаган (монгольский сурок)` or `Изюбрь / марал` into its parts (none when the
/// name has one part).
fn parts(name: &str) -> Vec<&str> {
    let parts: Vec<&str> = name
        .split(['(', ')', '（', '）', '/', ',', '，', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 1 {
        parts
    } else {
        Vec::new()
    }
}

/// Every searchable form of a taxon's names.
fn forms_of(names: &[Name]) -> Vec<Form> {
    let mut forms: Vec<Form> = Vec::new();
    let push =
        |forms: &mut Vec<Form>, name: usize, kind: FormKind, key: String, shown: Option<&str>| {
            if key.is_empty()
                || forms
                    .iter()
                    .any(|f| f.name as usize == name && *f.key == *key)
            {
                return;
            }
            forms.push(Form {
                name: name as u16,
                kind,
                chars: key.chars().count().min(u16::MAX as usize) as u16,
                key: key.into(),
                shown: shown.map(Into::into),
            });
        };
    for (i, n) in names.iter().enumerate() {
        let whole = std::iter::once((n.text.as_str(), FormKind::Whole));
        let pieces = parts(&n.text).into_iter().map(|p| (p, FormKind::Part));
        for (text, kind) in whole.chain(pieces) {
            push(&mut forms, i, kind, search_form(text), None);
            if has_cyrillic(text) {
                for spelled in cyrillic_spellings(text) {
                    push(
                        &mut forms,
                        i,
                        FormKind::Spelling,
                        search_form(&spelled),
                        Some(&spelled),
                    );
                }
            } else if let Some((toned, initials)) = pinyin_of(text) {
                let spaced = search_form(&toned);
                push(
                    &mut forms,
                    i,
                    FormKind::Spelling,
                    spaced.replace(' ', ""),
                    Some(&toned),
                );
                push(&mut forms, i, FormKind::Spelling, spaced, Some(&toned));
                push(&mut forms, i, FormKind::Initials, initials, Some(&toned));
            } else if !text.is_ascii() {
                let spelled = any_ascii::any_ascii(text);
                push(
                    &mut forms,
                    i,
                    FormKind::Spelling,
                    search_form(&spelled),
                    Some(&spelled),
                );
            }
        }
    }
    forms
}

fn names_of(t: &Taxon) -> Vec<Name> {
    let sci = |s: &String| Name {
        text: s.clone(),
        locale: "sci".to_string(),
        verified: true,
    };
    std::iter::once(sci(&t.scientific_name))
        .chain(t.synonyms.iter().map(sci))
        .chain(t.names.iter().map(|n| Name {
            text: n.name.clone(),
            locale: n.locale.clone(),
            verified: n.verified,
        }))
        .filter(|n| !n.text.trim().is_empty())
        .take(u16::MAX as usize)
        .collect()
}

/// The keys of a form: the form, and each suffix that starts a word (or a Chinese character).
fn keys_of(form: &Form) -> impl Iterator<Item = (&str, bool)> {
    let key: &str = &form.key;
    let han = form.kind != FormKind::Spelling && form.kind != FormKind::Initials;
    let mut prev: Option<char> = None;
    let starts = key.char_indices().filter_map(move |(i, c)| {
        let starts_word = i > 0
            && c != ' '
            && (prev == Some(' ') || (han && is_han(c) && prev.is_some_and(is_han)));
        prev = Some(c);
        starts_word.then_some(i)
    });
    let initials = form.kind == FormKind::Initials;
    std::iter::once((key, false)).chain(
        starts
            .filter(move |_| !initials)
            .take(MAX_SUFFIXES)
            .map(move |i| (&key[i..], true)),
    )
}

/// One taxon's best match while a search runs.
#[derive(Debug, Clone, Copy)]
struct Hit {
    slot: u32,
    form: u16,
    tier: u8,
    distance: u8,
}

impl TaxonIndex {
    /// Builds the index from the store's live taxa and checklists.
    pub fn load(store: &Store) -> Result<TaxonIndex> {
        let mut index = TaxonIndex::empty();
        let (taxa, lists) = live_taxa(store)?;
        index.replace(taxa, Vec::new());
        index.set_checklists(&lists);
        Ok(index)
    }

    /// Builds the index from (id, taxon) pairs, with no checklists.
    pub fn new(taxa: Vec<(String, Taxon)>) -> TaxonIndex {
        let mut index = TaxonIndex::empty();
        index.replace(
            taxa.into_iter().map(|(id, t)| (id, None, t)).collect(),
            Vec::new(),
        );
        index
    }

    fn empty() -> TaxonIndex {
        TaxonIndex {
            slots: Vec::new(),
            by_id: HashMap::new(),
            keys: fst::Map::default(),
            starts: vec![0],
            postings: Vec::new(),
        }
    }

    /// Adds or replaces taxa (spelling only those) and removes others, then rebuilds the keys.
    fn replace(&mut self, changed: Vec<(String, Option<String>, Taxon)>, removed: Vec<String>) {
        if changed.is_empty() && removed.is_empty() && !self.slots.is_empty() {
            return;
        }
        if !removed.is_empty() {
            self.slots.retain(|s| !removed.contains(&s.id));
        }
        self.by_id = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        for (id, rev, taxon) in changed {
            let names = names_of(&taxon);
            let forms = forms_of(&names);
            let slot = Slot {
                id: id.clone(),
                rev,
                taxon,
                names,
                forms,
                countries: 0,
                order: 0,
            };
            match self.by_id.get(&id) {
                Some(&i) => {
                    let countries = self.slots[i].countries;
                    self.slots[i] = Slot { countries, ..slot };
                }
                None => {
                    self.by_id.insert(id, self.slots.len());
                    self.slots.push(slot);
                }
            }
        }
        self.rebuild_keys();
    }

    fn rebuild_keys(&mut self) {
        let mut by_name: Vec<usize> = (0..self.slots.len()).collect();
        by_name.sort_by(|&a, &b| {
            self.slots[a]
                .taxon
                .scientific_name
                .cmp(&self.slots[b].taxon.scientific_name)
        });
        for (rank, i) in by_name.into_iter().enumerate() {
            self.slots[i].order = rank as u32;
        }
        let mut all: Vec<(&str, Posting)> = Vec::new();
        for (s, slot) in self.slots.iter().enumerate() {
            for (f, form) in slot.forms.iter().enumerate() {
                for (key, word) in keys_of(form) {
                    all.push((
                        key,
                        Posting {
                            slot: s as u32,
                            form: f as u16,
                            word,
                        },
                    ));
                }
            }
        }
        all.sort_by(|a, b| a.0.cmp(b.0));
        let mut builder = fst::MapBuilder::memory();
        let mut starts = Vec::new();
        let mut postings = Vec::with_capacity(all.len());
        let mut last: Option<&str> = None;
        for (key, p) in &all {
            if last != Some(*key) {
                builder
                    .insert(key, starts.len() as u64)
                    .expect("keys are inserted in order");
                starts.push(postings.len() as u32);
                last = Some(*key);
            }
            postings.push(*p);
        }
        starts.push(postings.len() as u32);
        let bytes = builder.into_inner().expect("an in-memory map");
        self.keys = fst::Map::new(bytes).expect("a map just built");
        self.starts = starts;
        self.postings = postings;
    }

    /// Marks which taxa are on which country's checklist (the tie-break for a survey's country).
    pub fn set_checklists(&mut self, lists: &[Checklist]) {
        for s in &mut self.slots {
            s.countries = 0;
        }
        for list in lists {
            let bit = 1u8
                << Country::ALL
                    .iter()
                    .position(|c| *c == list.country)
                    .unwrap_or(0);
            for id in &list.taxa {
                if let Some(&i) = self.by_id.get(id) {
                    self.slots[i].countries |= bit;
                }
            }
        }
    }

    fn postings(&self, group: u64) -> &[Posting] {
        let g = group as usize;
        &self.postings[self.starts[g] as usize..self.starts[g + 1] as usize]
    }

    /// Every taxon that matches, best first (unlimited, for [`TaxonIndex::resolve`]).
    fn hits(&self, query: &str, country: Option<Country>) -> Vec<Hit> {
        self.ranked(query, country, usize::MAX)
    }

    fn ranked(&self, query: &str, country: Option<Country>, limit: usize) -> Vec<Hit> {
        let cut: String = query.chars().take(MAX_QUERY_CHARS * 4).collect();
        let q: String = search_form(&cut).chars().take(MAX_QUERY_CHARS).collect();
        let q = q.trim_end().to_string();
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        // The best hit of each taxon so far, and the taxa hit.
        let mut best: Vec<Option<Hit>> = vec![None; self.slots.len()];
        let mut touched: Vec<u32> = Vec::new();
        let offer = |best: &mut Vec<Option<Hit>>, touched: &mut Vec<u32>, hit: Hit| match &mut best
            [hit.slot as usize]
        {
            Some(e) => {
                if (hit.tier, hit.distance) < (e.tier, e.distance) {
                    *e = hit;
                }
            }
            e @ None => {
                *e = Some(hit);
                touched.push(hit.slot);
            }
        };
        // What was typed, and its Latin spellings when typed in Cyrillic (`мармота`) or with
        // pinyin tone numbers (`huang2yang2`).
        let mut variants: Vec<(String, bool)> = vec![(q.clone(), false)];
        if has_cyrillic(&q) {
            for s in cyrillic_spellings(&q) {
                let s = search_form(&s);
                if !variants.iter().any(|v| v.0 == s) {
                    variants.push((s, true));
                }
            }
        }
        if q.chars().any(|c| c.is_ascii_digit()) && q.chars().any(|c| c.is_ascii_alphabetic()) {
            let toneless = search_form(&q.replace(|c: char| ('1'..='5').contains(&c), ""));
            if !toneless.is_empty() && !variants.iter().any(|v| v.0 == toneless) {
                variants.push((toneless, true));
            }
        }
        for (v, spelled) in &variants {
            let prefix = fst::automaton::Str::new(v).starts_with();
            let mut stream = self.keys.search(prefix).into_stream();
            let mut seen = 0;
            let cap = if v.chars().count() <= 2 {
                MAX_SHORT_PREFIX_POSTINGS
            } else {
                MAX_PREFIX_POSTINGS
            };
            while let Some((key, group)) = stream.next() {
                let exact = key == v.as_bytes();
                for p in self.postings(group) {
                    let form = &self.slots[p.slot as usize].forms[p.form as usize];
                    let native = matches!(form.kind, FormKind::Whole | FormKind::Part);
                    let tier = match (native && !spelled, exact && !p.word) {
                        (true, true) => EXACT,
                        (true, false) if !p.word => PREFIX,
                        (true, false) => WORD,
                        (false, true) => SPELLED,
                        (false, false) => SPELLED_PREFIX,
                    };
                    offer(
                        &mut best,
                        &mut touched,
                        Hit {
                            slot: p.slot,
                            form: p.form,
                            tier,
                            // A whole word or name before one that only starts so.
                            distance: u8::from(!exact),
                        },
                    );
                }
                seen += self.postings(group).len();
                if seen > cap {
                    break;
                }
            }
        }
        // Near misses only fill what is left: they rank after everything above.
        // What was typed and, when typed in Cyrillic, its general Latin spelling (`канис
        // лупус` for Canis lupus).
        let near: Vec<&str> = variants.iter().take(2).map(|v| v.0.as_str()).collect();
        for v in near {
            let chars = v.chars().count();
            if touched.len() >= limit || chars < 4 {
                continue;
            }
            let distance = if chars >= 12 { 2 } else { 1 };
            let dfa = automata(distance).build_prefix_dfa(v);
            let mut stream = self.keys.search(&dfa).into_stream();
            let mut seen = 0;
            while let Some((key, group)) = stream.next() {
                let Distance::Exact(d) = dfa.eval(key) else {
                    continue;
                };
                for p in self.postings(group) {
                    let form = &self.slots[p.slot as usize].forms[p.form as usize];
                    if form.kind == FormKind::Initials {
                        continue;
                    }
                    offer(
                        &mut best,
                        &mut touched,
                        Hit {
                            slot: p.slot,
                            form: p.form,
                            tier: FUZZY,
                            distance: d,
                        },
                    );
                }
                seen += self.postings(group).len();
                if seen > MAX_FUZZY_POSTINGS {
                    break;
                }
            }
        }
        let bit = country.map(|c| 1u8 << Country::ALL.iter().position(|x| *x == c).unwrap_or(0));
        let mut hits: Vec<(RankKey, Hit)> = touched
            .iter()
            .filter_map(|&t| best[t as usize])
            .map(|h| {
                let slot = &self.slots[h.slot as usize];
                let form = &slot.forms[h.form as usize];
                let off_country = bit.is_some_and(|b| slot.countries & b == 0);
                let unverified = !slot.names[form.name as usize].verified;
                let key = (
                    h.tier,
                    h.distance,
                    off_country,
                    form.chars,
                    unverified,
                    slot.order,
                );
                (key, h)
            })
            .collect();
        if hits.len() > limit {
            hits.select_nth_unstable_by_key(limit, |h| h.0);
            hits.truncate(limit);
        }
        hits.sort_unstable_by_key(|h| h.0);
        hits.into_iter().map(|h| h.1).collect()
    }

    fn to_match(&self, h: &Hit) -> TaxonMatch {
        let slot = &self.slots[h.slot as usize];
        let form = &slot.forms[h.form as usize];
        let name = &slot.names[form.name as usize];
        TaxonMatch {
            id: slot.id.clone(),
            taxon: slot.taxon.clone(),
            matched: name.text.clone(),
            locale: name.locale.clone(),
            verified: name.verified,
            how: kind_of(h.tier),
            via: form.shown.as_deref().map(str::to_string),
        }
    }

    /// Up to `limit` taxa matching what someone typed, best first (see the module docs).
    pub fn search(&self, query: &str, limit: usize) -> Vec<TaxonMatch> {
        self.search_with(query, SearchOptions::limit(limit))
    }

    /// [`TaxonIndex::search`] with a country to prefer.
    pub fn search_with(&self, query: &str, options: SearchOptions) -> Vec<TaxonMatch> {
        self.ranked(query, options.country, options.limit)
            .iter()
            .map(|h| self.to_match(h))
            .collect()
    }

    /// The one taxon a name means: the only taxon with that exact name (in any language, or
    /// spelled in Latin letters or pinyin), else the only one a name starts with, else the only
    /// one nearest to it by typos.
    pub fn resolve(&self, name: &str) -> Result<String> {
        let hits = self.hits(name, None);
        let Some(first) = hits.first() else {
            return Err(Error::invalid(
                "taxon",
                "unknown_taxon",
                format!("no species on the checklist is called '{name}'; check the spelling or use the scientific name"),
            ));
        };
        // The first tier (exact, spelled exactly, partial, near) with any match decides.
        let group = |t: u8| match t {
            EXACT => 0,
            SPELLED => 1,
            PREFIX | WORD | SPELLED_PREFIX => 2,
            _ => 3,
        };
        let same: Vec<&Hit> = hits
            .iter()
            .filter(|h| group(h.tier) == group(first.tier) && h.distance == first.distance)
            .collect();
        if same.len() == 1 {
            return Ok(self.slots[first.slot as usize].id.clone());
        }
        Err(Error::invalid(
            "taxon",
            "ambiguous_taxon",
            format!(
                "'{name}' could be {}; be more specific",
                same.iter()
                    .take(6)
                    .map(|h| self.slots[h.slot as usize].taxon.scientific_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }

    /// The only taxon with exactly this whole name (scientific, synonym or vernacular, folded),
    /// for matching names from elsewhere where a partial or near match must not be taken.
    pub fn named(&self, name: &str) -> Option<String> {
        let q = search_form(name);
        let group = self.keys.get(q.as_bytes())?;
        let mut found: Option<u32> = None;
        for p in self.postings(group) {
            let form = &self.slots[p.slot as usize].forms[p.form as usize];
            if p.word || form.kind != FormKind::Whole {
                continue;
            }
            match found {
                Some(s) if s != p.slot => return None,
                _ => found = Some(p.slot),
            }
        }
        found.map(|s| self.slots[s as usize].id.clone())
    }

    /// The taxon with this id.
    pub fn get(&self, id: &str) -> Option<&Taxon> {
        self.by_id.get(id).map(|&i| &self.slots[i].taxon)
    }

    /// Number of taxa.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no taxa.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Number of distinct search keys (forms and their word suffixes).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }
}

/// Live taxa (id, revision, body) and checklists of a store.
type LiveTaxa = (Vec<(String, Option<String>, Taxon)>, Vec<Checklist>);

fn live_taxa(store: &Store) -> Result<LiveTaxa> {
    let mut taxa = Vec::new();
    for c in store.list(Kind::Taxon)? {
        if let Some(Body::Taxon(t)) = c.body {
            taxa.push((c.id, Some(c.rev_id), t));
        }
    }
    Ok((taxa, checklists(store)?))
}

fn checklists(store: &Store) -> Result<Vec<Checklist>> {
    Ok(store
        .list(Kind::Checklist)?
        .into_iter()
        .filter_map(|c| match c.body {
            Some(Body::Checklist(l)) => Some(l),
            _ => None,
        })
        .collect())
}

/// The store's species index and the taxa version it was made at.
#[derive(Default)]
pub(crate) struct TaxonCache {
    version: Option<String>,
    index: Option<Arc<TaxonIndex>>,
}

/// Meta key the write path changes whenever a taxon or a checklist changes, in the same
/// transaction (so a change made by another process is seen too).
pub(crate) const TAXA_VERSION: &str = "taxa_version";

impl Store {
    /// The species index of this store: built on first use, then brought up to date when taxa
    /// or checklists have changed since (by this process or another), re-spelling only the
    /// taxa whose revision changed. Costs one metadata read when nothing changed.
    pub fn taxon_index(&self) -> Result<Arc<TaxonIndex>> {
        let version = self.meta(TAXA_VERSION)?;
        let mut cache = self.taxa_cache().borrow_mut();
        if let (Some(index), true) = (&cache.index, cache.version == version) {
            return Ok(index.clone());
        }
        let mut index = cache
            .index
            .take()
            .unwrap_or_else(|| Arc::new(TaxonIndex::empty()));
        let inner = Arc::make_mut(&mut index);
        // Which taxa changed, by revision, before reading any body: only those are read and
        // spelled again.
        let mut stmt = self
            .connection()
            .prepare_cached("SELECT id, rev_id FROM record WHERE kind = 'taxon' AND deleted = 0")?;
        let live: HashMap<String, String> = stmt
            .query_map([], |r| {
                Ok((
                    crate::store::ids::id_column(r, 0)?,
                    crate::store::ids::id_column(r, 1)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let removed: Vec<String> = inner
            .slots
            .iter()
            .filter(|s| !live.contains_key(&s.id))
            .map(|s| s.id.clone())
            .collect();
        let mut changed = Vec::new();
        for (id, rev) in live {
            let same = inner
                .by_id
                .get(&id)
                .is_some_and(|&i| inner.slots[i].rev.as_deref() == Some(rev.as_str()));
            if same {
                continue;
            }
            if let Some(Current {
                body: Some(Body::Taxon(t)),
                rev_id,
                ..
            }) = self.get(&id)?
            {
                changed.push((id, Some(rev_id), t));
            }
        }
        // The same order however the rows came.
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        let lists = checklists(self)?;
        inner.replace(changed, removed);
        inner.set_checklists(&lists);
        cache.version = version;
        cache.index = Some(index.clone());
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_names_are_spelled_in_several_schemes() {
        let s = cyrillic_spellings("Тарбаган");
        assert!(s.contains(&"Tarbagan".to_string()), "{s:?}");
        let s = cyrillic_spellings("Серый журавль");
        assert!(s.iter().any(|x| x == "Seryj zhuravl"), "GOST: {s:?}");
        assert!(s.iter().any(|x| x == "Seryi zhuravl"), "ICAO: {s:?}");
        let s = cyrillic_spellings("Қасқыр");
        assert!(
            s.iter().all(|x| x.is_ascii()),
            "Kazakh letters spelled: {s:?}"
        );
    }

    #[test]
    fn chinese_names_get_pinyin_with_tones_and_initials() {
        assert_eq!(
            pinyin_of("黄羊"),
            Some(("huáng yáng".to_string(), "hy".to_string()))
        );
        assert_eq!(pinyin_of("Wolf"), None);
    }

    #[test]
    fn word_suffixes_and_chinese_characters_are_keys() {
        let f = Form {
            name: 0,
            kind: FormKind::Whole,
            key: "丹顶鹤".into(),
            chars: 3,
            shown: None,
        };
        let keys: Vec<&str> = keys_of(&f).map(|k| k.0).collect();
        assert_eq!(keys, vec!["丹顶鹤", "顶鹤", "鹤"]);
        let f = Form {
            name: 0,
            kind: FormKind::Whole,
            key: "procapra gutturosa".into(),
            chars: 18,
            shown: None,
        };
        let keys: Vec<&str> = keys_of(&f).map(|k| k.0).collect();
        assert_eq!(keys, vec!["procapra gutturosa", "gutturosa"]);
    }
}
