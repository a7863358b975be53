"""The bench's ``trace`` section: tracing spun copies to their source, and clustering variants.

Index: every public corpus cut into passages (:func:`unspin.trace.corpus.chunks`: Brown, State of
the Union, nlp-corpus sentences grouped into pseudo-documents) plus BBC News articles, at least
100,000 documents. Queries: 500 BBC *test* articles (indexed) spun three ways (crude 0.35,
phrase 0.30, and the cross condition: phrase 0.30 drawing on Moby only), and 500 never-indexed
clean documents (300 other BBC test articles, near-topic, and 200 held-out passages). The same
queries go to plain MinHash-LSH on word 5-grams (datasketch, FineWeb-like: 112 permutations,
14 bands of 8 rows). Then the index growth curve (10k/30k/100k documents) with a projection to
10M, and clustering of the collection with the spun copies planted in it, on one machine and
in Spark local mode.

    unspin bench --suite trace       # writes bench/results/<date>-trace.md and .json
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import resource
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

from unspin import __version__, corpora, data
from unspin.trace import spark as trace_spark
from unspin.trace.cluster import cluster
from unspin.trace.corpus import chunks
from unspin.trace.fingerprint import lexicon_id
from unspin.trace.index import Index

SOURCES = 500
CLEAN_BBC = 300
CLEAN_PASSAGES = 200
CONDITIONS = {
    "crude 0.35": ("crude", 0.35, None),
    "phrase 0.30": ("phrase", 0.30, None),
    "cross (phrase 0.30, Moby only)": ("phrase", 0.30, ("moby",)),
}
GROWTH = (10_000, 30_000)
PROJECT_TO = 10_000_000
PASSAGE_WORDS = 30
"""Passage size: corpora of 5.6M words give the 100,000 documents of the target at about 50 words,
the size of a news paragraph or two."""
NLP_BLOCK = 200  # nlp-corpus sentences joined before chunking (they come as one list)
DUPLICATE = 0.25
"""Share of the shorter text's word 5-grams two documents must share to count as duplicates."""
MINHASH_PERM, MINHASH_BANDS, MINHASH_ROWS = 112, 14, 8

Say = Callable[[str], None]


def _seed(seed: int, *parts: str) -> int:
    return int(hashlib.sha256("|".join([str(seed), *parts]).encode()).hexdigest()[:8], 16)


def collection(seed: int) -> dict[str, list[tuple[str, str]]]:
    """Sources, indexed distractors and never-indexed clean documents (ids prefixed by corpus)."""
    rng = random.Random(seed)
    bbc_test = deduplicate([(f"bbc:{d}", t) for d, t in corpora.bbc_documents("test")])
    bbc_dev = deduplicate([(f"bbc:{d}", t) for d, t in corpora.bbc_documents("dev")], bbc_test)
    rng.shuffle(bbc_test)
    sources = bbc_test[:SOURCES]
    clean_bbc = bbc_test[SOURCES : SOURCES + CLEAN_BBC]
    passages: list[tuple[str, str]] = []
    for doc_id, body in corpora.brown_documents():
        passages += [(f"brown:{doc_id}#{n}", c) for n, c in enumerate(chunks(body, PASSAGE_WORDS))]
    for split in ("train", "dev", "heldout"):
        for doc_id, body in corpora.sotu_documents(split):
            passages += [
                (f"sotu:{doc_id}#{n}", c) for n, c in enumerate(chunks(body, PASSAGE_WORDS))
            ]
    sentences = [s for _, s in corpora.nlp_corpus_sentences()]
    for block in range(0, len(sentences), NLP_BLOCK):
        body = "\n".join(sentences[block : block + NLP_BLOCK])
        passages += [(f"nlp:{block}#{n}", c) for n, c in enumerate(chunks(body, PASSAGE_WORDS))]
    unique = deduplicate(passages, keep=sources + clean_bbc)
    rng.shuffle(unique)
    clean = clean_bbc + unique[:CLEAN_PASSAGES]
    distractors = bbc_test[SOURCES + CLEAN_BBC :] + bbc_dev + unique[CLEAN_PASSAGES:]
    rng.shuffle(distractors)
    return {"sources": sources, "distractors": distractors, "clean": clean}


