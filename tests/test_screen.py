"""The fast tier's screen: a table learned from spun training text, and the scan that reads it."""

from __future__ import annotations

from unspin import screen, screenbuild
from unspin.corpora import brown_documents
from unspin.screen import Screen, Stretch


def test_table_from_a_small_real_corpus_flags_what_the_spinners_produce(tmp_path):
    documents = list(brown_documents(["religion"]))[:2]
    info = screenbuild.build(tmp_path, documents)
    assert info["documents"] == 2 and 0.0 < info["spun_share"] < 0.5
    table = Screen(tmp_path)
    # The training text spun again: its substitutes are what the table has seen.
    text = documents[0][1]
    assert table.originals  # every substitute seen keeps its most frequent original
    scanned = Stretch.pool(table.scan(text))
    assert scanned.words > 1000
    assert all(text[start:end].lower() == word for start, end, word, _ in scanned.suspects)


def test_scan_reads_the_built_table(unspinner):
    clean = "The minister said on Tuesday that the new rules will come into force in March."
    spun = (
        "The curate aforesaid connected Tuesday that the caller rules volition travel into"
        " unit successful March."
    )
    calm, odd = (Stretch.pool(unspinner.screen.scan(t)) for t in (clean, spun))
    assert calm.words == odd.words == 15
    assert odd.over[0] > calm.over[0]
    assert odd.clipped_sum > calm.clipped_sum
    suspects = {word for _, _, word, _ in odd.suspects}
    assert {"connected", "successful"} <= suspects


def test_paragraphs_are_lines_and_pool_into_a_document(unspinner):
    text = "First paragraph here.\n\nSecond one, a little longer than the first.\n"
    paragraphs = unspinner.screen.scan(text)
    assert [text[p.start : p.end] for p in paragraphs] == [
        "First paragraph here.",
        "Second one, a little longer than the first.",
    ]
    document = Stretch.pool(paragraphs)
    assert document.words == 3 + 8
    assert (document.start, document.end) == (paragraphs[0].start, paragraphs[-1].end)
    assert len(document.features()) == len(screen.CUTS) + 1


def test_empty_text_has_no_words(unspinner):
    assert Stretch.pool(unspinner.screen.scan("")).words == 0
    assert Stretch.pool(unspinner.screen.scan(" \n ... \n")).words == 0
