"""The outbox: notices to carers (a new route, a cancelled visit), shown on their pages.

Sending them by SMS or an app push is an adapter for deployment that reads unsent rows.
"""
