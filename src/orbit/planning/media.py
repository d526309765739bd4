"""Evidence uploads: what a file really is, whether Orbit keeps it, and how it is stored and served.

A pure module (no database): the planning services call :func:`inspect_upload` on each uploaded
file, :func:`store_upload` to save what passed, and :func:`download_response` to serve it back.

* The type comes from the content's first bytes (a small table of signatures below), never from
  the client's content type or the file's extension.  Web pages, SVG and XML are refused even when
  renamed, because a browser may run the scripts they carry; so are programs, archives and
  anything unrecognised.  A name whose extension promises something dangerous (``.html``,
  ``.exe``...) is refused whatever the content.
* Limits (per-kind size, image pixels) are checked from what is declared or in the headers before
  anything large is read or decoded, so each refusal takes milliseconds.
* Photos are decoded once (after Pillow's ``verify``) for the thumbnail.  GPS positions are removed
  from the stored file unless the uploader chose to keep them, by editing the metadata segments
  (EXIF GPS directory, XMP with GPS) without re-encoding the picture.
* Videos are hashed in chunks and stored as uploaded; large files are never held in memory.
* Files are stored under their SHA-256, never under the client's name.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import ExifTags, Image

PHOTO, VIDEO, DOCUMENT = "photo", "video", "document"

MB = 1024 * 1024
DEFAULT_MAX_MB = {PHOTO: 20, DOCUMENT: 50, VIDEO: 500}
DEFAULT_MAX_MEGAPIXELS = 40
THUMBNAIL_SIZE = 480
NAME_MAX = 150
#: Documents and videos up to this size are kept in memory; larger ones stay in the upload's file.
IN_MEMORY_MAX_BYTES = 8 * MB
HEAD_BYTES = 8192
JPEG_MAX_SCANS = 100  # encoders write about 10; thousands are a denial-of-service trick
CHUNK_BYTES = 1024 * 1024
FFMPEG_TIMEOUT = 20  # seconds for one poster frame
ZIP_MAX_ENTRIES = 20_000
ZIP_PART_MAX_BYTES = 1 * MB  # [Content_Types].xml and mimetype are small; larger is not an office file

CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


# --------------------------------------------------------------------------------------------
# Types Orbit accepts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    content_type: str
    kind: str
    extension: str  # canonical, used for the stored file
    label: str  # for messages: "a JPEG image"
    aliases: frozenset[str] = frozenset()  # other extensions a correctly named file may have

    def matches(self, extension: str) -> bool:
        return extension == self.extension or extension in self.aliases


def _type(content_type: str, kind: str, extension: str, label: str, *aliases: str) -> FileType:
    return FileType(content_type, kind, extension, label, frozenset(aliases))


JPEG = _type("image/jpeg", PHOTO, ".jpg", "a JPEG image", ".jpeg", ".jpe", ".jfif")
PNG = _type("image/png", PHOTO, ".png", "a PNG image")
GIF = _type("image/gif", PHOTO, ".gif", "a GIF image")
WEBP = _type("image/webp", PHOTO, ".webp", "a WebP image")
MP4 = _type("video/mp4", VIDEO, ".mp4", "an MP4 video", ".m4v")
MOV = _type("video/quicktime", VIDEO, ".mov", "a QuickTime video", ".qt", ".mp4")
THREE_GP = _type("video/3gpp", VIDEO, ".3gp", "a 3GP video", ".mp4")
THREE_G2 = _type("video/3gpp2", VIDEO, ".3g2", "a 3G2 video", ".3gp", ".mp4")
WEBM = _type("video/webm", VIDEO, ".webm", "a WebM video")
MKV = _type("video/x-matroska", VIDEO, ".mkv", "a Matroska video", ".mk3d")
OGV = _type("video/ogg", VIDEO, ".ogv", "an Ogg video", ".ogg")
PDF = _type("application/pdf", DOCUMENT, ".pdf", "a PDF document")
DOCX = _type(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCUMENT, ".docx", "a Word document"
)
XLSX = _type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", DOCUMENT, ".xlsx",
             "an Excel workbook")  # fmt: skip
PPTX = _type("application/vnd.openxmlformats-officedocument.presentationml.presentation", DOCUMENT, ".pptx",
             "a PowerPoint presentation")  # fmt: skip
ODT = _type("application/vnd.oasis.opendocument.text", DOCUMENT, ".odt", "an OpenDocument text")
ODS = _type("application/vnd.oasis.opendocument.spreadsheet", DOCUMENT, ".ods", "an OpenDocument spreadsheet")
ODP = _type("application/vnd.oasis.opendocument.presentation", DOCUMENT, ".odp", "an OpenDocument presentation")
TEXT = _type("text/plain", DOCUMENT, ".txt", "a text file", ".text", ".log", ".md", ".csv", ".tsv", ".tab")
CSV = _type("text/csv", DOCUMENT, ".csv", "a CSV table", ".txt", ".tsv", ".tab")
# Placeholder while a ZIP file's entries are looked at.
_ZIP = _type("application/zip", DOCUMENT, ".zip", "a ZIP archive")

ACCEPTED_TYPES = (JPEG, PNG, GIF, WEBP, MP4, MOV, THREE_GP, THREE_G2, WEBM, MKV, OGV, PDF, DOCX, XLSX, PPTX,
                  ODT, ODS, ODP, TEXT, CSV)  # fmt: skip
KNOWN_CONTENT_TYPES = frozenset(t.content_type for t in ACCEPTED_TYPES)
#: Served inline when asked: what a browser shows itself, without running anything.
INLINE_CONTENT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime", "video/webm", "video/ogg"}
)
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
_FFMPEG_DEMUXERS = {MP4: "mov", MOV: "mov", THREE_GP: "mov", THREE_G2: "mov", WEBM: "matroska", MKV: "matroska",
                    OGV: "ogg"}  # fmt: skip

#: Extensions that promise something a browser or an operating system may run.
DANGEROUS_EXTENSIONS = frozenset(
    [
        ".htm", ".html", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".svg", ".svgz", ".xml", ".xsl", ".xslt", ".hta",
        ".js", ".mjs", ".cjs", ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".ws", ".exe", ".com", ".scr", ".pif", ".bat",
        ".cmd", ".msi", ".msp", ".mst", ".dll", ".cpl", ".sys", ".ocx", ".jar", ".class", ".ps1", ".psm1", ".psd1",
        ".sh", ".bash", ".zsh", ".csh", ".ksh", ".php", ".phtml", ".php3", ".php4", ".php5", ".phar", ".asp", ".aspx",
        ".jsp", ".cgi", ".pl", ".py", ".pyc", ".rb", ".swf", ".lnk", ".reg", ".inf", ".scf", ".url", ".desktop", ".app",
        ".command", ".dmg", ".pkg", ".deb", ".rpm", ".apk", ".appx", ".msix", ".iso", ".img", ".vhd", ".vhdx", ".docm",
        ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam", ".sldm", ".xll", ".chm", ".gadget",
        ".application", ".appref-ms", ".settingcontent-ms",
    ]
)  # fmt: skip

_ACCEPTED_SUMMARY = (
    "photos (JPEG, PNG, GIF, WebP), videos (MP4, MOV, 3GP, WebM, Matroska, Ogg) and documents (PDF, Word, "
    "Excel, PowerPoint, OpenDocument, UTF-8 text and CSV)"
)


@dataclass(frozen=True)
class Limits:
    max_bytes: dict[str, int]  # per kind
    max_pixels: int

    @property
    def largest(self) -> int:
        return max(self.max_bytes.values())


def current_limits() -> Limits:
    """The limits in force: ``ORBIT_UPLOAD_MAX_*`` settings, or the defaults."""
    return Limits(
        max_bytes={
            PHOTO: int(getattr(settings, "ORBIT_UPLOAD_MAX_PHOTO_MB", DEFAULT_MAX_MB[PHOTO])) * MB,
            DOCUMENT: int(getattr(settings, "ORBIT_UPLOAD_MAX_DOCUMENT_MB", DEFAULT_MAX_MB[DOCUMENT])) * MB,
            VIDEO: int(getattr(settings, "ORBIT_UPLOAD_MAX_VIDEO_MB", DEFAULT_MAX_MB[VIDEO])) * MB,
        },
        max_pixels=int(getattr(settings, "ORBIT_UPLOAD_MAX_MEGAPIXELS", DEFAULT_MAX_MEGAPIXELS)) * 1_000_000,
    )


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # "photo" | "video" | "document"
    content_type: str  # from the sniffed content
    original_name: str  # cleaned; its extension fits the content
    extension: str  # canonical extension of the content type, e.g. ".jpg"
    size: int  # bytes of ``content``
    sha256: str  # hex digest of ``content``
    width: int | None  # photos: as displayed (EXIF orientation applied)
    height: int | None
    #: What is stored: bytes, or for large documents and videos the uploaded file itself (read in chunks).
    content: bytes | File[Any]
    #: JPEG (PNG when the image has transparency), longest side <= 480 px; a video's poster frame when ffmpeg exists.
    thumbnail: bytes | None
    #: The file has GPS position data and the uploader chose to keep it.
    gps_kept: bool

    def open_content(self) -> File[Any]:
        """``content`` as a Django file positioned at its start."""
        if isinstance(self.content, bytes):
            return ContentFile(self.content)
        self.content.seek(0)
        return self.content


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


def _refuse(code: str, message: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def _human_size(size: int) -> str:
    if size >= MB:
        value = size / MB
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return _("%(count)d bytes") % {"count": size}


def _kind_label(kind: str) -> str:
    return {PHOTO: _("a photo"), VIDEO: _("a video"), DOCUMENT: _("a document")}[kind]


def _too_large(name: str, size: int, limits: Limits, kind: str | None) -> ValidationError:
    if kind is None:
        return _refuse(
            "too_large",
            _("“%(name)s” is %(size)s; no file over %(max)s can be uploaded.")
            % {"name": name, "size": _human_size(size), "max": _human_size(limits.largest)},
        )
    return _refuse(
        "too_large",
        _("“%(name)s” is %(size)s; %(kind)s can be at most %(max)s. Reduce its size and upload it again.")
        % {"name": name, "size": _human_size(size), "kind": _kind_label(kind),
           "max": _human_size(limits.max_bytes[kind])},
    )  # fmt: skip


def _too_many_pixels(name: str, limits: Limits, width: int | None = None, height: int | None = None) -> ValidationError:
    params = {"name": name, "max": limits.max_pixels // 1_000_000}
    if width is None or height is None:
        message = _("“%(name)s” has more than %(max)s megapixels, the most an image can have.") % params
    else:
        message = _(
            "“%(name)s” is %(width)d × %(height)d pixels (%(mp).0f megapixels); an image can have at most "
            "%(max)s megapixels. Reduce its size and upload it again."
        ) % {**params, "width": width, "height": height, "mp": width * height / 1_000_000}
    return _refuse("too_many_pixels", message)


def _unsupported(name: str, label: str | None, code: str = "unsupported", hint: str = "") -> ValidationError:
    if label is None:
        message = _("“%(name)s” is not a type of file Orbit accepts; it accepts %(accepted)s.")
    else:
        message = _("“%(name)s” is %(label)s, which cannot be uploaded; Orbit accepts %(accepted)s.")
    message = message % {"name": name, "label": label, "accepted": _ACCEPTED_SUMMARY}
    return _refuse(code, f"{message} {hint}".strip())


def _markup(name: str, label: str) -> ValidationError:
    return _refuse(
        "markup",
        _(
            "“%(name)s” is %(label)s. Web pages, SVG and XML files cannot be uploaded because they can carry "
            "scripts; save it as PDF or as an image instead."
        )
        % {"name": name, "label": label},
    )


def _corrupt(name: str, ftype: FileType, detail: str) -> ValidationError:
    return _refuse(
        "corrupt",
        _("“%(name)s” looks like %(label)s but is damaged or incomplete (%(detail)s); upload it again.")
        % {"name": name, "label": ftype.label, "detail": detail},
    )


class _Damaged(Exception):
    """A container's structure is broken; the message says where."""


