"""The sandbox: simulated companies on localhost that answer (or not) like real customer service."""

from servaudit.sandbox.dsn import build_dsn
from servaudit.sandbox.fleet import BEHAVIOURS, DEFAULT_FLEET, SandboxCompany
from servaudit.sandbox.server import Sandbox, serve_forever

__all__ = ["BEHAVIOURS", "DEFAULT_FLEET", "Sandbox", "SandboxCompany", "build_dsn", "serve_forever"]
