//! Opening a store from a snapshot against replaying its whole log (issue 4): open time, resident
//! memory after open, snapshot and log sizes, and the wall time of `aka show` on the largest store.
//!
//! `cargo bench -p aka --bench snapshot -- [MENTIONS...] [--keep]` (default 10000 100000; the
//! issue's sizes are 10000 100000 1000000). For each size a data directory is built from a seeded
//! generator of news-like mentions (persons, organisations, places; documents of 20-60 mentions
//! that reuse a few entities, a few of them very popular and most rare), one snapshot is taken,
//! and each way of opening runs in a fresh child process (this binary, re-run with
//! `--child-open DIR replay|snapshot QUERY`) so that the page cache is warm but the process's
//! memory is clean. `--keep` keeps the data directories (under `target/tmp`) for a look
//! afterwards. Prints one Markdown table.

#[path = "../tests/common/rng.rs"]
mod rng;
#[path = "support.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use aka::{BareMention, Durability, Engine, EngineConfig, RoleInput};
use rng::Rng;
use serde::{Deserialize, Serialize};

/// The hidden first argument that turns this binary into one measured open.
const CHILD_FLAG: &str = "--child-open";
const SIZES_DEFAULT: &[usize] = &[10_000, 100_000];
/// The world (names, offices, popularity ranks) and the documents both come from this seed, so
/// every run and every size sees the same data; a smaller size is a prefix of a larger one.
const SEED: u64 = 0x616b_615f_736e_6170;
const OPEN_RUNS: usize = 3;
const SHOW_RUNS: usize = 5;
const SPEEDUP_TARGET: f64 = 20.0;
const SPEEDUP_TARGET_SIZE: usize = 1_000_000;
const SHOW_TARGET_MS: f64 = 250.0;

const DOC_MENTIONS_MIN: usize = 20;
const DOC_MENTIONS_MAX: usize = 60;
const PERSONS: usize = 20_000;
const ORGS: usize = 3_000;
const PLACE_BASES: usize = 300;
const PLACE_VARIANTS: usize = 60;
const COUNTRIES: usize = 40;
/// Popularity of the entity at rank r is 1 / (r + POPULARITY_OFFSET): Zipf with exponent 1, its
/// head flattened a little so that the most popular person is in about one document in six, as
/// a head of government is in a news feed, rather than in every other one.
const POPULARITY_OFFSET: u64 = 3;

// Invented combinations of common given names and surnames from many languages: any full name
// generated here that belongs to a real person does so by chance.
const GIVEN: &str = "\
    Amara Tomas Ines Omar Lena Kofi Mira Ravi Sofia Yusuf Aiko Bruno Chiara Dmitri Elif Farah Goran Hana \
    Ivo Jana Kamal Leila Mateo Nadia Oskar Priya Quentin Rosa Samir Talia Umar Vera Wen Ximena Yara \
    Zoran Adel Beatriz Cyrus Dalia Emeka Fatima Gustav Hiro Ilse Jamal Kira Luca Maya Nikhil Olga Pavel \
    Rania Soren Tariq Ulla Viktor Wanjiru Yosef Zainab Alma Basil Carmen Dario Esra Felix Greta Hamid \
    Irena Jonas Karim Lucia Marek Nour Otto Paola Rashid Selin Teodor Uma Valentina Walid Yuki Zofia \
    Anders Bianca Cem Dina Elias Freya Gideon Helga Idris Julia Kenji Lars Malik Nina Orhan Petra Rami \
    Sanna Tobias Ugo Vesna Wilma Yasmin Zeynep Abel Bilal Celine Darius Edith Faisal Gaia Henrik Iris \
    Joaquin Kasia Leon Mina Nils Ola Pia Reza Siddharth Tove Ursula Vito Xavier Yann Zara Aurelio \
    Benedikt Clara Devika Emil Flora Giorgos Hassan Ingrid Jakob Katya Lior Magnus Noa Odile Pedro Rui \
    Sina Thea Valter Wren Yannick Ada Boris Cosima Dante Eun Fiona Grigor Halima Ilan Jorge Khalid Lotte \
    Milos Naveen Ottilie Pablo Rafael Saoirse Tamar Usman Vikram Willem Yelena Zubair Ansel Brigid Cato \
    Delphine Enzo Femi Gwen Hakan Imke Joran Kaveh Linnea Mehmet Nomvula Oren Piet Roya Stellan Tunde \
    Vida Amadou Berit Corin Dagny Ebru";

