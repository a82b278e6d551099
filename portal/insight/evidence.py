"""The management-review evidence pack (ISO 9001:2015 9.3.2) of a unit and period: print page and XLSX workbook."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.exports import inert_workbook
from portal.formatting import local_date, time_limit_text
from portal.insight import actions, report, wording
from portal.insight.periods import Period
from portal.locale import gettext

#: Display formats (Excel format codes use "," for thousands and "." for decimals; Excel shows them in the reader's
#: locale, so an Indonesian Excel shows "Rp 25.000" and "3/12/2026"). Values stay full-precision numbers and dates.
RUPIAH = '"Rp "#,##0'
COUNT = "#,##0"
DATE = {"id": "dd/mm/yyyy", "en": "d mmm yyyy"}
#: Column widths (characters) fitted to the content, within these bounds; long notes wrap instead.
MIN_WIDTH, MAX_WIDTH = 6, 48

#: Sheet names (msgids): the workbook speaks the reader's language, sheet names included.
SHEETS = ("Summary", "Per-unsur", "Compliance", "Corrective actions", "Method notes")

#: Method notes: (title, text) msgids; the page and the workbook print them in the reader's language.
METHOD_NOTES = (
    ("Satisfaction index",
     "PermenPANRB 14/2017: NRR of each unsur = sum of its answers / number of its answers; NI = sum of NRR x 1/9 "
     "(exact weight; when an unsur has no answers the weights are renormalised over the answered unsur); "
     "IKM = NI x 25. Category on the IKM rounded half-up to 2 decimals: A >= 88.31, B >= 76.61, C >= 65.00, "
     "else D; each unsur graded on the same bands from NRR x 25."),
    ("Interval of the IKM",
     "95 % percentile bootstrap resampling respondents (2000 replicates, fixed seed 20170), computed from "
     "the respondent-profile histogram kept in the rollups, so it equals `portal ikm` on the exported answers. "
     "The category is certain when both ends of the interval fall in the same category."),
    ("Sample size",
     "Krejcie & Morgan (1970): S = 3.841 N 0.25 / (0.0025 (N - 1) + 3.841 x 0.25), N = visits served in the "
     "period (served time recorded or outcome completed)."),
    ("Rates",
     "Time within the limit, overcharge, first-time-right and requirements consistency are proportions with "
     "Wilson 95 % score intervals. Verdict against a target: meets when the lower bound >= target; below when "
     "the one-sided exact binomial test rejects p >= target at 5 %; otherwise not yet conclusive, with the "
     "extra cases needed at the observed rate."),
    ("Time",
     "Same-day services: completed visits, from arrival to the finish, measured in the unit's timezone with "
     "national holidays and local closures, against the standard version in force at arrival (Wilson interval). "
     "Multi-day services (the headline): the Kaplan-Meier probability of completion within the limit counting "
     "every case, completed or open (open cases within the limit censored, open cases past it late; log-log "
     "Greenwood interval), read at the limit, or at the follow-up reached when it is shorter, and provisional "
     "while a case is open inside its deadline (never 'meets' then). A unit pools its services, each against "
     "its own limit, weighted by cases. The completed-only share is shown beside it. Waiting and handling: "
     "median and 90th percentile from log-binned duration histograms kept in the rollups (bins 5 % wide, so "
     "within 5 % of the exact value), with order-statistic intervals taken to the bin edges."),
    ("Cost",
     "One verdict per visit (the headline): overcharged when the fee the officer recorded or the amount the "
     "citizen reports in the answer bound to it is above the official fee of the version in force. Answers bound "
     "to no visit are their own line, never added to the visits. Every case is listed."),
    ("Accuracy",
     "First-time-right, one verdict per product delivered at a visit (the headline): the officer's record "
     "(no correction needed) where there is one, else the citizen's answer; a visit rejected, cancelled or not "
     "attended has no product. Answers bound to no visit are their own line. Requirements consistency: "
     "citizens not asked for documents beyond the published requirements."),
    ("Change and control charts",
     "Change against the previous period of equal length: Newcombe hybrid score interval and pooled z-test "
     "for rates, bootstrap of the difference for the IKM. p-chart with 3-sigma limits varying with n and "
     "Western Electric rules; funnel plot with exact binomial 95 % and 99.8 % limits (Spiegelhalter 2005)."),
)


async def gather(unit: dict, period: Period) -> dict[str, Any]:
    """Figures, per-service compliance and the unit's corrective actions for the pack."""
    sc = await report.unit_scope(unit)
    data = await report.build(sc, period)
    items = await actions.items([unit["id"]], None)
    relevant = [i for i in items if i["status"] != "closed"
                or (i["period_from"] <= period.end and i["period_to"] >= period.start)
                or (i["closed_at"] is not None and period.start <= i["closed_at"].date() <= period.end)]
    return {"unit": unit, "period": period, "data": data,
            "open_items": [i for i in relevant if i["status"] != "closed"],
            "closed_items": [i for i in relevant if i["status"] == "closed"]}


