"""A tiny LSP client over a child's stdin/stdout: Content-Length framed JSON-RPC.

A reader thread parses every message the moment it arrives and stamps it with
`time.perf_counter()`, so round trips are measured from the write of a request
to the arrival of its answer, not to whenever the main thread looks.  Requests
from the server (workspace/configuration, client/registerCapability, progress)
are answered the way VS Code answers them.
"""

from __future__ import annotations

import importlib.resources
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from .common import LOG_DIR, Config, environment

_counter = itertools.count(1)


class ServerError(RuntimeError):
    """The server died, answered with an error, or did not answer in time."""


def vscode_capabilities() -> dict:
    """VS Code 1.65's client capabilities as pytest-lsp records them (no pull diagnostics)."""
    try:
        clients = importlib.resources.files("pytest_lsp").joinpath("clients")
        recorded = json.loads(clients.joinpath("visual_studio_code_v1.65.2.json").read_text(encoding="utf-8"))
        return recorded["capabilities"]
    except (ModuleNotFoundError, FileNotFoundError, KeyError, ValueError):
        return {  # the parts the servers look at, should pytest-lsp be missing
            "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}},
            "textDocument": {
                "synchronization": {"dynamicRegistration": True, "didSave": True},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "completion": {"completionItem": {"snippetSupport": True,
                                                  "resolveSupport": {"properties": ["documentation"]}}},
                "publishDiagnostics": {"relatedInformation": True, "versionSupport": False},
            },
        }


