"""Tracking between meetings: the ledger, the panel workflow and the tracker report."""
