import pytest

from unspin.text import Kind, lm_form, lm_tokens, paragraphs, sentences, tokenize

TRICKY = [
    "He said: “We’re U.S.-based,” at https://example.org/a.b, on 12.5% of 2,000 missiles.",
    "Mail a.person+tag@example.co.uk!  Tabs\tand\nnew lines\r\nand   spaces.",
    "Zelenskyy — an ally — won’t go; café naïve coöperate 3rd 1990s (really?)",
    "",
    "   ",
    "long-range sign-off U.K. e.g. 'quoted' \"double\" … ellipsis",
]


@pytest.mark.parametrize("text", TRICKY)
def test_offsets_reproduce_the_input(text):
    tokens = tokenize(text)
    for token in tokens:
        assert text[token.start : token.end] == token.text
    # Nothing but whitespace lies between tokens: the tokenizer drops no character.
    cursor = 0
    for token in tokens:
        assert text[cursor : token.start].strip() == ""
        cursor = token.end
    assert text[cursor:].strip() == ""


def test_kinds():
    kinds = {t.text: t.kind for t in tokenize(TRICKY[0] + " " + TRICKY[1])}
    assert kinds["https://example.org/a.b"] is Kind.URL
    assert kinds["a.person+tag@example.co.uk"] is Kind.EMAIL
    assert kinds["12.5%"] is Kind.NUMBER
    assert kinds["2,000"] is Kind.NUMBER
    assert kinds["U.S."] is Kind.WORD
    assert kinds["We’re"] is Kind.WORD


def test_offset_shift():
    assert [(t.start, t.end) for t in tokenize("a bc", offset=10)] == [(10, 11), (12, 14)]


def test_paragraphs_split_on_line_breaks_and_keep_offsets():
    text = "First para here.\nSecond one.\n\n  \nThird."
    spans = list(paragraphs(text))
    assert [text[p.start : p.end] for p in spans] == ["First para here.", "Second one.", "Third."]
    assert all(text[t.start : t.end] == t.text for p in spans for t in p.tokens)


def test_sentences_cut_after_terminal_punctuation_and_closing_quotes():
    tokens = tokenize('He left. "Why?" she asked. Done')
    assert [" ".join(t.text for t in s) for s in sentences(tokens)] == [
        "He left .",
        '" Why ? "',
        "she asked .",
        "Done",
    ]


def test_lm_form_folds_case_and_quotes():
    assert lm_form("Won’t") == "won't"
    assert lm_tokens("“Hi” there") == ['"', "hi", '"', "there"]