def deduplicate(
    documents: list[tuple[str, str]], keep: list[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """``documents`` without near-duplicates of each other or of ``keep``, by plain word 5-gram
    containment (a criterion independent of the method measured): BBC News holds the same story
    in several versions and the speeches repeat passages, and a "clean" query or a distractor
    that is really a copy would make the figures meaningless."""
    postings: dict[str, list[int]] = {}
    sizes: list[int] = []
    kept = []

    def remember(grams: set[str]) -> None:
        for gram in grams:
            postings.setdefault(gram, []).append(len(sizes))
        sizes.append(len(grams))

    for _, text in keep:
        remember(_five_grams(text))
    for doc_id, text in documents:
        grams = _five_grams(text)
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(postings.get(gram, ()))
        if any(
            count >= DUPLICATE * min(len(grams), sizes[other]) for other, count in shared.items()
        ):
            continue
        remember(grams)
        kept.append((doc_id, text))
    return kept


def spun_queries(sources: list[tuple[str, str]], seed: int, say: Say) -> dict[str, list]:
    """Each source spun under each condition: ``{condition: [(source_id, spun_text)]}``."""
    from unspin.bench.spinners import spin

    queries: dict[str, list[tuple[str, str]]] = {}
    for name, (spinner, rate, thesauri) in CONDITIONS.items():
        say(f"spinning {len(sources)} sources: {name}")
        queries[name] = [
            (doc_id, spin(text, spinner, rate, _seed(seed, name, doc_id), thesauri).spun)
            for doc_id, text in sources
        ]
    return queries


def _words(text: str) -> int:
    return len(text.split())


def _build(path: Path, documents: list[tuple[str, str]], data_dir: Path | None) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    with Index(path, data_dir=data_dir) as index:
        index.add_many(documents)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        size = index.size_bytes()
    return {
        "documents": len(documents),
        "build_seconds": round(wall, 1),
        "build_cpu_seconds": round(cpu, 1),
        "docs_per_second": round(len(documents) / wall),
        "docs_per_cpu_second": round(len(documents) / cpu),
        "bytes": size,
        "bytes_per_doc": round(size / len(documents)),
    }


def _query_all(index: Index, queries: list[tuple[str | None, str]]) -> tuple[list, list[float]]:
    """Top match (or None) per query and the latency of each query in ms."""
    tops, latencies = [], []
    for _, text in queries:
        started = time.perf_counter()
        found = index.query(text, k=1)
        latencies.append((time.perf_counter() - started) * 1000)
        tops.append(found[0] if found else None)
    return tops, latencies


def _recall(tops: list, queries: list[tuple[str | None, str]]) -> dict:
    right = [t for t, q in zip(tops, queries, strict=True) if t is not None and t.doc_id == q[0]]
    hits = sum(t.is_match for t in right)
    return {
        "queries": len(queries),
        "recall_at_1": round(hits / len(queries), 4),
        "top1_right_any_score": round(len(right) / len(queries), 4),
        "min_score_of_right_top1": round(min((t.score for t in right), default=0.0), 4),
    }


def _clean(tops: list, queries: list) -> dict:
    false = [t for t in tops if t is not None and t.is_match]
    return {
        "queries": len(queries),
        "no_match_share": round(1 - len(false) / len(queries), 4),
        "false_matches": len(false),
        "max_score": round(max((t.score for t in tops if t is not None), default=0.0), 4),
    }


def _latency(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


_WORD = re.compile(r"\w+")


def _five_grams(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def minhash_baseline(
    indexed: list[tuple[str, str]],
    queries: dict[str, list[tuple[str, str]]],
    clean: list[tuple[str, str]],
    say: Say,
) -> dict:
    """Plain near-duplicate detection as web dedup pipelines run it: MinHash on word 5-grams,
    LSH with 14 bands of 8 rows (a match from Jaccard ~0.75); the top candidate by estimated
    Jaccard is the answer, and any candidate at all is a match."""
    from datasketch import MinHash, MinHashLSH

    def sketch(text: str) -> MinHash:
        found = MinHash(num_perm=MINHASH_PERM, seed=1)
        found.update_batch([gram.encode() for gram in _five_grams(text)])
        return found

    say(f"MinHash baseline: sketching {len(indexed):,} documents")
    started = time.perf_counter()
    lsh = MinHashLSH(num_perm=MINHASH_PERM, params=(MINHASH_BANDS, MINHASH_ROWS))
    sketches = {}
    with lsh.insertion_session() as session:
        for doc_id, text in indexed:
            sketches[doc_id] = sketch(text)
            session.insert(doc_id, sketches[doc_id])
    build = time.perf_counter() - started

    def top(text: str) -> str | None:
        query = sketch(text)
        found = lsh.query(query)
        return max(found, key=lambda d: (query.jaccard(sketches[d]), d)) if found else None

    results: dict[str, Any] = {
        "settings": f"{MINHASH_PERM} permutations, {MINHASH_BANDS} bands x {MINHASH_ROWS} rows,"
        " word 5-grams, lower case",
        "build_docs_per_second": round(len(indexed) / build),
        "conditions": {},
    }
    for name, pairs in queries.items():
        hits = sum(top(text) == doc_id for doc_id, text in pairs)
        results["conditions"][name] = {"recall_at_1": round(hits / len(pairs), 4)}
    false = sum(top(text) is not None for _, text in clean)
    results["clean"] = {"no_match_share": round(1 - false / len(clean), 4), "false_matches": false}
    return results


def _pairs(groups: list[tuple[str, ...]]) -> set[tuple[str, str]]:
    return {pair for group in groups for pair in combinations(sorted(group), 2)}


def _cluster_scores(found: list, truth: dict[str, tuple[str, ...]]) -> dict:
    predicted = _pairs([c.members for c in found])
    expected = _pairs(list(truth.values()))
    right = len(predicted & expected)
    by_member = {m: c for c in found for m in c.members}
    sources_right = sum(
        source in by_member and by_member[source].source == source for source in truth
    )
    return {
        "clusters": len(found),
        "predicted_pairs": len(predicted),
        "true_pairs": len(expected),
        "pair_precision": round(right / len(predicted), 4) if predicted else None,
        "pair_recall": round(right / len(expected), 4) if expected else None,
        "source_picked_right": round(sources_right / len(truth), 4),
    }


def clustering(
    indexed: list[tuple[str, str]],
    queries: dict[str, list[tuple[str, str]]],
    seed: int,
    data_dir: Path | None,
    say: Say,
    spark: bool = True,
) -> dict:
    """Plant 1-3 spun variants of each source in the collection and cluster it."""
    rng = random.Random(seed)
    planted: list[tuple[str, str]] = []
    truth: dict[str, tuple[str, ...]] = {}
    names = list(queries)
    by_condition = {name: dict(pairs) for name, pairs in queries.items()}
    for doc_id in by_condition[names[0]]:
        chosen = rng.sample(names, rng.randint(1, len(names)))
        variants = [(f"{doc_id}~{names.index(n)}", by_condition[n][doc_id]) for n in chosen]
        planted += variants
        truth[doc_id] = (doc_id, *(v for v, _ in variants))
    documents = indexed + planted
    random.Random(seed + 1).shuffle(documents)
    say(f"clustering {len(documents):,} documents ({len(planted)} planted variants), one machine")
    started = time.perf_counter()
    local, stats = cluster(documents, data_dir)
    results: dict[str, Any] = {
        "documents": len(documents),
        "planted_variants": len(planted),
        "sources": len(truth),
        "local": {
            **_cluster_scores(local, truth),
            **stats,
            "seconds": round(time.perf_counter() - started, 1),
        },
    }
    if spark:
        say("clustering the same collection in Spark local mode (local[1])")
        started = time.perf_counter()
        remote, spark_stats = trace_spark.cluster(documents, data_dir, master="local[1]")
        results["spark"] = {
            **_cluster_scores(remote, truth),
            **spark_stats,
            "seconds": round(time.perf_counter() - started, 1),
            "same_clusters_as_local": remote == local,
        }
    return results


def run(
    seed: int = 13,
    data_dir: Path | None = None,
    say: Say = print,
    spark: bool = True,
) -> dict[str, Any]:
    """The whole section; returns what the JSON report holds."""
    from unspin.bench.suite import _git_commit

    started = time.perf_counter()
    commit = _git_commit()  # the code that runs, even if the tree is edited during the run
    say("trace: reading and chunking the corpora")
    parts = collection(seed)
    indexed = parts["sources"] + parts["distractors"]
    rng = random.Random(seed)
    rng.shuffle(indexed)
    queries = spun_queries(parts["sources"], seed, say)
    clean = [(None, text) for _, text in parts["clean"]]
    lexicon = lexicon_id(data_dir or data.default_dir())
    results: dict[str, Any] = {
        "signature": f"unspin-bench-trace:1|lexicon:{lexicon}|commit:{commit}|seed:{seed}"
        f"|indexed:{len(indexed)}|sources:{SOURCES}|clean:{len(clean)}|version:{__version__}",
        "seed": seed,
        "corpus": {
            "indexed_documents": len(indexed),
            "indexed_words": sum(_words(t) for _, t in indexed),
            "sources": len(parts["sources"]),
            "clean_queries": len(clean),
            "by_corpus": {
                name: sum(d.startswith(name + ":") for d, _ in indexed)
                for name in ("bbc", "brown", "sotu", "nlp")
            },
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        growth = []
        for size in GROWTH:
            say(f"growth curve: index of {size:,} documents")
            subset = (
                parts["sources"]
                + [d for d in indexed if not d[0].startswith("bbc:")][
                    : size - len(parts["sources"])
                ]
            )
            point = _build(Path(tmp) / f"growth-{size}.db", subset, data_dir)
            with Index(Path(tmp) / f"growth-{size}.db", data_dir=data_dir) as index:
                _, latencies = _query_all(index, queries["phrase 0.30"][:200])
            growth.append({**point, **_latency(latencies)})
        say(f"building the index of {len(indexed):,} documents")
        path = Path(tmp) / "trace.db"
        build = _build(path, indexed, data_dir)
        say("querying: spun copies and clean documents")
        with Index(path, data_dir=data_dir) as index:
            conditions, all_latencies = {}, []
            for name, pairs in queries.items():
                tops, latencies = _query_all(index, pairs)
                conditions[name] = _recall(tops, pairs)
                all_latencies += latencies
                if name == "phrase 0.30":  # the growth curve's query set
                    growth.append({**build, **_latency(latencies[:200])})
            tops, latencies = _query_all(index, clean)
            all_latencies += latencies
    results["index"] = {**build, "query": _latency(all_latencies)}
    results["conditions"] = conditions
    results["clean"] = _clean(tops, clean)
    results["growth"] = growth
    results["projection"] = _project(growth)
    results["minhash"] = minhash_baseline(indexed, queries, parts["clean"], say)
    results["clustering"] = clustering(indexed, queries, seed, data_dir, say, spark)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return results


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return slope, mean_y - slope * mean_x


def _project(growth: list[dict]) -> dict:
    """Size grows linearly with the document count (bytes per document are constant); query time
    is a B-tree descent per shingle (log N) plus a fixed number of verifications, so it is fitted
    on log10 N, and never projected below the largest measured point."""
    counts = [g["documents"] for g in growth]
    size_slope, size_base = _fit(counts, [g["bytes"] for g in growth])
    p50_slope, p50_base = _fit([math.log10(n) for n in counts], [g["p50_ms"] for g in growth])
    p50 = max(p50_base + p50_slope * math.log10(PROJECT_TO), growth[-1]["p50_ms"])
    return {
        "documents": PROJECT_TO,
        "index_gb": round((size_base + size_slope * PROJECT_TO) / 1e9, 1),
        "query_p50_ms": round(p50, 1),
        "build_hours_one_core": round(PROJECT_TO / growth[-1]["docs_per_cpu_second"] / 3600, 1),
        "how": "size: line through the 10k/30k/100k points; query p50: line in log10 N",
    }


def markdown(results: dict[str, Any]) -> list[str]:
    """The report's trace section."""
    corpus, index = results["corpus"], results["index"]
    minhash = results["minhash"]
    lines = [
        "## Trace — finding the source of a spun copy",
        "",
        f"Index: {corpus['indexed_documents']:,} documents ({corpus['indexed_words']:,} words;"
        f" by corpus {corpus['by_corpus']}), including {corpus['sources']} BBC test sources."
        " Queries: each source spun three ways; clean queries: never-indexed documents"
        f" ({corpus['clean_queries']}: other BBC test articles and held-out passages)."
        f" The collection is deduplicated first: a document sharing {DUPLICATE:.0%} of its word"
        " 5-grams with another is dropped (BBC News holds several versions of some stories)."
        " Recall@1: the source is the top match *and* scores at least 0.5.",
        "",
        "| queries | unspin recall@1 | MinHash 5-gram recall@1 |",
        "|---|---|---|",
    ]
    for name, found in results["conditions"].items():
        lines.append(
            f"| {name} | {found['recall_at_1']:.3f} |"
            f" {minhash['conditions'][name]['recall_at_1']:.3f} |"
        )
    clean = results["clean"]
    lines += [
        f"| clean, no match (share) | {clean['no_match_share']:.4f}"
        f" ({clean['false_matches']} false, max score {clean['max_score']:.3f}) |"
        f" {minhash['clean']['no_match_share']:.4f} ({minhash['clean']['false_matches']} false) |",
        "",
        f"MinHash: {minhash['settings']} (datasketch).",
        "",
        f"Cost, one process: build {index['docs_per_cpu_second']:,} docs per CPU second"
        f" ({index['docs_per_second']:,} docs/s wall on a shared machine;"
        f" {index['build_seconds']} s wall, {index['build_cpu_seconds']} s CPU),"
        f" query p50 {index['query']['p50_ms']} ms, p95 {index['query']['p95_ms']} ms;"
        f" index {index['bytes'] / 1e6:.0f} MB, {index['bytes_per_doc']} bytes per document.",
        "",
        "| documents | build docs/CPU s | build docs/s wall | bytes/doc | query p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for point in results["growth"]:
        lines.append(
            f"| {point['documents']:,} | {point['docs_per_cpu_second']:,}"
            f" | {point['docs_per_second']:,} | {point['bytes_per_doc']}"
            f" | {point['p50_ms']} | {point['p95_ms']} |"
        )
    projection = results["projection"]
    lines += [
        "",
        f"Projection to {projection['documents']:,} documents ({projection['how']}):"
        f" index {projection['index_gb']} GB, query p50 {projection['query_p50_ms']} ms,"
        f" build {projection['build_hours_one_core']} h on one core.",
        "",
    ]
    clusters = results["clustering"]
    lines += [
        f"Clustering {clusters['documents']:,} documents with {clusters['planted_variants']}"
        f" planted spun variants of {clusters['sources']} sources:",
        "",
        "| run | pair precision | pair recall | source picked right | clusters | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for run_name in ("local", "spark"):
        if run_name in clusters:
            found = clusters[run_name]
            lines.append(
                f"| {run_name} | {found['pair_precision']} | {found['pair_recall']} |"
                f" {found['source_picked_right']} | {found['clusters']} | {found['seconds']} |"
            )
    if "spark" in clusters:
        lines.append("")
        lines.append(
            "Spark local mode (local[1]) gives the same clusters as one machine:"
            f" {clusters['spark']['same_clusters_as_local']}."
        )
    lines.append("")
    return lines


def write(results: dict[str, Any], out_dir: Path) -> dict[str, str]:
    """``<date>-trace.md`` and ``.json`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{date.today().isoformat()}-trace"
    signature = results["signature"]
    files = {"md": f"{stem}.md", "json": f"{stem}.json"}
    results["files"] = files
    head = [f"# unspin bench — trace section, {date.today().isoformat()}", "", f"`{signature}`", ""]
    Path(files["md"]).write_text("\n".join(head + markdown(results)), encoding="utf-8")
    Path(files["json"]).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return files


def main() -> None:
    """``python -m unspin.bench.trace_bench [OUT_DIR]``: the section alone, as ``unspin bench
    --suite trace`` runs it."""
    import sys

    results = run(say=lambda message: print(message, file=sys.stderr, flush=True))
    files = write(results, Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results"))
    print(results["signature"], *files.values(), sep="\n")


if __name__ == "__main__":
    main()
