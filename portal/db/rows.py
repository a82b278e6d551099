"""Typed rows of whole tables that several capabilities read: every column of a unit, a service, a counter, with
the Python types both drivers return (Piccolo's converters give date, datetime and bool on SQLite too; JSON columns
are text unless a query decodes them). A query that selects fewer or more columns declares its own row."""

from __future__ import annotations

from datetime import date
from typing import TypedDict


class UnitRow(TypedDict):
    """Every column of a unit."""

    id: int
    government: int
    parent: int | None
    slug: str
    name: str
    short_name: str
    kind: str  # one of UNIT_KINDS
    timezone: str
    address: str
    phone: str
    email: str
    closures: str  # JSON text: a list of ISO dates, read with portal.insight.aggregate.closures_of
    cuti_bersama: bool
    maklumat_text: str
    maklumat_signer: str
    maklumat_date: date | None


class ServiceRow(TypedDict):
    """Every column of a service."""

    id: int
    unit: int
    slug: str
    name: str
    name_en: str
    description: str
    active: bool


class CounterRow(TypedDict):
    """Every column of a counter."""

    id: int
    unit: int
    code: str
    name: str
    active: bool
