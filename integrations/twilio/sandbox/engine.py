"""The sandbox itself, without sockets: ``Sandbox.handle(method, target, authorization)`` turns one HTTP
request into (status, headers, body bytes), computing every value on demand from the seed.

Standard library only (see ``__init__`` for what it serves and the choices it makes).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import json
import math
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qsl, quote, urlsplit

from vantage.lib.dates import add_months, month_end  # standard library only, like the sandbox

from . import anomalies as injected
from .data import (
    ACCOUNT_SPECS,
    ALL_CATEGORIES,
    CREDIT_PROBABILITY,
    DUPLICATES,
    FIXED_TODAY_FRACTION,
    FX_FROM_USD,
    GROWTH_EPOCH,
    GROWTH_PER_YEAR,
    HISTORY_MONTHS,
    LEVEL_SHIFTS,
    MONTH_SEASON,
    NOISE_SIGMA,
    PRODUCTS,
    ROLLUP_ORDER,
    ROLLUPS,
    SETUP_PROBABILITY,
    SORTED_CATEGORIES,
    TOTAL_CATEGORY,
    WEEKDAY_SHAPES,
    AccountSpec,
    Product,
    category_meta,
)

API_VERSION = "2010-04-01"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
ZERO = Decimal(0)

# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    """Twilio's number strings: "0" for zero, plain notation otherwise (never exponent, never -0)."""
    if value == 0:
        return "0"
    return format(value, "f")


def _level(role: str, category: str, day: dt.date) -> float:
    """The product of the level shifts (``LEVEL_SHIFTS``) of this account's product in force on ``day``."""
    factor = 1.0
    for shift_role, shift_category, first, shift in LEVEL_SHIFTS:
        if shift_role == role and shift_category == category and day >= first:
            factor *= shift
    return factor


def _digest(*parts) -> bytes:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()


def _hex(n: int, *parts) -> str:
    return _digest(*parts).hex()[:n]


def _error_body(status: int, code: int, message: str) -> dict:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


class _BadRequest(Exception):
    def __init__(self, message, code=20001):
        super().__init__(message)
        self.code = code


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET_RE = re.compile(r"^([+-]?)(\d{1,5})days$")
_RECORDS_RE = re.compile(
    r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Usage/Records"
    r"(?:/(?P<sub>Daily|Monthly|Yearly|AllTime|Today|Yesterday|ThisMonth|LastMonth))?(?P<ext>\.json)?$"
)
_ACCOUNTS_RE = re.compile(r"^/2010-04-01/Accounts(?:/[^/]+)?\.json$")

# subresource path segment -> key in subresource_uris (in Twilio's order)
SUBRESOURCES = {
    "AllTime": "all_time",
    "Daily": "daily",
    "LastMonth": "last_month",
    "Monthly": "monthly",
    "ThisMonth": "this_month",
    "Today": "today",
    "Yearly": "yearly",
    "Yesterday": "yesterday",
}


def _year_end(d: dt.date) -> dt.date:
    return dt.date(d.year, 12, 31)


_PERIOD_END = {"Daily": lambda d: d, "Monthly": month_end, "Yearly": _year_end}


