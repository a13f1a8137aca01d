"""Template helpers for video pages: `{% load media_tags %}`."""

import math

from django import template

register = template.Library()


@register.filter
def clock(seconds: float | int | None) -> str:
    """Format a number of seconds as m:ss, or h:mm:ss from one hour on."""
    if seconds is None or not math.isfinite(float(seconds)) or seconds < 0:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
