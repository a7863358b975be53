"""Why the restorer misses spun words: the error analysis behind issue #4's closing notes.

Spins dev-split BBC articles (never the evaluation split), restores them, and sorts the first N
missed edits by cause, so that the limit is named with numbers rather than guessed:

- the lexicon lacks the surface, or lacks the original among the surface's candidates;
- the decoder pruned the original (prior margin, candidates per span, same-word filter);
- the right original is on the best path but below ``min_confidence``;
- the model (language model and channel) scores a path with the right original lower than the
  path it chose ("model prefers ...") or higher ("search error": the beam lost it).

Tortured spinning is analysed word by word (each replaced word of a term is one edit here), though
the bench counts a term as restored only when all its words are.

Run ``python -m unspin.bench.misses crude 0.35`` (options: ``--misses``, ``--seed``, and
``--sources moby`` to spin from other thesauri than the spinner's own, as the bench's cross
condition does).
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator

import unspin
from unspin.bench.spinners import SPINNERS, Edit, spin
from unspin.corpora import bbc_documents
from unspin.engine import _same_word
from unspin.lexicon import normalise
from unspin.sources import Source

BELOW_THRESHOLD = "right original on the path, below the threshold"


def _cause(restorer, lattice, best, rate, changes, edit) -> str:
    """The cause of one edit the restorer did not put back (or "restored"). Reads the decoder's
    lattice and path scores, which only this analysis needs outside the engine."""
    change = changes.get((edit.spun_start, edit.spun_end))
    if change is not None and change.suggestion.lower() == edit.original.lower():
        if change.confidence >= restorer.settings.min_confidence:
            return "restored"
        return BELOW_THRESHOLD
    surface, original = normalise(edit.substitute), normalise(edit.original)
    if lattice is None or not surface or not restorer.lexicon.candidates(surface):
        return "lexicon lacks the surface"
    if original not in {c.original for c in restorer.lexicon.candidates(surface)}:
        return "lexicon lacks the original for this surface"
    start = next(i for i, token in enumerate(lattice.tokens) if token.start == edit.spun_start)
    end = next(i + 1 for i, token in enumerate(lattice.tokens) if token.end == edit.spun_end)
    right = [
        e
        for e in lattice.edges[start]
        if e.end == end and e.candidate is not None and e.candidate.original == original
    ]
    if not right:
        return f"original pruned by the decoder: {_pruned_by(restorer, surface, original)}"
    covering = [i for i, e in enumerate(best) if e.start < end and e.end > start]
    first, last = covering[0], covering[-1]
    if best[first].start != start or best[last].end != end:
        return "overlaps another multiword choice"
    oracle = [*best[:first], right[0], *best[last + 1 :]]
    found_better = restorer._path_score(oracle, rate) > restorer._path_score(best, rate)
    chosen = "another original" if change is not None else "the surface"
    return f"search error (beam chose {chosen})" if found_better else f"model prefers {chosen}"


def _pruned_by(restorer, surface: str, original: str) -> str:
    """Which of the decoder's cuts dropped a pair: the context-free ones of
    ``Restorer._rank_candidates``, or else the sentence window of ``Restorer._in_context``."""
    if _same_word(surface, original):
        return "same-word filter"
    settings = restorer.settings
    floor = restorer._unigram(surface) - settings.prior_margin
    kept = 0
    for candidate in restorer.lexicon.iter_candidates(surface):
        if candidate.original == original:
            break
        if math.log10(candidate.prior) > floor and not _same_word(surface, candidate.original):
            kept += 1
    if math.log10(candidate.prior) <= floor:
        return "prior margin"
    if kept >= settings.candidates_per_span:
        # How far below: whether a few more candidates per span would have reached it.
        near = kept < 2 * settings.candidates_per_span
        return f"ranked below the top {settings.candidates_per_span}" + (
            f" (within the top {2 * settings.candidates_per_span})" if near else ""
        )
    return "local margin: its sentence window rules it out"


def _edit_causes(
    restorer, spinner: str, rate: float, seed: int, sources: tuple[str, ...] | None
) -> Iterator[tuple[int, Edit, str]]:
    """(term, edit, cause) for every edit of every spun BBC dev article, in document order;
    ``term`` numbers the spinner's edits, which the words of a tortured term share."""
    term_number = 0
    for number, (_, text) in enumerate(bbc_documents("dev")):
        spun = spin(text, spinner, rate, seed + number, sources)
        lattices, paths, rate_costs = restorer.best_paths(spun.spun)
        changes = {
            (change.start, change.end): change
            for change, _ in restorer.changes(spun.spun, lattices, paths, rate_costs)[0]
        }
        where = {}
        for lattice, path in zip(lattices, paths, strict=True):
            for token in lattice.tokens:
                where[token.start] = (lattice, path)
        for term in spun.edits:
            term_number += 1
            for edit in _replaced_words(term) if spinner == "tortured" else (term,):
                lattice, path = where.get(edit.spun_start, (None, None))
                yield term_number, edit, _cause(restorer, lattice, path, rate_costs, changes, edit)


