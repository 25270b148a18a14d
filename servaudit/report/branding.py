"""A consulting firm's own look on the report: images from the audit's report_templates/ folder, inlined.

The report opens offline and its Content-Security-Policy allows no file outside the page, so a
logo a user template names is embedded as a data: URI. Only images in that folder are read
(no path escapes it), and only up to a size a page can carry.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from servaudit.errors import ConfigError

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_IMAGE_BYTES = 512 * 1024


def inline_image_loader(audit_folder: Path | None) -> Callable[[str], str]:
    folder = (audit_folder / "report_templates").resolve() if audit_folder is not None else None

    def inline_image(name: str) -> str:
        """``{{ inline_image("logo.png") }}`` in a user template: the image as a data: URI."""
        if folder is None:
            raise ConfigError(f"inline_image({name!r}): no audit folder, so no report_templates/ to read")
        path = (folder / name).resolve()
        kind = IMAGE_TYPES.get(path.suffix.lower())
        if not path.is_relative_to(folder) or kind is None:
            raise ConfigError(
                f"inline_image({name!r}): only {', '.join(IMAGE_TYPES)} files inside {folder} can be embedded"
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"inline_image({name!r}): cannot read {path}: {exc.strerror}") from None
        if len(data) > MAX_IMAGE_BYTES:
            raise ConfigError(
                f"inline_image({name!r}): {len(data) // 1024} KiB is more than a report page should carry "
                f"({MAX_IMAGE_BYTES // 1024} KiB); use a smaller image"
            )
        return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"

    return inline_image
