"""Loaders: landing files -> typed raw tables in the build database (or quarantine)."""
