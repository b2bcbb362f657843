"""HTTP benchmark helpers: gunicorn servers on loopback, a small cookie-keeping client, and
wrk runs whose output (and a Lua `done` summary with p95) is parsed into numbers."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_path() -> str:
    found = VENV_BIN / "gunicorn"
    if found.exists():
        return str(found)
    found = shutil.which("gunicorn")
    if not found:
        raise SystemExit(
            "gunicorn is missing: .venv/bin/pip install gunicorn (make bench installs it)"
        )
    return found


class Server:
    """A gunicorn master serving `app` on 127.0.0.1:<port>; stop() ends it (and its workers)."""

    def __init__(self, app: str, env: dict, workers: int = 4, name: str = "server"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        cmd = [
            gunicorn_path(),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            app,
        ]
        self.command = " ".join(cmd)
        self.process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.errors()}")
            try:
                urllib.request.urlopen(self.url + path, timeout=5).read()
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start on {self.url}")

    def errors(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies like a browser; does not follow redirects (the caller sees 302s)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | list | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, data):
        return self.request(path, data)

    def csrf_token(self, path: str) -> str:
        status, _, body = self.get(path)
        match = re.search(rb'name="csrf_token" value="([^"]+)"', body)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1).decode()

    def sign_in(self, login: str, password: str) -> None:
        token = self.csrf_token("/masuk")
        status, headers, _ = self.post(
            "/masuk", {"csrf_token": token, "login": login, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"sign-in as {login} answered {status}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)


LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_SUMMARY {\"duration_us\": %d, \"requests\": %d, \"bytes\": %d, "
    .. "\"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"timeout\": %d, "
    .. "\"mean_us\": %.1f, \"p50_us\": %d, \"p75_us\": %d, \"p90_us\": %d, \"p95_us\": %d, "
    .. "\"p99_us\": %d, \"max_us\": %d}\n",
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def lua_script(method="GET", bodies=None, headers=None) -> str:
    """A wrk script: method and headers of every request, the body (several bodies are sent in
    turn, per thread), and the summary printer. Values go through json.dumps: an ASCII
    double-quoted string is a valid Lua string."""
    lines = [f"wrk.method = {json.dumps(method)}"]
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    bodies = list(bodies or [])
    if len(bodies) == 1:
        lines.append(f"wrk.body = {json.dumps(bodies[0])}")
    elif bodies:
        lines.append("local bodies = {" + ", ".join(json.dumps(b) for b in bodies) + "}")
        lines.append("local turn = 0")
        lines.append(
            "request = function()\n"
            "  turn = turn % #bodies + 1\n"
            "  return wrk.format(nil, nil, nil, bodies[turn])\n"
            "end"
        )
    return "\n".join(lines) + "\n" + LUA_DONE


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def parse_wrk(output: str) -> dict:
    """Requests/s, the latency distribution and the errors wrk printed (and our summary)."""
    result: dict = {}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["requests_per_second"] = float(match.group(1)) if match else 0.0
    match = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", output)
    if match:
        result["requests"] = int(match.group(1))
        result["duration_s"] = round(_ms(match.group(2)) / 1000, 2)
        result["read"] = match.group(3)
    distribution = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    result["wrk_percentiles_ms"] = {k: round(_ms(v), 2) for k, v in distribution.items()}
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True))
        if match
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx_3xx"] = int(match.group(1)) if match else 0
    match = re.search(r"^BENCH_SUMMARY (\{.*\})$", output, re.M)
    if match:
        summary = json.loads(match.group(1))
        result["latency_ms"] = {
            key[:-3]: round(summary[key] / 1000, 2)
            for key in ("mean_us", "p50_us", "p75_us", "p90_us", "p95_us", "p99_us", "max_us")
        }
        result["status_errors"] = summary["status"]
    return result


def run_wrk(
    url: str,
    duration: float,
    connections: int = 32,
    threads: int = 2,
    method: str = "GET",
    bodies: list | None = None,
    headers: dict | None = None,
    timeout: str = "30s",
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(method, bodies, headers))
        script = f.name
    cmd = [
        "wrk",
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        timeout,
        "-s",
        script,
        url,
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    finally:
        os.unlink(script)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["errors"] = result["non_2xx_3xx"] + sum(result["socket_errors"].values())
    result["raw"] = done.stdout
    return result
