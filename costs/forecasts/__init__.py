"""Forecasts of every cost report: fitted after each import in a task, stored, read by pages and the API."""
