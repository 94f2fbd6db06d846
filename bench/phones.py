"""The bench's phones: one HTTP connection and one cookie jar each, and the numbers they collect.

Plain http.client, so the benchmark needs nothing beyond the standard library; every request
has a timeout and every retry loop a bound.
"""

from __future__ import annotations

import http.client
import re
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

HOST = "127.0.0.1"
INPUT_RE = re.compile(r"<input\b[^>]*>")
ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')


# --- a phone: one connection, its own cookies --------------------------------------------


class Phone:
    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _headers(self, body: bytes | None) -> dict:
        headers = {"Accept-Language": "zh-CN", "User-Agent": "bench MicroMessenger/8.0"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, str, float]:
        """Send one request and read the answer: status, headers, text, seconds taken."""
        for attempt in (1, 2):  # a keep-alive connection the server closed is retried once
            connection = self._connect()
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=self._headers(body))
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2 or method == "POST":
                    raise
                continue
            elapsed = time.perf_counter() - started
            self._keep_cookies(response)
            if response.headers.get("Connection", "").lower() == "close":
                self.close()
            return response.status, dict(response.headers), text, elapsed
        raise RuntimeError("unreachable")

    def send_and_drop(self, path: str, body: bytes) -> None:
        """Send a POST and hang up before the answer: the response is lost on the way."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        connection.request("POST", path, body=body, headers=self._headers(body))
        connection.sock.shutdown(socket.SHUT_WR)
        time.sleep(0.05)
        connection.close()


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        if attrs.get("type") == "hidden" and attrs.get("name"):
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


# --- results -----------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"scan": [], "form": [], "post": []})
    successes: int = 0
    errors: list[str] = field(default_factory=list)
    limited: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timing(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)
            if " 429" in message:
                self.limited += 1

    def success(self) -> None:
        with self.lock:
            self.successes += 1


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def describe(values: list[float]) -> str:
    return f"p50 {1000 * statistics.median(values):7.1f} ms   p99 {1000 * percentile(values, 0.99):7.1f} ms"
