"""Linear-time scanners for the references a widget's files make (JS, CSS, HTML).

Emitted files come from pull requests, so a scanner must finish in time proportional to the
text whatever the text is. The JS import scan used to be one regular expression with a lazy
quantifier over unbounded whitespace nested in an optional group: ``import`` followed by a few
thousand spaces made it backtrack for minutes. Here it is a small tokenizer that finds the same
specifiers as that expression did (the tests compare both on ordinary code) with each character
looked at a bounded number of times:

- ``import``/``export`` keywords are found with two ``str.find`` searches merged in text order
  (an ``import|export`` alternation is about eight times slower: the regex engine has no literal
  to skip ahead with); a keyword counts when the character before it does not continue an
  identifier or a member access (and does not belong to the previous match, as with
  ``re.finditer``; the two words cannot overlap, so the merged order is the alternation's);
- ``from`` clauses are resolved through precomputed, sorted positions (a ``bisect`` per keyword),
  so a file of many keywords and many ``from`` words stays ``O(n log n)``;
- line numbers come from one list of newline offsets per text (``LineIndex``), not from counting
  newlines again for each match.

The HTML scan is a tokenizer for start tags (attributes parsed the way ``html.parser`` does, one
step at a time), comments, declarations and the raw text of ``<script>``/``<style>``. A
construct that never ends is skipped up to the next ``>`` as ``html.parser`` does at the end of
its input; when no ``>`` remains the scan stops (nothing after it could be a tag), so
``<a<a<a…`` costs one pass, and attribute positions already known to run to the end are not
walked twice. CSS ``@import`` keeps its expression, which has no nested quantifier over the
same text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

# ----------------------------------------------------------------------------- line numbers


class LineIndex:
    """1-based line numbers of offsets in one text, counted once over its newlines.

    The scanners ask in text order, so each answer counts on from the last one (``str.count``,
    in C) and the whole text is counted once at most; nothing is counted for a text that is
    never asked. Asked out of order more than twice, it builds one list of every newline's
    offset and bisects it, so no order of questions costs more than a pass per question.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._at = 0  # the last offset asked
        self._line = 1  # its line
        self._restarts = 0
        self._newlines: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._newlines is not None:
            return bisect_left(self._newlines, offset) + 1
        if offset < self._at:
            self._restarts += 1
            if self._restarts > 2:
                self._newlines = [m.start() for m in re.finditer("\n", self._text)]
                return bisect_left(self._newlines, offset) + 1
            self._at, self._line = 0, 1
        self._line += self._text.count("\n", self._at, offset)
        self._at = offset
        return self._line


# ----------------------------------------------------------------------------- JS and CSS

