"""An article's text from a file or from bytes: size and binary checks, encodings, HTML.

Every refusal is a :class:`~scoring.errors.FormatError` with one line saying what is wrong
(the command line prints it and exits 2); nothing here raises anything else for bad input.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from scoring.errors import FormatError

# A long news article is 10-40 KB of text, a saved web page a few hundred KB. Two megabytes is
# far above either and well below what would make the extractor slow (it is linear in length).
MAX_BYTES = 2_000_000
# Fewer words than this is a headline or a fragment, not an article that reports an event.
MIN_WORDS = 12

_MAGIC = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP archive (or a Word/Excel file)", b"\x89PNG": "a PNG image",
          b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x1f\x8b": "a gzip archive",
          b"\xd0\xcf\x11\xe0": "an old Office document", b"{\\rtf": "an RTF document"}


@dataclass
class Article:
    """The plain text of an article and what its markup said about it (HTML only)."""

    text: str
    name: str = "article"
    title: str = ""
    outlet: str = ""
    url: str = ""
    published_hint: str = ""          # a date string from the page's metadata, unparsed
    html: bool = False
    notes: list[str] = field(default_factory=list)


def read_file(path) -> Article:
    """Read ``path`` as an article; a missing, huge, binary or empty file is refused in one line."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise FormatError(f"{path}: is a folder; give the article's file")
    if size > MAX_BYTES:
        raise FormatError(f"{path}: is {size / 1e6:,.1f} MB; an article is at most {MAX_BYTES / 1e6:.0f} MB of text "
                          "(save the article alone as .txt or .html)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return from_bytes(raw, path.name)


def from_bytes(raw: bytes, name: str = "article") -> Article:
    """An article from the bytes of a .txt or .html file (an upload or a pasted text)."""
    if len(raw) > MAX_BYTES:
        raise FormatError(f"{name}: is {len(raw) / 1e6:,.1f} MB; an article is at most {MAX_BYTES / 1e6:.0f} MB")
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise FormatError(f"{name}: is {what}, not text; copy the article's text into a .txt file")
    text = _decode(raw, name)
    return from_text(text, name)


def from_text(text: str, name: str = "article") -> Article:
    """An article from text (plain or HTML); refuses empty text, binary junk and fragments."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise FormatError(f"{name}: is empty; there is no article to read")
    controls = sum(1 for c in text[:20000] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(3, len(text[:20000]) // 200):
        raise FormatError(f"{name}: is binary data, not text (a PDF or a program renamed .txt?)")
    art = Article(text=text, name=name)
    if _looks_html(text):
        art = _from_html(text, name)
    art.text = _tidy(art.text)
    words = re.findall(r"[^\W\d_]{2,}", art.text)
    if len(words) < MIN_WORDS:
        raise FormatError(f"{name}: has {len(words)} word(s); that is not an article (paste the whole text)")
    return art


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise FormatError(f"{name}: looks like UTF-16 text but is not valid UTF-16") from None
    if b"\x00" in raw[:8192]:
        raise FormatError(f"{name}: is binary data, not text (a PDF or a program renamed .txt?)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _looks_html(text: str) -> bool:
    head = text[:3000].lower()
    return "<html" in head or "<!doctype html" in head or len(re.findall(r"</?(p|div|body|h1|article)\b", head)) >= 2


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n[ \t]+", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _Page(HTMLParser):
    """The visible text of a page, block elements as paragraphs; title and a few meta tags."""

    _SKIP = {"script", "style", "noscript", "svg", "nav", "footer", "header", "aside", "form", "iframe", "figure"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self.skip:
            self.skip -= 1
        elif tag == "title":
            self.in_title = False
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(data)


def _from_html(text: str, name: str) -> Article:
    page = _Page()
    try:
        page.feed(text)
        page.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; a failure here is the file's fault
        raise FormatError(f"{name}: is HTML that cannot be read") from None
    m = page.meta
    body = html.unescape("".join(page.parts))
    title = (m.get("og:title") or page.title or "").strip()
    return Article(text=body, name=name, title=title, outlet=(m.get("og:site_name") or "").strip(),
                   url=(m.get("og:url") or m.get("canonical") or "").strip(),
                   published_hint=(m.get("article:published_time") or m.get("datepublished")
                                   or m.get("date") or m.get("pubdate") or "").strip(), html=True)