const SURNAMES: &str = "\
    Mensah Berg Ward Hale Vogt Finch Okafor Lind Reyes Sato Abara Bakker Castellano Dimitrov Eriksen \
    Fontaine Galloway Haddad Ibarra Jansen Kowalczyk Lindqvist Moreau Nakamura Oyelaran Petrovic Quist \
    Rahimi Szabo Tanaka Ulrich Varga Whitcombe Yilmaz Zamora Achterberg Brennan Chaudhry Delacroix \
    Esposito Farouk Grunwald Hosseini Iwata Jovanovic Karlsson Lemaire Mbeya Novak Obi Pereira Qureshi \
    Rossi Sandoval Takahashi Umarov Vasquez Wojcik Xu Yamada Zielinski Adeyemi Bianchi Costa Dubois Eze \
    Fischer Gallo Horvat Iqbal Jensen Kaur Laine Marin Nwosu Olsen Park Quintero Romero Salo Toivonen \
    Uddin Valdez Weber Yadav Zeller Andersen Bauer Coelho Duarte Engel Ferrante Greco Hoffman Ivanova \
    Juarez Kaplan Lopes Moretti Nieminen Ortega Pham Rinaldi Schmid Torres Urquhart Vidal Wagner Yoon \
    Zapata Aziz Bello Cruz Diallo Ekstrom Falk Gomes Hedlund Ismail Jaramillo Kovacs Lund Mahlangu Nagy \
    Osei Pajari Rask Stein Toure Uysal Vanterpool Wirth Yeboah Zorn Acheampong Brandt Cardoso Dahl \
    Edvardsen Fuentes Gunawardena Holm Ilunga Jaeger Kimura Lehto Mwangi Nordin Ozturk Pinto Rautio \
    Sorensen Tembo Ueda Voss Wendt Yamamoto Zanetti Asante Brock Cisse Dorsey Elmi Fagerlund Gatti \
    Hamada Ikeda Jokinen Kiplagat Lozano Maalouf Ndlovu Oduya Paz Rocha Sayed Tallis Uchenna Vaz Winther \
    Yildiz Zeman Amundsen Barros Conte Dragan Ellison Fonseca Grimaldi Hashemi Ikonen Juhl Kessler \
    Lacroix Mendes Nyberg Okonjo Pellegrini Rasmussen Sauer Thorsen Varela";

// Invented places: an onset and an ending, a few with a prefix ("Port Veldra" beside "Veldra", as
// news has both York and New York).
const PLACE_ONSETS: &str = "\
    Vel Tar Kor Mal Ost Bre Cal Dun Esk Fen Gal Hal Ister Jor Kest Lor Mar Nor Orv Pell Quar Ros Sar \
    Thal";
const PLACE_ENDINGS: &str = "dra sa mont avia ingen oria wick stad ara enne holm bury ista ovo ak ene";
const PLACE_PREFIXES: &str = "Port New North South Lake Upper Fort East";

const ORG_ADJECTIVES: &str = "\
    Northern Southern Eastern Western Central National United Federal Royal Coastal Highland Free \
    Democratic Progressive Independent Allied Continental Metropolitan Republican Popular";
const ORG_NOUNS: &str = "\
    Grain Rail Mining Shipping Energy Water Textile Steel Fisheries Health Teachers Farmers Workers \
    Trade Media Aviation Timber Copper Salt Tea Coffee Cotton Telecom Insurance Savings Transit Harbour \
    Forest Solar Wind";
const ORG_HEADS: &str = "\
    Cooperative Authority Union Company Group Corporation Council Association Federation Institute Bank \
    Board Alliance Commission Agency Foundation Trust Society League Holdings";
const PARTY_WORDS: &str = "Renewal Unity Liberty Justice Labour Reform Heritage Progress Green Freedom";
/// Words that an organisation's acronym skips.
const ACRONYM_SKIPS: &[&str] = &["of", "for", "the", "and"];

