"""The riskscore version (single source for the package metadata and results)."""

__version__ = "0.1.0"