# --------------------------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------------------------

_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiner: part of Persian, Indic and emoji spelling


def clean_file_name(raw: str | None, extension: str = "") -> str:
    """The client's file name made safe to show and to offer as a download name.

    Directories (``/`` and ``\\``), ``..``, control and bidirectional-override characters and leading
    dots go; Unicode letters stay; at most 150 characters; never empty (``"file" + extension``).
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(ch for ch in name if ch in _JOINERS or not unicodedata.category(ch).startswith("C"))
    name = re.split(r"[/\\]", name)[-1]
    while ".." in name:
        name = name.replace("..", ".")
    name = " ".join(name.split()).strip(". ")
    if not name:
        name = "file" + extension
    return _cap(name)


def _cap(name: str, limit: int = NAME_MAX) -> str:
    if len(name) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext) <= 16:
        return stem[: limit - len(ext) - 1].rstrip(" .") + "." + ext
    return name[:limit].rstrip(" .")


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _name_for(name: str, ftype: FileType) -> str:
    """``name`` ending in an extension that fits the content (appended when it does not)."""
    if ftype.matches(_extension(name)):
        return name
    stem = name
    if len(stem) + len(ftype.extension) > NAME_MAX:
        stem = stem[: NAME_MAX - len(ftype.extension)].rstrip(" .") or "file"
    return stem + ftype.extension


# --------------------------------------------------------------------------------------------
# Sniffing
# --------------------------------------------------------------------------------------------

# Text that opens with a tag, a declaration, a processing instruction or a comment is markup.
_MARKUP = re.compile(rb"<[a-z!?/]", re.I)

# ISO base media ("ftyp") brands.
_BMFF_IMAGES = {b"heic": "a HEIC photo", b"heix": "a HEIC photo", b"heim": "a HEIC photo", b"heis": "a HEIC photo",
                b"hevc": "a HEIC image sequence", b"hevx": "a HEIC image sequence", b"mif1": "a HEIF image",
                b"msf1": "a HEIF image sequence", b"avif": "an AVIF image", b"avis": "an AVIF image sequence",
                b"jp2 ": "a JPEG 2000 image", b"jpx ": "a JPEG 2000 image", b"crx ": "a Canon raw photo"}  # fmt: skip
_BMFF_AUDIO = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_BMFF_MP4 = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42",
             b"avc1", b"dash", b"mmp4", b"MSNV", b"NDAS", b"NDSC", b"NDSH", b"NDSM", b"NDSP", b"NDSS", b"NDXC",
             b"NDXH", b"NDXM", b"NDXP", b"NDXS", b"f4v ", b"M4V ", b"M4VH", b"M4VP", b"XAVC", b"mp71"}  # fmt: skip

_OTHER_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    # (prefix, label, hint)
    (b"MZ", "a Windows program", ""),
    (b"\x7fELF", "a Linux program", ""),
    (b"\xcf\xfa\xed\xfe", "a macOS program", ""),
    (b"\xce\xfa\xed\xfe", "a macOS program", ""),
    (b"\xca\xfe\xba\xbe", "a macOS program or Java class", ""),
    (b"#!", "a script", ""),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-style Office file (.doc, .xls or .ppt)",
        "Save it as .docx, .xlsx, .pptx or PDF and upload it again.",
    ),
    (b"Rar!\x1a\x07", "a RAR archive", "Upload the files it contains instead."),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "Upload the files it contains instead."),
    (b"\x1f\x8b", "a gzip archive", "Upload the files it contains instead."),
    (b"BZh", "a bzip2 archive", "Upload the files it contains instead."),
    (b"\xfd7zXZ\x00", "an xz archive", "Upload the files it contains instead."),
    (b"II*\x00", "a TIFF image", "Save it as JPEG or PNG and upload it again."),
    (b"MM\x00*", "a TIFF image", "Save it as JPEG or PNG and upload it again."),
    (b"BM", "a BMP image", "Save it as PNG or JPEG and upload it again."),
    (b"8BPS", "a Photoshop file", "Save it as JPEG or PNG and upload it again."),
    (b"\x00\x00\x01\x00", "an icon file", ""),
    (b"{\\rtf", "an RTF document", "Save it as PDF or .docx and upload it again."),
    (b"%!PS", "a PostScript file", "Save it as PDF and upload it again."),
    (b"ID3", "an MP3 audio file", ""),
    (b"fLaC", "a FLAC audio file", ""),
    (b"FWS", "a Flash file", ""),
    (b"CWS", "a Flash file", ""),
    (b"ZWS", "a Flash file", ""),
    (b"\x00\x00\x01\xba", "an MPEG video", "Convert it to MP4 and upload it again."),
    (b"\x00\x00\x01\xb3", "an MPEG video", "Convert it to MP4 and upload it again."),
    (b"0&\xb2u\x8ef\xcf\x11", "a Windows Media file", "Convert it to MP4 and upload it again."),
    (b"FLV\x01", "a Flash video", "Convert it to MP4 and upload it again."),
    (b"SQLite format 3\x00", "a database file", ""),
)


def _sniff(head: bytes, name: str) -> FileType:
    """The type of a file from its first bytes; raises the refusal for anything not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        raise _unsupported(name, "an AVI video", hint=_("Convert it to MP4 and upload it again."))
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        raise _unsupported(name, "a WAV audio file")
    if head[4:8] == b"ftyp":
        return _sniff_bmff(head, name)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _sniff_ebml(head, name)
    if head.startswith(b"OggS"):
        if b"\x80theora" in head:
            return OGV
        raise _unsupported(name, "an Ogg audio file")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _ZIP
    for prefix, label, hint in _OTHER_SIGNATURES:
        if head.startswith(prefix):
            raise _unsupported(name, label, hint=hint)
    return _sniff_text(head, name)


