"""Precomputed experiments whose full runs are too long for a lecture; the notebooks load their committed results.
Run by maintainers, on a quiet machine.

- ``python -m tools.experiments long_deps``: notebook 05's memory-reach sweep (:mod:`tools.experiments.long_deps`;
  the protocol itself is :mod:`utils.long_deps`);
- ``python -m tools.experiments.text_model``: notebook 07's course model;
- ``python -m tools.experiments.seq2seq_model``: notebook 08's two date translators;
- ``python -m tools.experiments.bench_windowing``: the windowing benchmark (``make bench``).
"""
