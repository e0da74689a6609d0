"""Readers: the adapter base class, load results and rejections, shared reader machinery and the built-in adapters."""

from permanence_core.adapters.base import Adapter, Capability, CohortLoad, LoadResult, Rejection

__all__ = ["Adapter", "Capability", "CohortLoad", "LoadResult", "Rejection"]
