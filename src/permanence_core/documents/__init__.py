"""Documents: the seed forms, meeting records and the panel pack, generated and read back."""