_IMPORT = re.compile(r"import")
_FROM = re.compile(r"from")
# Characters that the old expression allowed between the keyword and `from`.
_CLAUSE_RUN = re.compile(r"[\w$*{}\s,]*")
_SPACE = re.compile(r"\s*")
_SPEC_STOP = re.compile(r"[\"'\n\r]")
_WORD = re.compile(r"[\w$.]")
_IS_WORD = re.compile(r"\w")
# CSS `@import` has no nested quantifier over the same text, and a specifier cannot run over
# the next `@import` (it stops at whitespace, which `@import` needs after it): linear.
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["']?)([^"')\s;]+)\1""")


def _keywords(text: str) -> Iterator[int]:
    """Start of each ``import`` and ``export`` in ``text``, in order."""
    i, e = text.find("import"), text.find("export")
    while i >= 0 or e >= 0:
        if e < 0 or 0 <= i < e:
            yield i
            i = text.find("import", i + 6)
        else:
            yield e
            e = text.find("export", e + 6)


def _skip_space(text: str, pos: int) -> int:
    """The first offset at or after ``pos`` that is not whitespace."""
    match = _SPACE.match(text, pos)
    return pos if match is None else match.end()


class _Stops:
    """The next position of a pattern at or after an offset, searched forward only once."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self._pattern = pattern
        self._text = text
        self._from = len(text) + 1  # nothing searched yet
        self._found = -1

    def next(self, pos: int) -> int:
        """The first match start ``>= pos``, or ``-1``."""
        if self._from <= pos and (self._found == -1 or self._found >= pos):
            return self._found
        match = self._pattern.search(self._text, pos)
        self._from = pos
        self._found = match.start() if match else -1
        return self._found


class _JsScanner:
    """Static ``import``/``export`` specifiers of one text (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._run = (0, 0)  # the last run of clause characters found: [start, end)
        self._quoted: dict[int, int] = {}
        # `from` words that start a word, followed by a quoted specifier: (position, match end)
        self.good_from: list[int] = []
        self.good_end: dict[int, int] = {}
        for match in _FROM.finditer(text):
            p = match.start()
            if p > 0 and _IS_WORD.match(text, p - 1):
                continue
            quote = _skip_space(text, p + 4)
            end = self.quoted(quote)
            if end >= 0:
                self.good_from.append(p)
                self.good_end[p] = end

    def quoted(self, pos: int) -> int:
        """End of a quoted specifier starting at ``pos`` (after its closing quote), or ``-1``."""
        if pos in self._quoted:
            return self._quoted[pos]
        text = self.text
        end = -1
        if pos < len(text) and text[pos] in "\"'":
            stop = self._stop_after(pos + 1)
            if stop > pos + 1 and text[stop] == text[pos]:
                end = stop + 1
        self._quoted[pos] = end
        return end

    def _stop_after(self, pos: int) -> int:
        found = _SPEC_STOP.search(self.text, pos)
        return found.start() if found else -1

    def clause_end(self, pos: int) -> int:
        """End of the run of clause characters starting at ``pos``.

        Keywords come in increasing order, so a keyword inside the last run found shares its
        end: each character is looked at once.
        """
        start, end = self._run
        if not start <= pos < end:
            end = _CLAUSE_RUN.match(self.text, pos).end()  # type: ignore[union-attr]
            self._run = (pos, end)
        return end

    def scan(self) -> Iterator[tuple[int, int, int]]:
        """``(start of the specifier, its end, end of the match)`` for each static import."""
        text = self.text
        good_from = self.good_from
        last_end = 0
        for k in _keywords(text):
            if k > 0 and (k - 1 < last_end or _WORD.match(text, k - 1)):
                continue
            after = k + 6
            i = bisect_right(good_from, after)
            if i < len(good_from) and good_from[i] <= self.clause_end(after):
                end = self.good_end[good_from[i]]
            else:
                end = self.quoted(_skip_space(text, after))
            if end < 0:
                continue
            quote_end = end - 1
            start = text.rfind(text[quote_end], 0, quote_end) + 1
            last_end = end
            yield start, quote_end, end

    def dynamic(self) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each ``import("…")`` specifier (the dynamic form)."""
        text = self.text
        last_end = 0
        for keyword in _IMPORT.finditer(text):
            k = keyword.start()
            if k > 0 and (k - 1 < last_end or _WORD.match(text, k - 1)):
                continue
            pos = _skip_space(text, keyword.end())
            if not text.startswith("(", pos):
                continue
            quote = _skip_space(text, pos + 1)
            end = self.quoted(quote)
            if end < 0:
                continue
            close = _skip_space(text, end)
            if not text.startswith(")", close):
                continue
            last_end = close + 1
            yield quote + 1, end - 1


def js_specifiers(text: str, dynamic: bool, lines: LineIndex) -> list[tuple[str, int]]:
    """Static (and, when asked, dynamic) import specifiers with their line, in text order.

    Static ones come first, then dynamic ones, as with the two expressions this replaces.
    """
    scanner = _JsScanner(text)
    found = [(text[s:e], lines.line(s)) for s, e, _ in scanner.scan()]
    if dynamic:
        found.extend((text[s:e], lines.line(s)) for s, e in scanner.dynamic())
    return found


def css_specifiers(text: str, lines: LineIndex) -> list[tuple[str, int]]:
    return [(m.group(2), lines.line(m.start(2))) for m in CSS_IMPORT.finditer(text)]


# ----------------------------------------------------------------------------- HTML

_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\r\f />\x00]*")
# One attribute: the gap before it, its name, and the `=` of its value (each part optional).
_ATTR = re.compile(r"[\s/]*(?:([^\s/>][^\s/=>]*)(\s*=+\s*)?)?")
_BARE_VALUE = re.compile(r"[^>\s]*")
_RAW_END = {
    "script": re.compile(r"</\s*script\s*>", re.IGNORECASE),
    "style": re.compile(r"</\s*style\s*>", re.IGNORECASE),
}
_INCOMPLETE = -1  # a start tag that reaches the end of the text
_STOP = -2  # a script or style whose raw text never ends: nothing after it is markup
#: attribute values longer than this are not references a build emits; they are skipped
MAX_ATTRIBUTE = 64 * 1024


def _unescape(value: str) -> str:
    """An attribute value with its character references resolved, as browsers read it."""
    from html import unescape  # its entity table: only pages whose attributes hold a "&"

    return unescape(value)


class HtmlScan:
    """Script, stylesheet and modulepreload references, and inline module code, of a page.

    ``refs`` holds ``(reference, line)``; ``inline_modules`` holds ``(code, line of <script>)``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.refs: list[tuple[str, int]] = []
        self.inline_modules: list[tuple[str, int]] = []
        self._quotes = {q: _Stops(re.compile(q), text) for q in "\"'"}
        self._gt = _Stops(re.compile(">"), text)
        self._comment_end = _Stops(re.compile("-->"), text)
        self._dead: set[int] = set()
        self._scan()

    def _scan(self) -> None:
        text = self.text
        pos = 0
        n = len(text)
        while 0 <= pos < n:
            lt = text.find("<", pos)
            if lt < 0 or lt + 1 >= n:
                return
            nxt = text[lt + 1]
            if text.startswith("<!--", lt):
                end = self._comment_end.next(lt + 4)
                pos = self._recover(lt) if end < 0 else end + 3
            elif nxt in "!?/":
                end = self._gt.next(lt + 2)
                if end < 0:
                    return  # no '>' remains: nothing after this can be a tag
                pos = end + 1
            elif ("a" <= nxt <= "z") or ("A" <= nxt <= "Z"):
                after = self._start_tag(lt)
                if after == _STOP:
                    return
                pos = self._recover(lt) if after == _INCOMPLETE else after
            else:
                pos = lt + 1

    def _recover(self, lt: int) -> int:
        """Where ``html.parser`` goes on after a construct that never ends: past the next '>'.

        ``-1`` when no '>' remains — then no later tag can end either, and scanning stops
        (``html.parser`` would try each later '<' in turn, which is what made it quadratic).
        """
        gt = self._gt.next(lt + 1)
        return -1 if gt < 0 else gt + 1

    def _start_tag(self, lt: int) -> int:
        """Parse the start tag at ``lt``: the offset after it (after the raw text of a script or
        style), ``_INCOMPLETE`` when the tag never ends, ``_STOP`` when a script never ends.

        From the top of the attribute loop, parsing depends only on the position; positions
        that led to the end of the text are remembered (``_dead``), so that the tags a recovery
        re-reads do not walk the same text again (linear time overall).
        """
        text = self.text
        name_match = _TAG_NAME.match(text, lt + 1)
        assert name_match is not None
        tag = name_match.group().lower()
        pos = name_match.end()
        attrs: dict[str, str] = {}
        n = len(text)
        visited: list[int] = []
        while True:
            if pos in self._dead:
                self._dead.update(visited)
                return _INCOMPLETE
            visited.append(pos)
            gap = pos
            step = _ATTR.match(text, pos)
            assert step is not None  # every part of _ATTR may be empty
            name, eq = step.group(1, 2)
            if name is None:
                pos = step.end()
                if pos >= n:
                    self._dead.update(visited)
                    return _INCOMPLETE
                if text[pos] == ">":
                    break
                continue  # pragma: no cover - only '>' or the end stop a gap without a name
            pos = step.end()
            value = ""
            if eq is not None:
                if pos < n and text[pos] in "\"'":
                    close = self._quotes[text[pos]].next(pos + 1)
                    if close >= 0:
                        value = text[pos + 1 : close]
                        pos = close + 1
                else:
                    bare = _BARE_VALUE.match(text, pos)
                    assert bare is not None
                    value = bare.group()
                    pos = bare.end()
            if len(value) <= MAX_ATTRIBUTE:
                attrs[name.lower()] = _unescape(value) if "&" in value else value
            if pos >= n:
                self._dead.update(visited)
                return _INCOMPLETE
        self_closing = pos > gap and text[pos - 1] == "/"
        end = pos + 1
        if tag not in ("script", "link", "style"):
            return end
        line = self.lines.line(lt)
        if tag == "link":
            rels = attrs.get("rel", "").lower().split()
            if attrs.get("href") and ("stylesheet" in rels or "modulepreload" in rels):
                self.refs.append((attrs["href"], line))
            return end
        if tag == "script" and attrs.get("src"):
            self.refs.append((attrs["src"], line))
        if self_closing:
            return end
        raw_end = _RAW_END[tag].search(text, end)
        if raw_end is None:
            return _STOP
        if tag == "script" and not attrs.get("src") and attrs.get("type", "").lower() == "module":
            self.inline_modules.append((text[end : raw_end.start()], line))
        return raw_end.end()
