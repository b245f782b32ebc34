"""What an upload must be before an import run exists: a UTF-8 text CSV with a header row, not too big.

Only the first `SNIFF_BYTES` are read, so the check costs the same for any size; a bad byte
further down stops the run at its exact line instead (see `parsing.text_lines`).
"""

from __future__ import annotations

import codecs
import csv
import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from .parsing import ImportFileError

SNIFF_BYTES = 64 * 1024
SAVE_AS_CSV = "Save it as “CSV UTF-8 (comma delimited)” and upload that file."
# The first bytes of formats people upload by mistake, with what to call them in the error.
BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) or Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (codecs.BOM_UTF16_LE, "UTF-16 text"),
    (codecs.BOM_UTF16_BE, "UTF-16 text"),
)
# More than this share of control characters (other than tab and line ends) is binary data.
CONTROL_SHARE_MAX = 0.01


def _refuse(message: str) -> ImportFileError:
    return ImportFileError(message, errors={"file": [message]})


def csv_head_check(head: bytes, *, whole: bool) -> list[str]:
    """The header cells of a file starting with `head` (all of it when `whole`); ImportFileError if not a text CSV."""
    if not head.strip():
        raise _refuse("The file is empty: a CSV export starts with a row of column names.")
    for signature, what in BINARY_SIGNATURES:
        if head.startswith(signature):
            raise _refuse(f"This file is {what}, not a CSV text file. {SAVE_AS_CSV}")
    if b"\x00" in head:
        raise _refuse(f"This file holds NUL bytes: it is binary data, not a CSV text file. {SAVE_AS_CSV}")
    try:
        # final=False: the sniffed bytes may end inside a multi-byte character.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=whole)
    except UnicodeDecodeError as error:
        line = head[: error.start].count(b"\n") + 1
        raise _refuse(f"Line {line} is not UTF-8 text. {SAVE_AS_CSV}") from None
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    if controls > CONTROL_SHARE_MAX * len(text):
        raise _refuse(f"This file holds control characters: it is binary data, not a CSV text file. {SAVE_AS_CSV}")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if not whole and len(first_line) == len(text):
        raise _refuse(f"The first row is longer than {SNIFF_BYTES // 1024} KB: it is not a row of column names.")
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as error:
        raise _refuse(f"The first row (the column names) is not valid CSV: {error}.") from None
    if sum(1 for cell in header if cell.strip()) < 2:
        separator = next((s for s in (";", "\t", "|") if s in first_line), None)
        if separator is not None:
            name = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}[separator]
            raise _refuse(f"The columns are separated by {name}, not commas. {SAVE_AS_CSV}")
        raise _refuse("The first row has a single column: a CSV export starts with column names separated by commas.")
    return header


def upload_check(file: UploadedFile) -> list[str]:
    """An uploaded CSV's header cells; ImportFileError if it is too big or not a text CSV."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if file.size > limit:
        raise _refuse(
            f"The file is {filesizeformat(file.size)}; the limit is {filesizeformat(limit)}. "
            "Split it, or import it with the import_tickets / import_surveys command."
        )
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return csv_head_check(head, whole=file.size <= SNIFF_BYTES)
