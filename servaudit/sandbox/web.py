"""The sandbox's web servers: a threaded HTTP server on the loopback, started and stopped with the sandbox."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from servaudit.errors import InfrastructureError


class LocalSite:
    """One HTTP server for a part of the sandbox (forms, chats); subclasses bring the request handler."""

    label = "sandbox site"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, slug: str) -> str:
        return f"{self.base_url}/{slug}/"

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        try:
            self._server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as error:
            raise InfrastructureError(
                f"the {self.label} cannot listen on {self.host}:{self.port}: {error.strerror or error}"
            ) from error
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.label, daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