def _sniff_bmff(head: bytes, name: str) -> FileType:
    box_size = int.from_bytes(head[0:4], "big")
    end = min(box_size, len(head)) if box_size >= 16 else 16
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    for brand in brands:
        if brand in _BMFF_IMAGES:
            raise _unsupported(name, _BMFF_IMAGES[brand], hint=_("Export it as JPEG and upload it again."))
        if brand in _BMFF_AUDIO:
            raise _unsupported(name, "an MPEG-4 audio file")
        if brand == b"qt  ":
            return MOV
        if brand.startswith(b"3g2"):
            return THREE_G2
        if brand.startswith((b"3gp", b"3gg", b"3ge", b"3gs")):
            return THREE_GP
        if brand in _BMFF_MP4:
            return MP4
    major = head[8:12].decode("ascii", "replace").strip()
    raise _unsupported(name, f"an ISO media file of brand “{major}”")


def _sniff_ebml(head: bytes, name: str) -> FileType:
    at = head.find(b"\x42\x82", 4, 64)  # the DocType element
    if at > 0 and at + 3 < len(head) and head[at + 2] & 0x80:
        size = head[at + 2] & 0x7F
        doctype = head[at + 3 : at + 3 + size]
        if doctype == b"webm":
            return WEBM
        if doctype == b"matroska":
            return MKV
    raise _unsupported(name, "an EBML file that is neither WebM nor Matroska")


