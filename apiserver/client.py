"""A Python client that pins an API version: ``APIClient(url, key, secret, version="2.4")``.

It logs in with the access key and secret, renews its token before it expires (and once more
when the server refuses it), sends every call to ``/v<version>/<service>.<action>``, and raises
:class:`APIClientError` with the envelope's code, subcode and message.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

DEFAULT_BATCH_SIZE = 1000
RENEW_MARGIN_SEC = 300
EVENTS_NOT_ADDED = (400, 131)


class APIClientError(Exception):
    """An error answered by the server (or no answer at all, with code 0)."""

    def __init__(
        self, code: int, subcode: int, message: str, meta: dict[str, Any] | None = None
    ) -> None:
        self.code = code
        self.subcode = subcode
        self.message = message
        self.meta = meta or {}
        super().__init__(f"{code}/{subcode}: {message}")


@dataclass
class Response:
    """A successful call: its ``data`` and the envelope's ``meta``."""

    data: dict[str, Any]
    meta: dict[str, Any]


@dataclass
class UploadResult:
    """What an event upload did: events added, per-reason errors, batches sent."""

    added: int = 0
    errors: int = 0
    errors_info: dict[str, int] = field(default_factory=dict)
    batches: int = 0


class APIClient:
    """Call the API at a pinned version."""

    def __init__(
        self,
        url: str,
        access_key: str,
        secret_key: str,
        version: str = "2.4",
        timeout: float = 60.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.version = version
        self._key = access_key
        self._secret = secret_key
        self._timeout = timeout
        self._token: str | None = None
        self._expires = 0.0

    def call(self, action: str, body: dict[str, Any] | None = None, /, **fields: Any) -> Response:
        """Call ``service.action`` with a JSON body; keyword fields are merged into it."""
        payload = json.dumps({**(body or {}), **fields}).encode()
        return self._send(action, payload, "application/json")

    def send_lines(self, name: str, items: Iterable[dict[str, Any]]) -> Response:
        """Call a batch action with a json-lines body."""
        payload = b"\n".join(json.dumps(item).encode() for item in items) + b"\n"
        return self._send(name, payload, "application/json-lines")

    def login(self) -> str:
        """Get a new token with the access key and secret."""
        raw = base64.b64encode(f"{self._key}:{self._secret}".encode()).decode()
        envelope = self._request("auth.login", b"{}", "application/json", f"Basic {raw}")
        token = str(envelope["data"]["token"])
        self._token = token
        self._expires = _token_expiry(token)
        return token

    def iter_all(
        self, name: str, result_key: str, size: int = 100, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of a ``get_all_ex``-style action, following its scroll id."""
        scroll_id: str | None = None
        while True:
            body = {**filters, "size": size}
            if scroll_id:
                body["scroll_id"] = scroll_id
            data = self.call(name, body).data
            items = data.get(result_key) or []
            yield from items
            scroll_id = data.get("scroll_id")
            if not items or not scroll_id:
                return

    def upload_events(
        self,
        path: Path | str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: IO[str] | None = None,
    ) -> UploadResult:
        """Send a json-lines file of events through ``events.add_batch`` in batches."""
        path = Path(path)
        total = _count_lines(path)
        result = UploadResult()
        batch: list[bytes] = []
        done = 0
        with path.open("rb") as source:
            for line in source:
                if not line.strip():
                    continue
                batch.append(line.rstrip(b"\r\n"))
                if len(batch) >= batch_size:
                    done += self._upload_batch(batch, result)
                    batch = []
                    _draw(progress, done, total)
            if batch:
                done += self._upload_batch(batch, result)
                _draw(progress, done, total)
        if progress is not None:
            progress.write("\n")
        return result

    def _upload_batch(self, lines: list[bytes], result: UploadResult) -> int:
        result.batches += 1
        try:
            data = self._send("events.add_batch", b"\n".join(lines) + b"\n",
                              "application/json-lines").data
        except APIClientError as error:
            if (error.code, error.subcode) != EVENTS_NOT_ADDED:
                raise
            # NOTE: a batch whose every event was refused; count them and go on.
            result.errors += len(lines)
            info = result.errors_info
            info[error.message] = info.get(error.message, 0) + len(lines)
            return len(lines)
        result.added += int(data.get("added", 0))
        result.errors += int(data.get("errors", 0))
        for reason, count in (data.get("errors_info") or {}).items():
            result.errors_info[reason] = result.errors_info.get(reason, 0) + int(count)
        return len(lines)

    def _send(self, name: str, payload: bytes, content_type: str) -> Response:
        if self._token is None or time.time() > self._expires - RENEW_MARGIN_SEC:
            self.login()
        try:
            envelope = self._request(name, payload, content_type, f"Bearer {self._token}")
        except APIClientError as error:
            if (error.code, error.subcode) != (401, 30):
                raise
            self.login()  # NOTE: revoked or expired early: one fresh login, then give up
            envelope = self._request(name, payload, content_type, f"Bearer {self._token}")
        return Response(data=envelope.get("data") or {}, meta=envelope["meta"])

    def _request(
        self, name: str, payload: bytes, content_type: str, authorization: str
    ) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/v{self.version}/{name}",
            data=payload,
            method="POST",
            headers={"Content-Type": content_type, "Authorization": authorization},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
        except (urllib.error.URLError, OSError) as error:
            raise APIClientError(0, 0, f"cannot reach {self.url}: {error}") from error
        try:
            envelope = json.loads(raw)
            meta = envelope["meta"]
        except (ValueError, KeyError, TypeError):
            raise APIClientError(0, 0, f"not an API response: {raw[:200]!r}") from None
        if meta.get("result_code") != 200:
            raise APIClientError(int(meta.get("result_code", 0)),
                                 int(meta.get("result_subcode", 0)),
                                 str(meta.get("result_msg", "")), meta)
        return dict(envelope)


def _token_expiry(token: str) -> float:
    """Read ``exp`` from a JWT without verifying it (the server does that)."""
    try:
        claims = token.split(".")[1]
        claims += "=" * (-len(claims) % 4)
        return float(json.loads(base64.urlsafe_b64decode(claims))["exp"])
    except (IndexError, KeyError, ValueError):
        return time.time() + RENEW_MARGIN_SEC * 2


def _count_lines(path: Path) -> int:
    with path.open("rb") as source:
        return sum(1 for line in source if line.strip())


def _draw(stream: IO[str] | None, done: int, total: int, width: int = 40) -> None:
    """Draw a one-line progress bar: ``[#####.....]  5000/10000 events``."""
    if stream is None:
        return
    filled = int(width * done / total) if total else width
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} events")
    stream.flush()


def default_progress() -> IO[str]:
    """Return the stream progress bars are drawn on."""
    return sys.stderr
