"""Evidence uploads: hostile files are refused quickly and clearly, good ones stored under their hash
without GPS (unless kept), and served back with headers that keep a browser from running them.

The corpus is built here; no binary fixtures.  No test touches the database.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.http import Http404
from PIL import ExifTags, Image

from orbit import config
from orbit.planning import media

MB = 1024 * 1024

# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (46.0, 12.0, 30.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (6.0, 8.0, 1.0),
}
XMP_WITH_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="46,12.5N" '
    b'exif:GPSLongitude="6,8.0E"/></rdf:RDF></x:xmpmeta>'
)


def picture(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> Image.Image:
    """A picture with detail (noise over a gradient), so that encoders produce real data."""
    base = Image.linear_gradient("L").resize(size).convert(mode)
    noise = Image.effect_noise(size, 40).convert(mode)
    return Image.blend(base, noise, 0.5) if mode != "RGBA" else base


def exif(*, gps: bool = True, orientation: int = 1) -> Image.Exif:
    tags = Image.Exif()
    tags[ExifTags.Base.Make] = "Orbit test camera"
    tags[ExifTags.Base.Orientation] = orientation
    tags.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2025:03:04 05:06:07"
    if gps:
        tags[ExifTags.IFD.GPSInfo] = GPS
    return tags


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(size: tuple[int, int] = (640, 480), **exif_options) -> bytes:
    return encode(picture(size), "JPEG", quality=90, exif=exif(**exif_options))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 13_000, height: int = 13_000, rows: int = 4) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` grey pixels, with only a few rows of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    scanlines = b"".join(b"\x00" + bytes(width) for _ in range(rows))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(scanlines, 9))
        + png_chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)

OOXML_MAIN = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}  # fmt: skip


def office(kind: str) -> bytes:
    part, content_type = OOXML_MAIN[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document/>")
        if kind == "docm":
            archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    return buffer.getvalue()


def opendocument(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first, as the format asks
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + struct.pack(">I", 0x200) + b"".join(compatible)
    box = struct.pack(">I", 8 + len(body)) + b"ftyp" + body
    mdat = struct.pack(">I", 8 + 64) + b"mdat" + bytes(range(64))
    return box + mdat


MP4 = ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41")
MOV = ftyp(b"qt  ", b"qt  ")
HEIC = ftyp(b"heic", b"mif1", b"heic")
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f"  # EBML header, 31 bytes of children
    b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
    b"\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x00\x10" + bytes(16)
)

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class Unreadable(SimpleUploadedFile):
    """An upload that only declares its size: reading it fails the test."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(name, b"", content_type="video/mp4")
        self.size = size

    def read(self, *args, **kwargs):
        raise AssertionError("the file was read")

    def chunks(self, *args, **kwargs):
        raise AssertionError("the file was read")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    monkeypatch.setattr(media.shutil, "which", lambda name: None)  # no ffmpeg unless a test brings one
    return root


