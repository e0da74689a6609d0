"""The timescale rules engine: profiles of rules as data, obligations and alerts."""
