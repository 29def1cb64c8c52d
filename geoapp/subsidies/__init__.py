"""Subsidy programs as rules, the grants checked against them, budgets, reports and maps."""