/// Offices one person holds at a time per country: as written before a name, and as a role.
const COUNTRY_OFFICES: &[(&str, &str)] = &[
    ("Prime Minister", "prime minister"),
    ("President", "president"),
    ("Foreign Minister", "foreign minister"),
    ("Finance Minister", "finance minister"),
    ("Interior Minister", "interior minister"),
    ("Defence Minister", "defence minister"),
];
/// Titles many people hold; "Dr" is an honorific and gives no role.
const SHARED_TITLES: &[(&str, Option<&str>)] = &[
    ("Senator", Some("senator")),
    ("General", Some("general")),
    ("Dr", None),
    ("Ambassador", Some("ambassador")),
    ("Judge", Some("judge")),
    ("Minister", Some("minister")),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == CHILD_FLAG) {
        child_open(&args[at + 1..]);
        return;
    }
    // `cargo bench` passes `--bench`; every argument that is not a number is a flag.
    let keep = args.iter().any(|a| a == "--keep");
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.replace('_', "").parse().ok()).collect();
    if sizes.is_empty() {
        sizes = SIZES_DEFAULT.to_vec();
    }
    sizes.retain(|&n| n > 0);
    sizes.sort_unstable();
    sizes.dedup();
    // Built before the long ingests, so that a build failure shows at once.
    let cli = support::build_cli("snapshot");
    let scratch_root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let mut rows = Vec::with_capacity(sizes.len());
    let mut show = None;
    for (at, &size) in sizes.iter().enumerate() {
        let scratch = tempfile::Builder::new().prefix("aka-snapshot-bench-").tempdir_in(&scratch_root).expect("a dir");
        let dir = scratch.path().join("data");
        let row = measure(&dir, build(&dir, size));
        if at + 1 == sizes.len() {
            show = Some(match &cli {
                Ok(aka) => time_show(aka, &dir, &row.built),
                Err(err) => Err(err.clone()),
            });
        }
        rows.push(row);
        if keep {
            eprintln!("snapshot bench: kept {}", scratch.keep().join("data").display());
        }
    }
    print_report(&rows, show);
}

/// How the bench opens a store: automatic snapshots off, so that the one measured snapshot is the
/// only one; `load: false` opens by replaying the whole log.
fn engine_config(load: bool) -> EngineConfig {
    EngineConfig {
        durability: Durability::Deferred,
        snapshots: aka::SnapshotPolicy { every: 0, on_close: false, load, ..aka::SnapshotPolicy::default() },
        ..EngineConfig::default()
    }
}

/// The snapshot taken after the build.
struct Snapshot {
    seq: u64,
    bytes: u64,
    write_s: f64,
}

fn take_snapshot(engine: &mut Engine) -> Snapshot {
    let started = Instant::now();
    let info = engine.snapshot().expect("snapshot");
    let write_s = started.elapsed().as_secs_f64();
    eprintln!("snapshot bench: snapshot at event {} in {} ({} bytes)", info.seq, info.path.display(), info.bytes);
    Snapshot { seq: info.seq, bytes: info.bytes, write_s }
}

/// The sequence number of the snapshot the engine was opened from, if any, the events it
/// replayed after it, and the snapshots it skipped with why.
fn opened_from(engine: &Engine) -> (Option<u64>, u64, Vec<String>) {
    let report = engine.opened();
    (report.snapshot.as_ref().map(|s| s.seq), report.replayed, report.skipped.clone())
}

/// Popularity by rank: a sample is a rank, rank 0 the most popular. Integer weights, so that the
/// data are the same on every machine.
struct Popularity {
    cumulative: Vec<u64>,
}

impl Popularity {
    fn new(n: usize) -> Popularity {
        let mut total = 0u64;
        let cumulative = (0..n)
            .map(|rank| {
                total += (1u64 << 40) / (u64::try_from(rank).expect("a rank fits in u64") + POPULARITY_OFFSET);
                total
            })
            .collect();
        Popularity { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("at least one entity");
        let r = rng.next() % total;
        self.cumulative.partition_point(|&c| c <= r)
    }
}

/// A person and what they hold, always the same in every document that names them.
struct Person {
    given: &'static str,
    surname: &'static str,
    /// Written before the name ("Senator"), sometimes.
    title: Option<&'static str>,
    /// Given upstream with a mention ("foreign minister of Veldra"), sometimes.
    role: Option<String>,
}

impl Person {
    fn full_name(&self) -> String {
        format!("{} {}", self.given, self.surname)
    }
}

struct Org {
    name: String,
    acronym: Option<String>,
    /// The last words, which news uses alone ("the Rail Authority").
    short: Option<String>,
}

/// Every entity the generated news can name, each list in popularity order.
struct World {
    persons: Vec<Person>,
    orgs: Vec<Org>,
    places: Vec<String>,
    person_rank: Popularity,
    org_rank: Popularity,
    place_rank: Popularity,
}

impl World {
    fn new(rng: &mut Rng) -> World {
        let places = places(rng);
        let orgs = orgs(rng, &places);
        let persons = persons(rng, &places[..COUNTRIES], &orgs);
        World {
            person_rank: Popularity::new(persons.len()),
            org_rank: Popularity::new(orgs.len()),
            place_rank: Popularity::new(places.len()),
            persons,
            orgs,
            places,
        }
    }

