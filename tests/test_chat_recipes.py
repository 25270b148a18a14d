"""Chat widget recipes: data in probes/chat/, every one valid, every selector valid CSS in Chromium."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from servaudit.browser import open_browser
from servaudit.channels.chat.recipe import load_all, load_recipe, recipe_names
from servaudit.errors import ConfigError

VENDORS = {"userlike", "intercom", "zendesk", "livechat", "tawkto", "tidio"}


def test_every_common_vendor_and_the_generic_recipe_ship() -> None:
    assert VENDORS | {"generic"} <= set(recipe_names())
    for name, recipe in load_all().items():
        assert recipe.name == name, "a recipe's name is its file name"
        assert recipe.launcher.selectors and recipe.composer.input and recipe.messages.item
        assert recipe.messages.visitor, "without it our own messages would count as answers"
        if name != "generic":
            assert recipe.detect, f"{name}: a vendor recipe needs detect selectors"
            assert recipe.messages.agent and recipe.messages.bot, f"{name}: must tell agent from bot"


def test_vendor_recipes_inherit_the_generic_phrases() -> None:
    generic = load_recipe("generic").phrases
    tidio = load_recipe("tidio").phrases
    assert "i'm lyro" in tidio.automated
    assert set(generic.automated) <= set(tidio.automated)
    assert set(generic.redirect) == set(tidio.redirect)


def test_every_selector_is_valid_css_in_chromium() -> None:
    selectors = sorted({s for recipe in load_all().values() for s in recipe.all_selectors()})

    async def invalid() -> list[str]:
        async with open_browser() as browser:
            page = await browser.new_page()
            await page.set_content("<p>x</p>")
            result: list[str] = await page.evaluate(
                "list => list.filter(s => { try { document.querySelector(s); return false; }"
                " catch (e) { return true; } })",
                selectors,
            )
            return result

    assert asyncio.run(invalid()) == []


def test_an_audit_folder_can_add_and_override_recipes(tmp_path: Path) -> None:
    own = tmp_path / "probes" / "chat"
    own.mkdir(parents=True)
    text = (Path(__file__).parent.parent / "probes/chat/tidio.toml").read_text()
    (own / "tidio.toml").write_text(text.replace('vendor = "Tidio"', 'vendor = "Tidio (ours)"'))
    (own / "acme.toml").write_text(text.replace('name = "tidio"', 'name = "acme"'))
    assert load_recipe("tidio", tmp_path).vendor == "Tidio (ours)"
    assert "acme" in recipe_names(tmp_path)


def test_a_broken_recipe_is_a_located_error(tmp_path: Path) -> None:
    own = tmp_path / "probes" / "chat"
    own.mkdir(parents=True)
    (own / "broken.toml").write_text('name = "broken"\nvendor = "X"\n[launcher]\nselectors = []\n')
    with pytest.raises(ConfigError, match=r"broken\.toml: launcher\.selectors"):
        load_recipe("broken", tmp_path)
    with pytest.raises(ConfigError, match=r"no chat recipe 'nosuch'; known: .*generic"):
        load_recipe("nosuch")
