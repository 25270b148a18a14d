"""Which control of a contact form takes what: reading a form's fields and deciding each one's role.

A field's role comes from what a person would read (its label, ARIA name,
placeholder), then from its markup (autocomplete, type, name, id): random
hash names cost nothing but a few points. Only controls a person can see are
ever filled, so honeypots stay empty. The explicit mapping of an audit file
wins over detection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from playwright.async_api import ElementHandle, Frame, Page
from playwright.async_api import Error as PlaywrightError

from servaudit.channels.form.vocabulary import TEXT_ROLES, FormVocabulary, contains, words_of

CONTROLS = (
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=image]):not([type=reset])"
    ":not([type=file]):not([type=radio]):not([type=password]):not([type=search]),"
    " textarea, select, [contenteditable]:not([contenteditable=false])"
)
TEXT_TYPES = frozenset({"text", "email", "tel", "number", "url", "textarea", "contenteditable", ""})
SCAN_JS = resources.files("servaudit.channels.form").joinpath("scan.js").read_text(encoding="utf-8")
_SAME_JS = "([all, taken]) => all.map((el) => taken.includes(el))"


@dataclass(frozen=True)
class Control:
    """One form control as a person sees it, with the handle to act on it."""

    frame: Frame
    handle: ElementHandle
    tag: str
    type: str
    name: str
    id: str
    placeholder: str
    autocomplete: str
    aria: str
    label: str
    visible: bool
    required: bool
    disabled: bool
    value: str
    options: tuple[tuple[str, str, bool], ...]
    form: int
    mapped: str | None = None
    """The role the audit file's mapping gave this control, if any."""

    @property
    def caption(self) -> str:
        """How a person would name this field (for evidence)."""
        return self.label or self.aria or self.placeholder or self.name or self.id or self.type

    def text(self) -> str:
        return words_of(" ".join((self.label, self.aria, self.placeholder)))


@dataclass(frozen=True)
class Assignment:
    control: Control
    role: str
    value: str
    """Text to type; for a select box the option's value; "on" to tick a checkbox."""
    shown: str
    """What a person would see chosen (an option's label), for the evidence."""


async def scan(page: Page, mapping: dict[str, str] | None = None) -> list[Control]:
    """Every fillable control in every frame of ``page``, mapped ones first and marked."""
    found: list[Control] = []
    for frame in page.frames:
        try:
            found.extend(await _scan_frame(frame, mapping or {}))
        except PlaywrightError:
            continue  # a frame navigating or detached while read: the next scan sees it settled
    return found


async def _scan_frame(frame: Frame, mapping: dict[str, str]) -> list[Control]:
    mapped: list[tuple[ElementHandle, str]] = []
    for key, role in mapping.items():
        if key.startswith("label:"):
            continue
        handle = await frame.query_selector(key)
        if handle is not None:
            mapped.append((handle, role))
    handles = await frame.query_selector_all(CONTROLS)
    if not handles and not mapped:
        return []
    taken = [handle for handle, _ in mapped]
    duplicate = await frame.evaluate(_SAME_JS, [handles, taken]) if taken else [False] * len(handles)
    handles = [h for h, dup in zip(handles, duplicate, strict=True) if not dup]
    infos = await frame.evaluate(SCAN_JS, [*taken, *handles])
    given: list[str | None] = [role for _, role in mapped]
    given += [None] * len(handles)
    controls = [
        _control(frame, handle, info, mapped_role)
        for handle, info, mapped_role in zip([*taken, *handles], infos, given, strict=True)
    ]
    labelled = [
        (key.removeprefix("label:"), role) for key, role in mapping.items() if key.startswith("label:")
    ]
    for text, role in labelled:
        wanted = words_of(text)
        for index, control in enumerate(controls):
            if control.mapped is None and contains(control.text(), wanted):
                controls[index] = _replace_mapped(control, role)
                break
    return controls


