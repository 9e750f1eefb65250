"""Public holidays of the tenant's country, from the `holidays` package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import holidays
import numpy as np

# Festivals that move retail demand for weeks (stock-up before, lull after).
MAJOR_FESTIVAL_WORDS = ("Eid al-Fitr", "Diwali", "Deepavali", "Christmas", "Lunar New Year")
EPOCH_YEAR_RANGE = (1990, 2100)


@dataclass(frozen=True)
class HolidayCalendar:
    """Holiday and major-festival days as sorted day numbers since 1970-01-01."""

    holiday_days: np.ndarray
    festival_days: np.ndarray
    festival_names: tuple[str, ...]


class UnknownCountryError(ValueError):
    """The country code is not known to the `holidays` package."""


@lru_cache(maxsize=16)
def holiday_calendar(country: str, first_year: int, last_year: int) -> HolidayCalendar:
    """Return the public holidays of COUNTRY for the given years (inclusive)."""
    try:
        table = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError as error:
        raise UnknownCountryError(
            f"country {country!r} is not known to the holidays package"
        ) from error
    epoch = np.datetime64("1970-01-01", "D")
    items = sorted(table.items())
    days = np.array([(np.datetime64(d, "D") - epoch).astype(int) for d, _ in items], dtype=int)
    is_festival = [any(word in name for word in MAJOR_FESTIVAL_WORDS) for _, name in items]
    festival_days = days[np.array(is_festival, dtype=bool)] if items else days
    names = tuple(name for (_, name), keep in zip(items, is_festival, strict=True) if keep)
    return HolidayCalendar(np.unique(days), festival_days, names)


def festival_name_on(calendar: HolidayCalendar, day: int) -> str:
    """Return the name of the major festival on DAY (a day number)."""
    index = int(np.searchsorted(calendar.festival_days, day))
    return calendar.festival_names[index].replace(" Second Day", "")
