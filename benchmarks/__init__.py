"""Side-by-side benchmark of riskscore against peer rule engines (see benchmarks/README.md).

Benchmark code and data only: nothing here is imported by riskscore, and the workload's
lists are benchmark data, not cited facts.
"""
