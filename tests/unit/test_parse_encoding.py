"""Bytes to text: byte-order marks, declared charsets, detection, mixed encodings, binary."""

import codecs
import unicodedata

import pytest

from pipeline.encoding import decode
from pipeline.formats import Rejected

STORY = "Chile\u2019s copper output fell 4% \u2013 \u201cworse than expected,\u201d officials said in Santiago."


def test_utf8_is_read_as_utf8() -> None:
    decoded = decode(STORY.encode("utf-8"))
    assert (decoded.text, decoded.charset, decoded.how) == (STORY, "utf-8", "utf-8")


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_byte_order_mark_wins(codec: str) -> None:
    bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    bom["utf-32-le"] = codecs.BOM_UTF32_LE
    decoded = decode(bom[codec] + STORY.encode(codec), "text/plain; charset=iso-8859-1")
    assert (decoded.text, decoded.how) == (STORY, "bom")


def test_a_declared_charset_that_decodes_cleanly_is_honoured() -> None:
    data = "Der Bundestag stimmte zu: Größe und Maß.".encode("cp1252")
    assert decode(data, "text/plain; charset=windows-1252").text == "Der Bundestag stimmte zu: Größe und Maß."
    russian = "Правительство объявило новые меры.".encode("koi8-r")
    assert decode(russian, "text/plain; charset=koi8-r").text == "Правительство объявило новые меры."


def test_charsets_declared_inside_the_document() -> None:
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><headline>Sécheresse</headline>'.encode("latin-1")
    assert "Sécheresse" in decode(xml).text
    html = '<html><head><meta charset="windows-1251"></head><body>Новости</body></html>'.encode("cp1251")
    assert "Новости" in decode(html).text


def test_latin_1_is_read_as_windows_1252_like_browsers_do() -> None:
    decoded = decode(STORY.encode("cp1252"), "text/plain; charset=ISO-8859-1")
    assert decoded.text == STORY


def test_a_wrong_declaration_falls_back_to_what_the_bytes_are() -> None:
    decoded = decode(STORY.encode("cp1252") * 3, "text/html; charset=utf-8")
    assert decoded.text == STORY * 3
    assert decoded.charset == "cp1252"
    assert decoded.how == "detected"


def test_an_unknown_declared_charset_is_ignored() -> None:
    assert decode(STORY.encode(), "text/plain; charset=x-no-such-charset").text == STORY


def test_utf8_with_stray_windows_1252_bytes_keeps_both() -> None:
    data = STORY.encode("utf-8") + b" The authority\x92s chief said so."
    decoded = decode(data)
    assert decoded.text == STORY + " The authority\u2019s chief said so."
    assert decoded.how == "utf-8 with windows-1252 stray bytes"


@pytest.mark.parametrize(
    ("text", "charset"),
    [
        (STORY + " The strike began on Monday \u2013 \u201cwe will not move\u201d, a union leader said.", "cp1252"),
        ("El Gobierno español aprobó este año una reforma que el señor ministro defendió.", "cp1252"),
        ("O ministro português disse que a população não será afetada este verão.", "iso8859_15"),
        ("Prezydent Andrzej Duda powiedział w środę, że Polska będzie nadal wspierać Ukrainę.", "cp1250"),
        ("Předseda vlády Petr Fiala ve středu řekl, že Česká republika bude i nadále podporovat Ukrajinu.", "cp1250"),
        ("Правительство во вторник объявило о новом плане снижения счетов за энергию.", "cp1251"),  # noqa: RUF001
        ("Правительство во вторник объявило о новом плане снижения счетов за энергию.", "koi8_r"),  # noqa: RUF001
        ("Die Regierung will die Steuer für Familien senken, sagte der Minister am Dienstag.", "cp1252"),  # ü only
        ("Prezidentas pareiškė, kad Lietuva ir toliau rems Ukrainą, o vyriausybė patvirtino paketą.", "cp1257"),
        ("Preşedintele a declarat miercuri că România va continua să sprijine Ucraina.", "cp1250"),
    ],
)
def test_undeclared_legacy_charsets_are_read_as_their_own_not_a_neighbours(text: str, charset: str) -> None:
    decoded = decode(text.encode(charset))
    assert (decoded.text, decoded.how) == (text, "detected")


def test_vietnamese_in_windows_1258_is_read_as_windows_1258() -> None:
    # windows-1258 writes most tones as combining marks: NFD text holds the characters it encodes
    data = unicodedata.normalize("NFD", "Chính phủ sẽ hành động nhanh để hỗ trợ người dân.").encode("cp1258", "replace")
    assert decode(data).text == data.decode("cp1258")


def test_undetectable_bytes_are_a_bad_encoding() -> None:
    with pytest.raises(Rejected) as caught:
        decode(bytes(range(0x80, 0x100)) * 2)
    assert caught.value.reason == "bad_encoding"


def test_a_byte_order_mark_with_broken_text_is_a_bad_encoding() -> None:
    with pytest.raises(Rejected) as caught:
        decode(codecs.BOM_UTF16_LE + b"H\x00i\x00!")
    assert caught.value.reason == "bad_encoding"
    assert "utf-16-le" in caught.value.detail


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        b"%PDF-1.7\n" + bytes(range(32)) * 8,
        "Headline\n\nBody".encode("utf-16-le"),  # UTF-16 without a byte-order mark: NUL bytes
    ],
)
def test_binary_content_is_refused(data: bytes) -> None:
    with pytest.raises(Rejected) as caught:
        decode(data)
    assert caught.value.reason == "binary"


def test_a_declaration_that_turns_text_into_control_characters_is_ignored() -> None:
    digits = b"2026 1990 2040 1450 7788 9012 3344 " * 4  # EBCDIC (cp037) reads ASCII digits as controls
    assert decode(digits, "text/plain; charset=cp037").text == digits.decode("ascii")


def test_control_characters_after_decoding_are_binary_too() -> None:
    with pytest.raises(Rejected) as caught:
        decode(codecs.BOM_UTF8 + b"\x01\x02\x03\x04\x05\x06 text")
    assert caught.value.reason == "binary"


def test_stray_control_characters_are_dropped() -> None:
    story = b"Headline of the story\n\nThe first paragraph of the story, long enough to be text.\n"
    assert decode(story.replace(b"the story", b"the\x08 story\x7f")).text == story.decode()
