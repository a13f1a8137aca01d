"""Caption files: read SRT or WebVTT in any common encoding, write them back.

Teachers bring captions from many tools: SRT or WebVTT, in UTF-8 (with or
without a byte order mark), UTF-16, GB18030 or Windows-1252, with any line
ending. `read` turns such a file into cues, or raises CaptionError naming the
line of the first problem; `to_webvtt`, `to_srt` and `to_text` write the cues
out as clean UTF-8. Nothing here touches the database or storage.
"""

import codecs
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Byte order marks, longest first: the UTF-32 LE mark starts like UTF-16 LE's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# Of the byte pairs a GB18030 reading finds, the share that lie in the GB2312
# block (both bytes 0xA1-0xFE) above which the text is taken for Chinese.
# Chinese text scores near 1; Western text read as GB18030 pairs an accented
# letter with the ASCII letter after it and scores near 0.
GB2312_SHARE = 0.5
TIMING = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)(.*)$")
TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{3})$")
# Characters that have no place in a text file: C0 controls but tab, line
# feed and form feed, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
VTT_SIGNATURE = re.compile(r"^WEBVTT(?:[ \t].*)?$")
VTT_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")
# Markup that WebVTT cue text may hold: class, italic, bold, underline, voice,
# language and ruby spans, and karaoke timestamps.
VTT_TAG = re.compile(
    r"</?(?:c|i|b|u|v|lang|ruby|rt)(?:\.[\w.-]+)?(?:[ \t][^<>]*)?>"
    r"|<(?:\d+:)?\d{2}:\d{2}\.\d{3}>"
)
# SRT colours and ASS override codes such as {\an8}: WebVTT has neither.
FOREIGN_MARKUP = re.compile(r"</?font(?:\s[^<>]*)?>|\{\\[^{}]*\}", re.IGNORECASE)
ENTITY = re.compile(r"&(?:amp|lt|gt|nbsp|lrm|rlm|#\d+|#x[0-9a-fA-F]+);")
SRT_TAG = re.compile(r"</?[ibu]>")
ANY_TAG = re.compile(r"<[^<>]*>")
VOICE = re.compile(r"^<v(?:\.[\w.-]+)?[ \t]+([^<>]+)>")


