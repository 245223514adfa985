"""Hypothesis settings for the diary tests: reproducible, and nothing written to the tree.

Derandomized so a CI run and a developer's run try the same examples (a failure found once
is found again), and no example database that would make one machine's run differ from
another's. (Hypothesis still keeps a small cache in .hypothesis/, which ignores itself.)
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("diary", database=None, derandomize=True, deadline=None,
                          max_examples=300)
settings.load_profile("diary")