def _sniff_text(head: bytes, name: str) -> FileType:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(
            "not_utf8",
            _("“%(name)s” is text in UTF-16; save it as UTF-8 (or as PDF) and upload it again.") % {"name": name},
        )
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\f\v")
    match = _MARKUP.match(start)
    if match:
        found = start[:2048].lower()
        if b"<svg" in found:
            label = "an SVG image"
        elif b"<html" in found or b"<!doctype html" in found or b"<script" in found or b"<body" in found:
            label = "a web page (HTML)"
        else:
            label = "an XML or HTML document"
        raise _markup(name, label)
    if b"\x00" in head or any(byte < 0x20 and byte not in b"\t\n\r\f" for byte in head):
        raise _unsupported(name, None)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        raise _not_utf8(name) from None  # text without control characters, in a legacy encoding
    return TEXT


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    complete = lines[:-1] if len(lines) > 2 else lines  # the last line of a head may be cut
    for sep in (",", ";", "\t"):
        counts = {line.count(sep) for line in complete}
        if len(counts) == 1 and next(iter(counts)) >= 1:
            return True
    return False


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass
class _Read:
    sha256: str
    size: int
    data: bytes | None  # None when too big to keep in memory


def _read(upload: UploadedFile, name: str, limits: Limits, ftype: FileType, *, keep_up_to: int) -> _Read:
    """Hash the whole upload in chunks, keeping it in memory up to ``keep_up_to`` bytes."""
    digest = hashlib.sha256()
    size = 0
    kept: list[bytes] | None = []
    decoder = codecs.getincrementaldecoder("utf-8")("strict") if ftype is TEXT else None
    limit = limits.max_bytes[ftype.kind]
    for chunk in upload.chunks(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise _too_large(name, size, limits, ftype.kind)
        digest.update(chunk)
        if decoder is not None:
            if b"\x00" in chunk:
                raise _unsupported(name, None)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise _not_utf8(name) from None
        if kept is not None:
            if size <= keep_up_to:
                kept.append(chunk)
            else:
                kept = None
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _not_utf8(name) from None
    if size == 0:
        raise _empty(name)
    return _Read(digest.hexdigest(), size, b"".join(kept) if kept is not None else None)


def _not_utf8(name: str) -> ValidationError:
    return _refuse(
        "not_utf8",
        _("“%(name)s” is not UTF-8 text; save it as UTF-8 (or as PDF) and upload it again.") % {"name": name},
    )


def _empty(name: str) -> ValidationError:
    return _refuse("empty", _("“%(name)s” is empty.") % {"name": name})


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return bytes(head)


# --------------------------------------------------------------------------------------------
# ZIP-based office documents
# --------------------------------------------------------------------------------------------

_ODF_TYPES = {t.content_type.encode(): t for t in (ODT, ODS, ODP)}
_OOXML_MAIN_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))