def _control(frame: Frame, handle: ElementHandle, info: dict[str, Any], mapped: str | None) -> Control:
    return Control(
        frame=frame,
        handle=handle,
        tag=str(info["tag"]),
        type=str(info["type"]),
        name=str(info["name"]),
        id=str(info["id"]),
        placeholder=str(info["placeholder"]),
        autocomplete=str(info["autocomplete"]),
        aria=str(info["aria"]),
        label=str(info["label"]),
        visible=bool(info["visible"]),
        required=bool(info["required"]),
        disabled=bool(info["disabled"]),
        value=str(info["value"]),
        options=tuple((str(v), str(t), bool(d)) for v, t, d in info["options"]),
        form=int(info["form"]),
        mapped=mapped,
    )


def _replace_mapped(control: Control, role: str) -> Control:
    return replace(control, mapped=role)


def is_honeypot(control: Control, vocabulary: FormVocabulary) -> bool:
    """A trap for bots: invisible to people, or telling them to leave it empty."""
    if not control.visible:
        return True
    text = " ".join((control.text(), words_of(control.name), words_of(control.id)))
    return any(contains(text, phrase) for phrase in vocabulary.honeypot)


def _compatible(role: str, kind: str) -> bool:
    if kind == "checkbox":
        return role == "consent"
    if kind == "select":
        return role == "topic"
    return kind in TEXT_TYPES and role in TEXT_ROLES


def role_scores(control: Control, vocabulary: FormVocabulary) -> dict[str, int]:
    """Points per role; the label a person reads counts most, a hashed name nothing."""
    weights = vocabulary.weights
    sources = {
        "label": words_of(control.label),
        "aria": words_of(control.aria),
        "placeholder": words_of(control.placeholder),
        "name": words_of(control.name),
        "id": words_of(control.id),
    }
    tokens = control.autocomplete.split()
    scores: dict[str, int] = {}
    for role in vocabulary.roles.values():
        if not _compatible(role.name, control.type):
            continue
        points = longest = 0
        for source, text in sources.items():
            hits = [len(word.split()) for word in role.words if text and contains(text, word)]
            if hits:
                points += weights.get(source, 0)
                longest = max(longest, *hits)
        if any(token in role.autocomplete for token in tokens):
            points += weights.get("autocomplete", 0)
        if control.type in role.types:
            points += weights.get("type", 0)
        if points:
            # Ties go to the longer phrase: "Vor- und Nachname" is a name, not a last name.
            scores[role.name] = points * 10 + min(longest, 9)
    return scores


def choose_message(controls: list[Control], vocabulary: FormVocabulary) -> Control | None:
    """The field for the inquiry's text: it decides which form on the page is the contact form."""
    mapped = [c for c in controls if c.mapped == "message"]
    if mapped:
        return mapped[0]
    best: tuple[int, Control] | None = None
    for control in controls:
        if control.disabled or is_honeypot(control, vocabulary) or control.mapped:
            continue
        points = role_scores(control, vocabulary).get("message", 0)
        # A message needs room: a one-line input only when its label says so.
        if control.type not in ("textarea", "contenteditable") and points < 10 * vocabulary.weights["label"]:
            continue
        if points and (best is None or points > best[0]):
            best = (points, control)
    return best[1] if best else None


def assign(
    controls: list[Control],
    values: dict[str, str],
    vocabulary: FormVocabulary,
    partial: bool = False,
) -> list[Assignment] | None:
    """What to put into which control of the contact form; None when the page has no contact form.

    ``values`` gives the text per role (name, email, subject, message, …); a
    role without a value is left empty. With ``partial``, a form whose message
    field is not there yet (it appears after choosing a topic) is filled as far
    as it goes.
    """
    message = choose_message(controls, vocabulary)
    if message is None:
        return _partial(controls, values, vocabulary) if partial else None
    scope = [c for c in controls if c.frame is message.frame and (c.form == message.form or c.mapped)]
    return _assign_in(scope, message, values, vocabulary)


