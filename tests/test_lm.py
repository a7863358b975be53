"""The language model, built for real (lmplz + build_binary) on 100 Brown documents, with the
installed CMU Sphinx trigram beside it."""

from __future__ import annotations

import hashlib
import itertools
import math
from pathlib import Path

import kenlm
import pytest

from unspin import corpora, lm, lmbuild, resources, text


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    documents = itertools.islice(corpora.brown_documents(exclude=corpora.BROWN_HELDOUT), 100)
    directory = tmp_path_factory.mktemp("lm")
    lmbuild.build(directory, order=3, documents=documents, memory="256M")
    return directory


@pytest.fixture(scope="session")
def model(model_dir: Path) -> lm.LanguageModel:
    return lm.LanguageModel(model_dir)


@pytest.mark.parametrize(
    ("original", "spun"),
    [
        (
            "the president said in a statement on tuesday",
            "the president said successful a statement connected tuesday",
        ),
        ("he will be there", "helium volition beryllium there"),
        ("it was a new idea at the time", "it was a caller idea astatine the time"),
        # Modern usage the 100 Brown documents cannot know; the Sphinx trigram does.
        ("the minister said that", "the minister stated that"),
        ("deep learning is used", "profound learning is used"),
        ("a mobile phone", "a mobile telephone"),
    ],
)
def test_original_outscores_spun_twin(model: lm.LanguageModel, original: str, spun: str) -> None:
    assert model.score(text.lm_tokens(original)) > model.score(text.lm_tokens(spun))


def test_unknown_real_word_beats_unknown_gibberish(
    model: lm.LanguageModel, model_dir: Path
) -> None:
    real, typo = "he said the helium was there", "he said the hellium was there"
    assert "helium" not in model and "hellium" not in model
    # Bare KenLM cannot tell them apart: both are <unk>. The wordfreq prior can.
    bare = kenlm.Model(str(model_dir / lmbuild.BINARY_FILE))
    assert bare.score(real) == bare.score(typo)
    assert model.score(text.lm_tokens(real)) > model.score(text.lm_tokens(typo)) + 1.0
    assert model.prior("helium") is not None and model.prior("hellium") is None


def test_known_word_scores_are_the_weighted_kenlm_models(
    model: lm.LanguageModel, model_dir: Path
) -> None:
    words = text.lm_tokens("the jury said it was a good thing .")
    assert all(word in model for word in words)
    corpus = kenlm.Model(str(model_dir / lmbuild.BINARY_FILE))
    sphinx = kenlm.Model(str(model_dir / lmbuild.SPHINX_FILE))
    *word_steps, end = (score for score, _, _ in corpus.full_scores(" ".join(words)))
    # The Sphinx model never saw punctuation: the corpus model scores the full stop alone.
    expected = lm.CORPUS_WEIGHT * (sum(word_steps[:-1]) + end) + lm.SPHINX_WEIGHT * sphinx.score(
        " ".join(words[:-1])
    )
    expected += (lm.CORPUS_WEIGHT + lm.SPHINX_WEIGHT) * word_steps[-1]
    assert model.score(words) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("bos", [True, False])
@pytest.mark.parametrize(
    "sentence",
    [
        # Punctuation, a digit and gibberish: the Sphinx model skips and restarts.
        "The helium said xqzvw, in 1961, that the jury was there.",
        # Every word known to both models: score() takes its one-call-per-model path.
        "the jury said that the city was there",
    ],
)
def test_score_is_the_sum_of_advance_and_end(
    model: lm.LanguageModel, bos: bool, sentence: str
) -> None:
    words = text.lm_tokens(sentence)
    state = model.begin() if bos else model.null_state()
    total = 0.0
    for word in words:
        logprob, state = model.advance(state, word)
        total += logprob
    total += model.end(state)
    # score() lets KenLM sum in single precision (in C, for speed): equal to about 1e-5 of 40.
    assert model.score(words, bos=bos) == pytest.approx(total, abs=1e-4)
    assert model.score(words, bos=bos, eos=False) == pytest.approx(
        total - model.end(state), abs=1e-4
    )


def test_advance_leaves_its_input_state_alone(model: lm.LanguageModel) -> None:
    start = model.begin()
    first, _ = model.advance(start, "the")
    model.advance(start, "jury")
    assert model.advance(start, "the")[0] == first


