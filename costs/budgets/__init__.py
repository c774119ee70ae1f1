"""Budgets per cost report (monthly periods, hierarchies), their performance and their alerts."""
