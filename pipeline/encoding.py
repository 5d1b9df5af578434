"""Raw bytes → text. A byte-order mark wins, then a declared charset (content-type parameter, XML
declaration, HTML meta) when it decodes cleanly, then UTF-8, then detection by charset-normalizer.

Text that is mostly UTF-8 with a few stray single-byte characters (a windows-1252 quote pasted into a
UTF-8 file) keeps its UTF-8 and reads the stray bytes as windows-1252. Binary content is refused.

Detection tries the legacy charsets news is written in only, and where several read the bytes equally cleanly
(windows-1252, windows-1250 and windows-1257 agree on most Latin text), takes the reading whose accented words are
words, then windows-1252, then the one charset-normalizer finds more coherent. charset-normalizer alone took
windows-1252 copy for DOS code page 850 ("ìworse than expectedî") in 87 of the benchmark's 307 such items, and
Spanish "año" for windows-1250's "ańo".
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
from charset_normalizer.models import CharsetMatch

from pipeline.formats import Rejected
from pipeline.language import common_words_outside_ascii

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""")
_HTML_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard); so do we.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"})
_SNIFF_BYTES = 4096
# Bytes that appear in text: printable ASCII, tab, newlines, form feed, escape, and everything above 0x7f.
_TEXT_BYTES = bytes([0x09, 0x0A, 0x0C, 0x0D, 0x1B, *range(0x20, 0x7F), *range(0x80, 0x100)])
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CONTROL_RATIO = 0.05
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
_MAX_STRAY_RATIO = 0.02  # a pasted sentence or two; random bytes hold far more invalid sequences
_STRAY_BYTES_HANDLER = "wirestream-windows-1252"
_WORDS_READ = 20_000  # characters of each reading whose words are counted: plenty to tell, cheap on a large page
# The legacy charsets of news pages: Windows and ISO Latin, Cyrillic, Greek, Turkish, Hebrew, Arabic, Baltic,
# Vietnamese and Thai pages, and the CJK multi-byte charsets. DOS and Mac code pages are left out: they read
# windows-1252 text as cleanly as windows-1252 does, with other letters.
_NEWS_CHARSETS = [
    *("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874"),
    *("iso8859_2", "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_15", "koi8_r", "koi8_u"),
    *("shift_jis", "euc_jp", "gb18030", "big5", "euc_kr"),
]


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str
    how: str  # "bom", "declared", "utf-8", "utf-8 with windows-1252 stray bytes" or "detected"


def decode(data: bytes, content_type: str = "") -> Decoded:
    """The text of `data`, control characters dropped; raises `Rejected` (`binary`, `bad_encoding`) if it has none."""
    decoded = _by_byte_order_mark(data)
    if decoded is None:
        _refuse_binary(data)
        decoded = _as_declared(data, content_type) or _as_utf8(data) or _detected(data)
    if _mostly_controls(decoded.text):
        raise Rejected("binary", f"decoded as {decoded.charset}, the text is mostly control characters")
    # a few stray control characters are noise, and XML (so lxml, when a tree is edited) refuses them
    return Decoded(_CONTROL_CHARS.sub("", decoded.text), decoded.charset, decoded.how)


def _by_byte_order_mark(data: bytes) -> Decoded | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(codec), codec, "bom")
            except UnicodeDecodeError as exc:
                raise Rejected(
                    "bad_encoding", f"starts with a {codec} byte-order mark but {exc.reason} at byte {exc.start}"
                ) from exc
    return None


def _as_declared(data: bytes, content_type: str) -> Decoded | None:
    """The declared charset's reading, unless the declaration is unknown, wrong, or turns text into controls."""
    declared = _declared_charset(data, content_type)
    if declared is None:
        return None
    try:
        text = data.decode(declared)
    except (UnicodeError, LookupError):
        return None
    return None if _mostly_controls(text) else Decoded(text, declared, "declared")


def _as_utf8(data: bytes) -> Decoded | None:
    """UTF-8, or UTF-8 with a few stray windows-1252 bytes pasted in (mixed encodings)."""
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    stray = lenient.count("\ufffd")
    if _VALID_NON_ASCII.search(lenient) and stray <= _MAX_STRAY_RATIO * len(lenient):
        text = data.decode("utf-8", errors=_STRAY_BYTES_HANDLER)
        return Decoded(text, "utf-8", "utf-8 with windows-1252 stray bytes")
    return None


def _detected(data: bytes) -> Decoded:
    if not _NOT_UTF8_SHAPED.search(data):  # UTF-8's byte shape, yet invalid: surrogates, overlong forms
        raise Rejected("bad_encoding", "UTF-8 byte sequences that are not valid UTF-8 (surrogates or overlong forms)")
    matches = charset_normalizer.from_bytes(data, cp_isolation=_NEWS_CHARSETS)
    best = matches.best()
    if best is None:
        raise Rejected("bad_encoding", "not valid UTF-8 and no single-byte or multi-byte charset fits the bytes")
    readings = [match for match in matches if match.chaos <= best.chaos]
    if len(readings) > 1:  # as clean as each other: more common words, then windows-1252, then more coherent
        best = max(readings, key=_reading_rank)
    # charset-normalizer lists the charsets that read these bytes the same way; name the usual one
    charset = "cp1252" if "cp1252" in best.could_be_from_charset else best.encoding
    return Decoded(str(best), charset, "detected")


def _reading_rank(match: CharsetMatch) -> tuple[int, bool, float]:
    return common_words_outside_ascii(str(match)[:_WORDS_READ]), match.encoding == "cp1252", match.coherence


# A byte that breaks UTF-8's shape (lead byte, then continuation bytes): a continuation byte after no lead or
# continuation byte, a lead byte with no continuation byte after it, or a byte UTF-8 never uses (0xF8 to 0xFF: "ü"
# and "ø" in windows-1252). A codepage's text has such bytes.
_NOT_UTF8_SHAPED = re.compile(rb"(?<![\x80-\xf7])[\x80-\xbf]|[\xc0-\xf7](?![\x80-\xbf])|[\xf8-\xff]")


def _declared_charset(data: bytes, content_type: str) -> str | None:
    found = _CHARSET_PARAM.search(content_type)
    label = found.group(1) if found else None
    if label is None:
        head = data[:_SNIFF_BYTES]
        in_document = _XML_DECLARATION.search(head) or _HTML_META_CHARSET.search(head)
        label = in_document.group(1).decode("ascii") if in_document else None
    if label is None:
        return None
    label = label.lower()
    return "cp1252" if label in _WINDOWS_1252_LABELS else label


def _refuse_binary(data: bytes) -> None:
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        raise Rejected("binary", "NUL bytes in the content: not text")
    controls = len(head.translate(None, _TEXT_BYTES))
    if controls > _MAX_CONTROL_RATIO * len(head):
        raise Rejected("binary", f"{controls} control bytes in the first {len(head)}: not text")


def _mostly_controls(text: str) -> bool:
    """A charset can decode binary without error (every byte is a character in latin-1): look at the result."""
    head = text[:_SNIFF_BYTES]
    return len(_CONTROL_CHARS.findall(head)) > _MAX_CONTROL_RATIO * len(head)


def _windows_1252_stray_bytes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    return stray.decode("cp1252", errors="replace"), error.end


codecs.register_error(_STRAY_BYTES_HANDLER, _windows_1252_stray_bytes)