def test_manifest_describes_the_files(model: lm.LanguageModel, model_dir: Path) -> None:
    manifest = model.manifest
    assert manifest["order"] == 3
    assert set(manifest["ngrams"]) == {"1", "2", "3"}
    assert manifest["ngrams"]["1"] > 10_000
    for name, entry in manifest["files"].items():
        data = (model_dir / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert manifest["training_text"]["tokens"] > 100_000
    assert 0 < manifest["unknown_words"]["unseen_mass"] < 0.2
    assert manifest["order"] == model.order == 3
    trained, (sphinx,) = manifest["sources"][:-1], manifest["sources"][-1:]
    assert math.isclose(
        sum(source["tokens"] for source in trained), manifest["training_text"]["tokens"]
    )
    assert "BSD" in sphinx["licence"] and sphinx["ngrams"]["3"] > 1_000_000


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(lm.ModelNotFound) as error:
        lm.LanguageModel(tmp_path)
    assert isinstance(error.value, FileNotFoundError)
    assert lmbuild.BINARY_FILE in str(error.value) and "\n" not in str(error.value)


def test_failed_build_reports_the_tool_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(lmbuild.BuildError, match="build_binary failed"):
        lmbuild.build(tmp_path, order=3, documents=[], memory="64M")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("collocation", "spun"),
    [
        ("white house", "white home"),
        ("in the", "successful the"),
        ("last year", "last twelvemonth"),
        ("loss of", "red of"),
    ],
)
def test_web_association_prefers_the_collocation(
    model: lm.LanguageModel, collocation: str, spun: str
) -> None:
    assert model.association(*collocation.split()) > model.association(*spun.split())


def test_web_association_is_bounded_and_neutral_on_unknown_words(model: lm.LanguageModel) -> None:
    assert model.association("the", "qwxzv") == 0.0
    assert model.association("<s>", "the") == 0.0
    # Two very common words never seen side by side: below chance, so a penalty.
    assert model.association("successful", "the") < 0
    words = ["the", "cat", "sat", "on", "a", "mat"]
    assert all(-3.0 <= model.association(a, b) <= 3.0 for a, b in itertools.pairwise(words))
    assert model.manifest["web_pairs"]["pairs"] > 200_000


def test_sphinx_model_skips_punctuation_and_restarts_after_words_it_lacks(
    model: lm.LanguageModel, model_dir: Path
) -> None:
    roles = {word: model.scored_word(word)[3] for word in ("the", ",", "1961", "xqzvw")}
    assert roles == {
        "the": lm.SPHINX_SCORES,
        ",": lm.SPHINX_SKIPS,
        "1961": lm.SPHINX_RESTARTS,
        "xqzvw": lm.SPHINX_RESTARTS,
    }
    # Across a comma the Sphinx model keeps its context; after an unknown word it starts afresh.
    sphinx = kenlm.Model(str(model_dir / lmbuild.SPHINX_FILE))
    corpus = kenlm.Model(str(model_dir / lmbuild.BINARY_FILE))
    alone = lm.CORPUS_WEIGHT + lm.SPHINX_WEIGHT

    def corpus_share(words: list[str]) -> float:
        steps = [score for score, _, _ in corpus.full_scores(" ".join(words), eos=False)]
        weights = [model.scored_word(word)[1] for word in words]
        offsets = [model.scored_word(word)[2] for word in words]
        return sum(w * step + o for w, step, o in zip(weights, steps, offsets, strict=True))

    comma = ["white", ",", "house"]
    assert model.score(comma, eos=False) == pytest.approx(
        corpus_share(comma) + lm.SPHINX_WEIGHT * sphinx.score("white house", eos=False), abs=1e-4
    )
    unknown = ["white", "xqzvw", "house"]
    restarted = sphinx.score("white", eos=False) + sphinx.score("house", bos=False, eos=False)
    assert model.score(unknown, eos=False) == pytest.approx(
        corpus_share(unknown) + lm.SPHINX_WEIGHT * restarted, abs=1e-4
    )
    assert model.scored_word("xqzvw")[1] == alone


def test_damaged_sphinx_model_is_a_one_line_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = tmp_path / "en-us.lm.bin"
    damaged.write_bytes(resources.sphinx_lm_file().read_bytes()[:1_000_000])
    monkeypatch.setenv("UNSPIN_SPHINX_LM", str(damaged))
    out = tmp_path / "model"
    documents = itertools.islice(corpora.brown_documents(exclude=corpora.BROWN_HELDOUT), 20)
    with pytest.raises(resources.MissingResource, match=r"do not add up.*make setup") as error:
        lmbuild.build(out, order=3, documents=documents, memory="64M")
    assert "\n" not in str(error.value)
    assert list(out.iterdir()) == []  # nothing half-built is left behind


def test_word_cache_forgets_past_its_limit():
    # Per-word caches live as long as the process: in a crawl, names and numbers would grow them
    # without bound.
    from unspin.lm import _WordCache

    looked_up = []
    cache = _WordCache(lambda word: looked_up.append(word) or word.upper(), limit=2)
    assert [cache[w] for w in ("in", "on", "in")] == ["IN", "ON", "IN"]
    assert looked_up == ["in", "on"]
    assert cache["at"] == "AT"
    assert len(cache) == 1 and looked_up == ["in", "on", "at"]
