"""``make demo``: spin a held-out public-domain paragraph, then restore it.

The paragraph comes from a State of the Union address that the language model never saw (the
held-out split), so the demo shows what unspin does on text it was not trained on.
"""

from __future__ import annotations

import argparse

from rich.console import Console

import unspin
from unspin.bench.metrics import score_restoration
from unspin.bench.spinners import spin
from unspin.cli import show_restoration
from unspin.corpora import sotu_documents


def sample_paragraph(min_words: int = 90) -> str:
    """The first long-enough paragraph of the first held-out address: a fixed, public sample."""
    for _, text in sotu_documents("heldout"):
        for paragraph in text.split("\n"):
            if len(paragraph.split()) >= min_words:
                return paragraph.strip()
    raise RuntimeError("no held-out State of the Union paragraph found")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spinner", default="crude", help="crude, phrase or tortured")
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    console = Console(highlight=False)
    original = sample_paragraph()
    spun = spin(original, args.spinner, args.rate, args.seed)
    console.rule(f"[bold]spun by the {args.spinner} spinner (rate {args.rate}, seed {args.seed})")
    console.print(spun.spun)
    console.rule("[bold]restored by unspin")
    result = unspin.restore(spun.spun)
    show_restoration(spun.spun, result)
    score = score_restoration(spun, result)
    console.rule()
    console.print(
        f"{score.edits} spans were spun; unspin made {score.changes} changes, of which"
        f" {score.correct_changes} put back the original word; word error rate against the"
        f" original: {score.wer_before:.1%} before, {score.wer_after:.1%} after."
    )


if __name__ == "__main__":
    main()
