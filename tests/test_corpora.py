"""Corpus readers on the installed corpora: held-out splits stay held out, text reads cleanly."""

from __future__ import annotations

import re

import pytest

from unspin import corpora


@pytest.fixture(scope="module")
def training_ids() -> list[str]:
    return [doc_id for doc_id, _ in corpora.training_documents()]


def test_training_documents_exclude_evaluated_brown_genres(training_ids: list[str]) -> None:
    press = {file_id for file_id, _ in corpora.brown_documents(corpora.BROWN_PRESS)}
    heldout = {file_id for file_id, _ in corpora.brown_documents(corpora.BROWN_HELDOUT)}
    brown = {doc_id.removeprefix("brown:") for doc_id in training_ids if doc_id[:6] == "brown:"}
    assert len(press) == 88  # categories A-C: 44 news, 27 editorial, 17 reviews
    assert len(heldout) == 88 + 29 + 80  # and K general fiction, J learned
    assert brown and not brown & heldout
    categories = {corpora.brown_category(file_id) for file_id in brown}
    assert categories.isdisjoint(corpora.BROWN_NOT_TRAINED)
    dev = {file_id for file_id, _ in corpora.brown_documents(corpora.BROWN_DEV)}
    assert len(dev) == 30 + 36  # H government, E hobbies: where detection is calibrated
    assert len(brown) + len(heldout) + len(dev) == 500


def test_the_screen_learns_from_the_same_brown_files_as_the_language_model(
    training_ids: list[str],
) -> None:
    from unspin import screenbuild

    brown = {doc_id.removeprefix("brown:") for doc_id in training_ids if doc_id[:6] == "brown:"}
    assert {file_id for file_id, _ in screenbuild.training_documents()} == brown


def test_training_documents_exclude_heldout_and_bbc(training_ids: list[str]) -> None:
    assert {doc_id.partition(":")[0] for doc_id in training_ids} == {"brown", "sotu", "nlp-corpus"}
    for split in ("dev", "heldout"):
        excluded = {f"sotu:{file_id}" for file_id, _ in corpora.sotu_documents(split)}
        assert excluded and not excluded & set(training_ids)


def test_unknown_brown_category_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown Brown categories"):
        corpora.brown_documents(exclude=("newz",))  # at the call, not at the first document


def test_brown_detokenised_text_reads_like_prose() -> None:
    documents = dict(corpora.brown_documents())
    first = documents["ca01"].split("\n\n")[0]
    assert first == (
        "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary "
        'election produced "no evidence" that any irregularities took place.'
    )
    everything = "\n".join(documents.values())
    for artefact in (" ,", " .", " ;", " )", "( ", "``"):
        assert artefact not in everything, artefact
    assert not re.search(r"[a-z]/(?:at|nns?|vbd|jj)\s", everything)  # no tag left behind


def test_sotu_splits_are_disjoint_and_cover_the_corpus() -> None:
    train = dict(corpora.sotu_documents("train"))
    dev = dict(corpora.sotu_documents("dev"))
    heldout = dict(corpora.sotu_documents("heldout"))
    assert not train.keys() & heldout.keys() and not dev.keys() & (train.keys() | heldout.keys())
    assert dev and len(train) + len(dev) + len(heldout) == 249
    assert all(int(file_id[:4]) >= corpora.SOTU_HELDOUT_FROM for file_id in heldout)
    assert all(int(file_id[:4]) < corpora.SOTU_DEV_FROM for file_id in train)
    markup = re.compile(r"\[(?:Applause|Laughter)\]|^The President\.", re.I | re.M)
    assert not any(markup.search(body) for body in heldout.values())


def test_bbc_exact_duplicates_removed() -> None:
    documents = list(corpora.bbc_documents())
    assert len(documents) == 2127  # 2,225 articles, 98 exact duplicates
    assert len({body for _, body in documents}) == len(documents)
    assert all(re.fullmatch(r"[a-z]+/\d{3}", doc_id) for doc_id, _ in documents)


def test_bbc_dev_and_test_splits_partition_the_documents() -> None:
    dev = dict(corpora.bbc_documents("dev"))
    test = dict(corpora.bbc_documents("test"))
    assert not dev.keys() & test.keys()
    assert len(dev) + len(test) == 2127
    assert 0.15 < len(dev) / 2127 < 0.25
    with pytest.raises(ValueError, match="split"):
        list(corpora.bbc_documents("train"))  # type: ignore[arg-type]


def test_offensive_filter_drops_sentences_but_not_innocent_words() -> None:
    stats = corpora.FilterStats()
    kept = sum(1 for _ in corpora.nlp_corpus_sentences(stats))
    assert kept == stats.kept > 90_000
    assert 100 < stats.dropped < 5_000
    assert corpora.is_offensive("What the FUCK is this?")
    for innocent in ("A cocktail at the Dickens museum.", "The spice trade.", "Hoe the garden."):
        assert not corpora.is_offensive(innocent), innocent


def test_training_sources_name_packages_and_versions() -> None:
    sources = corpora.training_sources({"brown": 1, "sotu": 2, "nlp-corpus": 3})
    assert [source["name"] for source in sources] == ["brown", "sotu", "nlp-corpus"]
    assert [source["tokens"] for source in sources] == [1, 2, 3]
    assert all(source["version"] and source["licence"] for source in sources)
