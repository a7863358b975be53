"""The CMU Sphinx US English trigram model, read from PocketSphinx's binary trie into ARPA text.

unspin's own 5-gram learns from 4.4M words of open text (Brown, State of the Union, nlp-corpus):
too little, and too old, to know that *said* is likelier than *stated* after "the minister", or
that *deep learning* and *mobile phone* are phrases. The language model that ships inside the
``pocketsphinx`` wheel (``model/en-us/en-us.lm.bin``, BSD licence; 72k words, 2.05M bigrams,
1.67M trigrams, lower case, no punctuation) was estimated from far more, and more modern, English.
Its training text is not documented.

KenLM cannot read Sphinx's binary format, and Sphinx's own ARPA writer fails on this file: its
header counts six more bigrams than the trie holds, and the writer asserts on that (Debian's
``sphinx_lm_convert``) or crashes (the wheel's ``NGramModel.write``). The format is simple enough
to read directly; this module does, with numpy, in a few seconds:

* ``"Trie Language Model"``, the order (one byte; 3 here), then one uint32 count per order;
* an int32 (a retired quantizer type) and the quantizer's tables: 2^16 float32 bigram
  probabilities, 2^16 bigram backoffs, 2^16 trigram probabilities;
* one record per unigram plus a sentinel: probability, backoff (float32), index of its first
  bigram (uint32);
* the bit-packed bigram array: each entry holds the *previous* word's id (the trie is keyed from
  the last word backwards, as KenLM's is), a 16-bit backoff code, a 16-bit probability code and the
  index of its first trigram; then the trigram array: the id of the word two back and a 16-bit
  probability code. Bit fields are little-endian and entries are not byte aligned;
* the vocabulary: an int32 byte count, then the words, each ended by a NUL.

Scores are stored in Sphinx's log base 1.0001; ARPA wants log10.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

_HEADER = b"Trie Language Model"
_QUANT_BITS = 16
_QUANT_TABLE = 1 << _QUANT_BITS
_LOG10_OF_LOGBASE = math.log10(1.0001)
_UNIGRAM = np.dtype([("prob", "<f4"), ("backoff", "<f4"), ("next", "<u4")])


class FormatError(ValueError):
    """The file is not a trigram in Sphinx's binary trie format."""


@dataclass(frozen=True)
class Trigram:
    """The model's n-grams as arrays of log10 scores and word ids, in the trie's order."""

    words: list[str]
    unigram_prob: np.ndarray
    unigram_backoff: np.ndarray
    bigram_last: np.ndarray  # word id of each bigram's second word
    bigram_first: np.ndarray
    bigram_prob: np.ndarray
    bigram_backoff: np.ndarray
    trigram_bigram: np.ndarray  # index of the bigram each trigram extends to the left
    trigram_first: np.ndarray
    trigram_prob: np.ndarray


def _bits_for(largest: int) -> int:
    return int(largest).bit_length()


def _unpack(memory: np.ndarray, start: int, entries: int, stride: int, at: int, width: int):
    """Field ``[at, at + width)`` bits of each of ``entries`` records ``stride`` bits apart."""
    bit = np.arange(entries, dtype=np.int64) * stride + at
    byte = start + (bit >> 3)
    word = np.zeros(entries, dtype=np.uint64)
    for k in range(8):  # an unaligned little-endian 64-bit read per entry
        word |= memory[byte + k].astype(np.uint64) << np.uint64(8 * k)
    word >>= (bit & 7).astype(np.uint64)
    return (word & np.uint64((1 << width) - 1)).astype(np.int64)


