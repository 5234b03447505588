"""Dates written the ways people write them, in English and Russian, and their ISO form: notebook 08's data.

Every input is rendered by ``babel.dates.format_date`` from the Unicode CLDR date formats of two locales,
``en_US`` and ``ru_RU`` (no ``en_GB``: "03/04/2021" would mean two dates). Per locale there are five *format
families* (:data:`FAMILIES`): the locale's CLDR ``short``, ``medium``, ``long`` and ``full`` formats and one more
numeric pattern, so that each locale has a two-digit-year and a four-digit-year numeric form. The target is the
ISO form ``YYYY-MM-DD``.

Two-digit years are read inside the 100-year window :data:`YEAR_WINDOW` (1950-2049: "21" is 2021, "67" is 1967),
and every date of the course lies in it, so every input string has exactly one answer (:func:`check_unambiguous`
proves it for a whole set of dates).

The split (:func:`split_dates`) holds dates out *before* any model exists: a seeded block of whole years goes to
validation and test only, and a seeded share of the remaining dates too. :func:`make_examples` draws examples of
k dates joined by :data:`DELIMITER` (the target: the k ISO dates joined by a space); its draws are prefix-stable
(the first n examples of a larger set are the set of size n). :func:`data_checksum` hashes a reference part of the
data, so a babel version that renders any date differently fails the check (:data:`DATA_SHA256`).

Nothing runs on import; data comes in as arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "DATA_SHA256",
    "DELIMITER",
    "FAMILIES",
    "LOCALES",
    "PATTERNS",
    "YEAR_WINDOW",
    "check_unambiguous",
    "data_checksum",
    "date_window",
    "make_examples",
    "render",
    "split_dates",
    "to_iso",
]

#: The two locales. Their numeric orders differ (month/day/year against day.month.year) and so do their separators.
LOCALES: tuple[str, ...] = ("en_US", "ru_RU")
#: The first and last year of the data: two-digit years 50-99 mean 1950-1999, 00-49 mean 2000-2049.
YEAR_WINDOW: tuple[int, int] = (1950, 2049)
#: Format families, shortest to longest: numeric with a two-digit year, numeric with a four-digit year, abbreviated
#: month name, full month name, weekday and month name.
FAMILIES: tuple[str, ...] = ("numeric yy", "numeric yyyy", "medium", "long", "full")
#: Per locale and family: a CLDR format name of ``babel.dates.format_date`` or an explicit CLDR pattern.
PATTERNS: dict[str, dict[str, str]] = {
    "en_US": {"numeric yy": "short", "numeric yyyy": "MM/dd/y", "medium": "medium", "long": "long", "full": "full"},
    "ru_RU": {"numeric yy": "dd.MM.yy", "numeric yyyy": "short", "medium": "medium", "long": "long", "full": "full"},
}  # fmt: skip
#: Between the dates of a multi-date input; the target joins its ISO dates with a single space.
DELIMITER = "; "
#: SHA-256 of :func:`data_checksum` with its defaults, under babel 2.18 (Colab) and 2.19 (requirements.txt).
DATA_SHA256 = "45c18be4ff646c553e783a4e921e11345f68b15ca98c258c2a8c099e5aab3370"


def date_window(first_year: int = YEAR_WINDOW[0], last_year: int = YEAR_WINDOW[1]) -> list[dt.date]:
    """Every date from 1 January ``first_year`` to 31 December ``last_year``, in order."""
    if not YEAR_WINDOW[0] <= first_year <= last_year <= YEAR_WINDOW[1]:
        raise ValueError(
            f"first_year <= last_year must lie in YEAR_WINDOW {YEAR_WINDOW}, got {first_year}, {last_year}"
        )
    start, end = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    return [dt.date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1)]


def to_iso(date: dt.date) -> str:
    """The ISO form ``YYYY-MM-DD`` of ``date``."""
    return date.isoformat()


def render(date: dt.date, locale: str, family: str) -> str:
    """``date`` as ``locale`` writes it in format ``family`` (babel's CLDR data).

    >>> render(dt.date(2021, 3, 3), "ru_RU", "long")
    '3 марта 2021 г.'
    """
    from babel.dates import format_date

    if locale not in PATTERNS:
        raise ValueError(f"locale must be one of {LOCALES}, got {locale!r}")
    if family not in PATTERNS[locale]:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if not YEAR_WINDOW[0] <= date.year <= YEAR_WINDOW[1]:
        raise ValueError(
            f"date must lie in YEAR_WINDOW {YEAR_WINDOW} (two-digit years), got {date}"
        )
    return format_date(date, PATTERNS[locale][family], locale=locale)


def check_unambiguous(dates: Iterable[dt.date], locales: Sequence[str] = LOCALES) -> int:
    """Render every date in every locale and family; raise ``ValueError`` if one string stands for two dates.

    Returns the number of distinct strings. Inside :data:`YEAR_WINDOW` a two-digit year names one year, so the
    mapping string -> date is a function.
    """
    seen: dict[str, dt.date] = {}
    for date in dates:
        for locale in locales:
            for family in FAMILIES:
                text = render(date, locale, family)
                if seen.setdefault(text, date) != date:
                    raise ValueError(f"{text!r} renders both {seen[text]} and {date}")
    return len(seen)


def split_dates(
    seed: int = 0, held_out_years: int = 3, held_out_share: float = 0.2
) -> tuple[dict[str, list[dt.date]], tuple[int, int]]:
    """Split the dates of :data:`YEAR_WINDOW` into ``train``, ``validation`` and ``test``, before any training.

    A seeded block of ``held_out_years`` whole years (never the first or last year) goes to validation and test
    only, alternating date by date; of the other dates a seeded ``held_out_share`` is held out too, split half
    and half. Returns the three lists (each sorted) and the held-out block ``(first_year, last_year)``.
    """
    if not 1 <= held_out_years <= 20:
        raise ValueError(f"held_out_years must be between 1 and 20, got {held_out_years}")
    if not 0 < held_out_share < 0.5:
        raise ValueError(f"held_out_share must be in (0, 0.5), got {held_out_share}")
    rng = np.random.default_rng(seed)
    first = int(rng.integers(YEAR_WINDOW[0] + 1, YEAR_WINDOW[1] - held_out_years + 1))
    block = (first, first + held_out_years - 1)
    dates = date_window()
    in_block = [d for d in dates if block[0] <= d.year <= block[1]]
    rest = [d for d in dates if not block[0] <= d.year <= block[1]]
    order = rng.permutation(len(rest))
    n_out = int(round(held_out_share * len(rest)))
    out, train = [rest[i] for i in order[:n_out]], [rest[i] for i in order[n_out:]]
    split = {
        "train": sorted(train),
        "validation": sorted(out[: n_out // 2] + in_block[0::2]),
        "test": sorted(out[n_out // 2 :] + in_block[1::2]),
    }
    return split, block


def make_examples(
    dates: Sequence[dt.date],
    n: int,
    ks: Sequence[int] = (1,),
    seed: int = 0,
    locales: Sequence[str] = LOCALES,
) -> list[dict[str, object]]:
    """``n`` examples of k dates drawn from ``dates``, each as a dict with the keys ``source``, ``target``,
    ``locale``, ``family`` (the format family for k = 1, ``"mixed"`` when the k dates have several) and ``k``.

    Per example: k uniform from ``ks``, one locale, then k dates and k families, independently and uniformly.
    The source joins the k rendered dates with :data:`DELIMITER`, the target the k ISO dates with a space. The
    draws are sequential, so the first m of n examples are the examples of ``make_examples(..., m, ...)``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must be a non-empty list of positive ints, got {ks}")
    if not dates:
        raise ValueError("dates is empty")
    rng = np.random.default_rng(seed)
    examples = []
    for _ in range(n):
        k = int(ks[rng.integers(len(ks))])
        locale = locales[rng.integers(len(locales))]
        picked = [dates[i] for i in rng.integers(len(dates), size=k)]
        families = [FAMILIES[i] for i in rng.integers(len(FAMILIES), size=k)]
        examples.append({
            "source": DELIMITER.join(render(d, locale, f) for d, f in zip(picked, families)),
            "target": " ".join(to_iso(d) for d in picked),
            "locale": locale,
            "family": families[0] if len(set(families)) == 1 else "mixed",
            "k": k,
        })  # fmt: skip
    return examples


def data_checksum(seed: int = 0, n_examples: int = 300, ks: Sequence[int] = (1, 2, 4, 8)) -> str:
    """SHA-256 of a reference part of the data: the date split for ``seed``, every locale and family rendered
    for the first day of every month of the window's first and last ten years and of every weekday of one week,
    and the first ``n_examples`` examples of each split. Compare it with :data:`DATA_SHA256`."""
    split, block = split_dates(seed)
    lines = [f"block {block}"]
    lines += [f"{name} {' '.join(d.isoformat() for d in ds)}" for name, ds in split.items()]
    sample = [
        dt.date(y, m, 1) for y in [*range(1950, 1960), *range(2040, 2050)] for m in range(1, 13)
    ]
    sample += [dt.date(2021, 3, day) for day in range(1, 8)]
    lines += [
        f"{d} {loc} {fam} {render(d, loc, fam)}"
        for d in sample
        for loc in LOCALES
        for fam in FAMILIES
    ]
    for i, ds in enumerate(split.values()):
        for ex in make_examples(ds, n_examples, ks, seed=seed + i):
            lines.append(
                "\t".join(str(ex[key]) for key in ("source", "target", "locale", "family", "k"))
            )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
