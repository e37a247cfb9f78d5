"""What the user set, shared by every page and mirrored in the URL (query parameters).

A page reads a setting with :func:`get`, builds its widget with that value, and writes
the widget's result back with :func:`put`. :func:`init` seeds the settings from the URL
once per session, and :func:`to_url` writes the non-default ones back, so a view can be
shared and reopened. Widgets keep their own keys per page (Streamlit drops a widget's
state when its page is left); the shared values live under ``_s_<name>``.
"""

from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from scoring.index.weights import profile_names

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
    "profile": ("analyst", *_STR),
    "as_of": (None, *_DATE),
    "window": (365, *_INT),
    "half_life": (180.0, *_FLOAT),
    "buffer": (25.0, *_FLOAT),
    "norm": ("", *_STR),        # '' = the profile's own
    "agg": ("", *_STR),
    "pw": ({}, _weights_parse, _weights_fmt),   # pillar weight overrides
    "iw": ({}, _weights_parse, _weights_fmt),   # indicator weight overrides
    "th": ((), *_TH),           # level thresholds override
    "state": ("", *_STR),       # the state whose profile is open
    "corridor": ("", *_STR),
    "compare": ([], *_LIST),    # regions on the Compare page
    "events": (False, lambda s: s == "1", lambda v: "1" if v else "0"),
}


def init() -> None:
    """Seed the shared settings from the URL, once per session. Bad values are ignored."""
    if st.session_state.get("_state_ready"):
        return
    qp = st.query_params
    for name, (default, parse, _) in SETTINGS.items():
        value = default
        if name in qp:
            try:
                value = parse(qp[name])
            except (ValueError, TypeError):
                value = default
        st.session_state[f"_s_{name}"] = value
    if st.session_state["_s_profile"] not in profile_names():
        st.session_state["_s_profile"] = "analyst"
    st.session_state["_state_ready"] = True


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
        default, _, fmt = SETTINGS[name]
        value = get(name)
        if value not in (None, "", [], {}, ()) and value != default:
            want[name] = fmt(value)
    current = {k: st.query_params[k] for k in st.query_params}
    if current != want:
        st.query_params.from_dict(want)
