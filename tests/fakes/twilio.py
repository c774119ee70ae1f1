"""Builders for Twilio wire-format payloads used with `responses` in unit tests."""

ACCOUNT = "AC" + "a1" * 16
KEY = "SK" + "b2" * 16
BASE = "https://api.twilio.com"
DAILY_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Usage/Records/Daily.json"
TODAY_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Usage/Records/Today.json"


def secret():
    """A throwaway secret made at run time (never a committed literal)."""
    import secrets

    return "s3cr3t-" + secrets.token_hex(12)


def record(category, day, price, *, usage=None, count=None, currency="usd", account=ACCOUNT,
           usage_unit="", count_unit="", description=None):
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "as_of": "2026-11-27T00:00:00+00:00",
        "category": category,
        "count": count,
        "count_unit": count_unit,
        "description": description or category,
        "end_date": str(day),
        "price": price,
        "price_unit": currency,
        "start_date": str(day),
        "subresource_uris": {},
        "uri": f"/2010-04-01/Accounts/{account}/Usage/Records/Daily.json?Category={category}",
        "usage": usage,
        "usage_unit": usage_unit,
    }


def page(records, next_page_uri=None, page_no=0, page_size=1000):
    return {
        "end": len(records) - 1,
        "first_page_uri": DAILY_PATH + "?PageSize=1000&Page=0",
        "next_page_uri": next_page_uri,
        "page": page_no,
        "page_size": page_size,
        "previous_page_uri": None,
        "start": 0,
        "uri": DAILY_PATH,
        "usage_records": records,
    }


def error(code, status, message="error"):
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
