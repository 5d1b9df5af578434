"""Evaluation harnesses run on real text (not pytest modules; the tests in tests/unit call into them)."""
