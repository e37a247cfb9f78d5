"""The "From an article" tab of Events & data: paste or upload an article, review the candidate
events it reports (evidence highlighted in the text, likely duplicates flagged), then import the
kept ones as one batch whose source is the article, after a trial on a copy. Layout only: the
extraction is :mod:`scoring.extract`, data access :mod:`dashboard.data`."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.text import highlighted, md, writer
from scoring.db import schema
from scoring.errors import RiskError
from scoring.extract import accept
from scoring.extract.events import NeedsDate
from scoring.extract.text import MAX_BYTES

LANGS = {"auto": "Detect", "es": "Spanish", "en": "English"}


def _read_input() -> tuple[str | bytes, str] | None:
    """(the upload's bytes, or the pasted text; a name) — None when both are empty. The bytes are
    checked (size, PDF, binary, encoding, HTML) by the extraction, never decoded here."""
    up = st.session_state.get("art_file")
    if up is not None:
        return up.getvalue(), up.name
    text = st.session_state.get("art_text", "")
    return (text, "pasted article") if text.strip() else None


def _find(published, lang) -> None:
    got = _read_input()
    if got is None:
        st.session_state["art_result"] = None
        st.warning("Paste an article or upload a .txt or .html file first.")
        return
    text, name = got
    try:
        ex, stored = data.extract_article(text, name, published, lang)
    except NeedsDate as exc:
        st.session_state["art_result"] = None
        st.warning(f"{md(exc)}. Give the publication date above and try again.")
        return
    except RiskError as exc:
        st.session_state["art_result"] = None
        st.error(md(exc))
        return
    st.session_state["art_result"] = {
        "text": ex.article.text, "language": ex.language, "published": ex.published, "basis": ex.published_basis,
        "review": accept.review_frame(ex.as_dicts(), stored), "reason": ex.reason, "seconds": ex.seconds, "stored": stored,
        "spans": [(ev.start, ev.end) for c in ex.candidates for ev in c.evidence.values() if ev.end > ev.start],
        "title": ex.article.title, "outlet": ex.article.outlet, "url": ex.article.url}
    st.session_state["art_trial"] = None


def render(allowed: bool) -> None:
    st.markdown("Paste a news article (Spanish or English) or upload it as .txt or .html. The events it reports "
                "appear below with the text each field came from; correct, drop or add rows, then import them as "
                "one batch whose source is the article. Nothing is written until you confirm the import.")
    st.text_area("Article text", key="art_text", height=200, max_chars=MAX_BYTES)
    st.file_uploader("…or an article file", type=["txt", "html", "htm"], key="art_file")
    c1, c2 = st.columns(2)
    published = c1.date_input("Publication date (if the text does not say)", value=None, key="art_published")
    lang = c2.selectbox("Language", list(LANGS), format_func=LANGS.get, key="art_lang")
    if st.button("Find the events", key="art_find", type="primary"):
        _find(published, lang)
    res = st.session_state.get("art_result")
    if not res:
        return
    st.caption(f"{LANGS[res['language']]}, published {res['published']:%Y-%m-%d} ({md(res['basis'])}); "
               f"{len(res['review'])} candidate event(s) in {res['seconds']:.2f} s.")
    if res["review"].empty:
        st.info(f"No candidate events: {md(res['reason'])}. You can still add rows by hand below.")
    with st.expander("The article, with the evidence highlighted", expanded=False):
        st.markdown(highlighted(res["text"], res["spans"]))
    dups = res["review"][res["review"]["duplicate_of"].fillna("") != ""]
    for i, r in dups.iterrows():
        joins = bool(r["add_source"])
        st.warning(f"Row {i + 1} is likely the same event as stored event(s) {md(r['duplicate_of'])} (same place, "
                   "type and date within its precision). " + (
                       "It is unticked, and 'add_source' is ticked: the import adds this article to that event's "
                       "sources, so it stays one event with two sources (removing the batch undoes it)."
                       if joins else
                       "It is unticked: leave it so, and the stored event stays one event (a built-in event does "
                       "not take new sources); tick 'keep' to import it as another."), icon="🔁")
    if res["stored"] is not None:
        st.caption("The stored events they likely repeat (their sources say where each was reported):")
        st.dataframe(res["stored"][["row", "event_id", "date", "date_precision", "place", "event_type", "fatalities",
                                    "origin", "sources"]], hide_index=True, width="stretch")
    edited = st.data_editor(res["review"], num_rows="dynamic", key="art_editor", width="stretch", hide_index=True,
                            column_config={
                                "keep": st.column_config.CheckboxColumn("keep", default=True),
                                "add_source": st.column_config.CheckboxColumn(
                                    "add_source", default=False,
                                    help="Add this article to the sources of the stored event it repeats"),
                                "event_type": st.column_config.SelectboxColumn(options=list(schema.EVENT_TYPES)),
                                "date_precision": st.column_config.SelectboxColumn(options=list(schema.DATE_PRECISIONS)),
                                "target": st.column_config.SelectboxColumn(options=list(schema.TARGET_CATEGORIES)),
                                "confidence": st.column_config.SelectboxColumn(options=list(schema.CONFIDENCE)),
                                "evidence": st.column_config.TextColumn(disabled=True)})
    st.markdown("**The article as a source**")
    a, b, c = st.columns(3)
    title = a.text_input("Title", value=res["title"], key="art_title")
    outlet = b.text_input("Outlet", value=res["outlet"], key="art_outlet")
    url = c.text_input("URL", value=res["url"], key="art_url")
    if not allowed:
        st.info("This server is shared: type the analyst key in the sidebar to import events.", icon="🔑")
        return
    src = accept.article_source(res["text"], title=title, outlet=outlet, url=url, published=res["published"],
                                language=res["language"])
    sources = {src.source_id: src.as_source()}
    if st.button("Check what it would change", key="art_check"):
        try:
            payload = accept.to_events_csv(edited, src, res["stored"])
            with st.status("Trying the events on a copy of the database...", expanded=True) as status:
                trial, moves = data.preview_article(payload, sources, say=writer(status))
                status.update(label=f"Trial: {md(trial.result.summary())} (nothing written yet)", state="complete")
            st.session_state["art_trial"] = (payload, sources, trial.result, trial.rejects, moves)
        except RiskError as exc:
            st.session_state["art_trial"] = None
            st.error(md(exc))
    trial = st.session_state.get("art_trial")
    if not trial:
        return
    payload, sources_then, result, rejects, moves = trial
    st.success(f"Importing would load {result.loaded:,} event(s), reject {result.rejected:,}, and move "
               f"{len(moves):,} region(s) (current profile and options).")
    if len(rejects):
        st.dataframe(rejects, hide_index=True, width="stretch")
    if len(moves):
        st.dataframe(moves.drop(columns=["region_id", "region_type"], errors="ignore"), hide_index=True, width="stretch")
    if st.button("Import these events", key="art_go", type="primary"):
        try:
            with st.status("Importing...", expanded=True) as status:
                done = data.import_article(payload, sources_then, say=writer(status))
                status.update(label=md(done.result.summary()), state="complete")
            st.session_state["art_trial"] = None
            st.session_state["art_done"] = done.result.summary()
        except RiskError as exc:
            st.error(md(exc))
    if st.session_state.get("art_done"):
        st.success(md(st.session_state["art_done"]) + " It is listed in the import history (Upload tab), "
                   "where it can be removed.")
