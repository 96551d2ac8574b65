"""Audio corpora: scanning folders, loading files, reporting the ones that cannot be used."""