def _periods(sub: str | None, lo: dt.date, hi: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The [start, end] periods of a subresource inside [lo, hi] (already clipped): days, calendar months,
    calendar years, or the whole range (Records, AllTime, Today, Yesterday, ThisMonth, LastMonth)."""
    period_end = _PERIOD_END.get(sub)
    if period_end is None:
        return [(lo, hi)] if lo <= hi else []
    out, d = [], lo
    while d <= hi:
        end = min(period_end(d), hi)
        out.append((d, end))
        d = end + dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class _Query:
    """A listing's query parameters, checked."""

    category: str | None
    include: bool  # IncludeSubaccounts
    page_size: int
    page: int
    start: dt.date | None
    end: dt.date | None
    canonical: str  # Category, StartDate, EndDate, IncludeSubaccounts as sent: what paging URIs repeat
    token: str | None


@dataclass(frozen=True)
class Account:
    spec: AccountSpec
    sid: str
    api_key_sid: str
    api_secret: str
    billing_day: int
    subaccount_sids: tuple = ()

    @property
    def role(self):
        return self.spec.role

    @property
    def currency(self):
        return self.spec.currency


# --------------------------------------------------------------------------------------------------
# The sandbox: data + request handling, no sockets
# --------------------------------------------------------------------------------------------------


class Sandbox:
    """Twilio's Usage Records API in memory. ``handle()`` turns one HTTP request into a response."""

    def __init__(self, seed=1, today=None, fail_429_rate=0.0, fail_500_rate=0.0, latency=0.0, anomalies=False,
                 noise=None):
        """``anomalies``: False (the documented data), True (inject the seed's plan, see ``anomalies``) or
        a sequence of ``anomalies.Injection`` (exactly those). ``noise``: the daily volume noise (log-normal
        sigma); by default ``NOISE_SIGMA``, or ``anomalies.NOISE_SIGMA`` with the seed's plan."""
        self.seed = seed
        if isinstance(today, str):
            today = dt.date.fromisoformat(today)
        self._fixed_today = today
        self.fail_429_rate = float(fail_429_rate)
        self.fail_500_rate = float(fail_500_rate)
        self.latency = float(latency)
        self.request_count = 0
        self._lock = threading.Lock()
        self._fault_rng = random.Random(int.from_bytes(_digest("sandbox", seed, "faults")[:8], "big"))
        self._token_key = _digest("sandbox", seed, "page-token")

        by_role = {}
        for spec in ACCOUNT_SPECS:
            by_role[spec.role] = Account(
                spec=spec,
                sid="AC" + _hex(32, "sandbox", seed, "account", spec.role),
                api_key_sid="SK" + _hex(32, "sandbox", seed, "api-key", spec.role),
                api_secret=_hex(32, "sandbox", seed, "api-secret", spec.role),
                billing_day=1 + int.from_bytes(_digest("sandbox", seed, "billing-day", spec.role)[:4], "big") % 28,
            )
        for role, acct in list(by_role.items()):
            subs = tuple(a.sid for a in by_role.values() if a.spec.parent_role == role)
            if subs:
                by_role[role] = Account(acct.spec, acct.sid, acct.api_key_sid, acct.api_secret, acct.billing_day, subs)
        self.accounts: tuple[Account, ...] = tuple(by_role[s.role] for s in ACCOUNT_SPECS)
        self._by_sid = {a.sid: a for a in self.accounts}
        self._by_key = {a.api_key_sid: a for a in self.accounts}

        if noise is None:
            noise = injected.NOISE_SIGMA if anomalies is True else NOISE_SIGMA
        self.noise = float(noise)
        if anomalies is True:
            anomalies = injected.plan(seed, self.today, [a.role for a in self.accounts])
        self.injections: tuple[injected.Injection, ...] = tuple(anomalies or ())

        self._leaf_day = functools.lru_cache(maxsize=8192)(self._compute_leaf_day)
        self._combined_day = functools.lru_cache(maxsize=2048)(self._compute_combined_day)
        self._period_values = functools.lru_cache(maxsize=256)(self._compute_period_values)

    # --- public helpers ---------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return self._fixed_today or dt.datetime.now(dt.UTC).date()

    @property
    def data_start(self) -> dt.date:
        """First day with usage: the accounts' "creation", ``HISTORY_MONTHS`` (36) months before today."""
        return add_months(self.today, -HISTORY_MONTHS)

    def credentials(self) -> list[dict]:
        return [
            {
                "name": a.spec.name,
                "account_sid": a.sid,
                "api_key_sid": a.api_key_sid,
                "api_secret": a.api_secret,
                "currency": a.currency,
                "kind": a.spec.kind,
            }
            for a in self.accounts
        ]

    def account(self, kind_or_sid: str) -> Account:
        """An account by SID, or by kind ("main", "standalone") / role ("sub1", "sub2")."""
        if kind_or_sid in self._by_sid:
            return self._by_sid[kind_or_sid]
        for a in self.accounts:
            if kind_or_sid in (a.role, a.spec.kind):
                return a
        raise KeyError(kind_or_sid)

    def daily_records(self, account_sid, day, include_subaccounts=True) -> list[dict]:
        """The Daily.json records of one account and UTC day (every category, sorted), as on the wire."""
        account = self._by_sid[account_sid]
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        if not (self.data_start <= day <= self.today):
            return []
        values = self._combined_day(account.sid, bool(include_subaccounts), day, self._fraction(day))
        as_of = self._as_of()
        return [self._record(account, "Daily", c, day, day, values[c], as_of) for c in SORTED_CATEGORIES]

    def injected_anomalies(self) -> list[dict]:
        """The ground truth of the injected anomalies (empty unless the switch is on), with account SIDs."""
        sids = {a.role: a.sid for a in self.accounts}
        return [dict(i.as_dict(), account_sid=sids[i.role]) for i in self.injections]

    # --- synthetic data ---------------------------------------------------------------------------

    def _fraction(self, day: dt.date) -> float:
        if day != self.today:
            return 1.0
        if self._fixed_today is not None:
            return FIXED_TODAY_FRACTION
        now = dt.datetime.now(dt.UTC)
        return round((now.hour * 3600 + now.minute * 60 + now.second) / 86400, 3) or 0.001

    def _unit_price(self, product: Product, currency: str) -> Decimal:
        usd = product.unit_price
        if currency == "usd" or usd == 0:
            return usd
        return (usd * FX_FROM_USD[currency]).quantize(Decimal(1).scaleb(usd.as_tuple().exponent - 1), ROUND_HALF_UP)

    def _compute_leaf_day(self, role: str, day: dt.date, fraction: float) -> dict:
        """{leaf: (count:int, usage:Decimal, price:Decimal)} of ONE account (no subaccounts) on one day."""
        account = self.account(role)
        currency = account.currency
        days = (day - GROWTH_EPOCH).days
        growth = GROWTH_PER_YEAR ** (days / 365.25)
        season = MONTH_SEASON[day.month - 1]
        out = {}
        for p in PRODUCTS:
            base = p.base.get(role, 0)
            if not base:  # this account does not use the product: zeros, like a live account reports them
                out[p.category] = (0, ZERO, ZERO.quantize(Decimal(1).scaleb(-p.price_places)))
                continue
            rng = random.Random(int.from_bytes(_digest(self.seed, role, p.category, day.isoformat())[:8], "big"))
            unit = self._unit_price(p, currency)
            quantum = Decimal(1).scaleb(-p.price_places)
            count, usage, price = 0, ZERO, ZERO
            if base and p.kind == "volume":
                mean = base * growth * season * WEEKDAY_SHAPES[p.profile][day.weekday()] * fraction
                mean *= _level(role, p.category, day)
                if self.injections:
                    mean *= injected.factor_on(self.injections, role, p.category, day)
                x = mean * math.exp(rng.gauss(0.0, self.noise) - self.noise**2 / 2)
                count = int(x) + (1 if rng.random() < x - int(x) else 0)
                if p.usage_per_count == 1.0:
                    usage = Decimal(count)
                else:
                    u = count * p.usage_per_count * math.exp(rng.gauss(0.0, 0.04))
                    if p.usage_places:
                        usage = Decimal(f"{u:.{p.usage_places}f}")
                    else:  # billed per started unit (minutes, segments): never less than one per event
                        usage = Decimal(max(count, round(u)))
            elif base and p.kind == "derived":
                count = round(sum(out[s][0] for s in p.sources) * base)
                usage = Decimal(count)
            elif base and p.kind == "monthly":
                if day.day == account.billing_day:
                    count = max(1, round(base * growth))
                    usage = Decimal(count)
            elif base and p.kind == "storage":
                usage = Decimal(round(base * growth))
                count = round(float(usage) / p.usage_per_count)
            elif base and p.kind == "setup":
                if rng.random() < SETUP_PROBABILITY:
                    count = rng.randint(1, 3) * base
                    usage = Decimal(count)
            elif base and p.kind == "credit":
                if rng.random() < CREDIT_PROBABILITY:
                    count = max(1, round(base * growth * rng.uniform(0.5, 1.5)))
                    usage = Decimal(count)
            price = (usage * unit).quantize(quantum, ROUND_HALF_UP)
            if p.kind == "credit":
                price = -price
            out[p.category] = (count, usage, price)
        return out

    def _compute_combined_day(self, sid: str, include_subaccounts: bool, day: dt.date, fraction: float) -> dict:
        """Every category (leaves, roll-ups, duplicates, totalprice) of an account on one day."""
        account = self._by_sid[sid]
        roles = [account.role]
        if include_subaccounts:
            roles += [self._by_sid[s].role for s in account.subaccount_sids]
        values = {}
        for role in roles:
            for cat, (c, u, pr) in self._leaf_day(role, day, fraction).items():
                if cat in values:
                    c0, u0, p0 = values[cat]
                    values[cat] = (c0 + c, u0 + u, p0 + pr)
                else:
                    values[cat] = (c, u, pr)
        for name in ROLLUP_ORDER:
            kids = [values[k] for k in ROLLUPS[name].children]
            price = sum((k[2] for k in kids), ZERO)
            if name == TOTAL_CATEGORY:
                values[name] = (None, price, price)
            else:
                values[name] = (sum(k[0] for k in kids), sum((k[1] for k in kids), ZERO), price)
        for dup, twin in DUPLICATES.items():
            values[dup] = values[twin]
        return values

    def _compute_period_values(self, sid: str, include_subaccounts: bool, start: dt.date, end: dt.date, today: dt.date):
        total = None
        day = start
        while day <= end:
            values = self._combined_day(sid, include_subaccounts, day, self._fraction(day))
            if total is None:
                total = dict(values)
            else:
                for cat, (c, u, p) in values.items():
                    c0, u0, p0 = total[cat]
                    total[cat] = (None if c0 is None else c0 + c, u0 + u, p0 + p)
            day += dt.timedelta(days=1)
        return total

    def _values(self, account: Account, include: bool, start: dt.date, end: dt.date) -> dict:
        if start == end:
            return self._combined_day(account.sid, include, start, self._fraction(start))
        if end >= self.today and self._fixed_today is None:  # today is still moving: do not cache
            return self._compute_period_values(account.sid, include, start, end, self.today)
        return self._period_values(account.sid, include, start, end, self.today)

    # --- wire format ------------------------------------------------------------------------------

    @staticmethod
    def _as_of() -> str:
        return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def _record(self, account: Account, sub: str | None, category: str, start, end, values, as_of) -> dict:
        count, usage, price = values
        description, count_unit, usage_unit = category_meta(category, account.currency)
        base = f"/{API_VERSION}/Accounts/{account.sid}/Usage/Records"
        q = quote(category, safe="")
        return {
            "account_sid": account.sid,
            "api_version": API_VERSION,
            "as_of": as_of,
            "category": category,
            "count": None if count is None else str(count),
            "count_unit": count_unit,
            "description": description,
            "end_date": end.isoformat(),
            "price": _fmt(price),
            "price_unit": account.currency,
            "start_date": start.isoformat(),
            "subresource_uris": {key: f"{base}/{seg}.json?Category={q}" for seg, key in SUBRESOURCES.items()},
            "uri": f"{base}{'/' + sub if sub else ''}.json?Category={q}&StartDate={start}&EndDate={end}",
            "usage": _fmt(usage),
            "usage_unit": usage_unit,
        }

    # --- HTTP -------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, authorization: str | None = None):
        """One request -> (status, headers, body bytes). ``target`` is the request path with its query."""
        with self._lock:
            self.request_count += 1
            draw = self._fault_rng.random()
        if self.latency:
            time.sleep(self.latency)
        if draw < self.fail_429_rate:
            return self._error(429, 20429, "Too Many Requests", {"Retry-After": "1"})
        if draw < self.fail_429_rate + self.fail_500_rate:
            return self._error(500, 20500, "An internal server error has occurred")

        split = urlsplit(target)
        path = split.path
        not_found = f"The requested resource {path} was not found"
        if path == "/sandbox/anomalies.json" and method == "GET":  # the ground truth (no data of an account)
            return 200, self._headers(), json.dumps({"anomalies": self.injected_anomalies()}).encode()
        if not path.startswith(f"/{API_VERSION}/"):
            return self._error(404, 20404, not_found)
        key = self._authenticate(authorization)
        if key is None:
            return self._error(401, 20003, "Authenticate")
        if _ACCOUNTS_RE.match(path):  # every sandbox key is a Standard key: no Accounts resource
            return self._error(401, 20003, "Authenticate")
        match = _RECORDS_RE.match(path)
        if not match or not match.group("ext"):
            return self._error(404, 20404, not_found)
        if method != "GET":
            return self._error(405, 20004, "Method not allowed", {"Allow": "GET"})
        account = self._by_sid.get(match.group("sid"))
        if account is None or not (account is key or account.sid in key.subaccount_sids):
            return self._error(404, 20404, not_found)
        try:
            body = self._list(account, match.group("sub"), path, split.query)
        except _BadRequest as exc:
            return self._error(400, exc.code, str(exc))
        return 200, self._headers(), json.dumps(body).encode()

    def _authenticate(self, authorization):
        if not authorization or not authorization.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        key = self._by_key.get(user)
        if key is None or not hmac.compare_digest(key.api_secret.encode(), password.encode()):
            return None
        return key

    def _headers(self, extra=None):
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Twilio-Request-Id": "RQ" + uuid.uuid4().hex,
            "Access-Control-Allow-Origin": "*",
        }
        headers.update(extra or {})
        return headers

    def _error(self, status, code, message, extra_headers=None):
        return status, self._headers(extra_headers), json.dumps(_error_body(status, code, message)).encode()

    def _date_param(self, name, raw):
        today = self.today
        m = _OFFSET_RE.match(raw)
        if m:
            n = int(m.group(2))
            return today - dt.timedelta(days=n) if m.group(1) == "-" else today + dt.timedelta(days=n)
        if _DATE_RE.match(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        raise _BadRequest(f"{name} must be a date in the format YYYY-MM-DD (or an offset such as -30days), not {raw!r}")

    def _token(self, kind, path, canonical, page_size, page):
        msg = f"{kind}|{path}|{canonical}|{page_size}|{page}".encode()
        return kind + hmac.new(self._token_key, msg, hashlib.sha256).hexdigest()[:32]

    def _parse_query(self, query: str) -> _Query:
        """The listing's query parameters, checked in Twilio's order (a bad one raises _BadRequest)."""
        params = {k: v for k, v in parse_qsl(query, keep_blank_values=True) if v != ""}
        include = True
        if "IncludeSubaccounts" in params:
            raw = params["IncludeSubaccounts"].lower()
            if raw not in ("true", "false"):
                raise _BadRequest("IncludeSubaccounts must be true or false")
            include = raw == "true"
        try:
            page_size = int(params.get("PageSize", DEFAULT_PAGE_SIZE))
        except ValueError:
            raise _BadRequest("Invalid PageSize.") from None
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise _BadRequest("Invalid PageSize.")
        try:
            page = int(params.get("Page", 0))
        except ValueError:
            raise _BadRequest("Invalid Page.") from None
        if page < 0:
            raise _BadRequest("Invalid Page.")
        return _Query(
            category=params.get("Category"),
            include=include,
            page_size=page_size,
            page=page,
            start=self._date_param("StartDate", params["StartDate"]) if "StartDate" in params else None,
            end=self._date_param("EndDate", params["EndDate"]) if "EndDate" in params else None,
            canonical="&".join(
                f"{k}={quote(params[k], safe='')}" for k in ("Category", "StartDate", "EndDate", "IncludeSubaccounts")
                if k in params
            ),
            token=params.get("PageToken"),
        )

    def _check_token(self, q: _Query, path: str) -> None:
        if q.token is not None:
            kind = q.token[:2]
            expected = self._token(kind, path, q.canonical, q.page_size, q.page) if kind in ("PA", "PB") else ""
            if not expected or not hmac.compare_digest(expected, q.token):
                raise _BadRequest("Invalid Page Token.", code=21481)
        elif q.page > 0:
            # `Page` is "simply for client state": only a PageToken the API issued moves past page 0.
            raise _BadRequest("A PageToken issued by the API is required for Page > 0.", code=21481)

    def _date_range(self, sub: str | None, q: _Query) -> tuple[dt.date, dt.date]:
        """The days a listing covers: the account's lifetime, the subresource's period, the query's dates."""
        today = self.today
        lo, hi = self.data_start, today
        if sub == "Today":
            lo = max(lo, today)
        elif sub == "Yesterday":
            lo, hi = max(lo, today - dt.timedelta(days=1)), min(hi, today - dt.timedelta(days=1))
        elif sub == "ThisMonth":
            lo = max(lo, today.replace(day=1))
        elif sub == "LastMonth":
            first = add_months(today.replace(day=1), -1)
            lo, hi = max(lo, first), min(hi, month_end(first))
        if q.start:
            lo = max(lo, q.start)
        if q.end:
            hi = min(hi, q.end)
        return lo, hi

    def _page_records(self, account: Account, sub: str | None, q: _Query) -> tuple[list[dict], int]:
        """One page of records (periods in order, categories sorted within each) and the listing's total."""
        lo, hi = self._date_range(sub, q)
        periods = _periods(sub, lo, hi)
        if q.category is None:
            cats = SORTED_CATEGORIES
        else:
            cats = (q.category,) if q.category in ALL_CATEGORIES else ()
        total = len(periods) * len(cats)
        start = q.page * q.page_size
        records, as_of, cache = [], self._as_of(), {}
        for i in range(start, min(start + q.page_size, total)):
            p_start, p_end = periods[i // len(cats)]
            if (p_start, p_end) not in cache:
                cache[(p_start, p_end)] = self._values(account, q.include, p_start, p_end)
            cat = cats[i % len(cats)]
            records.append(self._record(account, sub, cat, p_start, p_end, cache[(p_start, p_end)][cat], as_of))
        return records, total

    def _list(self, account: Account, sub: str | None, path: str, query: str) -> dict:
        q = self._parse_query(query)
        self._check_token(q, path)
        records, total = self._page_records(account, sub, q)
        page, page_size, start = q.page, q.page_size, q.page * q.page_size
        prefix = f"{path}?{q.canonical + '&' if q.canonical else ''}PageSize={page_size}"

        def page_uri(n, tok=None):
            return f"{prefix}&Page={n}" + (f"&PageToken={tok}" if tok else "")

        has_next = start + page_size < total
        return {
            "end": start + len(records) - 1 if records else start,
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1, self._token("PA", path, q.canonical, page_size, page + 1))
            if has_next else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1, self._token("PB", path, q.canonical, page_size, page - 1))
            if page > 0 else None,
            "start": start,
            "uri": page_uri(page, q.token),
            "usage_records": records,
        }
