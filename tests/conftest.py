"""Settings shared by the whole test suite: the Hypothesis profiles.

``ci`` (the default) is derandomised and runs a fixed, modest number of examples, so CI is
reproducible and fast; ``thorough`` runs 1,000 examples per property for a local soak::

    HYPOTHESIS_PROFILE=thorough /work/venv/bin/pytest tests/properties

A test that sets ``max_examples`` itself in ``@settings`` keeps its own number under either
profile; the profile still decides derandomisation, deadlines and the failure blob.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=30,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
