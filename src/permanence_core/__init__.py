"""permanence_core: permanence planning and tracking for looked-after children."""

__version__ = "0.1.0"
