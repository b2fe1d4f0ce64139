"""code-server (VS Code in a browser) for the e2e run: isolated folders, 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

USER_SETTINGS = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "security.workspace.trust.enabled": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True,
    "chat.disableAIFeatures": True,
    "editor.inlayHints.enabled": "on",
    "editor.minimap.enabled": False,
    "editor.fontSize": 14,
    "window.commandCenter": False,
    "workbench.colorTheme": "Default Light Modern",
    "files.autoSave": "off",
    "git.enabled": False,
    "remote.autoForwardPorts": False,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CodeServer:
    def __init__(self, cache: Path, work: Path, node_bin: Path, path_dirs: list[Path]) -> None:
        self.binary = cache / "code-server" / "node_modules" / ".bin" / "code-server"
        self.work = work
        self.user_data = work / "user-data"
        self.extensions = work / "extensions"
        self.config = work / "config.yaml"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        # The editor's PATH: Node 24 for code-server, then the folders given (a Python without the
        # server, so the extension's Install flow runs), then the system's.
        self.env = dict(os.environ)
        self.env["PATH"] = os.pathsep.join([str(node_bin), *map(str, path_dirs), "/usr/bin", "/bin"])
        for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
            self.env.pop(name, None)
        self.log = open(work / "code-server.log", "w")

    def prepare(self, vsix: Path, settings: dict | None = None) -> None:
        (self.user_data / "User").mkdir(parents=True, exist_ok=True)
        (self.user_data / "User" / "settings.json").write_text(json.dumps({**USER_SETTINGS, **(settings or {})}))
        self.config.write_text("bind-addr: 127.0.0.1:%d\nauth: none\ncert: false\n" % self.port)
        subprocess.run([str(self.binary), *self.common_args(), "--install-extension", str(vsix), "--force"],
                       env=self.env, stdout=self.log, stderr=subprocess.STDOUT, check=True, timeout=300)

    def common_args(self) -> list[str]:
        return ["--config", str(self.config), "--user-data-dir", str(self.user_data),
                "--extensions-dir", str(self.extensions), "--disable-telemetry", "--disable-update-check",
                "--disable-workspace-trust", "--disable-getting-started-override"]

    def start(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [str(self.binary), *self.common_args(), "--bind-addr", f"127.0.0.1:{self.port}", "--auth", "none",
             str(folder)], env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"code-server exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("code-server did not answer on /healthz within 120 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.log.close()


def python_without_server(work: Path) -> Path:
    """A folder with `python3` and `python`: this interpreter outside any venv, which has no icd10ls."""
    folder = work / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    for name in ("python3", "python"):
        target = folder / name
        if not target.exists():
            target.symlink_to(base)
    check = subprocess.run([str(folder / "python3"), "-c", "import icd10ls"], capture_output=True)
    if check.returncode == 0:
        raise RuntimeError(f"{base} has icd10ls installed; the Install flow needs a Python without it")
    shutil.which("python3")
    return folder
