//! Species search over the real seed checklist (data/, the same list as the project's shared
//! data): Latin spellings of Russian, Mongolian and Kazakh names, pinyin, typos, diacritics and
//! mixed scripts, each query with the taxon it must find first; what must not break it; and the
//! index kept up to date as taxa change, without being rebuilt for each search.

use dauria_core::model::*;
use dauria_core::taxa::{MatchKind, SearchOptions, TaxonIndex};
use dauria_core::Store;
use std::sync::Arc;

/// (what is typed, the scientific name that must come first, why).
const QUERIES: &[(&str, &str, &str)] = &[
    // Russian names typed on a Latin keyboard.
    ("tarbagan", "Marmota sibirica", "ru Тарбаган"),
    ("dzeren", "Procapra gutturosa", "ru Дзерен"),
    (
        "dzheren",
        "Procapra gutturosa",
        "a common other spelling, one letter off",
    ),
    ("volk", "Canis lupus", "ru Волк"),
    ("korsak", "Vulpes corsac", "ru Корсак"),
    ("kaban", "Sus scrofa", "ru Кабан"),
    (
        "izyubr",
        "Cervus canadensis",
        "ru Изюбрь, soft sign not typed",
    ),
    ("maral", "Cervus canadensis", "ru part of Изюбрь / марал"),
    ("sterkh", "Leucogeranus leucogeranus", "ru Стерх, kh for х"),
    ("sterx", "Leucogeranus leucogeranus", "GOST x for х"),
    (
        "sterh",
        "Leucogeranus leucogeranus",
        "h for х, one letter off",
    ),
    ("drofa", "Otis tarda", "ru Дрофа"),
    ("krasavka", "Grus virgo", "ru Красавка"),
    ("filin", "Bubo bubo", "ru Филин"),
    ("balaban", "Falco cherrug", "ru Балобан misspelt"),
    ("sadzha", "Syrrhaptes paradoxus", "ru Саджа"),
    (
        "suslik",
        "Spermophilus dauricus",
        "a word of ru Даурский суслик",
    ),
    (
        "burunduk",
        "Tamias sibiricus",
        "a word of ru Азиатский бурундук",
    ),
    ("pishchukha", "Ochotona dauurica", "ru пищуха, BGN shch/kh"),
    ("pishhuxa", "Ochotona dauurica", "ru пищуха, GOST shh/x"),
    (
        "polevka brandta",
        "Lasiopodomys brandtii",
        "ru Полёвка Брандта",
    ),
    ("zaiats tolai", "Lepus tolai", "ru Заяц-толай, ICAO ia/i"),
    ("zayats-tolay", "Lepus tolai", "ru Заяц-толай, BGN ya/y"),
    ("chernyi zhuravl", "Grus monacha", "ru Чёрный журавль, ICAO"),
    (
        "chernyy zhuravl",
        "Grus monacha",
        "ru Чёрный журавль, y for й: near",
    ),
    (
        "lisitsa",
        "Vulpes vulpes",
        "a word of ru Обыкновенная лисица",
    ),
    (
        "orlan-belokhvost",
        "Haliaeetus albicilla",
        "ru Орлан-белохвост",
    ),
    ("lebed klikun", "Cygnus cygnus", "ru Лебедь-кликун"),
    ("stepnoi khor", "Mustela eversmanii", "ru Степной хорь"),
    // Mongolian names typed on a Latin keyboard.
    ("tarvaga", "Marmota sibirica", "mn Монгол тарвага"),
    ("mongol tarvaga", "Marmota sibirica", "mn Монгол тарвага"),
    ("chono", "Canis lupus", "mn Чоно"),
    ("tsagaan zeer", "Procapra gutturosa", "mn Цагаан зээр"),
    ("zeer", "Procapra gutturosa", "a word of mn Цагаан зээр"),
    ("shiluus", "Lynx lynx", "mn Шилүүс, ү as u"),
    ("dorgo", "Meles leucurus", "mn Дорго"),
    ("khar togoruu", "Grus monacha", "mn Хар тогоруу"),
    ("tal burged", "Aquila nipalensis", "mn Тал бүргэд"),
    ("uneg", "Vulpes vulpes", "mn Үнэг"),
    ("daguuryn ogdoi", "Ochotona dauurica", "mn Дагуурын огдой"),
    ("gangar khun", "Cygnus cygnus", "mn Гангар хун"),
    ("shar shuvuu", "Bubo bubo", "mn Шар шувуу"),
    ("bor tuulai", "Lepus tolai", "mn Бор туулай"),
    ("zhirkh", "Tamias sibiricus", "mn Жирх"),
    // Kazakh names typed on a Latin keyboard.
    ("qasqyr", "Canis lupus", "kk Қасқыр"),
    ("qarsaq", "Vulpes corsac", "kk Қарсақ"),
    ("duadaq", "Otis tarda", "kk Дуадақ"),
    ("itelgi", "Falco cherrug", "kk Ителгі"),
    // Pinyin, with and without tones, joined, spaced and initials.
    ("huangyang", "Procapra gutturosa", "zh 黄羊"),
    (
        "huáng yáng",
        "Procapra gutturosa",
        "zh 黄羊 with tone marks",
    ),
    (
        "huang2 yang2",
        "Procapra gutturosa",
        "zh 黄羊 with tone numbers",
    ),
    ("myl", "Procapra gutturosa", "initials of zh 蒙原羚"),
    ("tusun", "Otocolobus manul", "zh 兔狲"),
    ("dantinghe", "Grus japonensis", "zh 丹顶鹤"),
    ("shahu", "Vulpes corsac", "zh 沙狐"),
    ("menggu hanta", "Marmota sibirica", "zh 蒙古旱獭"),
    ("yezhu", "Sus scrofa", "zh 野猪"),
    ("mǎ lù", "Cervus canadensis", "zh 马鹿"),
    ("dabao", "Otis tarda", "zh 大鸨"),
    ("xiaobaieyan", "Anser erythropus", "zh 小白额雁"),
    // Typos in scientific names.
    ("Procapra guturosa", "Procapra gutturosa", "one t missing"),
    ("Marmota sibrica", "Marmota sibirica", "one i missing"),
    ("Otocolobus manull", "Otocolobus manul", "one l too many"),
    ("Lynx linx", "Lynx lynx", "i for y"),
    ("Canis lupis", "Canis lupus", "i for u"),
    (
        "Haliaetus albicilla",
        "Haliaeetus albicilla",
        "one e missing",
    ),
    ("Spermophilus dauricos", "Spermophilus dauricus", "o for u"),
    ("tarbgan", "Marmota sibirica", "typo in a transliteration"),
    (
        "Procapra gutu",
        "Procapra gutturosa",
        "a typo while still typing",
    ),
    // Diacritics, ё and е, case.
    ("Полевка Брандта", "Lasiopodomys brandtii", "е typed for ё"),
    ("черный журавль", "Grus monacha", "е typed for ё"),
    ("таежный клещ", "Ixodes persulcatus", "е typed for ё"),
    ("ДЗЕРЕН", "Procapra gutturosa", "capitals"),
    (
        "Pallas cat",
        "Otocolobus manul",
        "no apostrophe in Pallas's",
    ),
    ("Grüs grüs", "Grus grus", "stray diacritics"),
    // Cyrillic typed for Latin names, and mixed scripts.
    ("мармота", "Marmota sibirica", "Marmota in Cyrillic"),
    ("канис лупус", "Canis lupus", "Canis lupus in Cyrillic"),
    (
        "Дзeрен",
        "Procapra gutturosa",
        "Latin e inside a Cyrillic word",
    ),
    (
        "блоха oropsylla",
        "Oropsylla silantiewi",
        "a ru name that mixes scripts",
    ),
    (
        "Грус вирго",
        "Grus virgo",
        "a genus and species in Cyrillic",
    ),
    // Names as written, in every language and locale present.
    ("黄羊", "Procapra gutturosa", "zh part in brackets"),
    ("旱獭", "Marmota sibirica", "zh, end of the name"),
    ("丹顶", "Grus japonensis", "zh, start of the name"),
    ("тарбаган", "Marmota sibirica", "ru part"),
    ("Монгол тарвага", "Marmota sibirica", "mn"),
    ("қасқыр", "Canis lupus", "kk"),
    ("Ақбас тырна", "Grus virgo", "kk"),
    ("wolf", "Canis lupus", "a word of en Grey wolf"),
    ("manul", "Otocolobus manul", "en part"),
    ("Grus vipio", "Antigone vipio", "synonym"),
    ("Larus relictus", "Ichthyaetus relictus", "synonym"),
    ("Microtus gregalis", "Stenocranius gregalis", "synonym"),
    ("Marmota", "Marmota sibirica", "genus"),
];

fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

#[test]
fn every_query_finds_its_taxon_first() {
    let (_dir, store) = seeded();
    let index = store.taxon_index().unwrap();
    assert!(QUERIES.len() >= 60, "at least 60 queries");
    let mut wrong = Vec::new();
    for (query, expected, why) in QUERIES {
        let hits = index.search(query, 8);
        let first = hits.first().map(|h| h.taxon.scientific_name.as_str());
        if first != Some(*expected) {
            wrong.push(format!(
                "'{query}' ({why}): expected {expected} first, got {:?}",
                hits.iter()
                    .map(|h| format!(
                        "{} [{:?} {} via {:?}]",
                        h.taxon.scientific_name, h.how, h.matched, h.via
                    ))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} queries wrong:\n{}",
        wrong.len(),
        QUERIES.len(),
        wrong.join("\n")
    );
}

#[test]
fn results_say_how_and_by_which_spelling_a_name_matched() {
    let (_dir, store) = seeded();
    let index = store.taxon_index().unwrap();
    let hit = &index.search("tarbagan", 8)[0];
    // The English name starts with it; the Russian one is spelled so.
    assert_eq!(hit.taxon.scientific_name, "Marmota sibirica");
    let hit = &index.search("dzeren", 8)[0];
    assert_eq!(
        (hit.how, hit.matched.as_str()),
        (MatchKind::Exact, "Mongolian gazelle (dzeren)"),
        "a part of a name in brackets is a name"
    );
    let hit = &index.search("huangyang", 8)[0];
    assert_eq!(
        (hit.how, hit.matched.as_str(), hit.via.as_deref()),
        (
            MatchKind::Transliterated,
            "蒙原羚（黄羊）",
            Some("huáng yáng")
        )
    );
    let hit = &index.search("Дзерен", 8)[0];
    assert_eq!(
        (hit.how, hit.locale.as_str(), hit.via.as_deref()),
        (MatchKind::Exact, "ru", None)
    );
    let hit = &index.search("Procapra guturosa", 8)[0];
    assert_eq!(hit.how, MatchKind::Fuzzy);
    assert_eq!(hit.matched, "Procapra gutturosa");
}

#[test]
fn ranks_exact_then_prefix_then_transliterated_then_near() {
    let (_dir, store) = seeded();
    let index = store.taxon_index().unwrap();
    for q in ["grus", "tarva", "dzer", "marmota", "lisa", "зээр"] {
        let hits = index.search(q, 20);
        assert!(
            hits.windows(2).all(|w| w[0].how <= w[1].how),
            "'{q}' is not ranked by kind: {:?}",
            hits.iter()
                .map(|h| (&h.taxon.scientific_name, h.how))
                .collect::<Vec<_>>()
        );
    }
    // Among equals the shorter name first: Grus grus before the other cranes.
    let grus: Vec<String> = index
        .search("grus", 4)
        .into_iter()
        .map(|h| h.taxon.scientific_name)
        .collect();
    assert_eq!(grus[0], "Grus grus", "{grus:?}");
    // A whole word before a word that only starts so: mn Монгол тарвага, not Тарваган тахлын ...
    assert_eq!(
        index.search("tarvaga", 2)[0].taxon.scientific_name,
        "Marmota sibirica"
    );
}

#[test]
fn the_survey_country_breaks_ties() {
    let taxon = |sci: &str| Taxon {
        scientific_name: sci.to_string(),
        rank: "species".into(),
        group: TaxonGroup::SmallMammal,
        names: vec![TaxonName {
            locale: "ru".into(),
            name: "Пищуха".into(),
            verified: true,
        }],
        synonyms: vec![],
        iucn_status: None,
        source: None,
    };
    let mut index = TaxonIndex::new(vec![
        ("a".into(), taxon("Ochotona alpina")),
        ("b".into(), taxon("Ochotona pallasi")),
    ]);
    index.set_checklists(&[
        Checklist {
            country: Country::RU,
            taxa: vec!["a".into()],
            deadlines: vec![],
        },
        Checklist {
            country: Country::KZ,
            taxa: vec!["b".into()],
            deadlines: vec![],
        },
    ]);
    let first = |country| {
        index.search_with(
            "pishchukha",
            SearchOptions {
                limit: 2,
                country: Some(country),
            },
        )[0]
        .id
        .clone()
    };
    assert_eq!(first(Country::RU), "a");
    assert_eq!(first(Country::KZ), "b");
}

#[test]
fn bad_input_finds_nothing_or_something_sensible_and_never_panics() {
    let (_dir, store) = seeded();
    let index = store.taxon_index().unwrap();
    let huge_latin = "tarbagan ".repeat(1200);
    let huge_cyrillic = "тарбаган".repeat(700);
    let huge_han = "黄羊".repeat(3000);
    for (q, empty) in [
        ("", true),
        ("   \t\n ", true),
        ("!!!...,,,;;;---///", true),
        ("🦊🐺🦅", true),
        ("\u{200d}\u{200b}\u{feff}", true),
        ("\u{0301}\u{0308}", true),
        ("\0\0\0", true),
        ("%_*?[]()", true),
        ("ذئب", false),
        ("זאב", false),
        ("\u{202e}nalum", false),
        ("12345", false),
        ("x", false),
        (huge_latin.as_str(), false),
        (huge_cyrillic.as_str(), false),
        (huge_han.as_str(), false),
    ] {
        let hits = index.search(q, 8);
        assert!(
            hits.len() <= 8,
            "{} results for {:?}",
            hits.len(),
            q.chars().take(20).collect::<String>()
        );
        if empty {
            assert!(
                hits.is_empty(),
                "{q:?} found {:?}",
                hits.iter()
                    .map(|h| &h.taxon.scientific_name)
                    .collect::<Vec<_>>()
            );
        }
        let _ = index.resolve(q);
    }
    // A name followed by ten kilobytes of blanks is the name.
    let padded = format!("tarbagan{}", " \t".repeat(5000));
    assert_eq!(
        index.search(&padded, 8)[0].taxon.scientific_name,
        "Marmota sibirica"
    );
    assert_eq!(
        index.search(&huge_cyrillic, 8).len(),
        0,
        "no name is 'тарбагантарбаган...'"
    );
    assert!(
        index.search("x", 0).is_empty(),
        "a limit of 0 gives nothing"
    );
}

#[test]
fn resolve_takes_one_clear_match_and_names_the_candidates_otherwise() {
    let (_dir, store) = seeded();
    let index = store.taxon_index().unwrap();
    let sci = |id: String| index.get(&id).unwrap().scientific_name.clone();
    assert_eq!(sci(index.resolve("tarbagan").unwrap()), "Marmota sibirica");
    assert_eq!(
        sci(index.resolve("Procapra guturosa").unwrap()),
        "Procapra gutturosa"
    );
    assert_eq!(
        sci(index.resolve("huangyang").unwrap()),
        "Procapra gutturosa"
    );
    assert_eq!(
        sci(index.resolve("Grus grus").unwrap()),
        "Grus grus",
        "exact beats Grus grus's prefix"
    );
    let err = index.resolve("Grus").unwrap_err().to_string();
    assert!(
        err.contains("Grus japonensis") && err.contains("be more specific"),
        "{err}"
    );
    assert!(index
        .resolve("unicorn")
        .unwrap_err()
        .to_string()
        .contains("no species"));
    assert_eq!(
        index.named("Procapra guturosa"),
        None,
        "a name from elsewhere is never guessed"
    );
    assert_eq!(
        index.named("дзерен").map(sci),
        Some("Procapra gutturosa".into())
    );
}

#[test]
fn the_index_is_built_once_and_follows_checklist_changes() {
    let (dir, mut store) = seeded();
    let a = store.taxon_index().unwrap();
    let b = store.taxon_index().unwrap();
    assert!(Arc::ptr_eq(&a, &b), "no change, no rebuild");
    drop((a, b));
    // A name edited on the checklist screen.
    let wolf = store.taxon_index().unwrap().resolve("Canis lupus").unwrap();
    store.set_taxon_name(&wolf, "en", "Steppe wolf").unwrap();
    let hits = store.taxon_index().unwrap().search("steppe wolf", 1);
    assert_eq!(hits[0].id, wolf);
    assert!(store
        .taxon_index()
        .unwrap()
        .search("grey wolf", 1)
        .first()
        .is_none_or(|h| h.how == MatchKind::Fuzzy));
    // A taxon added, as by sync or another laptop's lead.
    let zokor = store
        .create(&Body::Taxon(Taxon {
            scientific_name: "Myospalax aspalax".into(),
            rank: "species".into(),
            group: TaxonGroup::SmallMammal,
            names: vec![TaxonName {
                locale: "ru".into(),
                name: "Даурский цокор".into(),
                verified: false,
            }],
            synonyms: vec![],
            iucn_status: None,
            source: None,
        }))
        .unwrap();
    let index = store.taxon_index().unwrap();
    assert_eq!(index.search("tsokor", 1)[0].id, zokor.id);
    assert_eq!(index.len(), 74);
    drop(index);
    // Added to a country's list: it now wins ties for that country.
    store.checklist_add(Country::MN, &zokor.id).unwrap();
    // A change written by another process on the same store is seen too.
    let mut other = Store::open(dir.path()).unwrap();
    let cur = other.get(&zokor.id).unwrap().unwrap();
    other.delete(&zokor.id, &cur.rev_id).unwrap();
    drop(other);
    let index = store.taxon_index().unwrap();
    assert!(index
        .search("tsokor", 1)
        .first()
        .is_none_or(|h| h.id != zokor.id));
    assert_eq!(index.len(), 73);
}

#[test]
fn the_observation_text_filter_uses_the_same_search() {
    let (_dir, mut store) = seeded();
    let index = store.taxon_index().unwrap();
    let marmot = index.resolve("Marmota sibirica").unwrap();
    let wolf = index.resolve("Canis lupus").unwrap();
    drop(index);
    for taxon in [&marmot, &wolf] {
        let o: Observation = serde_json::from_value(serde_json::json!({
            "taxon": taxon, "count": 1, "unit": "individuals", "lat": 49.7, "lon": 115.1,
            "observed_at": "2026-06-01T07:30:00+08:00",
        }))
        .unwrap();
        store.create(&Body::Observation(o)).unwrap();
    }
    let found = |text: &str| {
        store
            .observations(
                &dauria_core::store::query::ObservationFilter {
                    text: Some(text.into()),
                    ..Default::default()
                },
                None,
                10,
            )
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.observation.taxon.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(found("tarbagan"), vec![marmot.clone()]);
    assert_eq!(found("chono"), vec![wolf.clone()]);
    assert_eq!(found("Canis lupis"), vec![wolf]);
}