class CaptionError(ValueError):
    """A caption file cannot be read; the message says where and why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str
    identifier: str = ""
    settings: str = ""


@dataclass(frozen=True)
class Captions:
    """The cues of a caption file, and what a WebVTT file had besides them.

    `blocks` are the NOTE, STYLE and REGION blocks of a WebVTT file, kept as
    they were, in their place before the cue they preceded.
    """

    cues: list[Cue]
    header: str = ""
    encoding: str = "utf-8"
    blocks: list[tuple[int, str]] = field(default_factory=list)


Writer = Callable[[Captions], str]


def read(content: bytes) -> Captions:
    """Decode and parse an SRT or WebVTT file.

    Raise CaptionError, naming the line of the first problem where there is
    one, if the encoding cannot be told or the cues are malformed.
    """
    text, encoding = decode(content)
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    for number, line in enumerate(text.split("\n"), start=1):
        if CONTROL.search(line):
            raise CaptionError(
                _("Line %(line)s holds characters that are not text.")
                % {"line": number},
                number,
            )

    captions = parse(text)
    return Captions(
        cues=captions.cues,
        header=captions.header,
        encoding=encoding,
        blocks=captions.blocks,
    )


def decode(content: bytes) -> tuple[str, str]:
    """Return the text of a caption file and the name of its encoding.

    A byte order mark decides first; then strict UTF-8; then GB18030 or
    Windows-1252, by the share of GB2312 pairs. Raise CaptionError if none
    fits.
    """
    for bom, encoding, name in BOMS:
        if content.startswith(bom):
            try:
                return content[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise CaptionError(
                    _(
                        "The file starts with a %(encoding)s byte order mark but "
                        "is not %(encoding)s text."
                    )
                    % {"encoding": name}
                ) from error
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in content:
        raise CaptionError(_("This is not a text file."))
    return _decode_legacy(content)


def parse(text: str) -> Captions:
    """Parse caption text with "\\n" line ends as WebVTT or, failing that, SRT."""
    lines = text.split("\n")
    if VTT_SIGNATURE.match(lines[0].rstrip()):
        return _parse_webvtt(lines)
    return _parse_srt(lines)


def to_webvtt(captions: Captions) -> str:
    """Write cues as a WebVTT file, with its notes and styles in place."""
    parts = [f"WEBVTT {captions.header}".rstrip()]
    for index, cue in enumerate(captions.cues):
        parts += [block for before, block in captions.blocks if before == index]
        timing = f"{_vtt_time(cue.start_ms)} --> {_vtt_time(cue.end_ms)}"
        if cue.settings:
            timing = f"{timing} {cue.settings}"
        lines = [cue.identifier] if cue.identifier else []
        lines += [timing, cue.text] if cue.text else [timing]
        parts.append("\n".join(lines))
    after = len(captions.cues)
    parts += [block for before, block in captions.blocks if before >= after]
    return "\n\n".join(parts) + "\n"


def to_srt(captions: Captions) -> str:
    """Write cues as an SRT file, keeping the italic, bold and underline tags."""
    parts = []
    for number, cue in enumerate(captions.cues, start=1):
        text = ANY_TAG.sub(_srt_tag, cue.text)
        timing = f"{_srt_time(cue.start_ms)} --> {_srt_time(cue.end_ms)}"
        parts.append(f"{number}\n{timing}\n{html.unescape(text)}".rstrip("\n"))
    return "\n\n".join(parts) + "\n" if parts else ""


def to_text(captions: Captions) -> str:
    """Write what the cues say as plain text, a line per cue.

    Markup goes, a speaker's name is written once when the voice changes, and
    a cue that repeats the one before it is left out.
    """
    lines: list[str] = []
    speaker = previous = ""
    for cue in captions.cues:
        said = " ".join(html.unescape(ANY_TAG.sub(" ", cue.text)).split())
        if not said or said == previous:
            continue
        previous = said
        voice = VOICE.match(cue.text)
        if voice and voice.group(1).strip() != speaker:
            speaker = voice.group(1).strip()
            said = f"{speaker}: {said}"
        lines.append(said)
    return "\n".join(lines) + "\n" if lines else ""


def _decode_legacy(content: bytes) -> tuple[str, str]:
    chinese = _try_decode(content, "gb18030")
    western = _try_decode(content, "cp1252")
    if chinese is not None and (
        western is None or _gb2312_share(content) >= GB2312_SHARE
    ):
        return chinese, "gb18030"
    if western is not None:
        return western, "cp1252"
    raise CaptionError(
        _(
            "The encoding of this file could not be recognised. Save it as "
            "UTF-8 and upload it again."
        )
    )


def _try_decode(content: bytes, encoding: str) -> str | None:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        return None


def _gb2312_share(content: bytes) -> float:
    """Return the share of GB18030 multi-byte characters in the GB2312 block."""
    pairs = in_block = 0
    index = 0
    while index < len(content):
        lead = content[index]
        if lead < 0x81 or index + 1 >= len(content):
            index += 1
            continue
        trail = content[index + 1]
        if 0x30 <= trail <= 0x39:
            pairs += 1
            index += 4
            continue
        pairs += 1
        in_block += lead >= 0xA1 and trail >= 0xA1
        index += 2
    return in_block / pairs if pairs else 0.0


def _blocks(lines: list[str], start: int) -> Iterator[tuple[int, list[str]]]:
    """Yield (number of the first line, lines) of each blank-separated block."""
    block: list[str] = []
    first = start
    for number, line in enumerate(lines[start - 1 :], start=start):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _parse_srt(lines: list[str]) -> Captions:
    cues: list[Cue] = []
    for first, block in _blocks(lines, 1):
        at = 0
        if "-->" not in block[0]:
            if not block[0].strip().isdigit():
                raise CaptionError(
                    _(
                        "Line %(line)s: expected a cue number or a timing line "
                        "such as “00:00:01,000 --> 00:00:04,000”."
                    )
                    % {"line": first},
                    first,
                )
            at = 1
        identifier = block[0].strip() if at else ""
        cues.append(_cue(block, first, at, identifier=identifier, keep_settings=False))
    if not cues:
        raise CaptionError(_("The file holds no captions."))
    return Captions(cues=cues)


def _parse_webvtt(lines: list[str]) -> Captions:
    header = lines[0].rstrip()[len("WEBVTT") :].strip()
    cues: list[Cue] = []
    blocks: list[tuple[int, str]] = []
    # The signature's block may carry header lines up to the first blank line.
    start = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    for first, block in _blocks(lines, start + 1):
        if VTT_BLOCK.match(block[0]) and "-->" not in block[0]:
            blocks.append((len(cues), "\n".join(line.rstrip() for line in block)))
            continue
        if "-->" in block[0]:
            cues.append(_cue(block, first, 0, identifier="", keep_settings=True))
        elif len(block) > 1 and "-->" in block[1]:
            cues.append(
                _cue(block, first, 1, identifier=block[0].strip(), keep_settings=True)
            )
        else:
            line = first + min(1, len(block) - 1)
            raise CaptionError(_timing_expected(line), line)
    if not cues:
        raise CaptionError(_("The file holds no captions."))
    return Captions(cues=cues, header=header, blocks=blocks)


def _cue(
    block: list[str], first: int, at: int, *, identifier: str, keep_settings: bool
) -> Cue:
    """Read the cue whose timing line is block[at], the text following it."""
    line_number = first + at
    if at >= len(block) or "-->" not in block[at]:
        raise CaptionError(_timing_expected(line_number), line_number)
    match = TIMING.match(block[at])
    start = _milliseconds(match.group(1)) if match else None
    end = _milliseconds(match.group(2)) if match else None
    if match is None or start is None or end is None:
        raise CaptionError(
            _("Line %(line)s: the timing “%(text)s” is not valid.")
            % {"line": line_number, "text": block[at].strip()[:80]},
            line_number,
        )
    if end < start:
        raise CaptionError(
            _("Line %(line)s: the cue ends before it starts.") % {"line": line_number},
            line_number,
        )

    text_lines = block[at + 1 :]
    for offset, line in enumerate(text_lines, start=1):
        if "-->" in line:
            raise CaptionError(
                _(
                    "Line %(line)s: a timing line inside the text of a cue; a "
                    "blank line may be missing before it."
                )
                % {"line": line_number + offset},
                line_number + offset,
            )
    settings = " ".join(match.group(3).split()) if keep_settings else ""
    text = "\n".join(_clean_text(line.rstrip()) for line in text_lines)
    return Cue(
        start_ms=start,
        end_ms=end,
        text=text,
        identifier=identifier,
        settings=settings,
    )


def _timing_expected(line: int) -> str:
    return _(
        "Line %(line)s: expected a timing line such as “00:00:01,000 --> 00:00:04,000”."
    ) % {"line": line}


def _milliseconds(stamp: str) -> int | None:
    match = TIMESTAMP.match(stamp)
    if match is None:
        return None
    hours, minutes, seconds, millis = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    total = (int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)
    return total * 1000 + int(millis)


def _clean_text(line: str) -> str:
    """Make a line of cue text valid WebVTT, keeping its markup."""
    line = FOREIGN_MARKUP.sub("", line)
    pieces = []
    position = 0
    for match in VTT_TAG.finditer(line):
        pieces.append(_escape(line[position : match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(_escape(line[position:]))
    return "".join(pieces)


def _escape(text: str) -> str:
    """Escape a lone "<" or "&", which WebVTT would read as markup."""
    escaped = []
    position = 0
    for match in ENTITY.finditer(text):
        escaped.append(_escape_plain(text[position : match.start()]))
        escaped.append(match.group(0))
        position = match.end()
    escaped.append(_escape_plain(text[position:]))
    return "".join(escaped)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _srt_tag(match: re.Match[str]) -> str:
    return match.group(0) if SRT_TAG.fullmatch(match.group(0)) else ""


def _vtt_time(ms: int) -> str:
    return _clock(ms, ".")


def _srt_time(ms: int) -> str:
    return _clock(ms, ",")


def _clock(ms: int, separator: str) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"
