"""What the user set, shared by every page and mirrored in the URL (query parameters).

(Named ``settings``, not ``state``: elsewhere a "state" is one of Mexico's 32 states.)

A page reads a setting with :func:`get`, builds its widget with that value, and writes
the widget's result back with :func:`put`. :func:`init` seeds the settings from the URL
once per session, and :func:`to_url` writes the non-default ones back, so a view can be
shared and reopened. Widgets keep their own keys per page (Streamlit drops a widget's
state when its page is left); the shared values live under ``_s_<name>``.

:func:`profile` and :func:`time_options` turn the settings into what the scoring engine
takes (a :class:`~scoring.index.weights.Profile` and a
:class:`~scoring.index.matrix.TimeOptions`); the time defaults are the engine's own.
"""

from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from dashboard import i18n
from scoring.errors import RiskError
from scoring.index.matrix import DEFAULT_BUFFER_KM, DEFAULT_HALF_LIFE_DAYS, DEFAULT_WINDOW_DAYS, TimeOptions
from scoring.index.weights import Profile, load_profile, profile_from_dict, profile_names

# name -> (default, parse from URL text, format to URL text)
_DATE = (lambda s: dt.date.fromisoformat(s), lambda v: v.isoformat())
_INT = (int, str)
_FLOAT = (float, lambda v: f"{v:g}")
_STR = (str, str)


def _weights_parse(s: str) -> dict:
    out = {}
    for part in s.split(","):
        if ":" in part:
            k, v = part.split(":", 1)
            x = float(v)
            if math.isfinite(x) and x >= 0:
                out[k.strip()] = x
    return out


def _weights_fmt(d: dict) -> str:
    return ",".join(f"{k}:{v:g}" for k, v in sorted(d.items()))


_LIST = (lambda s: [x for x in s.split(",") if x], lambda v: ",".join(v))
_TH = (lambda s: tuple(float(x) for x in s.split(",")), lambda v: ",".join(f"{x:g}" for x in v))

SETTINGS: dict[str, tuple] = {
    "lang": ("", *_STR),        # 'es' or 'en'; '' = not chosen yet (the browser's language decides)
    "profile": ("analyst", *_STR),
    "as_of": (None, *_DATE),
    "window": (DEFAULT_WINDOW_DAYS, *_INT),
    "half_life": (float(DEFAULT_HALF_LIFE_DAYS), *_FLOAT),
    "buffer": (float(DEFAULT_BUFFER_KM), *_FLOAT),
    "norm": ("", *_STR),        # '' = the profile's own
    "agg": ("", *_STR),
    "pw": ({}, _weights_parse, _weights_fmt),   # pillar weight overrides
    "iw": ({}, _weights_parse, _weights_fmt),   # indicator weight overrides
    "th": ((), *_TH),           # level thresholds override
    "state": ("", *_STR),       # the state whose profile is open
    "corridor": ("", *_STR),
    "place": ("", *_STR),       # the municipality (5-digit INEGI code) whose profile is open
    "mlayer": (False, lambda s: s == "1", lambda v: "1" if v else "0"),   # the national municipal layer
    "compare": ([], *_LIST),    # regions on the Compare page
    "events": (False, lambda s: s == "1", lambda v: "1" if v else "0"),
    "uc": (False, lambda s: s == "1", lambda v: "1" if v else "0"),   # the under-count adjustment
    "base": (False, lambda s: s == "1", lambda v: "1" if v else "0"),  # leave imported batches out
}


def init() -> None:
    """Seed the shared settings from the URL, once per session. Bad values are ignored."""
    if st.session_state.get("_settings_ready"):
        return
    qp = st.query_params
    for name, (default, parse, _fmt) in SETTINGS.items():
        value = default
        if name in qp:
            try:
                value = parse(qp[name])
            except (ValueError, TypeError):
                value = default
        st.session_state[f"_s_{name}"] = value
    if st.session_state["_s_profile"] not in profile_names():
        st.session_state["_s_profile"] = "analyst"
    if st.session_state["_s_lang"] not in i18n.LANGS:
        st.session_state["_s_lang"] = browser_language()
    st.session_state["_settings_ready"] = True


def browser_language() -> str:
    """The browser's language if it is one of ours (``navigator.language``, then the
    Accept-Language header), else English."""
    try:
        found = i18n.from_locale(st.context.locale) or i18n.from_locale(st.context.headers.get("Accept-Language"))
    except Exception:  # no browser context (AppTest, bare mode)
        found = None
    return found or i18n.DEFAULT


def language() -> str:
    """Set this run's language from the settings (the URL's ``lang``, else the browser's) and
    return it. Called once per run, by the router before any page draws."""
    init()
    return i18n.use(get("lang"))


def get(name: str):
    init()
    return st.session_state.get(f"_s_{name}", SETTINGS[name][0])


def put(name: str, value) -> None:
    st.session_state[f"_s_{name}"] = value


def to_url(names=None) -> None:
    """Write the settings that differ from their defaults to the URL."""
    names = names or list(SETTINGS)
    want = {}
    for name in names:
        default, _parse, fmt = SETTINGS[name]
        value = get(name)
        if value not in (None, "", [], {}, ()) and value != default:
            want[name] = fmt(value)
    current = {k: st.query_params[k] for k in st.query_params}
    if current != want:
        st.query_params.from_dict(want)


def profile() -> Profile:
    """The profile the user chose, with any weight, method or threshold overrides applied.

    Overrides the engine refuses (e.g. every pillar weight at zero) show a warning and
    fall back on the chosen profile as it is.
    """
    base = load_profile(get("profile"))
    pw, iw, norm, agg, th = get("pw"), get("iw"), get("norm"), get("agg"), get("th")
    if not (pw or iw or norm or agg or th):
        return base
    doc = {"name": f"{base.name} (adjusted)", "description": base.description,
           "pillars": {**base.pillar_weights, **pw}, "indicators": {**base.indicator_weights, **iw},
           "normalisation": norm or base.normalisation, "aggregation": agg or base.aggregation,
           "thresholds": list(th) if th else list(base.thresholds)}
    try:
        return profile_from_dict(doc)
    except RiskError as exc:
        st.warning(i18n._("The adjusted weights were refused ({exc}); showing the {name} profile.",
                          exc=exc, name=base.name))
        return base


def time_options() -> TimeOptions:
    """The as-of date, window, half-life and corridor buffer the user chose."""
    return TimeOptions(as_of=get("as_of"), window_days=int(get("window")),
                       half_life_days=float(get("half_life")), buffer_km=float(get("buffer")),
                       undercount=bool(get("uc")), embedded_only=bool(get("base")))
