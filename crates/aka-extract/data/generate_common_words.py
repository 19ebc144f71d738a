#!/usr/bin/env python3
"""Writes common_words.txt: common lower-case English words, one a line, sorted.

The extractor reads the list to tell a capitalised word at a sentence start that is just an
English word ("Details were not given.") from one that names something ("Tharoor rejected it.").

Sources (see README.md beside this file):
- the words: the "web2" list of the `english-words` package, version 2.0.2 (package MIT; the
  list is Webster's Second International Dictionary, 1934, public domain), only the entries
  written in lower case there (capitalised entries are proper nouns), plus their regular
  inflections made by rule below, plus the few prefixes in EXTRA;
- the filter: `wordfreq`, version 3.1.1 (code Apache-2.0). Only its frequency judgement decides
  which of the words above are kept; no word comes from its data (which is CC BY-SA 4.0).

Run:
    python3 -m venv /tmp/cw && /tmp/cw/bin/pip install english-words==2.0.2 wordfreq==3.1.1
    /tmp/cw/bin/python generate_common_words.py > common_words.txt
"""

import sys

from english_words import get_english_words_set
from wordfreq import zipf_frequency

# A word is kept when it is at least this frequent: about once per million words.
ZIPF_MIN = 3.0

# Prefixes that begin capitalised hyphenated words ("Multi-city"), which the tokenizer cuts to
# the prefix alone. Our own list.
EXTRA = ["anti", "multi", "non", "pre", "post", "pro", "ex", "co", "semi", "inter", "mid", "self"]


def inflections(word):
    """The word and its regular inflections; wrong ones are left to the frequency filter."""
    out = {word, word + "s", word + "es", word + "ed", word + "ing", word + "er", word + "est", word + "ly"}
    if word.endswith("e"):
        stem = word[:-1]
        out |= {word + "d", stem + "ing", word + "r", word + "st"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        stem = word[:-1]
        out |= {stem + "ies", stem + "ied", stem + "ier", stem + "iest", stem + "ily"}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        # "stop" → "stopped", "stopping".
        out |= {word + word[-1] + "ed", word + word[-1] + "ing", word + word[-1] + "er"}
    return out


def main():
    base = {w for w in get_english_words_set(["web2"]) if w.isalpha() and w.islower()}
    candidates = set(EXTRA)
    for word in base:
        candidates |= inflections(word)
    kept = sorted(w for w in candidates if len(w) >= 2 and zipf_frequency(w, "en") >= ZIPF_MIN)
    sys.stdout.write("".join(w + "\n" for w in kept))


if __name__ == "__main__":
    main()
