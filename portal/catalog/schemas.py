"""msgspec structs of the read-only catalog API v1 (services, units, counters)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from portal.catalog.queries import PublicServiceRow, PublicVersionRow


class TimeLimit(msgspec.Struct):
    value: int
    unit: str  # minutes | hours | working_days | calendar_days


class Standard(msgspec.Struct):
    """The published part of the standard in force (UU 25/2009 Pasal 21; PermenPANRB 15/2014)."""

    version: int
    effective_from: datetime | None
    time_limit: TimeLimit
    fee: int  # rupiah; 0 = free ("Gratis")
    requirements: list[str]
    procedure: list[str]
    product: str
    complaint_channel: str


class UnitRef(msgspec.Struct):
    slug: str
    name: str


class ServiceOut(msgspec.Struct):
    slug: str
    name: str
    unit: UnitRef
    standard: Standard | None  # null when no approved version is in force


class UnitOut(msgspec.Struct):
    slug: str
    name: str
    kind: str  # OPD | UPT
    timezone: str  # IANA name: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)
    address: str
    parent: str | None  # slug of the parent unit
    services: list[str]  # service slugs


class CounterOut(msgspec.Struct):
    code: str
    name: str
    unit: UnitRef
    services: list[str]  # service slugs
    url: str  # the counter's public page, printed in its QR code


def standard_out(version: PublicVersionRow | None) -> Standard | None:
    if version is None:
        return None
    return Standard(
        version=version["version"], effective_from=version["effective_from"],
        time_limit=TimeLimit(value=version["time_limit_value"], unit=version["time_limit_unit"]),
        fee=int(version["fee"] or 0), requirements=list(version["requirements"]), procedure=list(version["procedure"]),
        product=version["product"] or "", complaint_channel=version["complaint_channel"] or "",
    )


def service_out(service: PublicServiceRow) -> ServiceOut:
    return ServiceOut(slug=service["slug"], name=service["name"],
                      unit=UnitRef(slug=service["unit"]["slug"], name=service["unit"]["name"]),
                      standard=standard_out(service["standard"]))
