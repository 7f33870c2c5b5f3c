"""Document bytes → a title and plain text whose headings are Markdown (`#`, `##`, …) lines.

Markdown and text pass through; HTML goes through the stdlib parser; PDF through pypdf; DOCX is
read straight from its zip (`word/document.xml`), paragraph styles Heading 1… becoming headings.
A document that can't be read raises `DocumentError` with a reason that never quotes its content.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Literal, overload
from xml.etree import ElementTree

# A DOCX whose XML inflates past this is treated as hostile (a zip bomb), not parsed.
MAX_XML_BYTES = 64 * 1024 * 1024


class DocumentError(Exception):
    """A document could not be read; the message says why without quoting it."""


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    text: str  # plain text; headings are Markdown heading lines


def parse_document(name: str, data: bytes) -> ParsedDocument:
    """Parse by the file name's extension (md, txt, html, pdf, docx)."""
    path = PurePosixPath(name)
    suffix, fallback_title = path.suffix.lower(), _title_from_stem(path.stem)
    if suffix in (".md", ".txt"):
        return parse_markdown(data, fallback_title)
    if suffix in (".html", ".htm"):
        return parse_html(data, fallback_title)
    if suffix == ".pdf":
        return parse_pdf(data, fallback_title)
    if suffix == ".docx":
        return parse_docx(data, fallback_title)
    raise DocumentError(f"unsupported document type {suffix or '(none)'}")


def _title_from_stem(stem: str) -> str:
    return re.sub(r"[_\s]+", " ", stem).strip() or stem


def _decode(data: bytes, encoding: str | None = None) -> str:
    for candidate in (encoding, "utf-8-sig"):
        if candidate:
            try:
                return data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                pass
    return data.decode("cp1252", errors="replace")


_FENCE = re.compile(r"^\s*(```|~~~)")
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def parse_markdown(data: bytes, fallback_title: str) -> ParsedDocument:
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _H1.match(line)):
            return ParsedDocument(match.group(1), text)
    return ParsedDocument(fallback_title, text)


# --- HTML -------------------------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head"}
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "form",
    "figure",
    "figcaption",
    "address",
    "hr",
    "body",
    "html",
}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.skip_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.h1: str | None = None
        self.heading_level = 0
        self.pre_depth = 0
        self.cells: list[str] | None = None

    def flush(self) -> None:
        raw = "".join(self.current)
        text = raw.strip("\n") if self.pre_depth else re.sub(r"\s+", " ", raw).strip()
        if text:
            if self.heading_level:
                if self.heading_level == 1 and self.h1 is None:
                    self.h1 = text
                text = "#" * self.heading_level + " " + text
            self.blocks.append(self.prefix + text)
        self.current, self.prefix = [], ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag in _HEADINGS:
            self.flush()
            self.heading_level = _HEADINGS[tag]
        elif tag == "li":
            self.flush()
            self.prefix = "- "
        elif tag == "tr":
            self.flush()
            self.cells = []
        elif tag in ("td", "th") and self.cells is not None:
            self.current = []
        elif tag == "br":
            self.current.append("\n" if self.pre_depth else " ")
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag == "pre":
                self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag in _HEADINGS:
            self.flush()
            self.heading_level = 0
        elif tag in ("td", "th") and self.cells is not None:
            self.cells.append(re.sub(r"\s+", " ", "".join(self.current)).strip())
            self.current = []
        elif tag == "tr" and self.cells is not None:
            row, self.cells = " | ".join(self.cells), None
            if row.strip(" |"):
                self.blocks.append(row)
        elif tag == "li" or tag in _BLOCK_TAGS:
            self.flush()
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skip_depth:
            self.current.append(data)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def parse_html(data: bytes, fallback_title: str) -> ParsedDocument:
    declared = _META_CHARSET.search(data[:4096])
    parser = _HTMLText()
    parser.feed(_decode(data, declared.group(1).decode("ascii") if declared else None))
    parser.close()
    parser.flush()
    title = re.sub(r"\s+", " ", "".join(parser.title_parts)).strip() or parser.h1 or fallback_title
    return ParsedDocument(title, "\n\n".join(parser.blocks))


