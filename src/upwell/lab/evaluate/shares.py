"""A share of counts on a score record, as a class attribute: ``precision = Share("tp", "tp",
"fp")`` reads ``tp / (tp + fp)`` from the instance, ``None`` when the denominator is zero."""

from __future__ import annotations


class Share:
    """``num`` over the sum of ``den`` (field names), rounded to ``digits`` (``None``: exact)."""

    def __init__(self, num: str, *den: str, doc: str = "", digits: int | None = 3) -> None:
        self.num, self.den, self.digits, self.__doc__ = num, den, digits, doc

    def __get__(self, record: object, owner: type | None = None) -> float | None:
        whole: int = sum(getattr(record, d) for d in self.den)
        if not whole:
            return None
        value: float = getattr(record, self.num) / whole
        return value if self.digits is None else round(value, self.digits)
