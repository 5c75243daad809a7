"""What tests/test_browser.py needs around the browser: Chromium, a private JupyterLab, the page.

``run_jupyterlab`` starts ``python -m jupyterlab`` from this environment on
127.0.0.1 with a random token, a temporary root directory and temporary Jupyter
config/data/runtime/settings directories (nothing from the user's home is read),
waits until ``/api/status`` answers, and always kills the whole process group
(server and kernels) afterwards.

The page helpers only use what a learner sees: the "Run" menu, the prompts
``[n]:``, the kernel status in the toolbar, the widget's stable CSS classes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from srlib.cli.doctor import find_chromium  # noqa: F401  (re-exported: one rule for where Chromium is, shared with `srlib doctor`)

# Debian's package; Playwright's own browser downloads are not used (no network for them in CI).
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# JupyterLab settings for the test profile: no news/update toasts over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token, root directory and log file."""

    base_url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen

    def lab_url(self, notebook: str) -> str:
        return f"{self.base_url}lab/tree/{notebook}?token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _status_ok(base_url: str, token: str) -> bool:
    request = urllib.request.Request(f"{base_url}api/status", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200 and "started" in json.loads(response.read())
    except (OSError, ValueError):  # refused, reset, timeout, half-started server
        return False


def _isolated_env(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with every Jupyter/IPython directory moved under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    dirs = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
    }
    for variable, name in dirs.items():
        path = home / name
        path.mkdir(parents=True, exist_ok=True)
        env[variable] = str(path)
    for relative, settings in LAB_SETTINGS.items():
        path = home / "lab-settings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env.update(extra)
    return env


def _stop(process: subprocess.Popen) -> None:
    """Terminate the server's process group (the server and its kernels), then kill what is left."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The server has exited; kernels in its group may linger for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


@contextlib.contextmanager
def run_jupyterlab(
    root: Path, home: Path, *, env: Mapping[str, str] = {}, timeout: float = 120.0, attempts: int = 3
) -> Iterator[LabServer]:
    """A JupyterLab serving ``root``, its config under ``home``, for the duration of the block."""
    environment = _isolated_env(home, env)
    log = home / "jupyterlab.log"
    for attempt in range(1, attempts + 1):
        port, token = free_port(), secrets.token_hex(24)
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",  # a port taken meanwhile is a clear failure, retried below
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
        ]  # fmt: skip
        if os.geteuid() == 0:  # CI containers run as root; the server refuses that unless told
            command.append("--allow-root")
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, cwd=root, env=environment, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        server = LabServer(f"http://127.0.0.1:{port}/", token, root, log, process)
        try:
            deadline = time.monotonic() + timeout
            while not _status_ok(server.base_url, token):
                if process.poll() is not None:
                    break
                if time.monotonic() > deadline:
                    tail = server.log_tail()
                    raise RuntimeError(f"JupyterLab did not answer /api/status in {timeout:.0f} s:\n{tail}")
                time.sleep(0.25)
            else:
                yield server
                return
        finally:
            _stop(process)
        if "already in use" not in server.log_tail() or attempt == attempts:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}:\n{server.log_tail()}")


# --- the page ------------------------------------------------------------------------------------

# Console messages of type "error" we accept, each with the reason it is not a problem.
# Matched as substrings of the message text; anything else fails the test.
BENIGN_CONSOLE_ERRORS: dict[str, str] = {}


@dataclass
class ConsoleLog:
    """JavaScript console errors/warnings and uncaught page errors, collected while the test runs."""

    errors: list[str]
    warnings: list[str]

    @classmethod
    def attach(cls, page) -> ConsoleLog:
        log = cls([], [])

        def on_console(message) -> None:
            if message.type == "error":
                where = message.location or {}
                source = f"{where.get('url', '?')}:{where.get('lineNumber', '?')}"
                log.errors.append(f"console.error: {message.text} ({source})")
            elif message.type == "warning":
                log.warnings.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: log.errors.append(f"pageerror: {error}"))
        return log

    def unexpected_errors(self) -> list[str]:
        return [text for text in self.errors if not any(benign in text for benign in BENIGN_CONSOLE_ERRORS)]


# Run All finished: the last code cell has the prompt [N] (N code cells, fresh kernel), or it stopped
# at an error. Returns the prompts, or null while running.
RUN_STATE_JS = """
() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const last = prompts[prompts.length - 1];
  const busy = prompts.some(p => p === '[*]:');
  const traceback = [...document.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .some(o => o.textContent.includes('Traceback'));
  const done = prompts.length > 0 && last === `[${prompts.length}]:`;
  return (!busy && (done || traceback)) ? prompts : null;
}
"""

# The swipe view's decoded picture: redraw counter, src, and one checksum per pixel column.
SWIPE_PIXELS_JS = """
async (view) => {
  // Decode a private copy of what is shown. The widget may swap the shown image while we read it and
  // revoke the old blob URL, which makes decode() reject (EncodingError): then read the new one.
  let img, version;
  for (let attempt = 1; ; attempt++) {
    const shown = view.querySelector('img.srlib-image');
    version = Number(view.dataset.version || 0);
    img = new Image();
    img.src = shown.src;
    try {
      await img.decode();
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(img, 0, 0);
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  const columns = new Array(width).fill(0);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      columns[x] = (columns[x] * 31 + data[i] * 65536 + data[i + 1] * 256 + data[i + 2]) % 2147483647;
    }
  return { version, src: img.src, width, height, columns };
}
"""
