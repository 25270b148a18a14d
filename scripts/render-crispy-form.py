"""Renders a contact form with django-crispy-forms (Bootstrap 5 template pack) to static HTML for
tests/test_accessibility.py: markup servaudit's authors did not write, from a real form builder.

The page is kept in tests/a11y_pages/ so the tests need neither Django nor a network. Re-run after
changing a version, and commit the result:

    pip install 'django==5.2.*' 'django-crispy-forms==2.7' 'crispy-bootstrap5==2026.9'
    python scripts/render-crispy-form.py
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import django
from django.conf import settings

urlpatterns: list[object] = []  # crispy-forms reverses the form's action; "send" stays as written

settings.configure(
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "crispy_forms", "crispy_bootstrap5"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    CRISPY_ALLOWED_TEMPLATE_PACKS="bootstrap5",
    CRISPY_TEMPLATE_PACK="bootstrap5",
    USE_I18N=False,
)
django.setup()

from crispy_forms.helper import FormHelper  # noqa: E402
from crispy_forms.layout import Submit  # noqa: E402
from django import forms  # noqa: E402
from django.template import Context, Template  # noqa: E402


class ContactForm(forms.Form):
    """A contact form as the crispy-forms documentation builds one."""

    name = forms.CharField(label="Your name", max_length=100)
    email = forms.EmailField(label="Email address")
    subject = forms.CharField(label="Subject", max_length=200, required=False)
    message = forms.CharField(label="Message", widget=forms.Textarea)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = "send"
        self.helper.add_input(Submit("submit", "Send message"))


page = Template(
    "{% load crispy_forms_tags %}<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Contact</title></head><body><main><h1>Contact us</h1>{% crispy form %}</main></body></html>"
).render(Context({"form": ContactForm()}))
# No CSRF middleware ran, so no token field: the sandbox server takes the post as it is.
versions = ", ".join(f"{name} {version(name)}" for name in ("Django", "django-crispy-forms", "crispy-bootstrap5"))
out = Path(__file__).resolve().parent.parent / "tests" / "a11y_pages" / "crispy_contact.html"
out.write_text(f"<!-- rendered by scripts/render-crispy-form.py with {versions} -->\n{page}", encoding="utf-8")
print(out)
