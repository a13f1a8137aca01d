"""Forms of the Reviews tab: a learner's rating and the secretariat's hiding."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from iioe.catalog.models import Review
from iioe.catalog.services import RATING_MAX, RATING_MIN, review_clean

RATING_REQUIRED = _("Choose a rating from 1 to 5 stars.")


def _star_label(stars: int) -> str:
    return ngettext_lazy("%(stars)s star", "%(stars)s stars", "stars") % {
        "stars": stars
    }


class ReviewForm(forms.Form):
    """A rating of 1 to 5 stars and an optional text.

    The service's rules decide (review_clean), so that the page and the
    service never disagree on what a valid review is.
    """

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, _star_label(n)) for n in range(RATING_MIN, RATING_MAX + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": RATING_REQUIRED, "invalid_choice": RATING_REQUIRED},
    )
    text = forms.CharField(
        label=_("Your review (optional)"),
        required=False,
        strip=False,
        help_text=_("What did you learn, and who would you recommend it to?"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": Review.TEXT_MAX_LENGTH}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            rating, text = review_clean(
                rating=cleaned.get("rating", ""), text=cleaned.get("text", "")
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
            return cleaned
        cleaned.update(rating=rating, text=text)
        return cleaned


class ReviewHideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=Review.HIDDEN_REASON_MAX_LENGTH,
        help_text=_("The author sees this reason beside their hidden review."),
        error_messages={
            "required": _("Say why the review is hidden."),
            "max_length": _("Keep the reason to %(limit_value)s characters."),
        },
    )
