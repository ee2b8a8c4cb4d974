"""Text normalisation shared by every ranking: words, stems, lines and the query language.

Words are runs of letters and digits (apostrophes and punctuation split them, as SQLite's
``unicode61`` tokenizer does), case-folded, accents removed. Stems come from a small
suffix-stripping stemmer: enough to meet "arrived"/"arrive"/"arrives" and "cards"/"card",
without a dependency.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations

__all__ = [
    "STOP_WORDS",
    "ParsedQuery",
    "article_lines",
    "looks_like_question",
    "normalize",
    "parse_query",
    "stem",
    "terms",
    "words",
]

_WORD = re.compile(r"[^\W_]+")
_QUERY = re.compile(r'"([^"]*)"|(\S+)')
# A line break, or the end of a sentence followed by a capital letter or a digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_MAX_LINE_WORDS = 60
_SPLIT_ABOVE_WORDS = 30

STOP_WORDS: frozenset[str] = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m re ve im dont""".split()
)


_QUESTION_MARKS = frozenset("?¿？؟")
_QUESTION_OPENERS: frozenset[str] = frozenset(
    """how what why when where who whom whose which can could is are am was were do does did
    should shall will would may might has have had""".split()
)


def looks_like_question(line: str) -> bool:
    """Whether ``line`` reads as a question: it has a question mark, or opens with an
    interrogative or auxiliary word ("How do I…", "Can I…", "Is there…")."""
    if any(mark in line for mark in _QUESTION_MARKS):
        return True
    first = _WORD.search(line)
    return first is not None and normalize(first.group()) in _QUESTION_OPENERS


def normalize(text: str) -> str:
    """Case-folded text without accents (``Café`` → ``cafe``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The normalised words of ``text`` in order, stop words included."""
    return _WORD.findall(normalize(text))


_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("iveness", "ive"),
    ("ations", "ate"),
    ("ation", "ate"),
    ("ments", ""),
    ("ment", ""),
    ("ingly", ""),
    ("edly", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ed", ""),
    ("es", ""),
    ("ly", ""),
    ("s", ""),
    ("e", ""),
)


def stem(word: str) -> str:
    """A light English stem: the first matching suffix is stripped if at least 3 letters stay.

    Not linguistically exact; it only has to map a word's common inflections to one key.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)] + replacement
            if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # stopped → stop, planned → plan
            return base
    return word


def terms(text: str) -> list[str]:
    """Ranking terms: stems of the words that are not stop words.

    A text made only of stop words keeps them, so that "how do I" still finds something.
    """
    all_words = words(text)
    kept = [w for w in all_words if w not in STOP_WORDS]
    return [stem(w) for w in (kept or all_words)]


def article_lines(title: str, body: str) -> list[str]:
    """The lines an article is scored by: its title, then each line or sentence of the body.

    Lines of more than 30 words are cut at sentence ends, and long sentences into pieces of
    at most 60 words, so that one line stays one thought (a short line of two sentences, such
    as "Where is my card? It has been a week.", stays one question).
    """
    lines = [title.strip()] if title.strip() else []
    for raw in body.splitlines():
        text = raw.strip().lstrip("#>*-+ ").strip()
        if not text:
            continue
        sentences = _SENTENCE_END.split(text) if len(text.split()) > _SPLIT_ABOVE_WORDS else [text]
        for sentence in sentences:
            parts = sentence.split()
            for start in range(0, len(parts), _MAX_LINE_WORDS):
                piece = " ".join(parts[start : start + _MAX_LINE_WORDS])
                if _WORD.search(piece):
                    lines.append(piece)
    return lines


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A search query: plain ``words`` (ranked, any may match), ``phrases`` (each must occur,
    words in that order) and ``prefixes`` (``card*`` matches card, cards, cardholder)."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    prefixes: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes)

    def match_levels(self, *, most: int = 5) -> list[list[tuple[str, ...]]]:
        """Ways to match the optional terms (words, and prefixes as ``"word*"``), strictest
        first: all of them, then any ``n - 1`` of them, … down to any one.

        A full-text index ranks every matching row; matching all words first keeps that set
        small for common words, and a search relaxes only while it has too few results.
        Beyond ``most`` terms, the stricter levels combine the longest ``most`` (longer
        words tend to be rarer); the loosest level always has every term.
        """
        optional = [*self.words, *(p + "*" for p in self.prefixes)]
        if not optional:
            return []
        strict = (
            sorted(optional, key=len, reverse=True)[:most] if len(optional) > most else optional
        )
        levels = [list(combinations(strict, size)) for size in range(len(strict), 1, -1)]
        return [*levels, [(term,) for term in optional]]


def parse_query(text: str) -> ParsedQuery:
    """Read the query language: ``"exact phrase"``, ``prefix*`` and plain words.

    Stop words are dropped from plain words unless nothing else is left; an unclosed quote
    is read as plain words.
    """
    plain: list[str] = []
    phrases: list[tuple[str, ...]] = []
    prefixes: list[str] = []
    balanced = text.count('"') % 2 == 0
    source = text if balanced else text.replace('"', " ")
    for match in _QUERY.finditer(source):
        phrase, token = match.group(1), match.group(2)
        if phrase is not None:
            found = tuple(words(phrase))
            if len(found) > 1:
                phrases.append(found)
            else:
                plain.extend(found)
        elif token.endswith("*") and len(found_words := words(token)) >= 1:
            plain.extend(found_words[:-1])
            prefixes.append(found_words[-1])
        else:
            plain.extend(words(token))
    kept = [w for w in plain if w not in STOP_WORDS]
    if not kept and not phrases and not prefixes:
        kept = plain
    return ParsedQuery(tuple(dict.fromkeys(kept)), tuple(phrases), tuple(prefixes))
