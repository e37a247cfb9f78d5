"""Candidate events of one article: sentences that report an act (a killing, a clash, a
blockade...) become candidates with a date, a place, counts, a type and actors, each with the
span of text it came from; later sentences about the same act add to it; within the article,
candidates about one real-world event are merged.

What is not an event: a sentence of background figures ("more than 30,000 murders a year"),
an act the article does not date (unless it is the article's lead), an act with no place in
Mexico, a date after publication (a plan, a forecast).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from scoring.errors import FormatError
from scoring.extract import dates as dates_
from scoring.extract import language, numbers
from scoring.extract import places as places_
from scoring.extract.candidates import NONVIOLENT, SPECIFIC, STRONG, Candidate, Evidence, Extraction, dedupe, sibling
from scoring.extract.folding import fold_keep
from scoring.extract.lexicon import load as load_lexicon
from scoring.extract.places import index as place_index
from scoring.extract.text import Article, from_text
from scoring.load import names

# which phrase names a sentence's act: a specific act anywhere (the earliest), else a killing,
# else an arrest, a seizure, extortion, banners ("killed after reporting on extortion" is a killing)
_TYPE_RANK = {**{t: 0 for t in STRONG}, "killing": 1, "extortion": 2, "seizure": 2, "arrest_or_operation": 2,
              "migrant_incident": 2, "other": 2}
# a date right after these words is when something was said, not when the act happened
_SAID = re.compile(r"(?:said|says|told|announced|reported|confirmed|added|stated|informo|informaron|dijo|dijeron|"
                   r"senalo|senalaron|confirmo|declaro|indico|anuncio|reporto|explico|detallo|preciso|denuncio|"
                   r"denunciaron)[a-z]*\s+(?:(?!que\b|that\b)[a-z]+\s+){0,2}$")
# "after the capture of...", "desde la desaparición de...": an earlier act named as background
_REFERENCE = re.compile(r"(?:tras|desde|despues de|a raiz de|after|since|following|before|antes de)\s+(?:la|el|the)\s+$")
_CAPTION = re.compile(r"\((?:AP |Reuters |AFP |EFE )?(?:file )?(?:photo|foto)\b[^)]*\)\s*$|^(?:Foto|Photo):", re.I | re.M)
# "the attack", "la masacre": an act the article has named already
_DEFINITE = re.compile(r"(?:^|[^a-z])(?:the|this|that|el|la|este|esta|dicho|dicha)\s+(?:[a-z]+\s+)?$")
# the lead: an undated act this close to the start is the article's news, dated to its week
_LEAD_CHARS = 600
_SAID_AFTER = re.compile(r"\s+(?:said|say|says|reported|told|dijo|dijeron|informo|informaron|senalo|senalaron)\b")
# an act dated by the one before it: the same day, or (group 1) the next
_LATER = re.compile(r"\b(?:horas (?:despues|mas tarde)|minutos despues|mas tarde|esa misma (?:noche|tarde)|"
                    r"hours later|minutes later|later that (?:day|night)|that same (?:day|night)|"
                    r"(al dia siguiente|un dia despues|the next day|the following day|a day later)|"
                    r"(un dia antes|el dia anterior|la vispera|the day before|the previous day|a day earlier))\b")
_MUNICIPIO = re.compile(r"^[\s,]*(?:en\s+)?(?:el\s+)?(?:municipio|municipality)\s+(?:de|of)\s+$")
_DATELINE_ABBR = re.compile(r"\b([A-Z][a-z]{1,4}\.)\s*(?:,|\.-|—|–|\()")
_NEGATED = re.compile(r"\b(?:no|sin|ningun[oa]?|never|nunca|without)\s+(?:[a-z]+\s+)?$")
_PURPOSE = re.compile(r"\b(?:para|to)\s+$")
_ATTRIBUTE = re.compile(r"\b(?:familiares|hijos|hijas|seres queridos|parientes|relatives|loved ones|sons|daughters|"
                        r"children)\s+$")
_NAMES_ACT = re.compile(r"\b(?:the|el|la|this|este|esta)\s+(?:operation|operativo|attack|ataque|agresion|raid|incident|"
                        r"hecho|hechos|ambush|emboscada|clash|enfrentamiento|massacre|masacre|shooting|balacera|"
                        r"seizure|aseguramiento|decomiso)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»']?\s+(?=[¿¡\"“«(]?[A-ZÁÉÍÓÚÑ0-9])|\n+")
_ABBREV = re.compile(r"\b(?:Sr|Sra|Dr|Dra|Gral|Lic|Ing|Mr|Mrs|Ms|St|No|Núm|Gob|Edo|Col|Av|Mex|U\.S|U\.N|Jan|Feb|"
                     r"Mar|Apr|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.$")
_DATELINE = re.compile(r"(?m)^[^\n]{2,90}?(?:\s*\([^)\n]{1,40}\))?\s*(?:\.-|\.—|—|–|\s-\s)")
# a first line this short, with no full stop, and a blank line after it: the headline
_HEADLINE = re.compile(r"^[^\n]{8,200}(?<![.!?])\n\s*\n")


class NeedsDate(FormatError):
    """The article does not say when it was published, and no date was given."""


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: split at . ! ? before a capital, and at line breaks; abbreviations kept."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        piece = text[start:m.start()].rstrip()
        if m.group().strip(" \t") == "" or not _ABBREV.search(piece):
            if piece.strip():
                out.append((start + len(text[start:m.start()]) - len(text[start:m.start()].lstrip()), m.start()))
            start = m.end()
    if text[start:].strip():
        out.append((start, len(text.rstrip())))
    return out


def extract(article: Article | str, *, published: dt.date | None = None, lang: str = "auto") -> Extraction:
    """The candidate events of ``article`` (see the module docstring). Raises
    :class:`~scoring.errors.FormatError` for text in another language and :class:`NeedsDate`
    when the publication date is neither given nor in the text."""
    import time

    t0 = time.perf_counter()
    art = from_text(article) if isinstance(article, str) else article
    text = art.text
    if lang == "auto":
        lang, share = language.detect(text)
        if lang not in language.SUPPORTED:
            what = language.NAMES.get(lang, "no language the extractor reads")
            raise FormatError(f"{art.name}: the text looks like {what} (function words: {share:.0%}); the extractor "
                              "reads Spanish and English articles (pass --lang es|en to force one)")
    elif lang not in language.SUPPORTED:
        raise FormatError(f"--lang must be es, en or auto, not {lang!r}")
    basis = "given"
    if published is None:
        published, basis = dates_.publication_date(text, art.published_hint, lang)
        if published is None:
            raise NeedsDate(f"{art.name}: {basis}")
    if not art.title:
        head = _HEADLINE.match(text)
        art.title = head.group().strip() if head else ""
    ex = _Extractor(text, published, lang).run()
    result = Extraction(art, lang, published, basis, ex[0], ex[1])
    if not result.candidates:
        result.reason = ("no sentence reports a dated act of violence, an arrest, a seizure or a protest at a place "
                         "in Mexico" + (f" ({len(result.skipped)} sentence(s) set aside: "
                                        f"{'; '.join(sorted({s[2] for s in result.skipped}))})" if result.skipped else ""))
    result.seconds = time.perf_counter() - t0
    return result


class _Extractor:
    def __init__(self, text: str, published: dt.date, lang: str):
        self.text, self.pub, self.lang = text, published, lang
        self.folded = fold_keep(text)
        self.lex = load_lexicon()
        self.places = place_index()
        self.masked = self._masked()
        self.dates = [d for d in dates_.find_dates(text, published, lang)
                      if not any(a <= d.start < b for a, b in self.masked[:1])]
        self.mentions = self.places.mentions(text, self.folded, self.masked)
        # the states of the headline and dateline: never the event's place, but the last prior
        # between same-named places ("El Salto" in an article datelined in Durango)
        head = self.masked[0]
        headline = _HEADLINE.match(text)
        self.headline_states = [m.state_code for m in self.places.mentions(text[:headline.end()], self.folded[:headline.end()])
                                if m.kind == "state"] if headline else []
        self.prior = [m.state_code for m in self.places.mentions(text[:head[1]], self.folded[:head[1]])
                      if m.kind == "state"] + _dateline_states(text[:head[1]])
        self.counts = numbers.find_counts(self.folded)
        self.skipped: list[tuple[int, int, str]] = []

    def _masked(self) -> list[tuple[int, int]]:
        """The dateline first (its place is where the reporter was), then every armed group's name."""
        spans = []
        head = _HEADLINE.match(self.text)
        start = head.end() if head else 0
        m = _DATELINE.search(self.text, start, start + 400)
        if m and m.start() - start < 200 and (m.group().split(",")[0].strip().isupper()
                                              or re.search(r"\d{4}", m.group())):
            spans.append((0, m.end()))          # the headline and the dateline
        else:
            spans.append((0, start))
        spans += [(h.start, h.end) for h in self.lex.group_hits(self.folded)]
        spans += [(h.start, h.end) for h in self.lex.force_hits(self.folded)
                  if re.search(r"guardia nacional|national guard", self.folded[h.start:h.end])]
        return spans

    def _in(self, items, s, e):
        return [x for x in items if s <= x.start < e]

    # -- one sentence -------------------------------------------------------------------------
    def _place(self, s: int, e: int, context: list[str], near: int | None = None):
        """(state_code, Resolved or None, evidence) for the place a sentence names: the place (or
        state) nearest the act's phrase at ``near``; a state written right after a place decides
        which place it is ('Pánuco, Zacatecas')."""
        ms = self._in(self.mentions, s, e)
        states = [m for m in ms if m.kind == "state"]
        at = s if near is None else near
        options = []
        for m in ms:
            if m.kind == "place":
                nxt = next((x for x in states if 0 <= x.start - m.end <= 3), None)
                r = self._resolve_pair(m, ms, states, context, nxt)
                if r is None:
                    continue
                conf = 0.9 if nxt else 0.75 if "context" in r.reason else 0.55
                end = nxt.end if nxt else m.end
                ev = Evidence(m.start, end, self.text[m.start:end], conf, r.reason)
                options.append((abs(m.start - at), 0, r.match.state_code, r, ev))
            else:
                ev = Evidence(m.start, m.end, m.text, 0.8, "state named")
                options.append((abs(m.start - at), 1, m.state_code, None, ev))
        if not options:
            return "", None, None
        _, kind, state, r, ev = min(options, key=lambda o: (o[0], o[1]))
        if r is None:     # the nearest is a state: a place of that state in the sentence says more
            inside = [o for o in options if o[3] is not None and o[2] == state]
            if inside:
                _, _, state, r, ev = min(inside, key=lambda o: o[0])
        return state, r, ev

    def _resolve_pair(self, m, ms, states, context, nxt):
        """A place, resolved with the state written after it, the states in context, the dateline's
        as the last prior; a locality followed by 'municipio de X' is the one in X."""
        pair = next((x for x in ms if x.kind == "place" and 0 < x.start - m.end <= 30
                     and _MUNICIPIO.search(self.folded[m.end:x.start])), None)
        if pair is not None:
            muni = self.places.resolve(pair, [y.state_code for y in states] + context + self.prior)
            if muni is not None:
                for c in self.places.gazetteer.candidates(m.key, muni.match.state_code):
                    if c.cvegeo == muni.municipality_code:
                        return places_.Resolved(c, c.cvegeo, self.places.muni_name.get(c.cvegeo, ""),
                                                c.name if c.kind == "locality" else "",
                                                f"in the municipality of {pair.text} written with it")
        return self.places.resolve(m, [x.state_code for x in states] + context + self.prior,
                                   nxt.state_code if nxt else "")

    def _type(self, s: int, e: int) -> tuple[str, Evidence | None, str]:
        hits = self._acts(s, e)
        if not hits:
            return "", None, ""
        best = min(hits, key=lambda h: (_TYPE_RANK.get(h.label, 1), h.start))
        perpetrators = [(m.start(), m.end()) for m in self.lex.unidentified.finditer(self.folded, s, e)]
        victims = [h for h in self.lex.victim_hits(self.folded, s, e) if not self._masked_at(h.start)
                   and not _SAID_AFTER.match(self.folded, h.end)
                   and not any(a <= h.start < b for a, b in perpetrators)]      # "armed men" did it
        target = ""
        vict_order = ["officials", "journalists", "police", "military", "migrants", "transport", "business", "civilians"]
        if victims:         # the victim nearest the act's phrase ("police said" is a source, not a victim)
            target = min(victims, key=lambda h: (min(abs(h.start - best.start), abs(h.end - best.start)),
                                                 vict_order.index(h.label))).label
        etype = best.label
        if etype == "killing" and target in ("officials", "journalists"):
            etype = "targeted_killing"
        elif etype == "killing" and target in ("police", "military"):
            etype = "attack_on_security_forces"
        return etype, Evidence(best.start, best.end, self.text[best.start:best.end], 0.8, f"'{best.label}' phrase"), target

    def _acts(self, s: int, e: int):
        """The act phrases of a sentence, without those inside a group's name, negated ("No arrests
        were made") or describing people ("sus familiares desaparecidos")."""
        return [h for h in self.lex.type_hits(self.folded, s, e) if not self._masked_at(h.start)
                and not _NEGATED.search(self.folded[max(s, h.start - 20):h.start])
                and not (h.label == "disappearance" and _ATTRIBUTE.search(self.folded[max(s, h.start - 30):h.start]))]

    def _masked_at(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.masked[1:])

    def _actors(self, s: int, e: int) -> list[str]:
        out = []
        for h in sorted(self.lex.group_hits(self.folded, s, e) + self.lex.force_hits(self.folded, s, e),
                        key=lambda h: h.start):
            if h.label not in out:
                out.append(h.label)
        groups = {label for label, _ in self.lex.groups}
        if not groups.intersection(out) and self.lex.unidentified.search(self.folded, s, e):
            out.append("Unidentified armed group")
        return out

    def _date(self, s: int, e: int, near: int | None = None):
        """The date of the act in sentence s..e: of the dates not attached to a verb of saying, the
        one nearest the act's phrase (at ``near``), then the most precise; a future date only when
        there is no other."""
        ds = [d for d in self._in(self.dates, s, e) if not _SAID.search(self.folded[max(s, d.start - 40):d.start])]
        if not ds:
            return None
        future = [d for d in ds if not d.past_only]
        past = [d for d in ds if d.past_only]
        if not past:
            return future[0]
        rank = {p: i for i, p in enumerate(dates_.PRECISIONS)}
        at = s if near is None else near
        return min(past, key=lambda d: (min(abs(d.start - at), abs(d.end - at)), rank[d.precision]))

    # -- the article --------------------------------------------------------------------------
    def run(self):
        cands: list[Candidate] = []
        current: Candidate | None = None
        spans = sentences(self.text)
        context: list[str] = []        # states named so far, nearest last
        context_par: list[int] = []    # the paragraph each was named in
        lead_done = False
        current_paragraph = 0
        for i, (s, e) in enumerate(spans):
            if s < self.masked[0][1] and e <= self.masked[0][1]:
                continue
            etype, tev, target = self._type(s, e)
            date = self._date(s, e, tev.start if tev else None)
            paragraph = self.text.count("\n\n", 0, s)
            state, res, pev = self._place(s, e, list(reversed(context)), tev.start if tev else None)
            if etype and (date is None or not state):
                setting = self._setting(spans, i, context)       # "Irapuato, Wednesday, July 1. At least 24 ..."
                if setting is not None:
                    date = date or setting[0]
                    if not state and setting[1]:
                        state, res, pev = setting[1:]
            counts = sorted((c for c in self.counts if s <= c.start < e and c.value < 1000
                             and not any(d.start <= c.start < d.end for d in self.dates)),
                            key=lambda c: (c.singular, c.start))
            if current is not None and paragraph - current_paragraph > 1:
                current = None           # a later part of the article: no longer about the same act
            if state:
                context.append(state)
                context_par.append(paragraph)
            if not etype:
                if current is not None and date is None and state in ("", current.state_code):
                    if current.event_type not in NONVIOLENT:
                        self._add_counts(current, counts, s, e)
                    current.actors += [a for a in self._actors(s, e) if a not in current.actors]
                continue
            bg = self.lex.is_background(self.folded, s, e)
            if bg and not (date and date.precision == "day"):
                self.skipped.append((s, e, f"background ('{self.text[bg.start():bg.end()]}')"))
                continue
            if date is not None and not date.past_only:
                self.skipped.append((s, e, "a date after publication (a plan or forecast)"))
                continue
            later = self._date_after(current, s, e) if date is None and etype else None
            if later is not None:           # "Hours later, drivers blocked the boulevard": another act
                cand = sibling(current, etype, tev, target, s, e)
                cand.date, cand.evidence["date"] = later.date, Evidence(later.start, later.end,
                                                                        self.text[later.start:later.end], 0.7, later.note)
                cand.notes = ["dated from the act reported before it"]
                if state and state != current.state_code or res is not None:
                    for k in ("state", "municipality"):
                        cand.evidence.pop(k, None)
                    cand.municipality_code = cand.municipality = cand.locality = ""
                    self._set_place(cand, state, res, pev)
                self._add_counts(cand, counts, s, e)
                cand.actors = self._actors(s, e)
                cands.append(cand)
                current, current_paragraph = cand, paragraph
                continue
            same = self._same_place(cands, state, res) if state else None
            if etype and _REFERENCE.search(self.folded[max(s, tev.start - 20):tev.start]) \
                    and not (date is not None and date.precision in ("day", "week")):
                self.skipped.append((s, e, "a past act mentioned as background"))
                continue
            new_place = (res is not None and current is not None and res.municipality_code != current.municipality_code) \
                or bool(state and current is not None and state != current.state_code)
            if not state and _DEFINITE.search(self.folded[max(s, tev.start - 12):tev.start]):
                earlier = next((c for c in reversed(cands) if c.event_type == etype or
                                {c.event_type, etype} <= set(SPECIFIC) - set(STRONG)), None)
                if earlier is not None:       # "The assassination attempt may have come...": the act named before
                    self._merge_sentence(earlier, etype, tev, target, counts, s, e, res, pev, state)
                    continue
            if date is None and current is not None and not new_place and etype in STRONG \
                    and paragraph == current_paragraph \
                    and current.event_type in STRONG and etype != current.event_type:
                cand = sibling(current, etype, tev, target, s, e)
                self._add_counts(cand, counts, s, e)
                cand.actors = self._actors(s, e) or list(current.actors)
                cands.append(cand)
                current = cand
                current_paragraph = paragraph
                continue
            if date is None and (same is not None or (current is not None and not state)):
                target_c = same or current
                self._merge_sentence(target_c, etype, tev, target, counts, s, e, res, pev, state)
                current = target_c
                current_paragraph = paragraph
                continue
            if date is None:
                date = self._date_nearby(spans, i)
            cand = Candidate(event_type=etype, target=target, caption=self._caption(s))
            cand.evidence["event_type"] = tev
            cand.spans.append((s, e))
            if date is not None:
                cand.date, cand.date_precision = date.date, date.precision
                cand.evidence["date"] = Evidence(date.start, date.end, self.text[date.start:date.end],
                                                 0.9 if date.precision == "day" else 0.75, date.note)
            elif not lead_done and s - self.masked[0][1] < _LEAD_CHARS:
                cand.date, cand.date_precision = dates_._monday(self.pub), "week"
                cand.evidence["date"] = Evidence(s, s, "", 0.3, "no date in the text: the week of publication assumed")
                cand.notes.append("date assumed: the week of publication")
            else:
                self.skipped.append((s, e, "an act the article does not date"))
                continue
            if not state:
                state, how = self._context_state(context, context_par, paragraph)
                if not state and self.headline_states:
                    state, how = self.headline_states[0], "the state the headline names"
                if not state:
                    self.skipped.append((s, e, "no place in Mexico named"))
                    continue
                if cand.date_precision == "year" and cand.date.year < self.pub.year:
                    self.skipped.append((s, e, "a past act named in passing (a year, no place)"))
                    continue
                cand.evidence["state"] = Evidence(s, s, "", 0.4, f"state {state}: {how}")
            self._set_place(cand, state, res, pev)
            self._add_counts(cand, counts, s, e)
            cand.actors = self._actors(s, e)
            lead_done = True
            cands.append(cand)
            for h, own in self._other_acts(s, e, etype, date):   # "bloquearon avenidas tras un enfrentamiento"
                sib = sibling(cand, h.label, Evidence(h.start, h.end, self.text[h.start:h.end], 0.7,
                                                       f"'{h.label}' phrase, a second act in the sentence"), "", s, e)
                sib.caption, sib.actors = cand.caption, list(cand.actors)
                sib.notes = ["a second act reported in the same sentence"]
                if own is not None:
                    sib.date, sib.date_precision = own.date, own.precision
                    sib.evidence["date"] = Evidence(own.start, own.end, self.text[own.start:own.end], 0.8, own.note)
                cands.append(sib)
            current = cand
            current_paragraph = paragraph
        return dedupe(cands), self.skipped

    @staticmethod
    def _context_state(context: list[str], paragraphs: list[int], paragraph: int) -> tuple[str, str]:
        """The state an act with no place of its own happened in: the last one named in its paragraph
        or the one before, else the one the article names most."""
        for code, par in zip(reversed(context), reversed(paragraphs)):
            if paragraph - par <= 1:
                return code, "the state named just before"
            break
        if not context:
            return "", ""
        return max(set(context), key=lambda c: (context.count(c), -context[::-1].index(c))), \
            "the one the article names most"

    def _other_acts(self, s: int, e: int, etype: str, date):
        """Other acts the sentence reports: a specific act of another kind, or any act of another
        kind with a day of its own ("rescataron este domingo a un empresario secuestrado el pasado
        jueves"), as (hit, its date or None for the sentence's)."""
        seen, out = {etype}, []
        for h in sorted(self._acts(s, e), key=lambda h: h.start):
            if h.label in seen or h.label == "killing" or _PURPOSE.search(self.folded[max(s, h.start - 6):h.start]):
                continue            # "bloquearon la carretera para protestar": one act, and its purpose
            own = self._date(s, e, h.start)
            if h.label in STRONG:
                seen.add(h.label)
                out.append((h, None))
            elif own is not None and date is not None and own.precision == "day" and own.date != date.date \
                    and own.start != date.start:
                seen.add(h.label)
                out.append((h, own))
        return out

    def _caption(self, pos: int) -> bool:
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return bool(_CAPTION.search(self.text[start:end if end >= 0 else None]))

    def _setting(self, spans, i, context):
        """The date and place of the sentence just before, in the same paragraph, when it reports no
        act of its own (a caption's first line, a scene-setting sentence)."""
        if i == 0:
            return None
        s, e = spans[i - 1]
        if "\n" in self.text[e:spans[i][0]] or self.lex.type_hits(self.folded, s, e):
            return None
        return (self._date(s, e), *self._place(s, e, list(reversed(context))))

    def _date_after(self, current, s: int, e: int):
        """'Horas después', 'later that day', 'al día siguiente', 'un día antes': a date from the act
        reported just before."""
        if current is None or current.date is None or current.date_precision != "day":
            return None
        m = _LATER.search(self.folded, s, e)
        if not m:
            return None
        days = 1 if m.group(1) else -1 if m.group(2) else 0
        d = current.date + dt.timedelta(days=days)
        return dates_.DateMention(m.start(), m.end(), d, "day",
                                  f"'{self.text[m.start():m.end()]}' = {d.isoformat()}, from the act reported before it")

    def _date_nearby(self, spans, i):
        """A date in the next sentence that reports no act of its own: in the same paragraph, or in
        the next when it names the act again ("The operation, which took place on Tuesday")."""
        if i + 1 < len(spans):
            s, e = spans[i + 1]
            same_par = "\n" not in self.text[spans[i][1]:s]
            if (same_par or _NAMES_ACT.search(self.folded, s, e)) and not self._acts(s, e):
                return self._date(s, e)
        return None

    def _same_place(self, cands, state, res):
        for c in reversed(cands):
            if res is not None and c.municipality_code == res.municipality_code:
                return c
            if res is None and c.state_code == state:
                return c
        return None

    def _set_place(self, cand: Candidate, state: str, res, pev: Evidence | None):
        cand.state_code = state
        if pev is not None:
            cand.evidence["state"] = pev
        if res is not None:
            cand.municipality_code, cand.municipality, cand.locality = res.municipality_code, res.municipality, res.locality
            cand.evidence["municipality"] = pev

    def _add_counts(self, cand: Candidate, counts, s, e):
        for c in counts:
            if c.kind == "fatalities" and cand.fatalities is None:
                cand.fatalities, cand.fatalities_lower_bound = c.value, c.lower_bound
                cand.evidence["fatalities"] = Evidence(c.start, c.end, self.text[c.start:c.end], 0.85,
                                                       "at least (a lower bound)" if c.lower_bound else "")
            elif c.kind == "injured" and cand.injured is None:
                cand.injured, cand.injured_lower_bound = c.value, c.lower_bound
                cand.evidence["injured"] = Evidence(c.start, c.end, self.text[c.start:c.end], 0.85,
                                                    "at least (a lower bound)" if c.lower_bound else "")

    def _merge_sentence(self, cand, etype, tev, target, counts, s, e, res, pev, state):
        cand.spans.append((s, e))
        if SPECIFIC.get(etype, 0) > SPECIFIC.get(cand.event_type, 0) and cand.event_type in SPECIFIC:
            cand.event_type = etype
            cand.evidence["event_type"] = tev
        if target and (not cand.target or cand.target == "civilians"):
            cand.target = target
        if not cand.municipality_code and res is not None and (state == cand.state_code or
                                                               cand.evidence.get("state", Evidence(0, 0, "", 0)).confidence < 0.5):
            self._set_place(cand, state, res, pev)
        self._add_counts(cand, counts, s, e)
        for a in self._actors(s, e):
            if a not in cand.actors:
                cand.actors.append(a)

def _dateline_states(head: str) -> list[str]:
    """State codes of the abbreviations a dateline uses ('CULIACÁN, Sin.,', 'TOLUCA, Méx.-')."""
    sn = _state_names_index()
    return [c for c in (sn.resolve(a) for a in _DATELINE_ABBR.findall(head)) if c]


@lru_cache(maxsize=1)
def _state_names_index() -> names.StateNames:
    return names.StateNames()
