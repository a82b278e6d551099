"""Measurement science of the portal: SKM/IKM, sampling, compliance, clocks, survival, SPC (numpy/scipy only)."""

from .change import Change, ikm_change, two_proportions
from .clock import durations, holiday_calendar, within_limit
from .compliance import Proportion, benjamini_hochberg, overcharge, proportion, rate, verdict, wilson_interval
from .csvio import TallyError, read_tally
from .ikm import (
    CATEGORY_LABELS,
    WEIGHTS,
    IkmResult,
    bootstrap_counts,
    bootstrap_respondents,
    category,
    counts_from_answers,
    ikm_from_answers,
    ikm_from_counts,
)
from .instrument import UNSUR_2004, UNSUR_2017, Unsur, category_2004
from .sampling import ResponseRate, cronbach_alpha, krejcie_morgan, margin_of_error, response_rate
from .spc import Funnel, PChart, funnel, funnel_limits, funnel_position, overdispersion, p_chart
from .survival import (
    CumulativeIncidence,
    KaplanMeier,
    cumulative_incidence,
    km_within,
    order_statistic_ranks,
    quantile_ci,
)

__all__ = [
    "CATEGORY_LABELS", "WEIGHTS", "UNSUR_2004", "UNSUR_2017",
    "Change", "CumulativeIncidence", "Funnel", "IkmResult", "KaplanMeier", "PChart", "Proportion", "ResponseRate", "TallyError", "Unsur",
    "benjamini_hochberg", "bootstrap_counts", "bootstrap_respondents", "category", "category_2004", "counts_from_answers", "cronbach_alpha", "cumulative_incidence",
    "durations", "funnel", "funnel_limits", "funnel_position", "holiday_calendar", "ikm_change", "ikm_from_answers",
    "ikm_from_counts", "km_within", "krejcie_morgan", "margin_of_error", "order_statistic_ranks", "overcharge", "overdispersion", "p_chart",
    "proportion", "quantile_ci", "rate", "read_tally", "response_rate", "two_proportions", "verdict",
    "wilson_interval", "within_limit",
]
