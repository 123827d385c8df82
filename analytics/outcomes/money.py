"""Money as exact integers: an amount in the currency's minor units (cents) and an ISO 4217 code.

Amounts are never floats on the way in or in storage: `parse_money("1234.56", "USD")` is 123456 cents.
The minor units are ISO 4217's (the `iso4217` package: USD 2, JPY 0, BHD 3); a currency without minor
units (XAU, XDR, ...) cannot carry a deal value. Sums and means are per currency: dollars are never added
to euros.

The quota (`QUOTA` setting) is an amount per calendar unit, e.g. `50000 USD/month`; `Quota.for_period`
prorates it over a report's local days, each day worth the unit's amount divided by the days of the unit
that day belongs to, so a whole calendar month is exactly one monthly quota and a whole quarter three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from zoneinfo import ZoneInfo

from iso4217 import Currency

from analytics.errors import InvalidInput

# Larger amounts are surely typos (10^13 dollars); this also keeps sums far inside a 64-bit integer.
MAX_MINOR = 10**15
_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
_QUOTA = re.compile(r"\s*([\d.,_ ]+?)\s*([A-Za-z]{3})\s*/\s*(week|month|quarter|year)\s*")
QUOTA_UNITS = ("week", "month", "quarter", "year")


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def to_json(self) -> dict[str, object]:
        return {"minor": self.minor, "currency": self.currency, "amount": format_amount(self.minor, self.currency)}


def exponent(currency: str) -> int:
    """ISO 4217 minor-unit digits of an upper-case code; InvalidInput for an unknown code or one without."""
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise InvalidInput(f"currency must be an ISO 4217 code of three capital letters (e.g. USD), "
                           f"not {currency!r}")
    try:
        digits = Currency(currency).exponent
    except ValueError:
        raise InvalidInput(f"{currency!r} is not an ISO 4217 currency code") from None
    if digits is None:
        raise InvalidInput(f"{currency} has no minor unit; a deal value needs a currency such as USD or EUR")
    return int(digits)


def parse_money(amount: str | int, currency: str) -> Money:
    """Exact Money from a decimal text ("1234.56", at most the currency's decimals) or whole minor units
    (an int). Negative, malformed or absurd amounts are InvalidInput."""
    code = currency.strip().upper() if isinstance(currency, str) else currency
    digits = exponent(code)
    if isinstance(amount, bool) or not isinstance(amount, (str, int)):
        raise InvalidInput(f"a value must be a decimal text such as '1234.56', not {amount!r}")
    if isinstance(amount, int):
        minor = amount
    else:
        text = amount.strip()
        if not _AMOUNT.fullmatch(text):
            raise InvalidInput(f"{amount!r} is not an amount; expected digits with an optional decimal point, "
                               f"e.g. '1234.56' (no sign, no thousands separators)")
        whole, _, decimals = text.partition(".")
        if len(decimals) > digits:
            raise InvalidInput(f"{amount!r} has more decimals than {code} has ({digits})")
        minor = int(whole) * 10**digits + int((decimals or "0").ljust(digits, "0") or "0")
    if minor < 0:
        raise InvalidInput(f"a value cannot be negative ({amount!r})")
    if minor >= MAX_MINOR:
        raise InvalidInput(f"{amount!r} {code} is too large")
    return Money(minor, code)


def format_amount(minor: int, currency: str) -> str:
    """Minor units back to a plain decimal text ("1234.56")."""
    digits = exponent(currency)
    value = Decimal(minor).scaleb(-digits)
    return f"{value:.{digits}f}"


@dataclass(frozen=True)
class Quota:
    """A sales quota: `amount` per calendar `unit` (week, month, quarter, year)."""

    amount: Money
    unit: str

    def for_period(self, start: datetime, end: datetime, tz: ZoneInfo) -> Money:
        """The quota of [start, end), prorated by local day and rounded half-even to minor units."""
        first = start.astimezone(tz).date()
        # A period ending at local midnight does not include that day.
        last_moment = end - timedelta(microseconds=1)
        last = last_moment.astimezone(tz).date()
        total = Fraction(0)
        day = first
        while day <= last:
            total += Fraction(self.amount.minor, _days_in_unit(day, self.unit))
            day += timedelta(days=1)
        return Money(round(total), self.amount.currency)


def parse_quota(text: str | None) -> Quota | None:
    """`"50000 USD/month"` -> Quota; None or blank -> None (no quota); InvalidInput otherwise."""
    if text is None or not text.strip():
        return None
    match = _QUOTA.fullmatch(text)
    if match is None:
        raise InvalidInput(f"QUOTA {text!r} is not understood; expected e.g. '50000 USD/month' "
                           f"(unit: {', '.join(QUOTA_UNITS)})")
    number = match[1].replace(",", "").replace("_", "").replace(" ", "")
    try:
        Decimal(number)
    except InvalidOperation:
        raise InvalidInput(f"QUOTA {text!r}: {match[1]!r} is not a number") from None
    money = parse_money(number, match[2].upper())
    if money.minor == 0:
        raise InvalidInput("QUOTA must be more than zero")
    return Quota(money, match[3])


def _days_in_unit(day: date, unit: str) -> int:
    if unit == "week":
        return 7
    if unit == "year":
        return 366 if _leap(day.year) else 365
    months = (day.month,) if unit == "month" else tuple(range(3 * ((day.month - 1) // 3) + 1,
                                                              3 * ((day.month - 1) // 3) + 4))
    return sum(_month_days(day.year, m) for m in months)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_days(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - date(year, month, 1)).days