def _zip_type(source: Any, name: str) -> FileType:
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise _unsupported(name, "a ZIP archive with too many entries")
            names = {info.filename for info in infos}
            if "mimetype" in names:
                mimetype = _zip_part(archive, "mimetype").strip()
                if mimetype in _ODF_TYPES:
                    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
                        raise _macros(name, _ODF_TYPES[mimetype])
                    return _ODF_TYPES[mimetype]
                raise _unsupported(name, "an OpenDocument file of a kind Orbit does not accept")
            if "[Content_Types].xml" in names:
                content_types = _zip_part(archive, "[Content_Types].xml")
                for part, ftype in _OOXML_MAIN_PARTS:
                    if part in names:
                        macro = b"macroenabled" in content_types.lower() or any(
                            n.lower().endswith("vbaproject.bin") for n in names
                        )
                        if macro:
                            raise _macros(name, ftype)
                        return ftype
                raise _unsupported(name, "an Office file of a kind Orbit does not accept")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _corrupt(name, _ZIP, str(exc) or type(exc).__name__) from None
    raise _unsupported(name, "a ZIP archive", hint=_("Upload the files it contains instead."))


def _zip_part(archive: zipfile.ZipFile, part: str) -> bytes:
    info = archive.getinfo(part)
    if info.file_size > ZIP_PART_MAX_BYTES:
        raise zipfile.BadZipFile(f"{part} is implausibly large")
    with archive.open(info) as handle:
        return handle.read(ZIP_PART_MAX_BYTES + 1)[:ZIP_PART_MAX_BYTES]


def _macros(name: str, ftype: FileType) -> ValidationError:
    return _refuse(
        "macros",
        _("“%(name)s” is %(label)s with macros, which can run programs; save it without macros and upload it again.")
        % {"name": name, "label": ftype.label},
    )


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_XMP_GPS = re.compile(rb"GPS(Latitude|Longitude|Altitude|DestLatitude|DestLongitude|AreaInformation)")
_XMP_MAIN = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXTENDED = b"http://ns.adobe.com/xmp/extension/\x00"


@dataclass
class _Photo:
    content: bytes
    thumbnail: bytes
    width: int
    height: int
    gps_found: bool


@contextmanager
def _open_image(data: bytes, fmt: str) -> Iterator[Image.Image]:
    # Size limits are checked by the caller right after the (lazy) open; Pillow's own warning would
    # only repeat it.  DecompressionBombError (over twice Pillow's limit) still propagates.  (Before
    # Python 3.14 catch_warnings is process-wide: racing threads may leave that warning silenced.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            yield im


def _inspect_image(data: bytes, ftype: FileType, name: str, limits: Limits, *, keep_gps: bool) -> _Photo:
    fmt = _PILLOW_FORMATS[ftype]
    try:
        with _open_image(data, fmt) as im:
            width, height = im.size  # from the header: nothing decoded yet
            if width * height > limits.max_pixels:
                raise _too_many_pixels(name, limits, width, height)
            if width < 1 or height < 1:
                raise _Damaged("no pixels")
            im.verify()
        # Metadata edits (and, for JPEG, a structural walk that counts scans) before any decoding.
        content, gps_found = _without_gps(data, ftype)
        with _open_image(data, fmt) as im:
            try:
                orientation = int(im.getexif().get(ExifTags.Base.Orientation, 1))
            except Exception:
                orientation = 1
            thumbnail = _thumbnail(im)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, limits) from None
    except Exception as exc:  # Pillow reports damage with many exception types
        raise _corrupt(name, ftype, _describe(exc)) from None
    if orientation in _TRANSPOSE:
        thumbnail = thumbnail.transpose(_TRANSPOSE[orientation])
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return _Photo(
        content=data if keep_gps else content,
        thumbnail=_encode_thumbnail(thumbnail),
        width=width,
        height=height,
        gps_found=gps_found,
    )


def _describe(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:120]


