"""Delivery of every alert the product sends: email and signed webhooks, recorded and retried."""
