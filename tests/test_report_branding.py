"""A consulting firm's logo, colours and cover text on the report, without editing servaudit."""

from __future__ import annotations

from pathlib import Path

import pytest

from servaudit.errors import ConfigError
from tests.test_report_golden import copy_fixture, render

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5e5d1b60000000049454e44ae426082"
)

BRANDED_BASE = """{% extends "servaudit:base.html" %}
{% block style %}{{ super() }}
header { border-top: 6px solid #0a5c36; }{% endblock %}
{% block brand %}<img src="{{ inline_image('logo.png') }}" alt="Muster Consulting">{% endblock %}
{% block cover %}<section class="cover"><p>COVER</p></section>{% endblock %}
""".replace("COVER", "Vertraulich: erstellt von Muster Consulting für die Geschäftsleitung.")
COVER_LINE = "Vertraulich: erstellt von Muster Consulting für die Geschäftsleitung.\n"


def _audit_with_templates(tmp_path: Path, base: str) -> Path:
    folder = copy_fixture(tmp_path / "audit")
    own = folder / "report_templates"
    own.mkdir()
    (own / "base.html").write_text(base, encoding="utf-8")
    (own / "logo.png").write_bytes(PNG)
    return folder


def test_a_user_template_overrides_single_blocks_and_keeps_the_rest(tmp_path: Path) -> None:
    folder = _audit_with_templates(tmp_path, BRANDED_BASE)
    out = tmp_path / "report"
    data, text, _ = render(folder, out)
    for page in (out / "index.html", *sorted((out / "companies").glob("*.html"))[:2]):
        html = page.read_text(encoding="utf-8")
        assert 'src="data:image/png;base64,iVBORw0KGgo' in html, page
        assert "Vertraulich: erstellt von Muster Consulting" in html
        assert "border-top: 6px solid #0a5c36" in html
        assert "Content-Security-Policy" in html  # the shipped head, its policy included, is kept
    assert data["companies"], "the figures are the shipped report's"
    plain_out = tmp_path / "plain"
    _, plain_text, _ = render(copy_fixture(tmp_path / "plain-audit"), plain_out)
    # Every text of the shipped report is still there; the cover text is the only addition.
    assert text.replace(COVER_LINE, "") == plain_text


@pytest.mark.parametrize("name", ["../audit.toml", "/etc/passwd", "logo.gif"])
def test_only_images_from_the_template_folder_can_be_inlined(tmp_path: Path, name: str) -> None:
    folder = _audit_with_templates(tmp_path, BRANDED_BASE.replace("logo.png", name))
    with pytest.raises(ConfigError, match="inline_image"):
        render(folder, tmp_path / "report")
