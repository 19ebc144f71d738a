//! The scale bench's generator: a reproducible stream of realistic pre-extracted mentions
//! (`aka::BareMention`s), document by document, from a `u64` seed.
//!
//! The world is invented and grows as the stream goes on, as a news feed does: new people,
//! organisations and places keep appearing (about one person per 40 mentions), while most
//! mentions go to entities already seen, the popular ones far more often (preferential
//! attachment, which gives Zipf-like popularity: a few entities in a large share of documents,
//! most in one or two). Names are built from syllables, so the lists are large; given names and
//! surnames are each drawn with Zipf-like popularity, so that a common surname is shared by
//! hundreds of people. A mention writes its entity as news does: the full name, a title or an
//! honorific before it ("Minister Ana Kovar", "Mrs Kovar"), initials ("A. Kovar"), the surname or
//! the given name alone, an organisation's acronym or its last words, with now and then a
//! transliteration variant of a name (y/i, ph/f, ou/u, -ov/-off, ...) or a typo (one character
//! substituted, transposed or deleted). A document names 5 to 50 mentions of a small cast.
//!
//! The stream is a function of the seed alone: no document straddles a multiple of
//! [`BOUNDARY`] mentions (the document that would is cut short), so that a run that stops at
//! any such multiple has ingested a prefix of every longer run. [`Generator::fingerprint`] (a
//! hash of every mention so far) makes that visible.

use std::collections::{BTreeMap, BTreeSet};

use aka::{BareMention, RoleInput};

use super::rng::Rng;

/// No document straddles a multiple of this many mentions.
pub const BOUNDARY: u64 = 10_000;

const DOC_MENTIONS_MIN: usize = 5;
const DOC_MENTIONS_MAX: usize = 50;
/// Names in the syllable-built lists.
const GIVEN_NAMES: usize = 2_000;
const SURNAMES: usize = 15_000;
const PLACE_NAMES: usize = 4_000;
/// Zipf offsets of name popularity (1 / (rank + offset)): the most common surname is about
/// 1.5% of people, the most common given name about 3%.
const SURNAME_OFFSET: u64 = 8;
const GIVEN_OFFSET: u64 = 4;
/// The world the stream starts from: the first `COUNTRIES` places are countries.
const COUNTRIES: usize = 40;
const INITIAL_PERSONS: usize = 200;
const INITIAL_ORGS: usize = 60;
const INITIAL_PLACES: usize = 80;
/// Per mille chances that a cast draw brings a new entity rather than a known one. Tuned so
/// that a stream of n mentions names about n/40 persons, n/400 organisations, n/3000 places.
const NEW_PERSON_PER_MILLE: usize = 165;
const NEW_ORG_PER_MILLE: usize = 30;
const NEW_PLACE_PER_MILLE: usize = 7;

