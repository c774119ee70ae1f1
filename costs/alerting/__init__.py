"""Cost alerts (a report's groups changed by a % or an amount over a period) and report digests."""