def read(path: Path) -> Trigram:
    """Parse the binary trie at ``path``; raises :class:`FormatError` on anything unexpected."""
    data = Path(path).read_bytes()
    if not data.startswith(_HEADER) or len(data) < 32:
        raise FormatError(f"{path} is not a Sphinx binary trie language model")
    order = data[len(_HEADER)]
    if order != 3:
        raise FormatError(f"{path} is a {order}-gram model; only trigrams are supported")
    counts = struct.unpack_from("<3I", data, len(_HEADER) + 1)
    word_bits, trigram_ptr_bits = _bits_for(counts[0]), _bits_for(counts[2])
    bigram_stride = word_bits + 2 * _QUANT_BITS + trigram_ptr_bits
    trigram_stride = word_bits + _QUANT_BITS
    # Sizes follow the header's counts (+1 entry for the end pointer, +8 bytes of read slack).
    bigram_bytes = ((counts[1] + 1) * bigram_stride + 7) // 8 + 8
    trigram_bytes = ((counts[2] + 1) * trigram_stride + 7) // 8 + 8
    tables_at = len(_HEADER) + 1 + 12 + 4  # header, counts, retired quantizer type
    unigrams_at = tables_at + 3 * _QUANT_TABLE * 4
    memory_at = unigrams_at + (counts[0] + 1) * _UNIGRAM.itemsize
    vocabulary_at = memory_at + bigram_bytes + trigram_bytes
    mismatch = FormatError(f"{path}: sizes do not add up to a Sphinx trigram trie")
    if len(data) < vocabulary_at + 4:
        raise mismatch
    tables = np.frombuffer(data, "<f4", 3 * _QUANT_TABLE, tables_at)
    bigram_probs, bigram_backoffs, trigram_probs = np.split(
        tables.astype(np.float64) * _LOG10_OF_LOGBASE, 3
    )
    unigrams = np.frombuffer(data, _UNIGRAM, counts[0] + 1, unigrams_at)
    memory = np.frombuffer(data, np.uint8, bigram_bytes + trigram_bytes, memory_at)
    (vocabulary_bytes,) = struct.unpack_from("<i", data, vocabulary_at)
    words = data[vocabulary_at + 4 : vocabulary_at + 4 + vocabulary_bytes].split(b"\0")
    if vocabulary_at + 4 + vocabulary_bytes != len(data) or len(words) < counts[0]:
        raise mismatch
    words = words[: counts[0]]

    # The pointers, not the header, say how many entries the trie holds.
    bigrams = int(unigrams["next"][-1])
    first_trigram = _unpack(
        memory, 0, bigrams + 1, bigram_stride, bigram_stride - trigram_ptr_bits, trigram_ptr_bits
    )
    trigrams = int(first_trigram[-1])
    unigram_next = unigrams["next"].astype(np.int64)
    return Trigram(
        words=[word.decode("utf-8", "replace") for word in words],
        unigram_prob=unigrams["prob"][:-1].astype(np.float64) * _LOG10_OF_LOGBASE,
        unigram_backoff=unigrams["backoff"][:-1].astype(np.float64) * _LOG10_OF_LOGBASE,
        bigram_last=np.repeat(np.arange(counts[0]), np.diff(unigram_next)),
        bigram_first=_unpack(memory, 0, bigrams, bigram_stride, 0, word_bits),
        bigram_prob=bigram_probs[
            _unpack(memory, 0, bigrams, bigram_stride, word_bits + _QUANT_BITS, _QUANT_BITS)
        ],
        bigram_backoff=bigram_backoffs[
            _unpack(memory, 0, bigrams, bigram_stride, word_bits, _QUANT_BITS)
        ],
        trigram_bigram=np.repeat(np.arange(bigrams), np.diff(first_trigram)),
        trigram_first=_unpack(memory, bigram_bytes, trigrams, trigram_stride, 0, word_bits),
        trigram_prob=trigram_probs[
            _unpack(memory, bigram_bytes, trigrams, trigram_stride, word_bits, _QUANT_BITS)
        ],
    )


def write_arpa(model: Trigram, sink: IO[str]) -> dict[str, int]:
    """Write ``model`` as ARPA text; returns the n-gram counts written."""
    words = model.words
    counts = {"1": len(words), "2": len(model.bigram_prob), "3": len(model.trigram_prob)}
    sink.write("\\data\\\n" + "".join(f"ngram {n}={c}\n" for n, c in counts.items()))
    sink.write("\n\\1-grams:\n")
    for word, prob, backoff in zip(words, model.unigram_prob, model.unigram_backoff, strict=True):
        sink.write(f"{-99.0 if word == '<s>' else prob:.4f}\t{word}\t{backoff:.4f}\n")
    sink.write("\n\\2-grams:\n")
    firsts, lasts = model.bigram_first, model.bigram_last
    for first, last, prob, backoff in zip(
        firsts, lasts, model.bigram_prob, model.bigram_backoff, strict=True
    ):
        sink.write(f"{prob:.4f}\t{words[first]} {words[last]}\t{backoff:.4f}\n")
    sink.write("\n\\3-grams:\n")
    for bigram, first, prob in zip(
        model.trigram_bigram, model.trigram_first, model.trigram_prob, strict=True
    ):
        sink.write(f"{prob:.4f}\t{words[first]} {words[firsts[bigram]]} {words[lasts[bigram]]}\n")
    sink.write("\n\\end\\\n")
    return counts