    /// One document: a cast of a few persons, organisations and places drawn by popularity, then
    /// `len` mentions of them, each entity named in full the first time and often shorter after.
    fn document(&self, rng: &mut Rng, doc_id: &str, len: usize, person_mentions: &mut [u64]) -> Vec<BareMention> {
        let persons = cast(rng, &self.person_rank, 2, 7);
        let orgs = cast(rng, &self.org_rank, 1, 4);
        let places = cast(rng, &self.place_rank, 1, 3);
        let mut seen: BTreeSet<(u8, usize)> = BTreeSet::new();
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            let roll = rng.below(100);
            let (text, kind, roles) = if roll < 55 {
                let p = persons[rng.front(persons.len())];
                person_mentions[p] += 1;
                let first = seen.insert((0, p));
                let (text, roles) = self.person_text(rng, p, first);
                (text, "PERSON", roles)
            } else if roll < 80 {
                let o = orgs[rng.front(orgs.len())];
                let first = seen.insert((1, o));
                (self.org_text(rng, o, first), "ORG", Vec::new())
            } else {
                let place = places[rng.front(places.len())];
                // Upstream taggers disagree on a place's label; aka takes spaCy's as PLACE.
                (self.places[place].clone(), *rng.pick(&["GPE", "GPE", "PLACE", "LOC"]), Vec::new())
            };
            out.push(BareMention {
                doc_id: doc_id.to_string(),
                text,
                kind: Some(kind.to_string()),
                roles,
                attrs: BTreeMap::new(),
                mention_id: None,
            });
        }
        out
    }

    fn person_text(&self, rng: &mut Rng, p: usize, first: bool) -> (String, Vec<RoleInput>) {
        let person = &self.persons[p];
        let with_role = |rng: &mut Rng| match &person.role {
            Some(role) if rng.percent(70) => vec![RoleInput::Text(role.clone())],
            _ => Vec::new(),
        };
        if first {
            // A document now and then names someone by the surname alone from the start.
            if rng.percent(4) {
                return (person.surname.to_string(), Vec::new());
            }
            let roles = with_role(rng);
            return match person.title {
                Some(title) if rng.percent(60) => (format!("{title} {}", person.full_name()), roles),
                _ => (person.full_name(), roles),
            };
        }
        let roll = rng.below(100);
        match person.title {
            _ if roll < 55 => (person.surname.to_string(), Vec::new()),
            Some(title) if roll < 65 => (format!("{title} {}", person.surname), Vec::new()),
            _ => (person.full_name(), Vec::new()),
        }
    }

    fn org_text(&self, rng: &mut Rng, o: usize, first: bool) -> String {
        let org = &self.orgs[o];
        if first {
            return org.name.clone();
        }
        let roll = rng.below(100);
        match (&org.acronym, &org.short) {
            (Some(acronym), _) if roll < 45 => acronym.clone(),
            (_, Some(short)) if roll >= 90 => short.clone(),
            _ => org.name.clone(),
        }
    }
}

