"""permanence-liquidlogic: the Liquidlogic LCS adapter plugin for permanence_core."""
