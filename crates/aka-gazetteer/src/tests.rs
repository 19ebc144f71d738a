//! Tests of the gazetteer through its public lookups, over the compiled-in data.

use super::*;

/// Checks that a folded name finds the place with this canonical name, kind and country.
fn check_place(folded: &str, canonical: &str, kind: PlaceKind, country: Option<&str>) {
    let place = gazetteer().place(folded).unwrap_or_else(|| panic!("{folded:?} is not a place"));
    assert_eq!((place.canonical, place.kind, place.country), (canonical, kind, country), "{folded:?}");
}

fn check_demonym(folded: &str, country: &str) {
    assert_eq!(gazetteer().demonym(folded), Some(country), "{folded:?}");
}

#[test]
fn countries_are_found_by_common_name() {
    for (folded, canonical) in [
        ("pakistan", "Pakistan"),
        ("india", "India"),
        ("united states", "United States"),
        ("america", "United States"),
        ("britain", "United Kingdom"),
        ("great britain", "United Kingdom"),
        ("russia", "Russia"),
        ("netherlands", "Netherlands"),
        ("ivory coast", "Ivory Coast"),
        ("kosovo", "Kosovo"),
    ] {
        check_place(folded, canonical, PlaceKind::Country, None);
    }
}

#[test]
fn countries_are_found_by_official_name() {
    for (folded, canonical) in [
        ("islamic republic of pakistan", "Pakistan"),
        ("united states of america", "United States"),
        ("republic of india", "India"),
        ("russian federation", "Russia"),
        ("peoples republic of china", "China"),
        ("islamic republic of iran", "Iran"),
        ("united kingdom of great britain and northern ireland", "United Kingdom"),
        ("swaziland", "Eswatini"),
        ("cote divoire", "Ivory Coast"),
    ] {
        check_place(folded, canonical, PlaceKind::Country, None);
    }
}

#[test]
fn countries_are_found_by_news_codes() {
    for (folded, canonical) in [
        ("us", "United States"),
        ("u s", "United States"),
        ("usa", "United States"),
        ("u s a", "United States"),
        ("uk", "United Kingdom"),
        ("u k", "United Kingdom"),
        ("uae", "United Arab Emirates"),
        ("drc", "Democratic Republic of the Congo"),
    ] {
        check_place(folded, canonical, PlaceKind::Country, None);
    }
}

#[test]
fn two_letter_iso_codes_that_are_english_words_are_not_places() {
    // "IN" is India's code and "IT" Italy's; folded they are ordinary words.
    for folded in ["in", "it", "is", "no", "at", "be", "to", "me", "am", "my", "can", "and"] {
        assert_eq!(gazetteer().place(folded), None, "{folded:?}");
    }
}

#[test]
fn demonyms_singular_map_to_their_country() {
    check_demonym("pakistani", "Pakistan");
    check_demonym("indian", "India");
    check_demonym("american", "United States");
    check_demonym("british", "United Kingdom");
    check_demonym("chinese", "China");
    check_demonym("afghan", "Afghanistan");
    check_demonym("saudi", "Saudi Arabia");
    check_demonym("briton", "United Kingdom");
}

#[test]
fn demonyms_plural_map_to_their_country() {
    check_demonym("pakistanis", "Pakistan");
    check_demonym("indians", "India");
    check_demonym("americans", "United States");
    check_demonym("afghans", "Afghanistan");
    check_demonym("britons", "United Kingdom");
    check_demonym("filipinos", "Philippines");
    check_demonym("thais", "Thailand");
}

#[test]
fn collective_demonyms_have_no_invented_plural() {
    for folded in ["britishs", "chineses", "frenchs", "swisss", "dutchs"] {
        assert_eq!(gazetteer().demonym(folded), None, "{folded:?}");
    }
}

#[test]
fn every_demonym_names_a_country_of_the_gazetteer() {
    for (demonym, &country) in &gazetteer().demonyms {
        let place = gazetteer().place(&fold(country));
        assert_eq!(place.map(|p| (p.canonical, p.kind)), Some((country, PlaceKind::Country)), "{demonym:?}");
    }
}