# --- PDF --------------------------------------------------------------------------------------


def parse_pdf(data: bytes, fallback_title: str) -> ParsedDocument:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("the PDF is password-protected")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        metadata_title = str((reader.metadata.title if reader.metadata else None) or "").strip()
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types for broken files; the class name is enough
        raise DocumentError(f"not a readable PDF ({type(exc).__name__})") from None
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise DocumentError("the PDF has no extractable text (a scanned PDF needs OCR first)")
    return ParsedDocument(metadata_title or fallback_title, text)


# --- DOCX -------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_NAME = re.compile(r"^heading\s*([1-6])$", re.I)


def parse_docx(data: bytes, fallback_title: str) -> ParsedDocument:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = _read_xml(archive, "word/document.xml")
            styles = _read_xml(archive, "word/styles.xml", required=False)
    except zipfile.BadZipFile:
        raise DocumentError("not a Word document (not a zip file)") from None
    body = document.find(f"{_W}body")
    if body is None:
        raise DocumentError("not a Word document (no body in word/document.xml)")
    levels = _heading_levels(styles)
    blocks: list[str] = []
    title = first_h1 = None
    for element in body:
        if element.tag == f"{_W}p":
            text = _paragraph_text(element).strip()
            if not text:
                continue
            style = _paragraph_style(element)
            level = levels.get(style or "")
            if level == 0:  # the Title style
                title = title or text
                level = 1
            if level:
                first_h1 = first_h1 or (text if level == 1 else None)
                blocks.append("#" * level + " " + text)
            elif element.find(f"{_W}pPr/{_W}numPr") is not None:
                blocks.append("- " + text)
            else:
                blocks.append(text)
        elif element.tag == f"{_W}tbl":
            for row in element.iter(f"{_W}tr"):
                cells = [" ".join(_paragraph_text(p).strip() for p in cell.iter(f"{_W}p")).strip() for cell in row.findall(f"{_W}tc")]
                if any(cells):
                    blocks.append(" | ".join(cells))
    return ParsedDocument(title or first_h1 or fallback_title, "\n\n".join(blocks))


@overload
def _read_xml(archive: zipfile.ZipFile, member: str, *, required: Literal[True] = ...) -> ElementTree.Element: ...
@overload
def _read_xml(archive: zipfile.ZipFile, member: str, *, required: bool) -> ElementTree.Element | None: ...
def _read_xml(archive: zipfile.ZipFile, member: str, *, required: bool = True) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(member)
    except KeyError:
        if required:
            raise DocumentError(f"not a Word document (no {member})") from None
        return None
    if info.file_size > MAX_XML_BYTES:
        raise DocumentError(f"the Word document is too large to read ({member} inflates past {MAX_XML_BYTES >> 20} MB)")
    try:
        return ElementTree.fromstring(archive.read(member))
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(f"not a readable Word document ({type(exc).__name__} in {member})") from None


def _heading_levels(styles: ElementTree.Element | None) -> dict[str, int]:
    """Style id → heading level (0 for Title). Ids are often localized, so the style's name decides."""
    levels = {f"Heading{n}": n for n in range(1, 7)} | {"Title": 0}
    if styles is None:
        return levels
    for style in styles.iter(f"{_W}style"):
        style_id = style.get(f"{_W}styleId")
        name_el = style.find(f"{_W}name")
        name = (name_el.get(f"{_W}val") if name_el is not None else "") or ""
        if not style_id:
            continue
        if match := _HEADING_NAME.match(name.strip()):
            levels[style_id] = int(match.group(1))
        elif name.strip().lower() == "title":
            levels[style_id] = 0
    return levels


def _paragraph_style(paragraph: ElementTree.Element) -> str | None:
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    return style.get(f"{_W}val") if style is not None else None


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)
