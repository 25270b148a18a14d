"""Forms servaudit never submits: one that orders, books or takes payment.

ESOMAR/MSPA mystery shopping: no purchases or bookings under false pretences. The probe reads the
page before it types anything: a card or bank field anywhere on it, or a button of the form that
commits to a purchase or a booking ("zahlungspflichtig bestellen", "book now"), and the form is
left as it is. The words live in probes/forms/commitment.toml. An order *number* field
("Bestellnummer") belongs to a contact form about an order and is not a reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from servaudit.channels.form.fields import Control
from servaudit.channels.form.vocabulary import FormVocabulary, contains, words_of


def payment_field(control: Control, vocabulary: FormVocabulary) -> str | None:
    """How a person would name this field, when it takes a card or a bank account; else None."""
    for token in control.autocomplete.lower().split():  # "billing cc-number": a section, then the field
        if token in vocabulary.payment_autocomplete:
            return f"{control.caption}, autocomplete {token}"
    text = words_of(" ".join((control.label, control.aria, control.placeholder, control.name, control.id)))
    if any(contains(text, word) for word in vocabulary.payment):
        return control.caption
    return None


def commits(button: str, vocabulary: FormVocabulary) -> bool:
    """Whether a button's text commits to a purchase or a booking."""
    text = words_of(button)
    return any(contains(text, word) for word in vocabulary.commits)


def refusal(controls: Iterable[Control], buttons: Iterable[str], vocabulary: FormVocabulary) -> str | None:
    """Why this form must never be submitted (the sentence recorded as the outcome's detail), or None.

    The sentences are prose forms of the report's catalogues (``order_payment``, ``order_button``).
    """
    for control in controls:
        field = payment_field(control, vocabulary)
        if field is not None:
            return f"a payment field ({field}): servaudit never submits a form that orders, books or pays"
    for button in buttons:
        if commits(button, vocabulary):
            shown = " ".join(button.split())[:120]
            return (
                f"the button “{shown}” commits to a purchase or booking: "
                "servaudit never submits a form that orders, books or pays"
            )
    return None
