"""Citizen survey form: the fields scripts rely on (u1..u9, amount_paid, ...) and their validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

import msgspec

from portal.db.tables import AGE_BANDS, EDUCATION, OCCUPATIONS, PRODUCT_CORRECT, SEXES
from portal.locale import gettext
from survey.instrument import UNSUR_2017

U_FIELDS = tuple(f"u{i}" for i in range(1, 10))
COMMENT_MAX = 2000
AMOUNT_MAX = 1_000_000_000_000  # one trillion rupiah: anything above is a typo
YES_NO = ("yes", "no")
PROFILE_CHOICES = {"sex": SEXES, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS}
_AMOUNT = re.compile(r"^(\d+|\d{1,3}([.,]\d{3})+)$")


class SurveyAnswers(msgspec.Struct, kw_only=True):
    """One valid survey form. None = not answered."""

    u: tuple[int | None, ...]
    amount_paid: int | None = None
    extra_requirements: bool | None = None
    product_correct: str | None = None
    comment: str = ""
    sex: str | None = None
    age_band: str | None = None
    education: str | None = None
    occupation: str | None = None

    def columns(self) -> dict:
        """The SurveyResponse column values of these answers."""
        values: dict[str, Any] = {f"u{i}": v for i, v in enumerate(self.u, start=1)}
        values.update(amount_paid=self.amount_paid, extra_requirements=self.extra_requirements,
                      product_correct=self.product_correct, comment=self.comment, sex=self.sex,
                      age_band=self.age_band, education=self.education, occupation=self.occupation)
        return values

    @property
    def low_answer(self) -> bool:
        """Any unsur answered 1 or 2 (the citizen is dissatisfied with something)."""
        return any(v is not None and v <= 2 for v in self.u)


class FormError(msgspec.Struct):
    field: str
    message: str


def parse_amount(text: str) -> int | None:
    """Rupiah as typed: "25000", "25.000", "Rp 25.000" -> 25000; blank -> None. Raises ValueError otherwise."""
    cleaned = re.sub(r"\s+", "", text or "")
    cleaned = re.sub(r"^(?i:rp)\.?", "", cleaned)
    if cleaned == "":
        return None
    if cleaned.startswith("-"):
        raise ArithmeticError("negative")
    if not _AMOUNT.match(cleaned):
        raise ValueError("not a number")
    return int(re.sub(r"[.,]", "", cleaned))


def parse_survey(form: Mapping[str, str], lang: str) -> tuple[SurveyAnswers | None, list[FormError]]:
    """Validate a posted survey form; messages in the citizen's language `lang`.

    Returns (answers, []) or (None, errors); an unknown value is an error, never silently dropped.
    """
    _t = partial(gettext, lang)
    errors: list[FormError] = []
    scores: list[int | None] = []
    for field, unsur in zip(U_FIELDS, UNSUR_2017, strict=True):
        raw = (form.get(field) or "").strip()
        if raw == "":
            scores.append(None)
        elif raw in ("1", "2", "3", "4"):
            scores.append(int(raw))
        else:
            name = unsur.name_id if lang == "id" else unsur.name_en
            errors.append(FormError(field, _t("The answer to “%(unsur)s” must be between 1 and 4.", unsur=name)))
            scores.append(None)
    amount = None
    try:
        amount = parse_amount(form.get("amount_paid") or "")
        if amount is not None and amount > AMOUNT_MAX:
            errors.append(FormError("amount_paid", _t("The amount paid is too large.")))
    except ArithmeticError:
        errors.append(FormError("amount_paid", _t("The amount paid cannot be negative.")))
    except ValueError:
        errors.append(FormError("amount_paid", _t("Write the amount paid in rupiah using digits only, e.g. 25000.")))
    extra = (form.get("extra_requirements") or "").strip()
    if extra not in ("", *YES_NO):
        errors.append(FormError("extra_requirements", _t("Choose yes or no.")))
    product = (form.get("product_correct") or "").strip()
    if product not in ("", *PRODUCT_CORRECT):
        errors.append(FormError("product_correct", _t("Choose yes, no or not yet.")))
    comment = (form.get("comment") or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        errors.append(FormError("comment", _t("The comment is too long: at most %(n)s characters.", n=COMMENT_MAX)))
    profile: dict[str, str | None] = {}
    for field, choices in PROFILE_CHOICES.items():
        value = (form.get(field) or "").strip()
        if value and value not in choices:
            errors.append(FormError(field, _t("Choose one of the options offered.")))
        profile[field] = value or None
    if errors:
        return None, errors
    return SurveyAnswers(
        u=tuple(scores), amount_paid=amount,
        extra_requirements=None if extra == "" else extra == "yes",
        product_correct=product or None, comment=comment, **profile,
    ), []


class BurstReviewForm(msgspec.Struct):
    """A manager's decision on a burst of unbound answers (one service, day and client)."""

    service: str = ""
    day: str = ""
    client: str = ""
    decision: str = ""
    note: str = ""
