"""User text shown as text: an escape for Streamlit's Markdown (which every ``st.write``,
``st.markdown``, ``st.caption``, ``st.info``/``success``/``warning``/``error``, status label
and widget label renders).

Streamlit has no escape of its own. :func:`md` backslash-escapes every character that could
start Markdown or HTML (images, links, raw tags, entities, code, emphasis, math, Streamlit's
``:color[...]`` directives), so an imported actor such as ``<img src=https://example.com/x.png>``
or ``![x](https://example.com/x.png)`` is shown as those characters and never fetched.

Backslashes do not stop GitHub's autolinks (``http://...``, ``www.``, e-mail addresses):
remark finds them in the text after the escapes are read. A word joiner (U+2060, invisible
and zero-width) before every ``:`` and ``@`` and after ``www`` breaks those patterns, so a
URL a user typed is shown, not linked. Use it on every string a user supplied (file names,
event actors, notes, places, crime and level names, batch notes, error messages quoting
them); page text of our own stays Markdown. Tables (``st.dataframe``) need nothing.
"""

from __future__ import annotations

import re

# Escaped wherever they stand (CommonMark lets any ASCII punctuation be backslash-escaped).
_ALWAYS = frozenset("\\`*[]()<>!#|~$&{}:@^\"")
# Escaped at the start of a line (after optional spaces): lists, setext headings, quotes.
_LINE_START = frozenset("-+=")
_ORDERED = re.compile(r"(^|\n)([ \t]*\d+)([.)])")
NO_LINK = "\u2060"  # WORD JOINER: invisible, breaks the autolink patterns


def md(value: object) -> str:
    """``value`` as Markdown that renders exactly as its characters (None -> "")."""
    s = "" if value is None else str(value)
    out: list[str] = []
    line_start = True
    for i, ch in enumerate(s):
        if ch in ":@":
            out.append(NO_LINK + "\\" + ch)
        elif ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_":
            # intraword underscores never emphasise (CommonMark): keep file_names.csv readable
            inner = 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()
            out.append("_" if inner else "\\_")
        elif ch in _LINE_START and line_start:
            out.append("\\" + ch)
        elif ch == "." and s[max(0, i - 3):i].lower() == "www":
            out.append(NO_LINK + "\\.")
        else:
            out.append(ch)
        if ch == "\n":
            line_start = True
        elif ch not in " \t":
            line_start = False
    text = "".join(out)
    return _ORDERED.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), text)


def writer(container):
    """A ``say`` callback for long operations that writes each message as text into
    ``container`` (an ``st.status``): the messages quote file names and rows."""
    return lambda message: container.markdown(md(message))


def highlighted(text: str, spans: list[tuple[int, int]], color: str = "orange") -> str:
    """``text`` as Markdown that renders exactly as its characters (:func:`md`), with the character
    ``spans`` (start, end) shown on a coloured background: the evidence of extracted events.
    Overlapping spans are merged; the user's text is never read as markup."""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out.append(md(text[pos:s]))
        # a highlight does not cross a line break: each line's piece is marked on its own
        out.append("\n".join(f":{color}-background[{md(piece)}]" if piece.strip() else md(piece)
                             for piece in text[s:e].split("\n")))
        pos = e
    out.append(md(text[pos:]))
    return "".join(out).replace("\n", "  \n")


def md_table(df, align: dict | None = None) -> str:
    """``df`` as a Markdown table whose every cell renders exactly as its characters (:func:`md`;
    missing values as "–"). ``align``: column -> "left" | "right" | "center". Drawn by the code
    Streamlit loads first, where ``st.dataframe`` fetches a data grid and Arrow (1.2 MB) and
    redraws a canvas on every run."""
    align = align or {}
    marks = {"left": ":---", "right": "---:", "center": ":---:"}

    def cell(v) -> str:
        missing = v is None or (isinstance(v, float) and v != v) or str(v) in ("<NA>", "nan")
        return "–" if missing else md(v).replace("\n", " ")

    head = "| " + " | ".join(md(c) for c in df.columns) + " |"
    rule = "| " + " | ".join(marks.get(align.get(c, "left"), ":---") for c in df.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
