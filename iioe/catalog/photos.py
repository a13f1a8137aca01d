"""Instructor photos: checked by their content, then stored re-encoded.

An upload is accepted when Pillow decodes it fully as one of the common
photo formats, whatever its name or declared type says. It is then turned
upright, shrunk to fit PHOTO_MAX_SIDE and saved again as a plain JPEG, which
drops every piece of metadata (EXIF with its GPS position, comments, colour
profiles) and anything hidden after the image data.
"""

import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 800
# MPO is the JPEG variant many phone cameras write.
PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF")
JPEG_QUALITY = 85


def photo_normalise(*, upload: UploadedFile) -> ContentFile:
    """Return an uploaded photo as a small JPEG without metadata.

    Raise ValidationError, with a message for the uploader, if the file is too
    large, is not an image Pillow can fully decode, is in another format than
    JPEG, PNG, WebP or GIF, or has too many pixels (a decompression bomb).
    """
    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is larger than %(limit)s.")
            % {"limit": filesizeformat(PHOTO_MAX_BYTES)},
            code="too_large",
        )

    image = _decode(upload)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    flat = _flatten(image)
    # Pillow carries comments, EXIF and colour profiles over into a new save
    # from the image's info; clearing it leaves only the pixels.
    flat.info = {}
    output = io.BytesIO()
    flat.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)

    content = output.getvalue()
    name = hashlib.sha256(content).hexdigest()[:16] + ".jpg"
    return ContentFile(content, name=name)


def _decode(upload: UploadedFile) -> Image.Image:
    """Open and fully decode an upload, or refuse it with a readable reason."""
    not_an_image = ValidationError(
        _("This file is not a photo: upload a JPEG, PNG, WebP or GIF image."),
        code="not_an_image",
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in PHOTO_FORMATS:
                raise not_an_image
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise _too_many_pixels()
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except UnidentifiedImageError as error:
        raise not_an_image from error
    except (OSError, SyntaxError, ValueError) as error:
        # Pillow reports truncated or damaged image data this way.
        raise ValidationError(
            _("This photo is damaged or incomplete; export it again and retry."),
            code="corrupt",
        ) from error
    return image


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The photo has too many pixels; use one of at most %(megapixels)s MP.")
        % {"megapixels": PHOTO_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _flatten(image: Image.Image) -> Image.Image:
    """Return the image in RGB, with any transparency laid on white."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
