"""The benchmark: simulated spinners with exact edit maps, metrics, and the report suite.

unspin can only be measured on text whose original is known, and real spun pages come without
theirs. So the bench spins held-out clean text itself (:mod:`unspin.bench.spinners`), keeping an
exact map of every substitution, and scores restorations and verdicts against that map
(:mod:`unspin.bench.metrics`); :mod:`unspin.bench.suite` runs the conditions and writes the report.
"""
