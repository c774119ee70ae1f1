"""A local emulator of Twilio's Usage Records API (v2010), speaking exactly Twilio's wire format.

Standalone: only the standard library (and ``vantage.lib.dates``, itself plain Python), no Django
import, so it runs from ``manage.py twilio_sandbox``, from a test (``serve_in_thread()``) or from a
plain ``python -c``. Three modules: ``data`` (accounts,
products, the roll-up tree, category metadata), ``engine`` (``Sandbox``: request handling without
sockets) and ``server`` (a WSGI app served by ``wsgiref``).

What it serves (GET only, HTTP Basic with an API Key SID ``SK…`` and its secret)::

    /2010-04-01/Accounts/{AC…}/Usage/Records.json                       one record per category, whole range
    /2010-04-01/Accounts/{AC…}/Usage/Records/Daily.json                 one record per category per UTC day
    …/Monthly.json  …/Yearly.json  …/AllTime.json                       per calendar month / year / all time
    …/Today.json  …/Yesterday.json  …/ThisMonth.json  …/LastMonth.json  fixed periods relative to "today"

Query parameters ``Category``, ``StartDate``/``EndDate`` (``YYYY-MM-DD`` or ``-30days``, GMT, both
inclusive), ``IncludeSubaccounts`` (default true), ``PageSize`` (1..1000, default 50), ``Page`` and
``PageToken``. Paging is Twilio's: follow ``next_page_uri`` verbatim; the ``PageToken`` in it is an
opaque HMAC the sandbox issued and checks, so a hand-built token fails with 400 / 21481, and so
does ``Page`` > 0 without a token (the spec says ``Page`` is "simply for client state").

Choices where Twilio's behaviour is not documented (all deliberate, all covered by tests):

* Records are ordered by period start, then category name. Every account reports every category
  every day (zeros included), like a live account does.
* Data exists from 36 months before "today" (the account's lifetime) to today; ranges outside give
  an empty page, not an error. Record ``start_date``/``end_date`` are the period clipped to the
  requested range and to the account's lifetime.
* Today is partial: its usage-driven volumes are scaled by the fraction of the UTC day elapsed
  (0.5 when ``today`` is fixed by the caller). Every earlier day is immutable for a given seed.
* Bad query parameters answer 400 / 20001 (the code Twilio's own SDK tests use for "Invalid
  PageSize."); other methods 405 / 20004; the ``Accounts`` resource 401 / 20003 because every key
  here is a Standard key, which Twilio does not let read it.

Synthetic data (see ``PRODUCTS`` and ``ROLLUPS`` in ``data``): a main account with two subaccounts and a
standalone account in GBP; ~60 leaf categories with realistic units and prices, weekday seasonality,
growth, noise and a few level shifts from fixed days (``LEVEL_SHIFTS``); roll-ups that are exact
``Decimal`` sums of their children; ``totalprice`` equal to
the sum of the leaves; three duplicates part of no sum (``calls-text-to-speech`` mirrors
``amazon-polly``, ``verify-voice-sms`` ``authy-phone-verifications``, ``channels-whatsapp-inbound``
``channels-messaging-inbound``); two categories Twilio's published enum never listed; a credit with a
negative price on a few days. Leaves, roll-ups and duplicates have the roles ``catalog.csv`` gives
them (a test checks it), so ingesting sandbox data leaves exactly the two unlisted categories'
prices as ``unattributed``.
Every value is a pure function of (seed, account, category, day): independent of request order,
of ``today`` (except today's partial day) and of which endpoint asked.
"""

from .data import DUPLICATES, LEAF_CATEGORIES, ROLLUP_CATEGORIES, ROLLUPS, UNKNOWN_CATEGORIES
from .engine import Sandbox
from .server import base_url_of, credentials_banner, make_server, serve_in_thread

# What the command, the tests and the benchmarks use; the rest stays in data, engine and server.
__all__ = [
    "DUPLICATES", "LEAF_CATEGORIES", "ROLLUPS", "ROLLUP_CATEGORIES", "UNKNOWN_CATEGORIES",
    "Sandbox", "base_url_of", "credentials_banner", "make_server", "serve_in_thread",
]