/// The words of a word list (kept as one string so that it reads as a paragraph).
fn words(list: &'static str) -> Vec<&'static str> {
    list.split_whitespace().collect()
}

/// Between `min` and `max` distinct entities drawn by popularity, in the order drawn.
fn cast(rng: &mut Rng, rank: &Popularity, min: usize, max: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(max);
    for _ in 0..rng.between(min, max) {
        let pick = rank.sample(rng);
        if !out.contains(&pick) {
            out.push(pick);
        }
    }
    out
}

/// Place names, the first `COUNTRIES` of them countries (the most popular places).
fn places(rng: &mut Rng) -> Vec<String> {
    let mut bases: Vec<String> = words(PLACE_ONSETS)
        .into_iter()
        .flat_map(|o| words(PLACE_ENDINGS).into_iter().map(move |e| format!("{o}{e}")))
        .collect();
    rng.shuffle(&mut bases);
    bases.truncate(PLACE_BASES);
    let prefixes = words(PLACE_PREFIXES);
    let variants: Vec<String> =
        (0..PLACE_VARIANTS).map(|_| format!("{} {}", rng.pick(&prefixes), rng.pick(&bases))).collect();
    let mut places = bases;
    places.extend(variants);
    places.sort_unstable();
    places.dedup();
    rng.shuffle(&mut places);
    // Countries are plain names ("Veldra", not "Port Veldra"): plain names first, the first
    // COUNTRIES of them stay, and the rest are mixed again.
    places.sort_by_key(|p| p.contains(' '));
    rng.shuffle(&mut places[COUNTRIES..]);
    places
}

fn orgs(rng: &mut Rng, places: &[String]) -> Vec<Org> {
    let (adjectives, nouns) = (words(ORG_ADJECTIVES), words(ORG_NOUNS));
    let (heads, party_words) = (words(ORG_HEADS), words(PARTY_WORDS));
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut orgs = Vec::with_capacity(ORGS);
    while orgs.len() < ORGS {
        let name = match rng.below(5) {
            0 => format!("{} {} {}", rng.pick(places), rng.pick(&nouns), rng.pick(&heads)),
            1 => format!("{} {} {}", rng.pick(&adjectives), rng.pick(&nouns), rng.pick(&heads)),
            2 => format!("{} {} Party", rng.pick(&adjectives), rng.pick(&party_words)),
            3 => format!("{} of {}", rng.pick(&heads), rng.pick(places)),
            _ => format!("{} {} of {}", rng.pick(places), rng.pick(&heads), rng.pick(&nouns)),
        };
        if !names.insert(name.clone()) {
            continue;
        }
        let words: Vec<&str> = name.split(' ').filter(|w| !ACRONYM_SKIPS.contains(w)).collect();
        // Only names of three words or more get an acronym in print.
        let acronym = (words.len() >= 3).then(|| words.iter().filter_map(|w| w.chars().next()).collect());
        let all: Vec<&str> = name.split(' ').collect();
        let short = (all.len() == 3 && !name.contains(" of ")).then(|| all[1..].join(" "));
        orgs.push(Org { name, acronym, short });
    }
    orgs
}

/// Persons: distinct given name and surname pairs in popularity order, some holding a country's
/// office (one holder each), some an organisation's chief executive post, some a shared title.
fn persons(rng: &mut Rng, countries: &[String], orgs: &[Org]) -> Vec<Person> {
    let (given, surnames) = (words(GIVEN), words(SURNAMES));
    let mut pairs: Vec<(usize, usize)> =
        (0..given.len()).flat_map(|g| (0..surnames.len()).map(move |s| (g, s))).collect();
    rng.shuffle(&mut pairs);
    pairs.truncate(PERSONS);
    let mut offices: Vec<(&str, String)> = countries
        .iter()
        .flat_map(|c| COUNTRY_OFFICES.iter().map(move |(title, role)| (*title, format!("{role} of {c}"))))
        .collect();
    rng.shuffle(&mut offices);
    let mut next_org = 0;
    pairs
        .into_iter()
        .enumerate()
        .map(|(rank, (g, s))| {
            let (title, role) = match rng.below(100) {
                // Office holders are among the popular persons, as in the news.
                r if r < 30 && rank < 3_000 && !offices.is_empty() => {
                    let (title, role) = offices.pop().expect("not empty");
                    (Some(title), Some(role))
                }
                r if r < 40 && next_org < orgs.len() => {
                    next_org += 1;
                    (None, Some(format!("chief executive of {}", orgs[next_org - 1].name)))
                }
                r if r < 60 => {
                    let (title, role) = rng.pick(SHARED_TITLES);
                    (Some(*title), role.map(str::to_string))
                }
                _ => (None, None),
            };
            Person { given: given[g], surname: surnames[s], title, role }
        })
        .collect()
}

/// What the build left: counts, sizes and the name to look up.
struct Built {
    mentions: usize,
    events: u64,
    entities: usize,
    ingest_s: f64,
    snapshot: Snapshot,
    log_bytes: u64,
    /// The most mentioned person's full name, and what to ask for to find that entity alone.
    top_name: String,
    query: String,
    top_mentions: usize,
}

/// Ingests `mentions` generated mentions into a new store in `dir`, one batch per document, then
/// takes one snapshot and lets the store go.
fn build(dir: &Path, mentions: usize) -> Built {
    let world = World::new(&mut Rng(SEED));
    let mut rng = Rng(SEED ^ 0x646f_6373);
    let mut engine = Engine::open(dir, engine_config(true)).expect("open a new store");
    let mut person_mentions = vec![0u64; world.persons.len()];
    let (mut done, mut docs, mut next_report) = (0, 0, mentions.div_ceil(10));
    let started = Instant::now();
    while done < mentions {
        let len = rng.between(DOC_MENTIONS_MIN, DOC_MENTIONS_MAX).min(mentions - done);
        let batch = world.document(&mut rng, &format!("wire-{docs:07}"), len, &mut person_mentions);
        engine.ingest_mentions(batch).expect("ingest a document's mentions");
        done += len;
        docs += 1;
        if done >= next_report && done < mentions {
            eprintln!(
                "snapshot bench: {mentions} mentions: {done} ingested ({}%), {:.1} s",
                done * 100 / mentions,
                started.elapsed().as_secs_f64()
            );
            next_report += mentions.div_ceil(10);
        }
    }
    engine.flush().expect("flush");
    let ingest_s = started.elapsed().as_secs_f64();
    eprintln!("snapshot bench: {mentions} mentions in {docs} documents ingested in {ingest_s:.1} s");
    let top = (0..person_mentions.len()).max_by_key(|&p| (person_mentions[p], std::cmp::Reverse(p))).expect("persons");
    let top_name = world.persons[top].full_name();
    let (query, top_mentions) = query_for(&engine, &top_name);
    let snapshot = take_snapshot(&mut engine);
    let (events, entities) = (engine.log().last_seq(), engine.state().entities().count());
    // Dropped rather than closed: the policy writes nothing on close, and the lock must go
    // before the children open the store.
    drop(engine);
    let log_bytes = support::bytes_under(&dir.join("log"));
    Built { mentions, events, entities, ingest_s, snapshot, log_bytes, top_name, query, top_mentions }
}

/// The query that designates the entity holding most mentions under `name`: the name itself when
/// it designates one entity (as `aka show` requires), else that entity's id.
fn query_for(engine: &Engine, name: &str) -> (String, usize) {
    let found = engine.find(name);
    let best = found
        .iter()
        .filter_map(|&id| engine.state().entity(id))
        .max_by_key(|e| (e.mentions.len(), std::cmp::Reverse(e.id)))
        .unwrap_or_else(|| panic!("no entity is named {name:?}"));
    if found.len() == 1 {
        return (name.to_string(), best.mentions.len());
    }
    eprintln!("snapshot bench: {name:?} designates {} entities; looking up {} instead", found.len(), best.id);
    (best.id.to_string(), best.mentions.len())
}

/// One open in a child process, as the child reports it.
#[derive(Debug, Serialize, Deserialize)]
struct OpenSample {
    open_s: f64,
    lookup_s: f64,
    found: usize,
    entities: usize,
    events: u64,
    snapshot_seq: Option<u64>,
    replayed: u64,
    /// Snapshots the open found unusable, with why.
    skipped: Vec<String>,
    vm_rss_kb: u64,
    rss_anon_kb: u64,
    rss_file_kb: u64,
}

/// Child mode: `--child-open DIR replay|snapshot QUERY`. Opens, looks up, prints one JSON line.
fn child_open(args: &[String]) {
    let [dir, mode, query] = args else { panic!("usage: {CHILD_FLAG} DIR replay|snapshot QUERY") };
    let load = match mode.as_str() {
        "replay" => false,
        "snapshot" => true,
        other => panic!("unknown open mode {other:?}"),
    };
    let started = Instant::now();
    let engine = Engine::open(Path::new(dir), engine_config(load)).expect("open the store");
    let open_s = started.elapsed().as_secs_f64();
    let found = engine.find(query);
    let mentions = found.first().and_then(|&id| engine.state().entity(id)).map(|e| e.mentions.len());
    std::hint::black_box(mentions);
    let lookup_s = started.elapsed().as_secs_f64() - open_s;
    // Read before anything else touches memory: this is what open and one lookup left resident.
    let (vm_rss_kb, rss_anon_kb, rss_file_kb) = resident_kb();
    let (snapshot_seq, replayed, skipped) = opened_from(&engine);
    let sample = OpenSample {
        open_s,
        lookup_s,
        found: found.len(),
        entities: engine.state().entities().count(),
        events: engine.log().last_seq(),
        snapshot_seq,
        replayed,
        skipped,
        vm_rss_kb,
        rss_anon_kb,
        rss_file_kb,
    };
    println!("{}", serde_json::to_string(&sample).expect("a sample serialises"));
}

/// VmRSS, RssAnon and RssFile of this process in kB, from /proc/self/status (zeros elsewhere).
fn resident_kb() -> (u64, u64, u64) {
    let [vm, anon, file] = support::status_kb(["VmRSS:", "RssAnon:", "RssFile:"]);
    (vm, anon, file)
}

/// Medians of the runs of one way of opening.
struct OpenSummary {
    total_s: f64,
    lookup_s: f64,
    vm_rss_kb: u64,
    rss_anon_kb: u64,
    rss_file_kb: u64,
}

impl OpenSummary {
    fn of(samples: &[OpenSample]) -> OpenSummary {
        let median_of = |f: &dyn Fn(&OpenSample) -> f64| median(samples.iter().map(f).collect());
        let median_kb = |f: &dyn Fn(&OpenSample) -> u64| median(samples.iter().map(f).collect());
        OpenSummary {
            total_s: median_of(&|s| s.open_s + s.lookup_s),
            lookup_s: median_of(&|s| s.lookup_s),
            vm_rss_kb: median_kb(&|s| s.vm_rss_kb),
            rss_anon_kb: median_kb(&|s| s.rss_anon_kb),
            rss_file_kb: median_kb(&|s| s.rss_file_kb),
        }
    }
}

fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable values"));
    values[values.len() / 2]
}

