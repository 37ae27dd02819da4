"""Cohort mode: synthetic OMOP CDM cohorts with ground truth (``rrmm synth``).

Needs the optional packages numpy and pyarrow (and duckdb for the DuckDB output).
"""
