"""The sandbox: simulated companies on localhost that answer (or not) like real customer service."""

from servaudit.sandbox.chat_site import CHAT_FLEET, ChatCompany
from servaudit.sandbox.dsn import build_dsn
from servaudit.sandbox.fleet import BEHAVIOURS, DEFAULT_FLEET, SandboxCompany
from servaudit.sandbox.forms_site import DEMO_FORMS, FORM_FLEET, FormCompany
from servaudit.sandbox.server import Sandbox, serve_forever

__all__ = [
    "BEHAVIOURS",
    "CHAT_FLEET",
    "DEFAULT_FLEET",
    "DEMO_FORMS",
    "FORM_FLEET",
    "ChatCompany",
    "FormCompany",
    "Sandbox",
    "SandboxCompany",
    "build_dsn",
    "serve_forever",
]
