"""Run the bundled vizrun binary from Python and read what it wrote.

Thin on purpose: vizrun does the work; this module finds the binary, runs it, passes its log
lines on, turns a failure into `VizrunError`, and reads `manifest.json` and `.npy` artifacts.
NumPy is needed only by `Output.array`, IPython never (Jupyter calls `_repr_html_` itself).
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

__all__ = ["run", "binary", "Output", "VizrunError", "__version__"]

_PACKAGE = Path(__file__).resolve().parent


def _bundled_version() -> str:
    try:
        from importlib.metadata import version
        return version("vizrun")
    except Exception:  # running from a source checkout, not an installed wheel
        return "unknown"


__version__ = _bundled_version()


class VizrunError(Exception):
    """vizrun exited with a non-zero status. `message` is its (first) one-line error
    (`vizrun: …`), `errors` every such line (a config with several mistakes gets one each),
    `text` what it printed from the first error on (each error's config line and caret),
    `status` the exit status, `log` everything it printed."""

    def __init__(self, message: str, status: int, log: str, errors=(), text: str = ""):
        super().__init__(f"{text or message}\n(exit status {status})")
        self.message = message
        self.errors = list(errors) or [message]
        self.text = text or message
        self.status = status
        self.log = log


def binary() -> str:
    """The vizrun executable: `$VIZRUN_BINARY` if set (a development build), else the bundled one."""
    path = os.environ.get("VIZRUN_BINARY") or str(_PACKAGE / "bin" / "vizrun")
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"no vizrun executable at {path}; install the vizrun wheel or set VIZRUN_BINARY")
    return path


# vizrun's last log line on success names the output folder.
_WROTE = re.compile(r"^wrote .* to (?P<folder>.+)$")


def run(config, *args: str, output=None, log=None) -> "Output":
    """`vizrun CONFIG ARGS…`; returns the output folder it wrote. `output` is `-o`. Each line vizrun
    prints goes to `log` (a callable; default: write to sys.stderr) as it comes."""
    command = [binary(), str(config), *map(str, args)]
    if output is not None:
        command += ["--output", str(output)]
    emit = log or (lambda line: print(line, file=sys.stderr, flush=True))
    lines = []
    # stderr carries the log and any error; stdout is merged so nothing is lost in a notebook.
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", bufsize=1) as process:
        try:
            for line in process.stdout:
                line = line.rstrip("\n")
                lines.append(line)
                emit(line)
        except BaseException:
            # An interrupted notebook cell (KeyboardInterrupt reaches Python, not vizrun) stops the run too.
            process.terminate()
            raise
    if process.returncode != 0:
        raise _error(lines, process.returncode)
    if output is not None:
        return Output(output)
    for line in reversed(lines):
        match = _WROTE.match(line)
        if match:
            return Output(match.group("folder"))
    raise RuntimeError("vizrun printed no output folder (with --quiet, pass output=)")


def _error(lines, status) -> VizrunError:
    """vizrun's own `vizrun: …` lines, else the argument parser's `Error: …`, else the last line."""
    log = "\n".join(lines)
    for prefix in ("vizrun: ", "Error: "):
        errors = [line for line in lines if line.startswith(prefix)]
        if errors:
            first = lines.index(errors[0])
            return VizrunError(errors[0], status, log, errors, "\n".join(lines[first:]).rstrip())
    last = next((line for line in reversed(lines) if line.strip()), "vizrun failed without a message")
    return VizrunError(last, status, log)


class Output:
    """An output folder vizrun wrote: its manifest, its arrays, its report."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._manifest = None

    def __repr__(self):
        return f"vizrun.Output({str(self.folder)!r})"

    @property
    def manifest(self) -> dict:
        """`manifest.json` as a dict, read on first use."""
        if self._manifest is None:
            self._manifest = json.loads((self.folder / "manifest.json").read_text())
        return self._manifest

    @property
    def report(self) -> Path:
        return self.folder / "report.html"

    def artifacts(self, run: str, **match) -> list:
        """The artifact records of the run named `run` whose fields equal `match` (e.g. input=, layer=, role=, kind=)."""
        runs = {record["name"]: record for record in self.manifest["runs"]}
        if run not in runs:
            raise KeyError(f"no run named {run!r}; the runs are {sorted(runs)}")
        return [a for a in runs[run]["artifacts"] if all(a.get(key) == value for key, value in match.items())]

    def array(self, run: str, **match):
        """The one `.npy` artifact of `run` that `match` selects, memory-mapped (read when indexed)."""
        import numpy  # only here: reading the manifest needs no NumPy

        found = self.artifacts(run, kind="array", **match)
        if len(found) != 1:
            keys = ("input", "layer", "role", "channel", "filter", "classIndex")
            choices = sorted({tuple((k, a[k]) for k in keys if a.get(k) is not None)
                              for a in self.artifacts(run, kind="array")})
            raise LookupError(f"{len(found)} arrays of run {run!r} match {match}; the arrays are "
                              + "; ".join(", ".join(f"{k}={v}" for k, v in c) for c in choices[:20]))
        return numpy.load(self.folder / found[0]["path"], mmap_mode="r")

    # Images above this total are linked rather than inlined, to keep notebooks small.
    INLINE_LIMIT = 32 * 1024 * 1024

    def _repr_html_(self) -> str:
        """The report in an iframe. Its images are inlined as data URIs: a notebook's page cannot
        load files beside the report by a relative path."""
        page = self.report.read_text()
        budget = [self.INLINE_LIMIT]

        def inline(match):
            path = self.folder / unquote(html.unescape(match.group(2)))
            if not path.is_file() or path.stat().st_size > budget[0]:
                return match.group(0)
            budget[0] -= path.stat().st_size
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return f'{match.group(1)}"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"'

        page = re.sub(r'(<img\b[^>]*?\bsrc=)"([^":]+)"', inline, page)
        return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:720px;border:0" '
                f'title="vizrun report: {html.escape(str(self.folder))}"></iframe>')
