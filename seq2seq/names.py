"""Training pairs that teach a model to copy names: invented Latin names put into pairs
whose Chinese side keeps a Latin word, or writes a common English name in Chinese.

    extra = name_pairs(train_examples, seed=7)             # recipe 1: new Examples; the originals untouched
    extra = name_pairs(train_examples, seed=7, recipe=2)   # more pairs, names coined from the corpus's letters

Only the training split goes in; dev and test are never touched. With a fixed seed the
same pairs come out every time (the model card records the seed and the counts).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from .data import Example

# Common names of the corpus and how its Chinese side writes them (Simplified, after OpenCC).
TRANSLITERATED = {"Tom": "汤姆", "Mary": "玛丽", "John": "约翰", "Jack": "杰克", "Ken": "肯", "Bob": "鲍勃"}
CONSONANTS = "b c d f g h j k l m n p r s t v w z br cr dr fr gr kr pr tr st sk sl sp ch sh th".split()
VOWELS = "a e i o u a e o ai ea ou io".split()
ENDINGS = ["", "", "", "n", "r", "s", "x", "l", "m", "t", "k", "ck", "ng", "ra", "ia", "on", "ex", "ify", "ly"]
# Recipes, by number (config.json records it as "names_recipe"; absent: 1):
#   copies  invented names per pair whose Chinese side keeps a Latin word
#   share   of the pairs with a transliterated name, the share that gets one invented name
#   coined  the share of invented names drawn from a letter model of the corpus's English words
#           (`coined_name`: any letters in any order, cut into pieces as real names are), the
#           rest made of syllables (`invented_name`)
RECIPES = {1: {"copies": 8, "share": 0.35, "coined": 0.0},
           2: {"copies": 16, "share": 0.6, "coined": 0.6}}


# The names of the copy test (tests/shipped/names.json): an invented name never equals one of them.
EVAL_NAMES = Path(__file__).resolve().parent.parent / "tests" / "shipped" / "names.json"


def held_out_names() -> set[str]:
    """The names the copy test asks for (and ChatGPT), lower-cased: never put into training."""
    try:
        names = {n for _, n in json.loads(EVAL_NAMES.read_text(encoding="utf-8"))["sentences"]}
    except (OSError, ValueError, KeyError, TypeError):
        names = set()
    return {n.lower() for n in names | {"ChatGPT"}}


def invented_name(rng: random.Random) -> str:
    """A name the corpus has never seen: a word of 1-3 invented syllables, capitalised, now and
    then in CamelCase, in capitals or with a digit, like the brands people type."""
    def word(n):
        return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(n)) + rng.choice(ENDINGS)

    style = rng.random()
    if style < 0.55:
        return word(rng.randint(1, 3)).capitalize()
    if style < 0.8:
        return word(rng.randint(1, 2)).capitalize() + word(1).capitalize()
    if style < 0.9:
        return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
    return word(rng.randint(1, 2)).capitalize() + str(rng.randint(1, 99))


class Letters:
    """A letter trigram model of words: `coin(rng)` writes a new word with their letters."""

    def __init__(self, words):
        from collections import Counter, defaultdict

        counts = defaultdict(Counter)
        for w in sorted(set(words)):
            w = "^^" + w + "$"
            for i in range(2, len(w)):
                counts[w[i - 2:i]][w[i]] += 1
        self.next = {k: (list(c), list(c.values())) for k, c in sorted(counts.items())}

    def coin(self, rng: random.Random, least: int = 3, most: int = 10) -> str:
        while True:
            w = "^^"
            while len(w) < most + 3:
                letters, weights = self.next[w[-2:]]
                c = rng.choices(letters, weights)[0]
                if c == "$":
                    break
                w += c
            if least <= len(w) - 2 <= most:
                return w[2:]


def coined_name(rng: random.Random, letters: Letters) -> str:
    """A coined word, capitalised; now and then two of them in CamelCase or with a digit."""
    style = rng.random()
    if style < 0.8:
        return letters.coin(rng).capitalize()
    if style < 0.92:
        return letters.coin(rng, 3, 6).capitalize() + letters.coin(rng, 2, 5).capitalize()
    return letters.coin(rng, 3, 7).capitalize() + str(rng.randint(1, 99))


def _swap(text: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(old)}(?![A-Za-z0-9])", new, text)


def _shared_latin(src: str, tgt: str) -> list[str]:
    """Latin words (two letters or more, capitalised) written the same on both sides."""
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9\-]*", src))
    return sorted(w for w in set(re.findall(r"[A-Za-z][A-Za-z0-9\-]*", tgt)) if w in words and len(w) > 1
                  and w[0].isupper())


def with_name_pairs(splits: dict, seed: int, recipe: int = 1) -> list:
    """The training split followed by its name pairs; no invented name is a word of dev or test
    (recipe 2: nor a word of the training split)."""
    held = {w for e in splits["dev"] + splits["test"] for w in re.findall(r"[A-Za-z0-9]+", e.src)}
    if recipe > 1:
        held |= {w for e in splits["train"] for w in re.findall(r"[A-Za-z0-9]+", e.src)}
    return splits["train"] + name_pairs(splits["train"], seed=seed, exclude=held, recipe=recipe)


def name_pairs(examples, seed: int, exclude=frozenset(), recipe: int = 1) -> list:
    """New pairs, each an Example with a name swapped for an invented one on both sides:
    RECIPES[recipe]["copies"] per pair whose Chinese keeps a Latin word, and one for the "share"
    of the pairs with a name of TRANSLITERATED on both sides. Names in `exclude` (any case) and
    those of the copy test never appear."""
    if recipe not in RECIPES:
        raise ValueError(f"unknown names recipe {recipe!r}: use one of {sorted(RECIPES)}")
    how = RECIPES[recipe]
    rng = random.Random(seed)
    never = {n.lower() for n in exclude} | held_out_names()
    letters = (Letters(w.lower() for e in examples for w in re.findall(r"[A-Za-z]{3,}", e.src))
               if how["coined"] else None)

    def fresh():
        while True:
            name = coined_name(rng, letters) if how["coined"] and rng.random() < how["coined"] else invented_name(rng)
            if name.lower() not in never:
                return name

    out = []
    for e in examples:
        shared = _shared_latin(e.src, e.tgt)
        if shared and TRANSLITERATED.get(shared[0], "\0") in e.tgt:
            continue  # "汤姆(Tom)": a name written both ways would teach nothing clear
        if shared:
            for _ in range(how["copies"]):
                new = fresh()
                out.append(Example(_swap(e.src, shared[0], new), _swap(e.tgt, shared[0], new), augmented=True))
            continue
        for en, zh in TRANSLITERATED.items():
            if re.search(rf"\b{en}\b", e.src) and zh in e.tgt and rng.random() < how["share"]:
                new = fresh()
                out.append(Example(_swap(e.src, en, new), e.tgt.replace(zh, new), augmented=True))
                break
    return out
