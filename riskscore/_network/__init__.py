"""Exposure networks: a columnar portfolio graph, ownership-status methods and exposure.

Private implementation package; the public names are re-exported from :mod:`riskscore`
(``Network``, ``NetworkError``) and documented in docs/networks.md.
"""