def written(root: Path | None = None) -> list[Path]:
    root = Path(root or django_settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def refused(file, code: str, *fragments: str, **options) -> str:
    """The refusal's message; the refusal took under a second and wrote nothing under MEDIA_ROOT."""
    start = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        media.inspect_upload(file, **options)
    elapsed = time.perf_counter() - start
    print(f"refused {file.name!r} ({code}) in {elapsed * 1000:.1f} ms")
    assert elapsed < 1.0, f"refusing {file.name!r} took {elapsed:.2f} s"
    assert list(caught.value.error_dict) == ["file"]
    error = caught.value.error_dict["file"][0]
    assert error.code == code, error.messages
    message = error.messages[0]
    for fragment in fragments:
        assert fragment in message, message
    assert written() == []
    return message


def accepted(file, **options) -> media.CheckedUpload:
    checked = media.inspect_upload(file, **options)
    assert written() == [], "inspect_upload writes nothing"
    content = checked.content if isinstance(checked.content, bytes) else b"".join(checked.content.chunks())
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    return checked


def content_bytes(checked: media.CheckedUpload) -> bytes:
    return checked.content if isinstance(checked.content, bytes) else b"".join(checked.content.chunks())


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as im:
        return dict(im.getexif().get_ifd(ExifTags.IFD.GPSInfo))


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


def test_an_oversized_declared_file_is_refused_before_it_is_read():
    message = refused(Unreadable("holiday.mp4", 600 * MB), "too_large", "“holiday.mp4”", "600 MB", "500 MB")
    assert "no file over" in message


def test_an_oversized_sparse_upload_is_refused_before_it_is_read(tmp_path):
    big = TemporaryUploadedFile("field visit.mp4", "video/mp4", 0, None)
    big.file.write(MP4)
    big.file.truncate(700 * MB)  # sparse: nothing allocated
    big.size = 700 * MB
    try:
        refused(big, "too_large", "“field visit.mp4”", "700 MB")
    finally:
        big.close()


@pytest.mark.parametrize(("declared", "shown"), [(25 * MB, "25 MB"), (20 * MB + MB // 2, "20.5 MB")])
def test_the_limit_is_the_one_of_the_kind_sniffed(declared, shown):
    photo = upload("big.jpg", jpeg())
    photo.size = declared  # the content is small
    refused(photo, "too_large", f"“big.jpg” is {shown};", "a photo can be at most 20 MB")


def test_limits_come_from_settings(settings):
    settings.ORBIT_UPLOAD_MAX_DOCUMENT_MB = 1
    document = upload("report.pdf", PDF + b"%" * (2 * MB))
    refused(document, "too_large", "a document can be at most 1 MB")


def test_a_file_larger_than_it_declared_is_refused_while_read(settings):
    settings.ORBIT_UPLOAD_MAX_VIDEO_MB = 1
    liar = upload("clip.mp4", MP4 + bytes(2 * MB))
    liar.size = 1000
    refused(liar, "too_large", "a video can be at most 1 MB")


@pytest.mark.parametrize(("width", "height"), [(13_000, 13_000), (20_000, 20_000), (200_000, 300)])
def test_a_png_bomb_is_refused_from_its_header_without_decoding(width, height):
    bomb = png_bomb(width, height)
    assert len(bomb) < 2000  # nothing like 169 million pixels was built
    message = refused(upload("bomb.png", bomb), "too_many_pixels", "“bomb.png”", "40 megapixels")
    if width * height < 2 * Image.MAX_IMAGE_PIXELS:  # Pillow's own hard limit did not cut in first
        assert f"{width} × {height} pixels" in message


def test_the_pixel_limit_comes_from_settings(settings):
    settings.ORBIT_UPLOAD_MAX_MEGAPIXELS = 1
    scan = encode(Image.new("L", (1200, 1000)), "PNG")
    refused(upload("scan.png", scan), "too_many_pixels", "1200 × 1000", "1 megapixels")


@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("photo.jpg", HTML, "web page"),
        ("photo.JPG", b"\xef\xbb\xbf \r\n\t<!doctype HTML><p>hi</p>", "web page"),
        ("notes.txt", b"   <HTML><head></head></html>", "web page"),
        ("chart.svg", SVG, "SVG"),
        ("chart.png", SVG, "SVG"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG"),
        ("data.csv", b"<?xml version='1.0'?><data/>", "XML"),
        ("x.gif", b"<script>alert(1)</script>", "web page"),
    ],
)
def test_markup_is_refused_whatever_its_name(name, data, label):
    message = refused(upload(name, data, "image/jpeg"), "markup", f"“{name}”", label)
    assert "scripts" in message


@pytest.mark.parametrize(("name", "extension"), [("holiday.html", ".html"), ("setup.exe", ".exe"),
                                                  ("map.svg", ".svg"), ("run.js", ".js")])  # fmt: skip
def test_a_dangerous_extension_is_refused_even_on_a_good_photo(name, extension):
    refused(upload(name, jpeg()), "dangerous_name", f"“{name}”", extension, "a JPEG image", ".jpg")


def test_a_dangerous_extension_is_refused_on_text_and_office_files():
    refused(upload("page.html", b"just words"), "dangerous_name", ".html", "a text file")
    refused(upload("minutes.exe", office("docx")), "dangerous_name", ".exe", "a Word document", ".docx")


@pytest.mark.parametrize(
    ("name", "data", "fragments"),
    [
        ("report.pdf", b"MZ\x90\x00" + bytes(200), ["a Windows program"]),
        ("tool.jpg", b"\x7fELF\x02\x01\x01" + bytes(100), ["a Linux program"]),
        ("minutes.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ["old-style Office", ".docx"]),
        ("photos.zip", plain_zip(), ["a ZIP archive"]),
        ("budget.docm", office("docm"), ["a Word document with macros"]),
        ("budget.docx", office("docm"), ["a Word document with macros"]),
        ("IMG_0001.HEIC", HEIC, ["a HEIC photo", "JPEG"]),
        ("scan.tif", b"II*\x00" + bytes(100), ["a TIFF image"]),
        ("drawing.odg", opendocument("application/vnd.oasis.opendocument.graphics"), ["OpenDocument"]),
        ("noise.bin", bytes([0, 159, 146, 150, 1, 2, 3]) * 20, ["not a type of file Orbit accepts"]),
    ],
)
def test_other_types_are_refused_naming_what_they_are(name, data, fragments):
    code = "macros" if "macros" in fragments[0] else "unsupported"
    refused(upload(name, data), code, f"“{name}”", *fragments)


@pytest.mark.parametrize(
    ("name", "data"),
    [("notes.txt", "café au lait".encode("latin-1")), ("notes.txt", "\ufeffhello".encode("utf-16"))],
)
def test_text_that_is_not_utf8_is_refused(name, data):
    refused(upload(name, data), "not_utf8", "UTF-8")


def test_an_empty_file_is_refused():
    refused(upload("empty.pdf", b""), "empty", "“empty.pdf” is empty")


def test_a_truncated_jpeg_is_refused():
    whole = jpeg((800, 600), gps=False)
    refused(upload("cut.jpg", whole[: len(whole) * 2 // 3]), "corrupt", "“cut.jpg”", "a JPEG image", "damaged")


def test_a_truncated_png_is_refused():
    whole = encode(picture((400, 300)), "PNG")
    refused(upload("cut.png", whole[: len(whole) // 2]), "corrupt", "a PNG image", "damaged")


def test_a_jpeg_header_over_garbage_is_refused():
    refused(upload("fake.jpg", b"\xff\xd8\xff\xe0" + os.urandom(4000)), "corrupt", "a JPEG image")


def test_a_jpeg_with_too_many_progressive_scans_is_refused_before_decoding():
    progressive = encode(picture((800, 600)), "JPEG", progressive=True)
    last_scan = progressive.rindex(b"\xff\xda")
    repeated = progressive[:last_scan] + progressive[last_scan:-2] * 150 + b"\xff\xd9"
    refused(upload("scans.jpg", repeated), "corrupt", "more than 100 progressive scans")


def test_a_damaged_office_file_is_refused():
    refused(upload("report.docx", office("docx")[:200]), "corrupt", "damaged")


# --------------------------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\x.png", "x.png"),
        ("C:\\Users\\ana\\Desktop\\visit.jpg", "visit.jpg"),
        ("report\r\nContent-Type: text.pdf", "reportContent-Type: text.pdf"),
        ("evil\x00.jpg", "evil.jpg"),
        ("\x1b[31mred\x07.txt", "[31mred.txt"),
        (".htaccess", "htaccess"),
        ("...", "file.jpg"),
        ("", "file.jpg"),
        ("a..b.pdf", "a.b.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # right-to-left override, used to disguise extensions
        ("  two   spaces .pdf ", "two spaces .pdf"),
        ("Фото с поля.jpg", "Фото с поля.jpg"),
        ("صورة الموقع.jpg", "صورة الموقع.jpg"),
        ("現場写真.jpg", "現場写真.jpg"),
        ("می\u200cخواهم.pdf", "می\u200cخواهم.pdf"),  # the Persian zero-width non-joiner stays
    ],
)
def test_file_names_are_cleaned(raw, clean):
    assert media.clean_file_name(raw, ".jpg") == clean


def test_long_names_are_capped_keeping_the_extension():
    name = media.clean_file_name("é" * 300 + ".jpeg")
    assert len(name) == 150
    assert name.endswith("é.jpeg")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\x.png", "x.jpg"),
        ("site\r\nvisit.jpg", "sitevisit.jpg"),
        ("../..", "file.jpg"),
    ],
)
def test_a_hostile_name_is_cleaned_and_the_file_stored_under_its_hash(raw, clean, media_root):
    photo = upload("placeholder.jpg", jpeg(gps=False))
    photo._name = raw  # as another source might hand it over, without Django's basename
    checked = accepted(photo)
    assert checked.original_name.startswith(clean.removesuffix(".jpg"))
    assert checked.original_name.endswith(".jpg")
    file_name, thumb_name = media.store_upload(checked, folder="evidence")
    assert file_name == f"evidence/{checked.sha256[:2]}/{checked.sha256}.jpg"
    assert thumb_name == f"evidence/thumbs/{checked.sha256[:2]}/{checked.sha256}.jpg"
    stored = sorted(path.relative_to(media_root).as_posix() for path in written())
    assert stored == sorted([file_name, thumb_name])


def test_the_extension_is_made_to_fit_the_content():
    assert accepted(upload("scan.png", jpeg(gps=False))).original_name == "scan.png.jpg"
    assert accepted(upload("report", PDF)).original_name == "report.pdf"
    assert accepted(upload("Report v1.2", PDF)).original_name == "Report v1.2.pdf"
    assert accepted(upload("PHOTO.JPEG", jpeg(gps=False))).original_name == "PHOTO.JPEG"


# --------------------------------------------------------------------------------------------
# Photos
# --------------------------------------------------------------------------------------------


def test_gps_is_stripped_by_default_and_the_picture_is_not_reencoded():
    original = jpeg((1600, 1200))
    assert gps_of(original)
    checked = accepted(upload("well.jpg", original, "image/png"))
    assert (checked.kind, checked.content_type, checked.extension) == ("photo", "image/jpeg", ".jpg")
    assert (checked.width, checked.height) == (1600, 1200)
    assert checked.gps_kept is False
    stored = content_bytes(checked)
    assert gps_of(stored) == {}
    with Image.open(io.BytesIO(stored)) as im:
        tags = im.getexif()
        assert tags[ExifTags.Base.Make] == "Orbit test camera"
        assert tags.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == "2025:03:04 05:06:07"
        im.load()
    # the compressed picture is copied byte for byte
    assert stored[stored.index(b"\xff\xda") :] == original[original.index(b"\xff\xda") :]


def test_gps_is_kept_when_asked():
    original = jpeg()
    checked = accepted(upload("well.jpg", original), keep_gps=True)
    assert checked.gps_kept is True
    assert checked.content == original
    assert gps_of(checked.content)[ExifTags.GPS.GPSLatitude] == (46.0, 12.0, 30.5)


def test_gps_kept_is_false_when_there_was_none():
    assert accepted(upload("plain.jpg", jpeg(gps=False)), keep_gps=True).gps_kept is False


def test_xmp_with_gps_is_dropped():
    original = encode(picture(), "JPEG", exif=exif(gps=False), xmp=XMP_WITH_GPS)
    assert b"GPSLatitude" in original
    stored = content_bytes(accepted(upload("xmp.jpg", original)))
    assert b"GPSLatitude" not in stored
    assert accepted(upload("xmp.jpg", original), keep_gps=True).gps_kept is True


def test_data_after_the_picture_is_dropped_with_gps():
    original = jpeg(gps=False)
    motion_photo = original + MP4  # phones append a video (with its own metadata) after the JPEG
    checked = accepted(upload("motion.jpg", motion_photo))
    assert content_bytes(checked) == original


def test_png_and_webp_lose_their_gps_too():
    for fmt, mime in (("PNG", "image/png"), ("WEBP", "image/webp")):
        original = encode(picture(), fmt, exif=exif())
        assert gps_of(original), fmt
        checked = accepted(upload(f"map.{fmt.lower()}", original))
        assert checked.content_type == mime
        assert gps_of(checked.content) == {}, fmt
        with Image.open(io.BytesIO(checked.content)) as im:
            assert im.getexif()[ExifTags.Base.Make] == "Orbit test camera"
            im.load()


def test_the_thumbnail_is_a_small_jpeg():
    checked = accepted(upload("wide.jpg", jpeg((1600, 1200))))
    assert checked.thumbnail is not None
    with Image.open(io.BytesIO(checked.thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (480, 360)
        assert not thumb.getexif()  # no metadata, so no position, in thumbnails


def test_exif_orientation_is_applied_to_the_thumbnail_and_dimensions():
    checked = accepted(upload("portrait.jpg", jpeg((600, 300), orientation=6)))
    assert (checked.width, checked.height) == (300, 600)
    with Image.open(io.BytesIO(checked.thumbnail)) as thumb:
        assert thumb.size == (240, 480)


def test_a_png_with_alpha_gets_a_png_thumbnail():
    image = Image.new("RGBA", (800, 200), (0, 128, 255, 0))
    image.paste((255, 0, 0, 255), (100, 50, 300, 150))
    checked = accepted(upload("logo.png", encode(image, "PNG")))
    assert (checked.kind, checked.content_type, checked.width, checked.height) == ("photo", "image/png", 800, 200)
    with Image.open(io.BytesIO(checked.thumbnail)) as thumb:
        assert (thumb.format, thumb.mode, thumb.size) == ("PNG", "RGBA", (480, 120))
        assert thumb.getpixel((0, 0))[3] == 0


def test_a_gif_is_accepted():
    checked = accepted(upload("anim.gif", encode(picture((100, 80)).convert("P"), "GIF")))
    assert (checked.content_type, checked.width, checked.height) == ("image/gif", 100, 80)
    assert checked.thumbnail is not None


# --------------------------------------------------------------------------------------------
# Documents and videos
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type", "extension"),
    [
        ("Rapport annuel.pdf", PDF, "application/pdf", ".pdf"),
        ("minutes.docx", office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".docx"),
        ("budget.xlsx", office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
        ("slides.pptx", office("pptx"),
         "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
        ("minutes.odt", opendocument(), "application/vnd.oasis.opendocument.text", ".odt"),
        ("counts.csv", b"district,schools\nNord,12\nSud,7\n", "text/csv", ".csv"),
        ("notes.txt", "\ufeffVisite du site : tout va bien.\nÉcole ouverte.".encode(), "text/plain", ".txt"),
    ],
)  # fmt: skip
def test_documents_are_recognised_by_content(name, data, content_type, extension):
    checked = accepted(upload(name, data, "application/x-anything"))
    assert (checked.kind, checked.content_type, checked.extension) == ("document", content_type, extension)
    assert checked.original_name == name
    assert (checked.width, checked.height, checked.thumbnail, checked.gps_kept) == (None, None, None, False)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "extension"),
    [
        ("clip.mp4", MP4, "video/mp4", ".mp4"),
        ("IMG_0002.MOV", MOV, "video/quicktime", ".mov"),
        ("clip.webm", WEBM, "video/webm", ".webm"),
    ],
)
def test_videos_are_recognised_by_content(name, data, content_type, extension):
    checked = accepted(upload(name, data, "text/html"))
    assert (checked.kind, checked.content_type, checked.extension) == ("video", content_type, extension)
    assert checked.content == data  # stored as uploaded
    assert checked.thumbnail is None  # no ffmpeg here


def test_a_large_video_is_streamed_not_held_in_memory(monkeypatch, media_root):
    monkeypatch.setattr(media, "IN_MEMORY_MAX_BYTES", 64 * 1024)
    video = TemporaryUploadedFile("long.mp4", "video/mp4", 0, None)
    body = MP4 + os.urandom(3 * MB)
    video.write(body)
    video.size = len(body)
    try:
        checked = media.inspect_upload(video)
        assert checked.content is video
        assert checked.sha256 == hashlib.sha256(body).hexdigest()
        file_name, thumb_name = media.store_upload(checked, folder="evidence")
        assert thumb_name == ""
        stored = (media_root / file_name).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == checked.sha256
    finally:
        video.close()


def fake_ffmpeg(tmp_path: Path, script: str) -> str:
    path = tmp_path / "ffmpeg"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_poster_frame_comes_from_ffmpeg_when_installed(tmp_path, monkeypatch):
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(encode(picture((480, 270)), "JPEG"))
    arguments = tmp_path / "arguments"
    ffmpeg = fake_ffmpeg(tmp_path, f'echo "$@" > {arguments}\ncat {frame}\n')
    monkeypatch.setattr(media.shutil, "which", lambda name: ffmpeg if name == "ffmpeg" else None)
    checked = accepted(upload("clip.mp4", MP4))
    with Image.open(io.BytesIO(checked.thumbnail)) as poster:
        assert (poster.format, poster.size) == ("JPEG", (480, 270))
    called = arguments.read_text()
    assert "-f mov" in called and "-protocol_whitelist file" in called and "-i file:/" in called


@pytest.mark.parametrize("script", ["exit 1\n", "sleep 5\n", "echo not-an-image\n"])
def test_a_failing_ffmpeg_leaves_no_poster(tmp_path, monkeypatch, script):
    ffmpeg = fake_ffmpeg(tmp_path, script)
    monkeypatch.setattr(media.shutil, "which", lambda name: ffmpeg)
    monkeypatch.setattr(media, "FFMPEG_TIMEOUT", 0.3)
    start = time.perf_counter()
    assert accepted(upload("clip.webm", WEBM)).thumbnail is None
    assert time.perf_counter() - start < 2


# --------------------------------------------------------------------------------------------
# Storing and serving
# --------------------------------------------------------------------------------------------


def test_stored_bytes_hash_to_the_recorded_sha256_and_are_stored_once(media_root):
    checked = accepted(upload("well.jpg", jpeg()))
    first = media.store_upload(checked, folder="evidence/photos")
    again = media.store_upload(checked, folder="evidence/photos")
    assert first == again
    stored = (media_root / first[0]).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == checked.sha256
    assert stored == checked.content
    assert gps_of(stored) == {}
    assert (media_root / first[1]).read_bytes() == checked.thumbnail
    assert len(written()) == 2


@pytest.mark.parametrize("folder", ["../outside", "/abs", "a/../b", "", "sp ace"])
def test_an_unsafe_folder_is_rejected(folder):
    checked = accepted(upload("report.pdf", PDF))
    with pytest.raises(ValueError, match="unsafe storage folder"):
        media.store_upload(checked, folder=folder)
    assert written() == []


def header(response, name: str) -> str:
    return response.headers[name]


def release(response) -> None:
    """Close the served file.  (``response.close()`` would also send request_finished, whose handler
    touches the database connection, which these DB-free tests may not.)"""
    response.file_to_stream.close()


def test_a_document_is_always_an_attachment_with_safe_headers():
    checked = accepted(upload("report.pdf", PDF))
    file_name, _thumb = media.store_upload(checked, folder="evidence")
    response = media.download_response(
        file_name, content_type=checked.content_type, download_name='Rapport "final" – été.pdf', inline=True
    )
    try:
        assert b"".join(response.streaming_content) == PDF
        assert header(response, "Content-Type") == "application/pdf"
        assert header(response, "X-Content-Type-Options") == "nosniff"
        assert header(response, "Content-Security-Policy") == (
            "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
        )
        assert header(response, "Cache-Control").startswith("private")
        assert header(response, "Content-Disposition") == (
            'attachment; filename="Rapport _final_ ete.pdf"; '
            "filename*=UTF-8''Rapport%20%22final%22%20%E2%80%93%20%C3%A9t%C3%A9.pdf"
        )
    finally:
        release(response)


def test_a_photo_is_inline_only_when_asked():
    checked = accepted(upload("well.jpg", jpeg()))
    file_name, _thumb = media.store_upload(checked, folder="evidence")
    for inline, disposition in ((True, "inline"), (False, "attachment")):
        response = media.download_response(
            file_name, content_type="image/jpeg", download_name="现场.jpg", inline=inline
        )
        try:
            assert header(response, "Content-Type") == "image/jpeg"
            assert header(response, "Content-Disposition") == (
                f"{disposition}; filename=\"download.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg"
            )
        finally:
            release(response)


def test_an_unknown_type_is_served_as_an_octet_stream_attachment():
    checked = accepted(upload("notes.txt", b"plain words"))
    file_name, _thumb = media.store_upload(checked, folder="evidence")
    response = media.download_response(file_name, content_type="text/html", download_name="x\r\n.html", inline=True)
    try:
        assert header(response, "Content-Type") == "application/octet-stream"
        assert header(response, "Content-Disposition").startswith('attachment; filename="x.html"')
    finally:
        release(response)
    response = media.download_response(file_name, content_type="text/plain", download_name="notes.txt", inline=True)
    try:
        assert header(response, "Content-Type") == "text/plain; charset=utf-8"
        assert header(response, "Content-Disposition").startswith("attachment;")
    finally:
        release(response)


@pytest.mark.parametrize("name", ["evidence/00/missing.pdf", "../../etc/passwd"])
def test_a_missing_or_outside_file_is_not_found(name):
    with pytest.raises(Http404):
        media.download_response(name, content_type="application/pdf", download_name="x.pdf", inline=False)


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


def test_upload_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ORBIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORBIT_UPLOAD_MAX_PHOTO_MB", "35")
    monkeypatch.setenv("ORBIT_UPLOAD_MAX_MEGAPIXELS", " 60 ")
    loaded = config.load()
    assert (loaded.upload_max_photo_mb, loaded.upload_max_megapixels) == (35, 60)
    assert (loaded.upload_max_document_mb, loaded.upload_max_video_mb) == (50, 500)


@pytest.mark.parametrize("value", ["lots", "2.5", "0", "-1"])
def test_a_malformed_upload_limit_stops_with_one_line(monkeypatch, tmp_path, value):
    monkeypatch.setenv("ORBIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORBIT_UPLOAD_MAX_VIDEO_MB", value)
    with pytest.raises(config.ConfigError) as caught:
        config.load()
    message = str(caught.value)
    assert message.startswith("ORBIT_UPLOAD_MAX_VIDEO_MB=")
    assert "\n" not in message