def _partial(
    controls: list[Control], values: dict[str, str], vocabulary: FormVocabulary
) -> list[Assignment] | None:
    """The fields of the most form-like group of controls without a message field, if any."""
    groups: dict[tuple[int, int], list[Control]] = {}
    for control in controls:
        if control.form >= 0:
            groups.setdefault((id(control.frame), control.form), []).append(control)
    best: list[Control] = []
    for group in groups.values():
        useful = [c for c in group if not is_honeypot(c, vocabulary) and role_scores(c, vocabulary)]
        # A newsletter box has one field; a contact form that unfolds has at least two.
        if len(useful) >= 2 and len(useful) > len(best):
            best = group
    return _assign_in(best, None, values, vocabulary) if best else None


def _assign_in(
    scope: list[Control], message: Control | None, values: dict[str, str], vocabulary: FormVocabulary
) -> list[Assignment]:
    result: list[Assignment] = []
    taken: set[int] = set()
    for index, control in enumerate(scope):
        if control.mapped:
            taken.add(index)
            assignment = _assignment(control, control.mapped, values, vocabulary)
            if assignment:
                result.append(assignment)
    best_for_role: dict[str, tuple[int, int]] = {}
    for index, control in enumerate(scope):
        if index in taken or control.disabled or is_honeypot(control, vocabulary):
            continue
        if control.type == "checkbox":
            assignment = _checkbox(control, vocabulary)
        elif control.type == "select":
            assignment = _select(control, vocabulary, "topic")
        else:
            scores = role_scores(control, vocabulary)
            if control is message:
                scores = {"message": 10_000}
            if not scores:
                continue
            role = max(scores, key=lambda r: (scores[r], -TEXT_ROLES.index(r)))
            if role not in best_for_role or scores[role] > best_for_role[role][0]:
                best_for_role[role] = (scores[role], index)
            continue
        if assignment:
            result.append(assignment)
    mapped_roles = {c.mapped for c in scope if c.mapped}
    for role, (_, index) in best_for_role.items():
        if role in mapped_roles:
            continue
        assignment = _assignment(scope[index], role, values, vocabulary)
        if assignment:
            result.append(assignment)
    order = {id(c): i for i, c in enumerate(scope)}
    return sorted(result, key=lambda a: order[id(a.control)])


def _assignment(
    control: Control, role: str, values: dict[str, str], vocabulary: FormVocabulary
) -> Assignment | None:
    if role == "skip":
        return None
    if role.startswith("text:"):
        literal = role.removeprefix("text:")
        if control.type == "select":
            return _select(control, vocabulary, role, literal)
        if control.type == "checkbox":
            return Assignment(control, role, "on", "ticked")
        return Assignment(control, role, literal, literal)
    if role == "consent" or control.type == "checkbox":
        return Assignment(control, "consent", "on", "ticked")
    if role == "topic" or control.type == "select":
        return _select(control, vocabulary, role)
    value = values.get(role, "")
    return Assignment(control, role, value, value) if value else None


def _checkbox(control: Control, vocabulary: FormVocabulary) -> Assignment | None:
    text = control.text()
    if any(contains(text, word) for word in vocabulary.never):
        return None
    if "consent" in role_scores(control, vocabulary) or control.required:
        return Assignment(control, "consent", "on", "ticked")
    return None


def _select(control: Control, vocabulary: FormVocabulary, role: str, wanted: str = "") -> Assignment | None:
    options = [(value, text) for value, text, disabled in control.options if value and not disabled]
    if not options:
        return None
    chosen: tuple[str, str] | None = None
    if wanted:
        chosen = next((o for o in options if words_of(wanted) in words_of(o[1])), None)
    for word in () if chosen else vocabulary.topic_options:
        chosen = next((o for o in options if contains(words_of(o[1]), word)), None)
        if chosen:
            break
    if chosen is None:
        # Nothing general on offer: keep what the page pre-selected, else its first real option.
        if control.value and not wanted:
            return None
        chosen = options[0]
    return Assignment(control, role, chosen[0], chosen[1])


def satisfied(assignment: Assignment) -> bool:
    """Whether the control (as last scanned) already holds what the assignment wants."""
    control = assignment.control
    if control.type == "checkbox":
        return control.value == "on"
    return " ".join(control.value.split()) == " ".join(assignment.value.split())