def _thumbnail(im: Image.Image) -> Image.Image:
    """The first frame, decoded, in RGB or RGBA, within THUMBNAIL_SIZE (JPEGs decoded at reduced scale)."""
    box = (THUMBNAIL_SIZE, THUMBNAIL_SIZE)
    # An RGB colour profile (Display P3, Adobe RGB) still describes the thumbnail; a CMYK or grey one would not.
    icc = im.info.get("icc_profile") if im.mode in ("RGB", "RGBA", "RGBX", "P", "PA") else None
    if im.format == "JPEG" or im.format == "MPO":
        im.thumbnail(box)  # lets libjpeg decode at 1/2, 1/4 or 1/8 scale
        frame = im.convert("RGB")
    else:
        frame = im.convert("RGBA" if im.has_transparency_data else "RGB")
        frame.thumbnail(box)
    frame.info.pop("icc_profile", None)
    if icc and len(icc) <= 64 * 1024:
        frame.info["icc_profile"] = icc
    return frame


def _encode_thumbnail(frame: Image.Image) -> bytes:
    buffer = io.BytesIO()
    icc = frame.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if frame.mode == "RGBA":
        frame.save(buffer, "PNG", optimize=True, **extra)
    else:
        frame.save(buffer, "JPEG", quality=82, optimize=True, **extra)
    return buffer.getvalue()


def _without_gps(data: bytes, ftype: FileType) -> tuple[bytes, bool]:
    """The image with GPS positions removed from its metadata, and whether it had any."""
    if ftype is JPEG:
        return _jpeg_without_gps(data)
    if ftype is PNG:
        return _png_without_gps(data)
    if ftype is WEBP:
        return _webp_without_gps(data)
    return data, False  # GIF carries no EXIF


def _exif_without_gps(block: bytes) -> tuple[bytes | None, bool]:
    """An EXIF block (``Exif\\0\\0`` + TIFF) without its GPS directory; None to drop the block.

    A block that cannot be read is dropped: nobody can say whether it holds a position.
    """
    exif = Image.Exif()
    try:
        exif.load(block)
    except Exception:
        return None, False
    if ExifTags.IFD.GPSInfo not in exif:
        return block, False
    del exif[ExifTags.IFD.GPSInfo]
    try:
        return exif.tobytes(), True
    except Exception:
        return None, True


def _jpeg_without_gps(data: bytes) -> tuple[bytes, bool]:
    """Rewrite the header segments (EXIF without GPS, XMP with GPS dropped); picture data is copied.

    Whatever follows the first image (MPO second images, motion-photo videos) is dropped too, as
    it carries metadata of its own.
    """
    out = [b"\xff\xd8"]
    found = False
    pos, n = 2, len(data)
    while True:
        if pos + 4 > n or data[pos] != 0xFF:
            raise _Damaged("broken JPEG header")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        if marker == 0xD9:
            raise _Damaged("no picture data")
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > n:
            raise _Damaged("broken JPEG segment")
        if marker == 0xDA:
            break
        payload = data[pos + 4 : pos + 2 + length]
        segment = data[pos : pos + 2 + length]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            new, had = _exif_without_gps(payload)
            found |= had
            if new is None or len(new) + 2 > 0xFFFF:
                segment = b""
            elif new is not payload:
                segment = b"\xff\xe1" + (len(new) + 2).to_bytes(2, "big") + new
        elif marker == 0xE1 and payload.startswith(_XMP_MAIN):
            if _XMP_GPS.search(payload):
                found = True
                segment = b""
        elif (marker == 0xE1 and payload.startswith(_XMP_EXTENDED)) or (
            marker == 0xE2 and payload.startswith(b"MPF\x00")
        ):
            found |= bool(_XMP_GPS.search(payload))
            segment = b""
        out.append(segment)
        pos += 2 + length
    out.append(data[pos : _jpeg_scan_end(data, pos)])
    return b"".join(out), found


def _jpeg_scan_end(data: bytes, pos: int) -> int:
    """The index just after the end-of-image marker, reading from the first start-of-scan at ``pos``.

    A progressive JPEG is decoded once per scan: a file with very many scans costs minutes of CPU.
    """
    n = len(data)
    scans = 0
    while pos + 1 < n:
        if data[pos] != 0xFF:
            raise _Damaged("broken JPEG scan")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if pos + 4 > n:
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            raise _Damaged("broken JPEG segment")
        pos += 2 + length
        if marker == 0xDA:
            scans += 1
            if scans > JPEG_MAX_SCANS:
                raise _Damaged(f"more than {JPEG_MAX_SCANS} progressive scans")
            # entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a restart marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    raise _Damaged("the picture data ends early")
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                elif following == 0xFF:
                    pos += 1
                else:
                    break
    raise _Damaged("no end-of-image marker")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def _png_text(kind: bytes, body: bytes) -> bytes:
    """The text of a tEXt/zTXt/iTXt chunk (decompressed up to 4 MB)."""
    _keyword, _separator, rest = body.partition(b"\x00")
    compressed = False
    if kind == b"zTXt":
        rest, compressed = rest[1:], True
    elif kind == b"iTXt":
        compressed = rest[:1] == b"\x01"
        rest = rest[2:].split(b"\x00", 2)[-1]  # skip language tag and translated keyword
    if compressed:
        try:
            rest = zlib.decompressobj().decompress(rest, 4 * MB)
        except zlib.error:
            return b""
    return rest


