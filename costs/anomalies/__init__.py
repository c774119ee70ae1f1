"""Anomaly detection on daily cost series: models, engine, scoring task, pages and API (issue 13)."""