#[test]
fn capitals_are_cities_of_their_country() {
    for (folded, canonical, country) in [
        ("islamabad", "Islamabad", "Pakistan"),
        ("new delhi", "New Delhi", "India"),
        ("kabul", "Kabul", "Afghanistan"),
        ("london", "London", "United Kingdom"),
        ("beijing", "Beijing", "China"),
        ("kyiv", "Kyiv", "Ukraine"),
        ("vaduz", "Vaduz", "Liechtenstein"),
        ("ndjamena", "N'Djamena", "Chad"),
    ] {
        check_place(folded, canonical, PlaceKind::City, Some(country));
    }
}

#[test]
fn large_cities_are_found_by_name_and_english_exonym() {
    for (folded, canonical, country) in [
        ("karachi", "Karachi", "Pakistan"),
        ("lahore", "Lahore", "Pakistan"),
        ("mumbai", "Mumbai", "India"),
        ("bombay", "Mumbai", "India"),
        ("calcutta", "Kolkata", "India"),
        ("peking", "Beijing", "China"),
        ("kiev", "Kyiv", "Ukraine"),
        ("sao paulo", "São Paulo", "Brazil"),
    ] {
        check_place(folded, canonical, PlaceKind::City, Some(country));
    }
}

#[test]
fn washington_dc_is_the_us_capital() {
    for folded in ["washington dc", "washington d c", "washington"] {
        check_place(folded, "Washington", PlaceKind::City, Some("United States"));
    }
}

#[test]
fn us_states_and_continents_are_regions() {
    check_place("texas", "Texas", PlaceKind::Region, Some("United States"));
    check_place("new york", "New York", PlaceKind::Region, Some("United States"));
    check_place("europe", "Europe", PlaceKind::Region, None);
    check_place("western asia", "Western Asia", PlaceKind::Region, None);
}

#[test]
fn a_country_wins_over_a_city_or_state_of_the_same_name() {
    check_place("singapore", "Singapore", PlaceKind::Country, None);
    check_place("georgia", "Georgia", PlaceKind::Country, None);
    check_place("djibouti", "Djibouti", PlaceKind::Country, None);
}

#[test]
fn common_english_words_that_are_also_towns_are_not_places() {
    // Malé, the capital of the Maldives, folds to "male".
    for folded in ["of", "male", "reading", "nice", "mobile", "split", "bath", "canton"] {
        assert_eq!(gazetteer().place(folded), None, "{folded:?}");
    }
}

#[test]
fn personal_names_that_are_also_places_are_not_places() {
    for folded in ["victoria", "douglas", "stanley", "stalin", "chen"] {
        assert_eq!(gazetteer().place(folded), None, "{folded:?}");
    }
}

#[test]
fn every_alias_maps_back_to_its_place() {
    let gazetteer = gazetteer();
    for place in &gazetteer.places {
        let names = gazetteer.aliases_of(place.canonical);
        assert!(names.contains(&fold(place.canonical)), "{place:?}");
        for name in names {
            assert_eq!(gazetteer.place(&name), Some(place), "{name:?}");
        }
    }
}

#[test]
fn canonical_names_are_unique() {
    let gazetteer = gazetteer();
    assert_eq!(gazetteer.by_canonical.len(), gazetteer.places.len());
}

#[test]
fn every_name_in_the_data_is_claimed_by_exactly_one_place() {
    let gazetteer = gazetteer();
    let total: usize = gazetteer.places.iter().map(|place| gazetteer.aliases_of(place.canonical).len()).sum();
    assert_eq!(total, gazetteer.by_name.len());
}

#[test]
fn aliases_in_the_data_are_already_folded() {
    // The generator folds aliases in Python; this checks it agrees with `fold`.
    for aliases in &gazetteer().aliases {
        for alias in split_aliases(aliases) {
            assert_eq!(fold(alias), alias);
        }
    }
}

#[test]
fn aliases_of_lists_folded_names_sorted() {
    let names = gazetteer().aliases_of("United States");
    for name in ["america", "u s", "united states", "us", "usa"] {
        assert!(names.contains(&name.to_string()), "{name:?} in {names:?}");
    }
    assert!(names.is_sorted());
    assert!(gazetteer().aliases_of("Atlantis").is_empty());
}

#[test]
fn the_data_has_the_expected_size() {
    let count = |kind| gazetteer().places.iter().filter(|place| place.kind == kind).count();
    assert!(count(PlaceKind::Country) >= 240);
    assert!(count(PlaceKind::City) >= 1200);
    assert!(count(PlaceKind::Region) >= 70);
    assert!(gazetteer().demonyms.len() >= 400);
}
