"""permanence-mosaic: the Mosaic adapter plugin for permanence_core."""