def _replaced_words(term: Edit) -> list[Edit]:
    """A tortured term's edit split into its replaced words: the tortured spinner swaps each word
    of a term on its own (search engine -> hunt motor), so the restorer must find each, and the
    whole term is never a lexicon entry."""
    originals = list(re.finditer(r"\S+", term.original))
    substitutes = list(re.finditer(r"\S+", term.substitute))
    if len(originals) != len(substitutes):
        return [term]
    return [
        Edit(
            term.orig_start + old.start(),
            term.orig_start + old.end(),
            term.spun_start + new.start(),
            term.spun_start + new.end(),
            old.group(),
            new.group(),
        )
        for old, new in zip(originals, substitutes, strict=True)
        if old.group() != new.group()
    ]


def analyse(
    spinner: str,
    rate: float,
    misses: int = 100,
    seed: int = 1000,
    sources: tuple[str, ...] | None = None,
) -> dict:
    """Causes of the first ``misses`` missed edits over BBC dev articles, in document order.

    Terms are counted too, as the bench counts them (a term of several words is restored only
    when all its words are): how many were restored, and how many had every word's original on
    the best path, at any confidence. For tortured spinning the gap between the two is the
    confidence model's share of the misses; the rest lie with candidates and the language
    model. A term the last miss cut short is left out. ``sources`` (thesaurus names) replaces
    the spinner's own thesauri."""
    causes: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    edits = restored = 0
    terms: dict[int, list[str]] = defaultdict(list)
    restorer = unspin.load().restorer
    for term, edit, cause in _edit_causes(restorer, spinner, rate, seed, sources):
        terms[term].append(cause)
        edits += 1
        if cause == "restored":
            restored += 1
            continue
        causes[cause] += 1
        if len(examples[cause]) < 6:
            examples[cause].append(f"{edit.original}->{edit.substitute}")
        if sum(causes.values()) == misses:
            terms.pop(term)
            break
    on_path = ("restored", BELOW_THRESHOLD)
    return {
        "edits": edits,
        "restored": restored,
        "causes": causes,
        "examples": examples,
        "terms": len(terms),
        "terms_restored": sum(all(c == "restored" for c in t) for t in terms.values()),
        "terms_on_path": sum(all(c in on_path for c in t) for t in terms.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spinner", choices=SPINNERS)
    parser.add_argument("rate", type=float)
    parser.add_argument("--misses", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument(
        "--sources",
        help="comma-separated thesauri to spin from instead of the spinner's own "
        f"({', '.join(s.name.lower() for s in Source)}); e.g. moby, as the bench's cross condition",
    )
    args = parser.parse_args()
    names = [name.strip().lower() for name in (args.sources or "").split(",")]
    sources = tuple(name for name in names if name) or None
    unknown = set(sources or ()) - {s.name.lower() for s in Source}
    if unknown:
        parser.error(f"unknown thesaurus {', '.join(sorted(unknown))}")
    result = analyse(args.spinner, args.rate, args.misses, args.seed, sources)
    print(
        f"{args.spinner} {args.rate}: {result['edits']} edits seen, {result['restored']} restored, "
        f"{sum(result['causes'].values())} misses"
    )
    print(
        f"  terms: {result['terms']} seen whole, {result['terms_restored']} restored, "
        f"{result['terms_on_path']} with every word's original on the best path"
    )
    for cause, count in result["causes"].most_common():
        print(f"  {count:4d}  {cause}  (e.g. {', '.join(result['examples'][cause])})")


if __name__ == "__main__":
    main()
