"""The adapter contract suite every adapter plugin runs against itself: ``class TestX(AdapterContract)``."""

import pytest

# Registered before the import so pytest rewrites the suite's asserts and a failure shows the values.
pytest.register_assert_rewrite("permanence_core.testing.contract")

from permanence_core.testing.contract import AdapterContract  # noqa: E402

__all__ = ["AdapterContract"]
