"""Settings every test directory shares (this file sits above tests/ and each plugin's tests/)."""

from hypothesis import settings

# Hypothesis fails an example that takes over 200 ms by default: a timing, not a fault, and on a busy machine a
# flaky one. Speed lives in benchmarks/, so no property test has a deadline.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")