def _png_without_gps(data: bytes) -> tuple[bytes, bool]:
    out = [data[:8]]
    found = False
    pos, n = 8, len(data)
    while pos + 12 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > n:
            raise _Damaged("broken PNG chunk")
        body = data[pos + 8 : pos + 8 + length]
        chunk = data[pos:end]
        if kind == b"eXIf":
            new, had = _exif_without_gps(b"Exif\x00\x00" + body.removeprefix(b"Exif\x00\x00"))
            found |= had
            if new is None:
                chunk = b""
            elif had:
                chunk = _png_chunk(b"eXIf", new.removeprefix(b"Exif\x00\x00"))
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            keyword = body.split(b"\x00", 1)[0].lower()
            if keyword == b"xml:com.adobe.xmp":
                if _XMP_GPS.search(_png_text(kind, body)):
                    found = True
                    chunk = b""
            elif keyword in (b"raw profile type exif", b"raw profile type app1", b"raw profile type xmp"):
                chunk = b""  # ImageMagick's hex-encoded copies of EXIF/XMP
        out.append(chunk)
        pos = end
        if kind == b"IEND":
            break
    else:
        raise _Damaged("no PNG end chunk")
    return b"".join(out), found


def _webp_without_gps(data: bytes) -> tuple[bytes, bool]:
    chunks: list[tuple[bytes, bytes]] = []
    found = False
    pos, n = 12, min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    while pos + 8 <= n:
        kind = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if pos + 8 + size > n:
            raise _Damaged("broken WebP chunk")
        body = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
        if kind == b"EXIF":
            new, had = _exif_without_gps(b"Exif\x00\x00" + body.removeprefix(b"Exif\x00\x00"))
            found |= had
            if new is None:
                continue
            if had:
                body = new.removeprefix(b"Exif\x00\x00")
        elif kind == b"XMP " and _XMP_GPS.search(body):
            found = True
            continue
        chunks.append((kind, body))
    kinds = {kind for kind, _body in chunks}
    rebuilt = []
    for kind, body in chunks:
        if kind == b"VP8X" and body:
            flags = body[0] & ~0x0C  # EXIF (0x08) and XMP (0x04) flags follow what remains
            flags |= 0x08 if b"EXIF" in kinds else 0
            flags |= 0x04 if b"XMP " in kinds else 0
            body = bytes([flags]) + body[1:]
        rebuilt.append(kind + len(body).to_bytes(4, "little") + body + (b"\x00" if len(body) & 1 else b""))
    payload = b"WEBP" + b"".join(rebuilt)
    return b"RIFF" + len(payload).to_bytes(4, "little") + payload, found


# --------------------------------------------------------------------------------------------
# Videos
# --------------------------------------------------------------------------------------------


def _video_poster(source: bytes | File[Any], ftype: FileType) -> bytes | None:
    """A poster frame through ffmpeg (when installed), at 1 s or else the first frame; None on any failure."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    with tempfile.TemporaryDirectory(prefix="orbit-poster-") as workdir:
        path = _local_path(source, workdir)
        for start in ("1", "0"):
            command = [
                ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
                "-protocol_whitelist", "file", "-ss", start, "-f", _FFMPEG_DEMUXERS[ftype], "-i", f"file:{path}",
                "-frames:v", "1", "-an", "-sn", "-dn",
                "-vf", f"scale={THUMBNAIL_SIZE}:{THUMBNAIL_SIZE}:force_original_aspect_ratio=decrease",
                "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "pipe:1",
            ]  # fmt: skip
            try:
                result = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT, check=False)
            except (subprocess.TimeoutExpired, OSError):
                return None
            if result.returncode == 0 and result.stdout:
                return _checked_poster(result.stdout)
    return None


def _local_path(source: bytes | File[Any], workdir: str) -> str:
    if not isinstance(source, bytes):
        temporary_path = getattr(source, "temporary_file_path", None)
        if temporary_path is not None:
            return os.path.abspath(str(temporary_path()))
    path = os.path.join(workdir, "video")
    with open(path, "wb") as handle:
        if isinstance(source, bytes):
            handle.write(source)
        else:
            for chunk in source.chunks(CHUNK_BYTES):
                handle.write(chunk)
    return path


def _checked_poster(data: bytes) -> bytes | None:
    """ffmpeg's frame, re-encoded through Pillow so that only a small plain JPEG is kept."""
    try:
        with _open_image(data, "JPEG") as im:
            if im.size[0] * im.size[1] > 4 * THUMBNAIL_SIZE * THUMBNAIL_SIZE:
                return None
            return _encode_thumbnail(_thumbnail(im))
    except Exception:
        return None


# --------------------------------------------------------------------------------------------
# The three entry points
# --------------------------------------------------------------------------------------------