class LspClient:
    """One spawned server.  Use as a context manager: it is shut down (or killed) on exit."""

    def __init__(self, name: str, argv: list[str], cfg: Config, env: dict[str, str] | None = None) -> None:
        self.name = name
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{name}-{next(_counter)}.log"
        self._log = self.log_path.open("wb")
        self.spawned_at = time.perf_counter()
        self.proc = subprocess.Popen([*cfg.child_prefix(), *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, env=env or environment())
        self._ids = itertools.count(1)
        self._write_lock = threading.Lock()
        self._state = threading.Condition()
        self._answers: dict[int, tuple[float, dict]] = {}
        self._published: dict[tuple[str, int | None], tuple[float, dict]] = {}
        self._closed = False
        self.errors: list[str] = []  # error messages the server logged or showed (it answers on regardless)
        self._reader = threading.Thread(target=self._read, name=f"{name}-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- wire ----------------------------------------------------------------------
    def _write(self, message: dict) -> float:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        frame = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        with self._write_lock:
            sent = time.perf_counter()
            try:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                raise ServerError(self._death()) from None
        return sent

    def _read(self) -> None:
        stream = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                body = b""
                while len(body) < length:
                    chunk = stream.read(length - len(body))
                    if not chunk:
                        return
                    body += chunk
                arrived = time.perf_counter()
                self._dispatch(json.loads(body), arrived)
        finally:
            with self._state:
                self._closed = True
                self._state.notify_all()

    def _dispatch(self, message: dict, arrived: float) -> None:
        method = message.get("method")
        if method is None:  # an answer
            with self._state:
                self._answers[message.get("id")] = (arrived, message)
                self._state.notify_all()
        elif "id" in message:  # a request from the server
            try:
                self._write({"jsonrpc": "2.0", "id": message["id"], "result": _answer_server_request(message)})
            except ServerError:
                pass  # the reader notices the end of the output next
        elif method in ("window/logMessage", "window/showMessage"):
            params = message.get("params") or {}
            if params.get("type") == 1:
                with self._state:
                    self.errors.append(str(params.get("message", "")).strip().splitlines()[0][:200])
                    self._state.notify_all()
        elif method == "textDocument/publishDiagnostics":
            params = message.get("params") or {}
            key = (params.get("uri"), params.get("version"))
            with self._state:
                self._published.setdefault(key, (arrived, params))
                self._state.notify_all()

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        try:
            self._log.flush()
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            lines = []
        last = lines[-1].strip() if lines else "no output"
        status = f"exited with code {code}" if code is not None else "closed its output"
        return f"{self.name} server {status}: {last} (log: {self.log_path.name})"

    def _wait(self, ready, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        with self._state:
            while True:
                found = ready()
                if found is not None:
                    return found
                if self._closed:
                    raise ServerError(self._death())
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServerError(f"{self.name} server: no {what} within {timeout:g} s")
                self._state.wait(remaining)

    # -- messages --------------------------------------------------------------------
    def send_request(self, method: str, params) -> tuple[int, float]:
        request_id = next(self._ids)
        sent = self._write({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return request_id, sent

    def answer(self, request_id: int, timeout: float = 30.0) -> tuple[float, object]:
        """(arrival time, result) of a request sent earlier."""
        arrived, message = self._wait(lambda: self._answers.pop(request_id, None), timeout,
                                      f"answer to request {request_id}")
        if "error" in message:
            error = message["error"] or {}
            raise ServerError(f"{self.name} server answered an error: {error.get('message', error)}")
        return arrived, message.get("result")

    def request(self, method: str, params, timeout: float = 30.0) -> tuple[float, object]:
        """(round-trip seconds, result)."""
        request_id, sent = self.send_request(method, params)
        arrived, result = self.answer(request_id, timeout)
        return arrived - sent, result

    def notify(self, method: str, params) -> float:
        return self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri: str, version: int | None, timeout: float = 30.0) -> tuple[float, dict]:
        """(arrival time, params) of the first publishDiagnostics for this version of the document.

        A server that logs an error instead (a failed handler) fails the wait at once."""
        def ready():
            found = self._published.get((uri, version))
            if found is None and self.errors:
                raise ServerError(f"{self.name} server logged an error: {self.errors[0]}")
            return found

        return self._wait(ready, timeout, f"diagnostics for {uri.rsplit('/', 1)[-1]} version {version}")

    def errors_note(self) -> str:
        """A note for a row when the server logged errors while it was measured."""
        if not self.errors:
            return ""
        return f"{self.name} logged {len(self.errors)} error(s), first: {self.errors[0]}"

    # -- the LSP conversation --------------------------------------------------------------
    def initialize(self, timeout: float = 60.0) -> float:
        """Send initialize, wait for its answer; returns the answer's arrival time."""
        request_id, _sent = self.send_request("initialize", {
            "processId": os.getpid(),
            "clientInfo": {"name": "icd10ls-bench", "version": "1"},
            "rootUri": None,
            "workspaceFolders": None,
            "capabilities": vscode_capabilities(),
        })
        arrived, _result = self.answer(request_id, timeout)
        self.notify("initialized", {})
        return arrived

    def open(self, uri: str, text: str, version: int = 1) -> float:
        return self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "icd10-encounter", "version": version, "text": text}})

    def change(self, uri: str, version: int, line: int, start: int, end: int, text: str) -> float:
        return self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": start},
                                          "end": {"line": line, "character": end}}, "text": text}]})

    def hover(self, uri: str, line: int, character: int, timeout: float = 30.0) -> tuple[float, object]:
        return self.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": line, "character": character}}, timeout)

    def completion(self, uri: str, line: int, character: int, timeout: float = 30.0) -> tuple[float, object]:
        return self.request("textDocument/completion", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character},
            "context": {"triggerKind": 1}}, timeout)

    def close(self) -> None:
        try:
            if self.proc.poll() is None and not self._closed:
                self.request("shutdown", None, timeout=5)
                self.notify("exit", None)
                self.proc.wait(timeout=5)
        except (ServerError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._log.close()

    def __enter__(self) -> "LspClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _answer_server_request(message: dict):
    if message.get("method") == "workspace/configuration":
        items = (message.get("params") or {}).get("items") or []
        return [{} for _ in items]  # VS Code answers the section's settings: the defaults here
    return None  # registerCapability, workDoneProgress/create, ...


# -- the two servers ----------------------------------------------------------------------
BARE_SERVER = Path(__file__).resolve().parent / "bare_server.py"


def ours(cfg: Config) -> LspClient:
    return LspClient("icd10ls", [sys.executable, "-m", "icd10ls", "serve"], cfg)


def bare(cfg: Config) -> LspClient:
    return LspClient("bare-pygls", [sys.executable, str(BARE_SERVER)], cfg)


def document_uri(name: str) -> str:
    return f"file:///tmp/icd10ls-bench/{name}-{next(_counter)}.enc"
