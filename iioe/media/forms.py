"""Forms of the staff pages that upload a lesson's video and captions."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iioe.media import services

# What the file picker offers first; the server checks the content anyway.
VIDEO_ACCEPT = (
    "video/mp4,video/quicktime,video/webm,video/x-matroska,.mp4,.m4v,.mov,.webm,.mkv"
)
CAPTION_ACCEPT = ".srt,.vtt,text/vtt,application/x-subrip"
# The languages captions may be in: the site's three, then those most spoken
# by the teachers the platform serves.
CAPTION_LANGUAGES = (
    "en",
    "zh-hans",
    "fr",
    "ar",
    "de",
    "es",
    "hi",
    "it",
    "ja",
    "ko",
    "pt",
    "ru",
    "sw",
    "zh-hant",
)


class VideoUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Video file"),
        required=False,
        widget=forms.FileInput(attrs={"accept": VIDEO_ACCEPT}),
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["file"].help_text = _(
            "MP4, MOV, WebM or MKV, up to %(limit)s. Learners keep the current "
            "video until the new one is ready."
        ) % {"limit": filesizeformat(settings.VIDEO_UPLOAD_MAX_BYTES)}

    def clean_file(self) -> UploadedFile:
        # The upload handler stopped reading a file over the limit, so the
        # field is empty: say why rather than ask for a file.
        if self.too_large:
            raise ValidationError(services.upload_too_large_message())
        upload = self.cleaned_data.get("file")
        if not upload:
            raise ValidationError(_("Choose a video file to upload."))
        return upload  # type: ignore[no-any-return]


class CaptionUploadForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"))
    label = forms.CharField(
        label=gettext_lazy("Name in the captions menu"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Optional; the language’s name if left empty."),
    )
    file = forms.FileField(
        label=gettext_lazy("Caption file"),
        help_text=gettext_lazy(
            "SRT or WebVTT, up to 2 MB, in any common encoding. Captions already "
            "in this language are replaced."
        ),
        widget=forms.FileInput(attrs={"accept": CAPTION_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "—"), *caption_language_choices()]

    def clean_file(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > services.CAPTION_MAX_BYTES:
            raise ValidationError(_("The caption file is larger than 2 MB."))
        return upload.read()


def caption_language_choices() -> list[tuple[str, str]]:
    """Return the caption languages, each named in the reader's language."""
    return [(code, language_name(code)) for code in CAPTION_LANGUAGES]


def language_name(code: str) -> str:
    """Return a language's name in the active language, and in its own."""
    try:
        info = translation.get_language_info(code)
    except KeyError:
        return code
    translated = capfirst(str(info["name_translated"]))
    local = capfirst(str(info["name_local"]))
    if translated == local:
        return translated
    return _("%(name)s (%(local_name)s)") % {"name": translated, "local_name": local}