/// Word-initial consonants, plain ones weighted up; an empty one starts a name with a vowel.
const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "b", "d", "g", "k", "l", "m", "n", "r",
    "s", "t", "v", "ch", "sh", "kh", "br", "tr", "st", "j", "y", "", "",
];
/// Consonants inside a name.
const INNER_ONSETS: &[&str] = &[
    "b", "d", "g", "k", "l", "m", "n", "r", "s", "t", "v", "z", "l", "m", "n", "r", "s", "t", "sh", "ch", "kh", "st",
    "dr", "nd", "nt", "rk", "ph",
];
const NUCLEI: &[&str] = &["a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "o", "e", "ia", "ou", "ai", "y"];
const CODAS: &[&str] = &["", "", "", "", "", "", "n", "r", "l", "s", "m", "k"];
/// Endings; one that starts with a vowel replaces the vowels it follows ("Kora" + "ov" is "Korov").
const GIVEN_ENDINGS: &[&str] =
    &["a", "o", "an", "el", "in", "ek", "ir", "ia", "us", "en", "i", "e", "ar", "or", "ina", "im", "ya", ""];
const SURNAME_ENDINGS: &[&str] = &[
    "ov", "ova", "ev", "enko", "ski", "sen", "son", "ez", "ic", "ovic", "ara", "ani", "ian", "yan", "mann", "er", "ou",
    "idis", "escu", "oglu", "berg", "stein", "ur", "et", "ard", "ley", "ton", "a", "i", "o", "ak", "uk", "ez", "es",
    "as", "", "",
];
const PLACE_ENDINGS: &[&str] =
    &["ia", "a", "an", "stan", "land", "burg", "grad", "pur", "abad", "ovo", "itz", "ora", "ene", "is", "on", "ar"];
const PLACE_PREFIXES: &[&str] = &["Port", "San", "North", "South", "New", "Upper", "Lake", "Fort"];

/// Generic transliteration and spelling swaps, either way round: a variant spelling of a name
/// applies the first one that fits, starting from a random one.
const SWAPS: &[(&str, &str)] = &[
    ("y", "i"),
    ("ph", "f"),
    ("ou", "u"),
    ("ov", "off"),
    ("ev", "eff"),
    ("ks", "x"),
    ("kh", "h"),
    ("sh", "sch"),
    ("ch", "tch"),
    ("w", "v"),
    ("c", "k"),
    ("ie", "i"),
    ("ski", "sky"),
    ("ic", "ich"),
    ("ai", "ay"),
    ("ee", "i"),
    ("j", "y"),
    ("au", "ow"),
];

const ORG_ADJECTIVES: &[&str] = &[
    "National",
    "Central",
    "United",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Federal",
    "Royal",
    "General",
    "International",
    "Democratic",
    "Independent",
    "Progressive",
    "Atlantic",
    "Pacific",
    "Continental",
    "Metropolitan",
    "Regional",
    "Civic",
    "Popular",
    "Global",
    "Consolidated",
    "Allied",
    "First",
    "New",
];
const ORG_NOUNS: &[&str] = &[
    "Rail",
    "Energy",
    "Health",
    "Water",
    "Steel",
    "Mining",
    "Shipping",
    "Grain",
    "Textile",
    "Insurance",
    "Savings",
    "Broadcasting",
    "Aviation",
    "Telecom",
    "Pharmaceutical",
    "Press",
    "Farmers",
    "Workers",
    "Teachers",
    "Fisheries",
    "Tobacco",
    "Forestry",
    "Construction",
    "Petroleum",
    "Chemical",
    "Motor",
    "Cement",
    "Electric",
    "Credit",
    "Trade",
    "Transport",
    "Housing",
    "Film",
    "Football",
    "Science",
    "Medical",
    "Legal",
    "Software",
    "Dairy",
    "Copper",
];
const ORG_HEADS: &[&str] = &[
    "Authority",
    "Bank",
    "Company",
    "Corporation",
    "Union",
    "Council",
    "Institute",
    "Group",
    "Board",
    "Alliance",
    "Commission",
    "Agency",
    "Foundation",
    "Trust",
    "Society",
    "League",
    "Holdings",
    "Association",
    "Federation",
    "Front",
    "Movement",
    "Club",
];
const PARTY_WORDS: &[&str] =
    &["Renewal", "Unity", "Liberty", "Justice", "Labour", "Reform", "Heritage", "Progress", "Green", "Freedom"];
/// Words an acronym skips.
const ACRONYM_SKIPS: &[&str] = &["of", "for", "the", "and"];

/// Offices one person holds at a time per country: as written before a name, and as a role.
const COUNTRY_OFFICES: &[(&str, &str)] = &[
    ("President", "president"),
    ("Prime Minister", "prime minister"),
    ("Foreign Minister", "foreign minister"),
    ("Finance Minister", "finance minister"),
];
/// Titles many people hold, as written before a name, and the role given upstream.
const SHARED_TITLES: &[(&str, Option<&str>)] = &[
    ("Senator", Some("senator")),
    ("General", Some("general")),
    ("Minister", Some("minister")),
    ("Judge", Some("judge")),
    ("Ambassador", Some("ambassador")),
    ("Professor", None),
    ("Dr", None),
];
const HONORIFICS: &[&str] = &["Mr", "Mrs", "Ms", "Mr", "Mrs", "Dr"];

/// Zipf-like popularity over ranks (1 / (rank + offset)), with integer weights so that the data
/// are the same on every machine.
struct Zipf {
    cumulative: Vec<u64>,
}

impl Zipf {
    fn new(n: usize, offset: u64) -> Zipf {
        let mut total = 0u64;
        let cumulative = (0..n)
            .map(|rank| {
                total += (1u64 << 40) / (u64::try_from(rank).expect("a rank fits in u64") + offset);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("at least one rank");
        let r = rng.next() % total;
        self.cumulative.partition_point(|&c| c <= r)
    }
}

/// A person: a name, a variant spelling of it that some sources use, and what they hold.
struct Person {
    given: String,
    surname: String,
    given_alt: Option<String>,
    surname_alt: Option<String>,
    honorific: &'static str,
    /// Written before the name ("Senator"), sometimes.
    title: Option<&'static str>,
    /// Given upstream with a mention ("foreign minister of Veldra"), sometimes.
    role: Option<String>,
}

struct Org {
    name: String,
    acronym: Option<String>,
    /// The last words, which news uses alone ("Rail Authority").
    short: Option<String>,
}

struct Place {
    name: String,
    alt: Option<String>,
}

/// The generated entity a mention was made from: its population and its index there. Two
/// people may share a name; they are still two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Truth(u32);

impl Truth {
    fn of(sort: Sort, entity: usize) -> Truth {
        let sort = match sort {
            Sort::Person => 0,
            Sort::Org => 1,
            Sort::Place => 2,
        };
        let entity = u32::try_from(entity).ok().filter(|e| *e < 1 << 30).expect("fewer than 2^30 entities of a sort");
        Truth(sort << 30 | entity)
    }
}

/// Which population a cast draw is from.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Sort {
    Person,
    Org,
    Place,
}

/// Entities drawn by preferential attachment: every appearance in a document's cast is kept, and
/// a known entity is drawn with a chance proportional to its appearances so far.
struct Urn {
    appearances: Vec<u32>,
    new_per_mille: usize,
}

impl Urn {
    fn new(initial: usize, new_per_mille: usize) -> Urn {
        Urn { appearances: (0..initial).map(|i| u32::try_from(i).expect("a small index")).collect(), new_per_mille }
    }

    /// A known entity, or `None` when a new one should be made; the caller records the
    /// appearance with [`Urn::record`].
    fn draw(&mut self, rng: &mut Rng) -> Option<usize> {
        if rng.per_mille(self.new_per_mille) {
            return None;
        }
        let at = rng.below(self.appearances.len());
        Some(usize::try_from(self.appearances[at]).expect("an index fits in usize"))
    }

    fn record(&mut self, entity: usize) {
        self.appearances.push(u32::try_from(entity).expect("fewer than 4G entities"));
    }
}

/// How much of each population the stream has named so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Population {
    /// People made so far.
    pub persons: usize,
    /// Organisations made so far.
    pub orgs: usize,
    /// Places made so far.
    pub places: usize,
}

/// The stream of documents.
pub struct Generator {
    rng: Rng,
    given: Vec<String>,
    surnames: Vec<String>,
    given_rank: Zipf,
    surname_rank: Zipf,
    place_names: Vec<String>,
    persons: Vec<Person>,
    orgs: Vec<Org>,
    org_names: BTreeSet<String>,
    places: Vec<Place>,
    person_urn: Urn,
    org_urn: Urn,
    place_urn: Urn,
    /// Country offices not yet held.
    offices: Vec<(&'static str, String)>,
    mentions: u64,
    documents: u64,
    fingerprint: u64,
}

impl Generator {
    /// The world at the start of the stream, made from `seed`.
    pub fn new(seed: u64) -> Generator {
        let mut rng = Rng(seed);
        let given = name_list(&mut rng, GIVEN_NAMES, 4..=8, |rng: &mut Rng| {
            let stem = stem(rng, 1);
            with_ending(&stem, rng.word(GIVEN_ENDINGS))
        });
        let surnames = name_list(&mut rng, SURNAMES, 4..=11, |rng: &mut Rng| {
            let inner = if rng.percent(20) { 2 } else { 1 };
            let stem = stem(rng, inner);
            with_ending(&stem, rng.word(SURNAME_ENDINGS))
        });
        let place_names = name_list(&mut rng, PLACE_NAMES, 4..=11, |rng: &mut Rng| {
            let stem = stem(rng, 1);
            with_ending(&stem, rng.word(PLACE_ENDINGS))
        });
        let mut generator = Generator {
            given_rank: Zipf::new(given.len(), GIVEN_OFFSET),
            surname_rank: Zipf::new(surnames.len(), SURNAME_OFFSET),
            given,
            surnames,
            place_names,
            persons: Vec::new(),
            orgs: Vec::new(),
            org_names: BTreeSet::new(),
            places: Vec::new(),
            person_urn: Urn::new(INITIAL_PERSONS, NEW_PERSON_PER_MILLE),
            org_urn: Urn::new(INITIAL_ORGS, NEW_ORG_PER_MILLE),
            place_urn: Urn::new(INITIAL_PLACES, NEW_PLACE_PER_MILLE),
            offices: Vec::new(),
            mentions: 0,
            documents: 0,
            fingerprint: FNV_OFFSET,
            rng,
        };
        for _ in 0..INITIAL_PLACES {
            generator.new_place();
        }
        // The countries are the first places; each has its offices, one holder each.
        let countries: Vec<String> = generator.places[..COUNTRIES].iter().map(|p| p.name.clone()).collect();
        generator.offices = countries
            .iter()
            .flat_map(|c| COUNTRY_OFFICES.iter().map(move |(title, role)| (*title, format!("{role} of {c}"))))
            .collect();
        generator.offices.reverse();
        for _ in 0..INITIAL_ORGS {
            generator.new_org();
        }
        for _ in 0..INITIAL_PERSONS {
            generator.new_person();
        }
        generator
    }

    /// Mentions generated so far.
    pub fn mentions(&self) -> u64 {
        self.mentions
    }

    /// A hash (FNV-1a) of every mention generated so far, in order.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The entities made so far.
    pub fn population(&self) -> Population {
        Population { persons: self.persons.len(), orgs: self.orgs.len(), places: self.places.len() }
    }

    /// The next document: its cast drawn first (a few persons, organisations and places), then
    /// its mentions of them, each entity named in full the first time and often shorter after.
    pub fn document(&mut self) -> Vec<BareMention> {
        self.document_with_truth().0
    }

    /// [`Generator::document`], with the entity each mention was made from ([`Truth`]): the
    /// same stream, nothing drawn for it.
    pub fn document_with_truth(&mut self) -> (Vec<BareMention>, Vec<Truth>) {
        let to_boundary = BOUNDARY - self.mentions % BOUNDARY;
        let drawn = u64::try_from(self.rng.between(DOC_MENTIONS_MIN, DOC_MENTIONS_MAX)).expect("small");
        let len = usize::try_from(drawn.min(to_boundary)).expect("small");
        let doc_id = format!("scale-{:08}", self.documents);
        let persons = self.cast(Sort::Person, 1, 7);
        let orgs = self.cast(Sort::Org, 1, 4);
        let places = self.cast(Sort::Place, 1, 3);
        let mut seen: BTreeSet<(Sort, usize)> = BTreeSet::new();
        let mut out = Vec::with_capacity(len);
        let mut truth = Vec::with_capacity(len);
        for _ in 0..len {
            let roll = self.rng.below(100);
            let (sort, cast) = match roll {
                0..55 => (Sort::Person, &persons),
                55..80 => (Sort::Org, &orgs),
                _ => (Sort::Place, &places),
            };
            let entity = cast[self.rng.front(cast.len())];
            let first = seen.insert((sort, entity));
            let (mut text, kind, roles) = match sort {
                Sort::Person => {
                    let (text, roles) = self.person_text(entity, first);
                    (text, "PERSON", roles)
                }
                Sort::Org => (self.org_text(entity, first), "ORG", Vec::new()),
                // Upstream taggers disagree on a place's label; aka takes spaCy's as PLACE.
                Sort::Place => (self.place_text(entity), *self.rng.pick(&["GPE", "GPE", "PLACE", "LOC"]), Vec::new()),
            };
            if self.rng.per_mille(if sort == Sort::Person { 20 } else { 8 }) {
                text = typo(&mut self.rng, &text);
            }
            self.hash(&doc_id, &text, kind, &roles);
            out.push(BareMention {
                doc_id: doc_id.clone(),
                text,
                kind: Some(kind.to_string()),
                roles,
                attrs: BTreeMap::new(),
                mention_id: None,
            });
            truth.push(Truth::of(sort, entity));
        }
        self.mentions += u64::try_from(len).expect("small");
        self.documents += 1;
        (out, truth)
    }

    fn hash(&mut self, doc_id: &str, text: &str, kind: &str, roles: &[RoleInput]) {
        let role_text = roles.iter().filter_map(|r| if let RoleInput::Text(t) = r { Some(t.as_str()) } else { None });
        for part in [doc_id, text, kind].into_iter().chain(role_text) {
            for &byte in part.as_bytes().iter().chain(&[0xff]) {
                self.fingerprint = (self.fingerprint ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
            }
        }
    }

    /// Between `min` and `max` distinct entities of one sort, in the order drawn; new ones are
    /// made as the urn says.
    fn cast(&mut self, sort: Sort, min: usize, max: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::with_capacity(max);
        for _ in 0..self.rng.between(min, max) {
            let drawn = match sort {
                Sort::Person => self.person_urn.draw(&mut self.rng),
                Sort::Org => self.org_urn.draw(&mut self.rng),
                Sort::Place => self.place_urn.draw(&mut self.rng),
            };
            let entity = match (drawn, sort) {
                (Some(entity), _) => entity,
                (None, Sort::Person) => self.new_person(),
                (None, Sort::Org) => self.new_org(),
                (None, Sort::Place) => self.new_place(),
            };
            match sort {
                Sort::Person => self.person_urn.record(entity),
                Sort::Org => self.org_urn.record(entity),
                Sort::Place => self.place_urn.record(entity),
            }
            if !out.contains(&entity) {
                out.push(entity);
            }
        }
        out
    }

    fn new_person(&mut self) -> usize {
        let rng = &mut self.rng;
        let given = self.given[self.given_rank.sample(rng)].clone();
        let surname = self.surnames[self.surname_rank.sample(rng)].clone();
        let given_alt = if rng.percent(15) { variant(rng, &given) } else { None };
        let surname_alt = if rng.percent(30) { variant(rng, &surname) } else { None };
        let honorific = rng.word(HONORIFICS);
        let (title, role) = match rng.below(100) {
            0..3 if !self.offices.is_empty() => {
                let (title, role) = self.offices.pop().expect("not empty");
                (Some(title), Some(role))
            }
            3..8 if !self.orgs.is_empty() => {
                let org = &self.orgs[rng.below(self.orgs.len())];
                (None, Some(format!("chief executive of {}", org.name)))
            }
            8..28 => {
                let (title, role) = rng.pick(SHARED_TITLES);
                (Some(*title), role.map(str::to_string))
            }
            _ => (None, None),
        };
        self.persons.push(Person { given, surname, given_alt, surname_alt, honorific, title, role });
        self.persons.len() - 1
    }

    fn new_org(&mut self) -> usize {
        let rng = &mut self.rng;
        let name = loop {
            let place = &self.places[rng.below(self.places.len())].name;
            let surname = &self.surnames[self.surname_rank.sample(rng)];
            let (adjective, noun, head) = (rng.pick(ORG_ADJECTIVES), rng.pick(ORG_NOUNS), rng.pick(ORG_HEADS));
            let name = match rng.below(6) {
                0 => format!("{place} {noun} {head}"),
                1 => format!("{adjective} {noun} {head}"),
                2 => format!("{adjective} {} Party", rng.pick(PARTY_WORDS)),
                3 => format!("{head} of {place}"),
                4 => format!("{surname} {noun} {head}"),
                _ => format!("{adjective} {noun} {head} of {place}"),
            };
            if self.org_names.insert(name.clone()) {
                break name;
            }
        };
        let words: Vec<&str> = name.split(' ').filter(|w| !ACRONYM_SKIPS.contains(w)).collect();
        // Only names of three words or more get an acronym in print.
        let acronym = (words.len() >= 3).then(|| words.iter().filter_map(|w| w.chars().next()).collect());
        let all: Vec<&str> = name.split(' ').collect();
        let short = (all.len() == 3 && !name.contains(" of ")).then(|| all[1..].join(" "));
        self.orgs.push(Org { name, acronym, short });
        self.orgs.len() - 1
    }

    fn new_place(&mut self) -> usize {
        let rng = &mut self.rng;
        let base = self.place_names[self.places.len() % self.place_names.len()].clone();
        // Countries and most places are plain names; once the plain names run out, or now and
        // then, a place is a prefix and a name ("Port Veldra").
        let name = if self.places.len() >= COUNTRIES && (self.places.len() >= self.place_names.len() || rng.percent(15))
        {
            format!("{} {}", rng.pick(PLACE_PREFIXES), self.place_names[rng.below(self.place_names.len())])
        } else {
            base
        };
        let alt = if rng.percent(20) { variant(rng, &name) } else { None };
        self.places.push(Place { name, alt });
        self.places.len() - 1
    }

    fn person_text(&mut self, p: usize, first: bool) -> (String, Vec<RoleInput>) {
        let rng = &mut self.rng;
        let person = &self.persons[p];
        // A source that writes the variant spelling writes it throughout the mention.
        let alt = rng.percent(25);
        let given = person.given_alt.as_deref().filter(|_| alt).unwrap_or(&person.given);
        let surname = person.surname_alt.as_deref().filter(|_| alt).unwrap_or(&person.surname);
        let full = format!("{given} {surname}");
        let initial = given.chars().next().expect("a given name");
        let roll = rng.below(100);
        if first {
            let roles = match &person.role {
                Some(role) if rng.percent(50) => vec![RoleInput::Text(role.clone())],
                _ => Vec::new(),
            };
            let text = match (roll, person.title) {
                (0..55, _) => full,
                (55..75, Some(title)) => format!("{title} {full}"),
                (55..82, _) => format!("{} {full}", person.honorific),
                (82..92, _) => format!("{initial}. {surname}"),
                _ => surname.to_string(),
            };
            return (text, roles);
        }
        let text = match (roll, person.title) {
            (0..45, _) => surname.to_string(),
            (45..55, Some(title)) => format!("{title} {surname}"),
            (45..58, _) => format!("{} {surname}", person.honorific),
            (58..78, _) => full,
            (78..88, _) => format!("{initial}. {surname}"),
            (88..93, _) => given.to_string(),
            (_, Some(title)) => format!("{title} {full}"),
            _ => full,
        };
        (text, Vec::new())
    }

    fn org_text(&mut self, o: usize, first: bool) -> String {
        let org = &self.orgs[o];
        if first {
            return org.name.clone();
        }
        let roll = self.rng.below(100);
        match (&org.acronym, &org.short) {
            (Some(acronym), _) if roll < 40 => acronym.clone(),
            (_, Some(short)) if roll >= 90 => short.clone(),
            _ => org.name.clone(),
        }
    }

    fn place_text(&mut self, place: usize) -> String {
        let place = &self.places[place];
        match &place.alt {
            Some(alt) if self.rng.percent(20) => alt.clone(),
            _ => place.name.clone(),
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// `n` distinct capitalised names of a length in `len`, made by `make`, in the order made
/// (which is their popularity rank where they are drawn by rank).
fn name_list(
    rng: &mut Rng,
    n: usize,
    len: std::ops::RangeInclusive<usize>,
    make: impl Fn(&mut Rng) -> String,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let name = capitalised(&make(rng));
        if len.contains(&name.len()) && seen.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

/// A first syllable (onset, vowel, sometimes a closing consonant), then `inner` open syllables.
fn stem(rng: &mut Rng, inner: usize) -> String {
    let mut stem = format!("{}{}{}", rng.word(ONSETS), rng.word(NUCLEI), rng.word(CODAS));
    for _ in 0..inner {
        stem.push_str(rng.word(INNER_ONSETS));
        stem.push_str(rng.word(NUCLEI));
    }
    stem
}

/// `stem` and `ending`, an ending that starts with a vowel replacing the vowels the stem ends
/// with (as long as two letters are left).
fn with_ending(stem: &str, ending: &str) -> String {
    let vowel = |c: char| "aeiouy".contains(c);
    let mut stem = stem.to_string();
    if ending.starts_with(vowel) {
        while stem.len() > 2 && stem.ends_with(vowel) {
            stem.pop();
        }
    }
    stem + ending
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Another spelling of `name` by one generic swap, tried from a random one on, either way round;
/// `None` when none fits.
fn variant(rng: &mut Rng, name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    let start = rng.below(SWAPS.len());
    for i in 0..SWAPS.len() {
        let (a, b) = SWAPS[(start + i) % SWAPS.len()];
        let (from, to) = if rng.percent(50) { (a, b) } else { (b, a) };
        if let Some(at) = lower.find(from) {
            let spelt = format!("{}{to}{}", &lower[..at], &lower[at + from.len()..]);
            let spelt = spelt.split(' ').map(capitalised).collect::<Vec<_>>().join(" ");
            if spelt != name {
                return Some(spelt);
            }
        }
    }
    None
}

/// `text` with one typo: a letter substituted, two adjacent letters transposed, or a letter
/// deleted, never the first letter of a word (writers rarely get those wrong).
fn typo(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let inner: Vec<usize> =
        (1..chars.len()).filter(|&i| chars[i].is_ascii_lowercase() && chars[i - 1].is_ascii_alphabetic()).collect();
    if inner.is_empty() {
        return text.to_string();
    }
    let at = *rng.pick(&inner);
    match rng.below(3) {
        0 => chars[at] = char::from(b'a' + u8::try_from(rng.below(26)).expect("a letter")),
        1 if at + 1 < chars.len() && chars[at + 1].is_ascii_lowercase() => chars.swap(at, at + 1),
        _ => {
            chars.remove(at);
        }
    }
    chars.into_iter().collect()
}