def inspect_upload(upload: UploadedFile, *, keep_gps: bool = False) -> CheckedUpload:
    """Check an uploaded evidence file and prepare what is stored.

    Raises ``ValidationError({"file": ...})`` naming the file and what is wrong; each error has a
    ``code``: empty, too_large, too_many_pixels, markup, dangerous_name, unsupported, macros,
    not_utf8 or corrupt.
    """
    name = clean_file_name(upload.name)
    limits = current_limits()
    declared = upload.size
    if declared == 0:
        raise _empty(name)
    if declared is not None and declared > limits.largest:
        raise _too_large(name, declared, limits, None)
    head = _head(upload)
    if not head:
        raise _empty(name)
    ftype = _sniff(head, name)
    if declared is not None and declared > limits.max_bytes[ftype.kind]:
        raise _too_large(name, declared, limits, ftype.kind)
    if ftype is not _ZIP:  # a ZIP file's name is checked once its entries say what it is
        _check_extension(name, ftype)

    keep_up_to = limits.max_bytes[PHOTO] if ftype.kind == PHOTO else IN_MEMORY_MAX_BYTES
    read = _read(upload, name, limits, ftype, keep_up_to=max(keep_up_to, HEAD_BYTES))
    content: bytes | File[Any] = read.data if read.data is not None else upload
    if ftype is _ZIP:
        ftype = _zip_type(io.BytesIO(read.data) if read.data is not None else _rewound(upload), name)
        _check_extension(name, ftype)
    elif ftype is TEXT and _looks_like_csv(head.decode("utf-8", "ignore").removeprefix("\ufeff")):
        ftype = CSV

    width = height = None
    thumbnail = None
    gps_kept = False
    sha256, size = read.sha256, read.size
    if ftype.kind == PHOTO:
        assert read.data is not None  # photos are at most limits.max_bytes[PHOTO]: kept in memory
        photo = _inspect_image(read.data, ftype, name, limits, keep_gps=keep_gps)
        content, thumbnail, width, height = photo.content, photo.thumbnail, photo.width, photo.height
        gps_kept = keep_gps and photo.gps_found
        if content is not read.data:
            sha256, size = hashlib.sha256(content).hexdigest(), len(content)
    elif ftype.kind == VIDEO:
        thumbnail = _video_poster(content, ftype)

    return CheckedUpload(
        kind=ftype.kind,
        content_type=ftype.content_type,
        original_name=_name_for(name, ftype),
        extension=ftype.extension,
        size=size,
        sha256=sha256,
        width=width,
        height=height,
        content=content,
        thumbnail=thumbnail,
        gps_kept=gps_kept,
    )


def _check_extension(name: str, ftype: FileType) -> None:
    extension = _extension(name)
    if extension in DANGEROUS_EXTENSIONS:
        raise _refuse(
            "dangerous_name",
            _(
                "“%(name)s” is named as a %(extension)s file, which can run scripts or programs, but it contains "
                "%(label)s; rename it with the extension %(right)s and upload it again."
            )
            % {"name": name, "extension": extension, "label": ftype.label, "right": ftype.extension},
        )


def _rewound(upload: UploadedFile) -> UploadedFile:
    upload.seek(0)
    return upload


_FOLDER = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


def storage_names(checked: CheckedUpload, *, folder: str) -> tuple[str, str]:
    """Where ``checked`` is stored: ``folder/ab/abcdef….ext`` and ``folder/thumbs/ab/abcdef….jpg`` (or "")."""
    folder = folder.rstrip("/")
    if not _FOLDER.fullmatch(folder):
        raise ValueError(f"unsafe storage folder {folder!r}")
    digest = checked.sha256
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("sha256 is not a hex digest")
    file_name = f"{folder}/{digest[:2]}/{digest}{checked.extension}"
    if checked.thumbnail is None:
        return file_name, ""
    thumb_extension = ".png" if checked.thumbnail.startswith(b"\x89PNG") else ".jpg"
    return file_name, f"{folder}/thumbs/{digest[:2]}/{digest}{thumb_extension}"


def store_upload(checked: CheckedUpload, *, folder: str) -> tuple[str, str]:
    """Save the content (and thumbnail) through the default storage under names made of its SHA-256.

    Returns ``(file_name, thumbnail_name or "")``.  The same content uploaded twice is stored once.
    """
    file_name, thumb_name = storage_names(checked, folder=folder)
    file_name = _save(file_name, checked.open_content(), checked.size)
    if checked.thumbnail is not None:
        thumb_name = _save(thumb_name, ContentFile(checked.thumbnail), len(checked.thumbnail))
    return file_name, thumb_name


def _save(name: str, content: File[Any], size: int) -> str:
    with suppress(OSError, NotImplementedError):
        if default_storage.exists(name) and default_storage.size(name) == size:
            return name  # same SHA-256 and size: the same bytes are already there
    return default_storage.save(name, content)


def content_disposition(download_name: str, *, inline: bool) -> str:
    """``inline``/``attachment`` with an ASCII ``filename`` and an RFC 5987 ``filename*`` (RFC 6266)."""
    name = clean_file_name(download_name)
    stem, extension = os.path.splitext(name)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^\x20-\x7e]", "", re.sub(r'["\\%;]', "_", ascii_stem))
    ascii_stem = " ".join(ascii_stem.split()).strip(" .")
    ascii_extension = extension if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", extension) else ""
    ascii_name = (ascii_stem or "download") + ascii_extension
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(storage_name: str, *, content_type: str, download_name: str, inline: bool) -> FileResponse:
    """Serve a stored evidence file with headers that keep a browser from running anything in it.

    Only photos and videos of types browsers display are served inline (when asked); everything
    else is an attachment.  An unknown content type is served as ``application/octet-stream``.
    """
    try:
        handle = default_storage.open(storage_name, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        raise Http404("No such file") from None
    known = content_type if content_type in KNOWN_CONTENT_TYPES else "application/octet-stream"
    header_type = f"{known}; charset=utf-8" if known.startswith("text/") else known
    response = FileResponse(handle, content_type=header_type)
    response["Content-Disposition"] = content_disposition(
        download_name, inline=inline and known in INLINE_CONTENT_TYPES
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    return response
