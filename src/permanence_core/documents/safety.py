"""Checks an uploaded Word file passes before any XML in it is parsed: size, zip bombs, DTDs."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import IO

from lxml import etree

from permanence_core.errors import InputError, Location
from permanence_core.regular_files import check_regular

#: A completed form with a few pasted signatures is well under a megabyte; 20 MB leaves room for photos.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Total size of the unpacked members; python-docx holds every part in memory.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 2000
#: Word XML packs 5-30 times; a zip bomb packs a thousand times or more.
MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 1 << 16


class UnsafeDocumentError(InputError):
    """A file refused before parsing: too big, not a zip, a likely zip bomb, or XML with a DTD."""


def read_upload(path: Path, name: str) -> bytes:
    """The file's bytes, reading no more than the size limit allows (a huge file is refused, not loaded)."""
    check_regular(path, name)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(Location(source=name), f"cannot be read: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeDocumentError(Location(source=name), f"is larger than the limit of {MAX_FILE_BYTES} bytes")
    return data


def check_docx_bytes(data: bytes, name: str) -> None:
    """Refuse ``data`` unless it is a reasonably sized, undamaged .docx archive whose XML parts declare no DTD.

    Sizes are taken from the zip directory: ``zipfile`` stops each member at its declared size and
    checks its CRC, so a member cannot unpack to more than the directory says. Every member is unpacked
    once here, so a damaged, encrypted or oddly compressed one is refused before any part is parsed.
    """
    where = Location(source=name)
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeDocumentError(where, f"is {len(data)} bytes; the limit is {MAX_FILE_BYTES}")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnsafeDocumentError(where, "is not a Word .docx file (not a zip archive)")
    try:
        _check_archive(data, name)
    except NotImplementedError:
        raise UnsafeDocumentError(where, "uses a zip compression method Word never uses") from None
    except RuntimeError:
        # zipfile's refusal to unpack an encrypted member without a password (NotImplementedError is a kind of it).
        raise UnsafeDocumentError(where, "has an encrypted part; Word forms are never encrypted") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error) as exc:
        raise UnsafeDocumentError(where, f"is a damaged zip archive ({type(exc).__name__}: {exc})") from None


def _check_archive(data: bytes, name: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        names = [member.filename for member in members]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            # Which copy a reader takes is the zip library's choice: Word never writes a part twice.
            raise UnsafeDocumentError(
                Location(source=name, element=repeated[0]),
                f"holds the part {repeated[0]} {names.count(repeated[0])} times",
            )
        if len(members) > MAX_MEMBERS:
            raise UnsafeDocumentError(Location(source=name), f"holds {len(members)} parts; the limit is {MAX_MEMBERS}")
        total = sum(m.file_size for m in members)
        if total > MAX_UNPACKED_BYTES:
            raise UnsafeDocumentError(
                Location(source=name), f"unpacks to {total} bytes; the limit is {MAX_UNPACKED_BYTES}"
            )
        for member in members:
            where = Location(source=name, element=member.filename)
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
                raise UnsafeDocumentError(
                    where, f"unpacks {ratio:.0f} times its packed size (a zip bomb?); the limit is {MAX_RATIO}"
                )
            with archive.open(member) as part:
                # Office XML never declares a DTD; one here can only be an entity attack.
                if member.filename.endswith((".xml", ".rels")) and _declares_dtd(part):
                    raise UnsafeDocumentError(where, "declares a DTD, which Word files never do")
                # Read to the end: zipfile checks the CRC there, and stops at the size the directory declares.
                while part.read(_CHUNK):
                    pass


def _declares_dtd(part: IO[bytes]) -> bool:
    """Whether an XML part has a document type declaration, read up to its root element and no further.

    Comments may come before the declaration, so looking for it in the first few bytes is not enough. The
    parser expands and fetches nothing; a part it cannot read is left for the Word reader to refuse.
    """
    events = etree.iterparse(part, events=("start",), resolve_entities=False, no_network=True, load_dtd=False)
    try:
        for _event, root in events:
            return bool(root.getroottree().docinfo.doctype)
    except etree.XMLSyntaxError:
        return False
    return False
