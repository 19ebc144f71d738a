//! Roles: which names the titles in a text belong to, with their qualifiers, and the role
//! phrases that stand for a person on their own ("the GAP chairman").

use aka_core::{Role, Tense};
use aka_gazetteer::Gazetteer;

use crate::name::Name;
use crate::title::Title;
use crate::token::{Class, Token};
use crate::vocabulary::Vocabulary;

/// Names in one list sharing a title at most ("former ministers A, B and C").
const LIST_NAMES_MAX: usize = 16;

/// Relative clauses between a name's comma and its title, and whether they put the role in
/// the past: "A, who served as foreign minister", "A, who is the party's chairman".
const RELATIVE_CLAUSES: &[(&[&str], bool)] = &[
    (&["who", "served", "as"], true),
    (&["who", "had", "been"], true),
    (&["who", "was"], true),
    (&["who", "has", "been"], false),
    (&["who", "is"], false),
    (&["who", "serves", "as"], false),
    (&["who", "became"], false),
];

/// A role phrase with no name: tokens `first..=last` and the role.
#[derive(Clone, Debug)]
pub(crate) struct RoleOnly {
    pub first: usize,
    pub last: usize,
    pub role: Role,
}

/// What the titles of a text say about its names.
#[derive(Debug, Default)]
pub(crate) struct Bindings {
    /// Roles per name, in text order.
    pub roles: Vec<Vec<Role>>,
    /// Names a title or appositive says are people.
    pub person: Vec<bool>,
    /// Names that qualify a role ("GAP" in "GAP chairman"): organisations or places.
    pub qualifier: Vec<bool>,
    /// Role phrases standing alone.
    pub role_only: Vec<RoleOnly>,
}

/// Whatever qualifies a title: a name, or a demonym's country.
struct Qualifier {
    name: Option<usize>,
    text: String,
    first: usize,
}

/// Titles joined by "and" that share their names: "chairman and former foreign minister".
struct Chain {
    titles: Vec<usize>,
    /// A name after "of" per title.
    post: Vec<Option<usize>>,
    /// Last token of the chain, its qualifiers and its complement.
    end: usize,
    /// A complement title ("to the Prime Minister") binds only to a name right after it.
    restricted: bool,
}

/// The input of role binding.
pub(crate) struct Binder<'a> {
    pub tokens: &'a [Token],
    pub titles: &'a [Title],
    pub names: &'a [Name],
    /// Names that may be people: not places, organisations or acronyms.
    pub person_ok: &'a [bool],
    pub vocabulary: &'a Vocabulary,
    pub gazetteer: &'a Gazetteer,
    name_by_first: Vec<Option<usize>>,
    name_by_last: Vec<Option<usize>>,
    title_by_phrase: Vec<Option<usize>>,
}

