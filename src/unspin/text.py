"""Tokens with exact character offsets: the first stage of every unspin pipeline.

Every later stage (lexicon look-ups, language-model scoring, reported changes) refers back to the
input through these offsets, so the tokenizer never normalises the text it returns: ``Token.text``
is always ``source[token.start:token.end]``. Normalisation for the language model is a separate,
explicit step (:func:`lm_form`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    WORD = "word"
    NUMBER = "number"
    URL = "url"
    EMAIL = "email"
    PUNCT = "punct"


# Order matters: URLs and e-mail addresses must win over the word pattern that would split them.
_TOKEN_RE = re.compile(
    r"""
    (?P<url>(?:https?://|www\.)[^\s<>"'“”]+[^\s<>"'“”.,;:!?)\]])
  | (?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
  | (?P<number>\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s|%)?)
  | (?P<word>(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*)
  | (?P<punct>\S)
    """,
    re.VERBOSE,
)

_KIND_BY_GROUP = {
    "url": Kind.URL,
    "email": Kind.EMAIL,
    "number": Kind.NUMBER,
    "word": Kind.WORD,
    "punct": Kind.PUNCT,
}

_SENTENCE_END = frozenset(".!?")
_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "--", "–": "-"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token of the input; ``text == source[start:end]`` always holds."""

    text: str
    start: int
    end: int
    kind: Kind

    @property
    def is_word(self) -> bool:
        return self.kind is Kind.WORD


def tokenize(source: str, offset: int = 0) -> list[Token]:
    """Split ``source`` into tokens; ``offset`` shifts every position (for slices of a document)."""
    tokens = []
    for match in _TOKEN_RE.finditer(source):
        group = match.lastgroup
        assert group is not None
        tokens.append(
            Token(
                match.group(), match.start() + offset, match.end() + offset, _KIND_BY_GROUP[group]
            )
        )
    return tokens


@dataclass(frozen=True, slots=True)
class Span:
    """A region of the input (paragraph or sentence) and the tokens inside it."""

    start: int
    end: int
    tokens: tuple[Token, ...]


def paragraphs(source: str) -> Iterator[Span]:
    """Every line is a paragraph: text extracted from web pages, where spun copies live, comes
    one paragraph per line (hard-wrapped text loses sentence context at line ends)."""
    for match in re.finditer(r"[^\n]+", source):
        block = match.group()
        if block.strip():
            yield Span(match.start(), match.end(), tuple(tokenize(block, match.start())))


def sentences(tokens: tuple[Token, ...] | list[Token]) -> Iterator[tuple[Token, ...]]:
    """Sentence windows for the language model: cut after ., ! or ? and any closing quotes."""
    current: list[Token] = []
    closing = False
    for token in tokens:
        is_punct = token.kind is Kind.PUNCT
        # A quote or bracket glued to the full stop closes the sentence; one after a space opens
        # the next.
        glued = bool(current) and token.start == current[-1].end
        if closing and not (glued and is_punct and token.text in "\"'”’)"):
            yield tuple(current)
            current, closing = [], False
        current.append(token)
        closing = is_punct and (token.text in _SENTENCE_END or closing)
    if current:
        yield tuple(current)


def lm_form(token_text: str) -> str:
    """The form the language model and the lexicon are keyed on: lower case, straight quotes."""
    return token_text.translate(_QUOTE_FOLD).lower()


def lm_tokens(source: str) -> list[str]:
    """Tokenise and normalise in one go, as the corpus readers do when training the model."""
    return [lm_form(token.text) for token in tokenize(source)]