/// One line of the table.
struct Row {
    built: Built,
    replay: OpenSummary,
    snapshot: OpenSummary,
}

/// Opens the store `OPEN_RUNS` times each way, alternating so that drift on a shared machine
/// falls on both alike, and checks every open against what the build left.
fn measure(dir: &Path, built: Built) -> Row {
    read_all(dir);
    let (mut replays, mut snapshots) = (Vec::new(), Vec::new());
    for _ in 0..OPEN_RUNS {
        replays.push(open_in_child(dir, "replay", &built));
        snapshots.push(open_in_child(dir, "snapshot", &built));
    }
    for s in &replays {
        assert_eq!(s.snapshot_seq, None, "an open with load: false used a snapshot");
        if s.replayed != built.events {
            eprintln!("snapshot bench: a full replay reports {} events replayed of {}", s.replayed, built.events);
        }
    }
    for s in &snapshots {
        assert_eq!(s.snapshot_seq, Some(built.snapshot.seq), "the open did not load the snapshot: {:?}", s.skipped);
        assert_eq!(s.replayed, 0, "the snapshot covers the whole log, yet events were replayed");
    }
    Row { built, replay: OpenSummary::of(&replays), snapshot: OpenSummary::of(&snapshots) }
}

fn open_in_child(dir: &Path, mode: &str, built: &Built) -> OpenSample {
    let exe = std::env::current_exe().expect("this bench's own path");
    let output = Command::new(exe)
        .arg(CHILD_FLAG)
        .arg(dir)
        .arg(mode)
        .arg(&built.query)
        .stderr(Stdio::inherit())
        .output()
        .expect("run the child");
    assert!(output.status.success(), "the {mode} child failed: {}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().expect("the child printed its sample");
    let sample: OpenSample = serde_json::from_str(line).expect("the child's sample");
    assert_eq!((sample.events, sample.entities), (built.events, built.entities), "{mode} open: another state");
    assert!(sample.found >= 1, "{mode} open: {:?} found nothing", built.query);
    sample
}

/// Reads every file under `path` once, so that the first measured open does not pay for cold
/// pages the others find warm.
fn read_all(path: &Path) {
    for entry in fs::read_dir(path).expect("a readable directory").map(|e| e.expect("an entry")) {
        let path = entry.path();
        if path.is_dir() {
            read_all(&path);
        } else {
            let mut file = fs::File::open(&path).expect("a readable file");
            std::io::copy(&mut file, &mut std::io::sink()).expect("read");
        }
    }
}

/// What `aka show` took on the largest store.
struct Show {
    median_s: f64,
    query: String,
    top_name: String,
    mentions: usize,
    size: usize,
}

/// The process wall time of `aka --data DIR show QUERY`, median of `SHOW_RUNS`; its output goes
/// to /dev/null, so that a terminal's speed is not measured.
fn time_show(aka: &Path, dir: &Path, built: &Built) -> Result<Show, String> {
    let mut times = Vec::with_capacity(SHOW_RUNS);
    for _ in 0..SHOW_RUNS {
        let started = Instant::now();
        let output = Command::new(aka)
            .arg("--data")
            .arg(dir)
            .args(["show", &built.query])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", aka.display()))?;
        times.push(started.elapsed().as_secs_f64());
        if !output.status.success() {
            return Err(format!("aka show {:?} failed: {}", built.query, String::from_utf8_lossy(&output.stderr)));
        }
    }
    Ok(Show {
        median_s: median(times),
        query: built.query.clone(),
        top_name: built.top_name.clone(),
        mentions: built.top_mentions,
        size: built.mentions,
    })
}

fn print_report(rows: &[Row], show: Option<Result<Show, String>>) {
    for r in rows {
        let b = &r.built;
        println!(
            "{} mentions: ingest {:.1} s; most mentioned person {:?} ({} mentions in its entity); lookup after open {:.2} ms (replay) / {:.2} ms (snapshot)",
            b.mentions,
            b.ingest_s,
            b.top_name,
            b.top_mentions,
            r.replay.lookup_s * 1e3,
            r.snapshot.lookup_s * 1e3
        );
    }
    println!();
    println!(
        "| mentions | events | entities | log MiB | snapshot MiB | snapshot write s | open replay s | open snapshot s | speed-up | RSS after replay open, MiB (VmRSS / RssAnon / RssFile) | RSS after snapshot open, MiB (VmRSS / RssAnon / RssFile) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let b = &r.built;
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2} | {:.3} | {:.3} | {:.1}× | {} | {} |",
            b.mentions,
            b.events,
            b.entities,
            mib(b.log_bytes),
            mib(b.snapshot.bytes),
            b.snapshot.write_s,
            r.replay.total_s,
            r.snapshot.total_s,
            r.replay.total_s / r.snapshot.total_s,
            rss(&r.replay),
            rss(&r.snapshot)
        );
    }
    println!();
    println!(
        "Open times are Engine::open plus one lookup (find + entity), medians of {OPEN_RUNS} fresh processes each."
    );
    if let Some(r) = rows.last() {
        let speedup = r.replay.total_s / r.snapshot.total_s;
        let met = if speedup >= SPEEDUP_TARGET { "met" } else { "NOT met" };
        let note = if r.built.mentions < SPEEDUP_TARGET_SIZE { " (indicative: the target is for 1M)" } else { "" };
        println!(
            "Target: snapshot open ≥ {SPEEDUP_TARGET}× faster than full replay at 1M mentions; at {} mentions: {speedup:.1}×, {met}{note}.",
            r.built.mentions
        );
    }
    match show {
        Some(Ok(s)) => {
            let ms = s.median_s * 1e3;
            let met = if ms < SHOW_TARGET_MS { "met" } else { "NOT met" };
            println!(
                "`aka --data DIR show {:?}` ({}, {} mentions) at {} mentions, with the snapshot: {ms:.0} ms, median of {SHOW_RUNS} runs. Target: under {SHOW_TARGET_MS} ms, {met}.",
                s.query, s.top_name, s.mentions, s.size
            );
        }
        Some(Err(err)) => println!("`aka show` not measured: {err}"),
        None => {}
    }
}

fn rss(s: &OpenSummary) -> String {
    format!("{:.0} / {:.0} / {:.0}", kib_to_mib(s.vm_rss_kb), kib_to_mib(s.rss_anon_kb), kib_to_mib(s.rss_file_kb))
}

fn mib(bytes: u64) -> f64 {
    kib_to_mib(bytes >> 10)
}

fn kib_to_mib(kib: u64) -> f64 {
    // u32 KiB reach 4 TiB; f64::from keeps the conversion exact.
    f64::from(u32::try_from(kib).unwrap_or(u32::MAX)) / 1024.0
}
