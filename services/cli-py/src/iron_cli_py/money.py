"""US dollars as typed, to and from integer micro-USD, exactly (decimal strings, never floats)."""

from __future__ import annotations

import re

MICROS_PER_USD = 1_000_000
DECIMALS = 6
MAX_SAFE_INTEGER = 9_007_199_254_740_991
_USD = re.compile(r"([0-9]+)(?:\.([0-9]+))?")

BUDGET_ACCEPTS = "a positive amount of US dollars with at most 6 decimals, e.g. 100, 2.5 or 0.000001"


def parse_usd_to_micros(text_in: str) -> int:
    """Parses `100`, `0.25`, `$5` into micro-USD; raises ValueError saying what is accepted otherwise.

    The limit is JavaScript's largest safe integer, as the panel and the TypeScript CLI keep amounts within it.
    """
    text = text_in.strip()
    if text.startswith("$"):
        text = text[1:]
    text = text.replace("_", "")
    match = _USD.fullmatch(text)
    if not match:
        raise ValueError('"%s" is not an amount: give %s' % (text_in, BUDGET_ACCEPTS))
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > DECIMALS:
        raise ValueError(
            '"%s" has more than %d decimals (1 micro-dollar is the smallest unit): give %s' % (text_in, DECIMALS, BUDGET_ACCEPTS)
        )
    micros = int(whole) * MICROS_PER_USD + int(fraction.ljust(DECIMALS, "0"))
    if micros == 0:
        raise ValueError('"%s" is zero: give %s' % (text_in, BUDGET_ACCEPTS))
    if micros > MAX_SAFE_INTEGER:
        raise ValueError('"%s" is too large: the largest budget is 9007199254.740991 USD' % text_in)
    return micros


def micros_to_usd(micros: int) -> str:
    """`1234567` → `"1.234567"`, `100000000` → `"100"`: up to 6 decimals, no trailing zeros."""
    sign = "-" if micros < 0 else ""
    whole, frac = divmod(abs(micros), MICROS_PER_USD)
    fraction = str(frac).rjust(DECIMALS, "0").rstrip("0")
    return "%s%d%s" % (sign, whole, "." + fraction if fraction else "")


def usd(micros: int) -> str:
    """`$100.00`, `$0.25`, `$0.000001`: dollars for people, at least cents, never rounded."""
    whole, _, fraction = micros_to_usd(micros).partition(".")
    return "$%s.%s" % (whole, fraction.ljust(2, "0"))