def _shown_width(cell) -> int:
    """About how many characters a cell shows: numbers as their format prints them, wrapped text by its longest
    word (a header wraps onto several lines), other text by its longest line."""
    value = cell.value
    if value is None:
        return 0
    if isinstance(value, date):
        return 11
    if isinstance(value, int | float) and not isinstance(value, bool):
        fmt = cell.number_format
        if "%" in fmt:
            return 7
        decimals = len(fmt.rsplit(".", 1)[1]) if "." in fmt else 0
        shown = f"{value:,.{decimals}f}" if fmt != "General" else str(value)
        return len(shown) + (3 if fmt == RUPIAH else 0)
    text = str(value)
    if cell.alignment is not None and cell.alignment.wrap_text:
        return max((len(word) for word in text.split()), default=0)
    return max((len(line) for line in text.splitlines()), default=0)


def _finish(ws: Worksheet, header_row: int, first_data_column: str, fixed: dict[int, int] | None = None) -> None:
    """Freeze the header (and the columns left of `first_data_column`) so they stay on screen while scrolling;
    fit each column to what it shows from the header down (title rows above it do not widen a column), within
    MIN_WIDTH..MAX_WIDTH; text longer than that wraps in its cell instead of spilling over its neighbours."""
    ws.freeze_panes = f"{first_data_column}{header_row + 1}"
    widest: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_row):
        for i, cell in enumerate(row, start=1):
            widest[i] = max(widest.get(i, 0), _shown_width(cell))
    for column, shown in widest.items():
        width = (fixed or {}).get(column) or min(max(shown + 2, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(column)].width = width
        for (cell,) in ws.iter_rows(min_row=header_row, min_col=column, max_col=column):
            if isinstance(cell.value, str) and len(cell.value) + 2 > width:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def workbook(pack: dict[str, Any], lang: str) -> bytes:
    """The evidence pack as an XLSX workbook: Summary, Per-unsur (SKM layout), Compliance, Corrective actions,
    Method notes. Numbers at full precision with display formats (rounding only in how Excel shows them)."""
    def _(msg: str) -> str:
        return gettext(lang, msg)

    d, unit, period = pack["data"], pack["unit"], pack["period"]
    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE6EF")

    def header(ws, row: list[str]) -> None:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    date_format = DATE.get(lang, DATE["en"])

    def formats(ws, fmt: str, columns) -> None:
        """The last row's cells in these columns (0-based) shown with this format (dates, rupiah, counts)."""
        row = ws[ws.max_row]
        for i in columns:
            row[i].number_format = fmt

    sat = d["satisfaction"]
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    ws.title = _(SHEETS[0])
    ws.append([_("Evidence pack for the management review"), unit["name"]])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("Period"), period.label, period.start, period.end])
    formats(ws, date_format, (2, 3))
    ws.append([])
    header(ws, [_("Measure"), _("Value"), _("95% interval low"), _("95% interval high"), "n", _("Verdict")])
    label = sat["label"][0] if lang == "id" else sat["label"][1]
    ws.append(["IKM", sat["ikm"], *(sat["ci95"] or [None, None]), sat["n"],
               f"{sat['category'] or '-'} {label}".strip()])
    summary_header = ws.max_row - 1
    tm = d["time"]
    time_name = _("Within the time limit")
    if tm["basis"] == "kaplan_meier":
        time_name += " (" + _("estimate counting open cases") + (
            ", " + gettext(lang, "provisional until %(date)s", date=local_date(tm["final_after"], lang=lang))
            if tm["provisional"] else "") + ")"
    rows = [(time_name, tm, wording.label(wording.VERDICTS, tm["verdict"], lang))]
    if tm["basis"] == "kaplan_meier":
        rows.append((_("Completed cases only (leaves the open ones out)"),
                     {"rate": tm["completed_rate"], "ci95": tm["completed_ci95"], "n": tm["completed"]}, ""))
    rows += [(_("Overcharged") + " (" + _("visits") + ")", d["cost"], ""),
             (_("Overcharged") + " (" + _("answers bound to no visit, counted apart") + ")", d["cost_responses"], ""),
             (_("First time right") + " (" + _("products delivered at visits") + ")", d["accuracy"],
              wording.label(wording.VERDICTS, d["accuracy"]["verdict"], lang)),
             (_("First time right") + " (" + _("answers bound to no visit, counted apart") + ")",
              d["accuracy_responses"], ""),
             (_("Requirements consistency"), d["requirements"], "")]
    outcomes = d["outcomes"]
    for key, name in (("rejected", "Rejected as incomplete"), ("cancelled", "Cancelled"),
                      ("no_show", "Did not show up")):
        rows.append((_(name) + " (" + _("of the visits that ended") + ")",
                     {"rate": outcomes[f"{key}_rate"], "ci95": outcomes[f"{key}_ci95"], "n": outcomes["ended"]},
                     outcomes[key]))
    for name, p, verdict in rows:
        ws.append([name, p["rate"], *(p["ci95"] or [None, None]), p["n"], verdict])
        formats(ws, COUNT, (4, 5) if isinstance(verdict, int) else (4,))
    for row in ws.iter_rows(min_row=5, max_row=ws.max_row):
        if row[0].value != "IKM":
            for cell in row[1:4]:
                cell.number_format = "0.0%"
        else:
            for cell in row[1:4]:
                cell.number_format = "0.00"
            row[4].number_format = COUNT
    ws.append([])
    for name, value in ((_("Respondents"), sat["n"]), (_("Served in the period"), sat["population"]),
                        (_("Sample needed (Krejcie–Morgan)"), sat["sample_needed"])):
        ws.append([name, value])
        formats(ws, COUNT, (1,))
    ws.append([_("Sample met"), None if sat["sample_met"] is None else (_("yes") if sat["sample_met"] else _("no"))])
    _finish(ws, summary_header, "A")

    ws = wb.create_sheet(_(SHEETS[1]))
    ws.append([_("Survey results per unsur (SKM, PermenPANRB 14/2017)"), unit["name"], period.label])
    ws["A1"].font = Font(bold=True)
    header(ws, [_("Element (unsur)"), _("Answers"), _("NRR per unsur"), _("Weighted NRR (NRR x 1/9)"), _("Grade")])
    for u in sat["unsur"]:
        ws.append([f"{u['code']} {u['name_id'] if lang == 'id' else u['name_en']}", u["answers"], u["nrr"],
                   u["weighted"], u["grade"]])
        formats(ws, "0.0000", (2, 3))
        formats(ws, COUNT, (1,))
    ws.append([_("Index value (NI)"), None, None, sat["ni"], None])
    formats(ws, "0.0000", (3,))
    ws.append(["IKM (NI x 25)", None, None, sat["ikm"], None])
    formats(ws, "0.00", (3,))
    ws.append([_("Quality (mutu)"), None, None, sat["category"], None])
    ws.append([_("Unit performance (kinerja)"), None, None, label, None])
    for name, end in ((_("95% interval low"), 0), (_("95% interval high"), 1)):  # numbers, not a "81,9 – 83,5" text
        ws.append([name, None, None, sat["ci95"][end] if sat["ci95"] else None, None])
        formats(ws, "0.00", (3,))
    _finish(ws, 2, "B")

    ws = wb.create_sheet(_(SHEETS[2]))
    header(ws, [_("Service"), _("Time limit"), _("Within the time limit"), _("low"), _("high"), "n", _("Target"),
                _("Verdict"), _("Overcharged"), "n", _("First time right"), _("low"), _("high"), "n",
                _("Requirements consistency"), "n", _("Read within"), _("Provisional until"),
                _("Completed cases only (leaves the open ones out)")])
    for s in d["services"]:
        std = s["standard"]
        limit = time_limit_text(std["time_limit_value"], std["time_limit_unit"], lang) \
            if std.get("time_limit_unit") and std.get("time_limit_value") is not None else ""
        t, c, a, r = s["time"], s["cost"], s["accuracy"], s["requirements"]
        horizon = time_limit_text(t["horizon_days"], t["limit_unit"], lang) \
            if t["basis"] == "kaplan_meier" and t["horizon_days"] is not None and t["limit_unit"] else ""
        ws.append([s["service"]["name"], limit, t["rate"], *(t["ci95"] or [None, None]), t["n"], t["target"],
                   wording.label(wording.VERDICTS, t["verdict"], lang), c["k"], c["n"], a["rate"],
                   *(a["ci95"] or [None, None]), a["n"], r["rate"], r["n"], horizon,
                   t["final_after"] if t["provisional"] else None,
                   t["completed_rate"] if t["basis"] == "kaplan_meier" else None])
        formats(ws, "0.0%", (2, 3, 4, 6, 10, 11, 12, 14, 18))
        formats(ws, COUNT, (5, 8, 9, 13, 15))
        formats(ws, date_format, (17,))
    ws.append([])
    header(ws, [_("Every overcharge case"), _("Date"), _("Service"), _("Source"), _("Amount"), _("Official fee")])
    for case in d["overcharges"]:
        ws.append([case["ref"], case["day"], case["service"]["name"],
                   wording.label(wording.PAYERS, case["source"], lang), case["amount"],
                   case["fee"]])
        formats(ws, date_format, (1,))
        formats(ws, RUPIAH, (4, 5))
    _finish(ws, 1, "B")

    ws = wb.create_sheet(_(SHEETS[3]))
    header(ws, ["#", _("Service"), _("Source"), _("Period"), _("Figure"), _("State"), _("Opened"),
                _("Root cause"), _("Action"), _("Owner"), _("Due date"), _("Verification note"), _("Closed")])
    for i in pack["open_items"] + pack["closed_items"]:
        ws.append([i["id"], i["service_name"], wording.label(wording.SOURCES, i["source"], lang), i["period"],
                   wording.figure_text(i, lang), wording.label(wording.STATES, i["status"], lang),
                   i["opened_at"].date() if i["opened_at"] else None, i["root_cause"], i["action"],
                   i["owner"], i["due_date"] if i["due_date"] else None, i["verification_note"],
                   i["closed_at"].date() if i["closed_at"] else None])
        formats(ws, date_format, (6, 10, 12))
    _finish(ws, 1, "C")

    ws = wb.create_sheet(_(SHEETS[4]))
    header(ws, [_("Topic"), _("Method")])
    for title, text in METHOD_NOTES:
        ws.append([_(title), _(text)])
        ws[ws.max_row][1].alignment = Alignment(wrap_text=True, vertical="top")
    _finish(ws, 1, "B", fixed={2: 100})

    inert_workbook(wb)  # no formula from user text (service names, root causes, notes)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