impl<'a> Binder<'a> {
    /// A binder over one document.
    pub fn new(
        tokens: &'a [Token],
        titles: &'a [Title],
        names: &'a [Name],
        person_ok: &'a [bool],
        vocabulary: &'a Vocabulary,
        gazetteer: &'a Gazetteer,
    ) -> Binder<'a> {
        let mut name_by_first = vec![None; tokens.len()];
        let mut name_by_last = vec![None; tokens.len()];
        for (index, name) in names.iter().enumerate() {
            name_by_first[name.first].get_or_insert(index);
            name_by_last[name.last].get_or_insert(index);
        }
        let mut title_by_phrase = vec![None; tokens.len()];
        for (index, title) in titles.iter().enumerate() {
            title_by_phrase[title.phrase_first].get_or_insert(index);
        }
        Binder { tokens, titles, names, person_ok, vocabulary, gazetteer, name_by_first, name_by_last, title_by_phrase }
    }

    fn word_at(&self, k: usize, word: &str) -> bool {
        self.tokens.get(k).is_some_and(|t| t.is_word(word) && !t.newline_before)
    }

    fn punct_at(&self, k: usize, c: &str) -> bool {
        self.tokens.get(k).is_some_and(|t| t.is_punct(c))
    }

    /// The name starting at token `k` on the same line.
    fn name_starting(&self, k: usize) -> Option<usize> {
        let index = (*self.name_by_first.get(k)?)?;
        (!self.tokens[k].newline_before).then_some(index)
    }

    fn person_starting(&self, k: usize) -> Option<usize> {
        self.name_starting(k).filter(|&n| self.person_ok[n])
    }

    fn person_ending(&self, k: usize) -> Option<usize> {
        let index = (*self.name_by_last.get(k)?)?;
        self.person_ok[index].then_some(index)
    }

    /// The name after "of [the]" following token `last`.
    fn post_qualifier(&self, last: usize) -> Option<usize> {
        if !self.word_at(last + 1, "of") {
            return None;
        }
        let mut k = last + 2;
        if self.word_at(k, "the") {
            k += 1;
        }
        self.name_starting(k)
    }

    /// The name or demonym right before a title phrase ("Congress MP", "Norland’s prime
    /// minister", "Green Alliance Party (GAP) chairman").
    fn pre_qualifier(&self, phrase_first: usize, person: &[bool]) -> Option<Qualifier> {
        if phrase_first == 0 || self.tokens[phrase_first].newline_before {
            return None;
        }
        let k = phrase_first - 1;
        let defined =
            k >= 3 && self.punct_at(k, ")") && self.punct_at(k - 2, "(") && self.name_by_first[k - 1].is_some();
        let end = if defined { k - 3 } else { k };
        if let Some(index) = self.name_by_last[end] {
            if person[index] {
                return None;
            }
            let name = &self.names[index];
            return Some(Qualifier { name: Some(index), text: name.text.clone(), first: name.first });
        }
        let token = &self.tokens[k];
        let country = (token.class == Class::Word && token.is_capitalised())
            .then(|| self.gazetteer.demonym(&token.folded))
            .flatten()?;
        Some(Qualifier { name: None, text: country.to_string(), first: k })
    }

    fn chains(&self) -> Vec<Chain> {
        let titles = self.titles;
        let mut complement = vec![false; titles.len()];
        let mut chains = Vec::new();
        let mut t = 0;
        while t < titles.len() {
            let restricted = complement[t];
            let mut chain = Chain { titles: Vec::new(), post: Vec::new(), end: 0, restricted };
            loop {
                let post = self.post_qualifier(titles[t].last);
                chain.end = post.map_or(titles[t].last, |n| self.names[n].last);
                chain.titles.push(t);
                chain.post.push(post);
                let next_at = |k: usize| titles.get(t + 1).is_some_and(|next| next.phrase_first == k);
                let joined = !restricted
                    && ((self.word_at(chain.end + 1, "and") && next_at(chain.end + 2)) || next_at(chain.end + 1));
                if !joined {
                    break;
                }
                t += 1;
            }
            if !restricted && self.word_at(chain.end + 1, "to") {
                let mut k = chain.end + 2;
                if self.word_at(k, "the") {
                    k += 1;
                }
                if let Some(inner) = self.title_by_phrase.get(k).copied().flatten() {
                    complement[inner] = true;
                    let after = titles[inner].last + 1;
                    chain.end = self.person_starting(after).map_or(titles[inner].last, |n| self.names[n].last);
                } else if let Some(n) = self.name_starting(k) {
                    chain.end = self.names[n].last;
                }
            }
            chains.push(chain);
            t += 1;
        }
        chains
    }

    /// The names a title phrase ending at `end` names after itself.
    fn forward(&self, end: usize, plural: bool, restricted: bool) -> Vec<usize> {
        let mut k = end + 1;
        let separated = self
            .tokens
            .get(k)
            .is_some_and(|t| t.class == Class::Punct && self.vocabulary.title_separators.contains(&t.text));
        if separated {
            if restricted {
                return Vec::new();
            }
            k += 1;
        }
        let Some(first) = self.person_starting(k) else {
            return Vec::new();
        };
        if !plural {
            return vec![first];
        }
        let mut list = vec![first];
        let mut commas = false;
        let mut closed = false;
        while list.len() < LIST_NAMES_MAX {
            let cur = self.names[*list.last().expect("not empty")].last;
            if self.punct_at(cur + 1, ",") {
                if self.word_at(cur + 2, "and") {
                    if let Some(n) = self.person_starting(cur + 3) {
                        list.push(n);
                        closed = true;
                    }
                    break;
                }
                match self.person_starting(cur + 2) {
                    Some(n) => {
                        list.push(n);
                        commas = true;
                    }
                    None => break,
                }
            } else {
                if self.word_at(cur + 1, "and")
                    && let Some(n) = self.person_starting(cur + 2)
                {
                    list.push(n);
                    closed = true;
                }
                break;
            }
        }
        if commas && !closed {
            list.truncate(1);
        }
        list
    }

    /// The names a title phrase starting at `first` stands in apposition to: "A, former FM";
    /// "A and B, former ministers"; "A, who served as foreign minister" (a relative clause in
    /// the past makes the role former: returned as the second value).
    fn backward(&self, first: usize, plural: bool) -> (Vec<usize>, bool) {
        let mut q = first;
        if q > 0 && ["the", "a", "an"].iter().any(|a| self.word_at(q - 1, a)) {
            q -= 1;
        }
        let mut past = false;
        for (clause, is_past) in RELATIVE_CLAUSES {
            let len = clause.len();
            if q > len && clause.iter().enumerate().all(|(i, w)| self.word_at(q - len + i, w)) {
                q -= len;
                past = *is_past;
                break;
            }
        }
        if q < 2 || !self.punct_at(q - 1, ",") || self.tokens[q].newline_before {
            return (Vec::new(), false);
        }
        let Some(last) = self.person_ending(q - 2) else {
            return (Vec::new(), false);
        };
        let mut list = vec![last];
        if !plural {
            return (list, past);
        }
        let mut cur = self.names[last].first;
        if cur >= 2
            && self.word_at(cur - 1, "and")
            && let Some(n) = self.person_ending(cur - 2)
        {
            list.push(n);
            cur = self.names[n].first;
            while list.len() < LIST_NAMES_MAX && cur >= 2 && self.punct_at(cur - 1, ",") {
                match self.person_ending(cur - 2) {
                    Some(n) => {
                        list.push(n);
                        cur = self.names[n].first;
                    }
                    None => break,
                }
            }
        }
        list.reverse();
        (list, past)
    }

    /// Binds every title to its names, or makes it a role-only mention, or drops it.
    pub fn bind(&self) -> Bindings {
        let count = self.names.len();
        let mut out = Bindings {
            roles: vec![Vec::new(); count],
            person: vec![false; count],
            qualifier: vec![false; count],
            role_only: Vec::new(),
        };
        for chain in self.chains() {
            self.bind_chain(&chain, &mut out);
        }
        out
    }

    fn bind_chain(&self, chain: &Chain, out: &mut Bindings) {
        let first = &self.titles[chain.titles[0]];
        let pre = if chain.restricted { None } else { self.pre_qualifier(first.phrase_first, &out.person) };
        let roles: Vec<Role> = chain
            .titles
            .iter()
            .zip(&chain.post)
            .enumerate()
            .map(|(i, (&t, post))| {
                let of = match post {
                    Some(n) => Some(self.names[*n].text.clone()),
                    None if i == 0 => pre.as_ref().map(|q| q.text.clone()),
                    None => None,
                };
                Role { title: self.titles[t].name.clone(), of, tense: self.titles[t].tense }
            })
            .collect();
        let plural = chain.titles.iter().any(|&t| self.titles[t].plural);
        for n in chain.post.iter().flatten().chain(pre.iter().filter_map(|q| q.name.as_ref())) {
            out.qualifier[*n] = true;
        }
        let mut targets = self.forward(chain.end, plural, chain.restricted);
        let mut ended = self.word_at(chain.end + 1, "until");
        if targets.is_empty() && !chain.restricted {
            let start = pre.as_ref().map_or(first.phrase_first, |q| q.first);
            let (found, past) = self.backward(start, plural);
            targets = found;
            ended |= past;
        }
        // "A, who served as foreign minister", "foreign minister until 2023": the role ended.
        let roles: Vec<Role> =
            if ended { roles.into_iter().map(|r| Role { tense: Tense::Former, ..r }).collect() } else { roles };
        for &n in &targets {
            out.person[n] = true;
            for role in &roles {
                if !out.roles[n].contains(role) {
                    out.roles[n].push(role.clone());
                }
            }
        }
        if !targets.is_empty() || chain.restricted {
            return;
        }
        for (i, (&t, role)) in chain.titles.iter().zip(&roles).enumerate() {
            let title = &self.titles[t];
            let standalone = title.unique && !title.plural && role.tense != Tense::Former;
            // An unqualified role stands for a person only after "the" ("The prime minister
            // said"), not as a predicate ("was elected prime minister").
            let definite = first.phrase_first > 0 && self.word_at(first.phrase_first - 1, "the");
            if !standalone || (role.of.is_none() && !(definite && pre.is_none() && i == 0)) {
                continue;
            }
            let start = match (&pre, chain.post[i]) {
                (Some(q), None) if i == 0 => q.first,
                _ => title.first,
            };
            let last = chain.post[i].map_or(title.last, |n| self.names[n].last);
            out.role_only.push(RoleOnly { first: start, last, role: role.clone() });
        }
    }
}
