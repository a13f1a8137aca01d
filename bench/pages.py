"""Measure guest pages against a bare Django page, and a first visit's bytes.

In one run: set up a throwaway platform (temporary var dir, demo content,
DEBUG off, the gunicorn settings of bin/start) on a free 127.0.0.1 port;
measure requests per second for a bare template page, the home page,
/courses and one course page, each as a ratio to the bare page; then count
the compressed bytes a first visit to /courses fetches (the HTML and the CSS,
JavaScript and fonts it references, no images). Every load is bounded in
time and in requests and goes to 127.0.0.1 only.

    bench/run                      # installs wrk, then runs this
    .venv/bin/python bench/pages.py --duration 4 --rounds 5
"""

import argparse
import gzip
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import brotli

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = BASE_DIR / ".venv" / "bin" / "python"
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en",
    "User-Agent": "iioe-bench",
}
TARGET_RATIO = 0.5
TARGET_FIRST_VISIT = 60 * 1024
FONT_OR_STYLE = re.compile(r"\.(css|woff2?|ttf|otf)(\?|#|$)")


@dataclass
class Load:
    page: str
    path: str
    requests_per_second: list[float] = field(default_factory=list)
    latency_ms_p50: list[float] = field(default_factory=list)
    errors: int = 0
    broken: int = 0  # the status it answered instead of 200, if any

    @property
    def median(self) -> float:
        return statistics.median(self.requests_per_second)

    def ratio_to(self, bare: "Load") -> float:
        """Return the median over rounds of this page's rate over the bare
        page's in the same round, which cancels most of the drift of a busy
        machine."""
        pairs = zip(self.requests_per_second, bare.requests_per_second, strict=True)
        return statistics.median(mine / theirs for mine, theirs in pairs)


@dataclass
class Fetched:
    url: str
    encoding: str
    body_bytes: int
    header_bytes: int


def main() -> int:
    options = parse_arguments()
    var_dir = Path(tempfile.mkdtemp(prefix="iioe-bench-"))
    port = options.port or free_port()
    env = platform_environment(var_dir, port)
    server = None
    try:
        prepare(env)
        server = start_server(env, var_dir)
        wait_until_up(port, server)
        course = first_course_path(port)
        pages = [
            Load("bare Django page", "/bench/bare"),
            Load("home page", "/"),
            Load("/courses", "/courses"),
            Load("course page", course),
        ]
        measure(pages, port, options)
        fetched = first_visit(port, "/courses")
        report(pages, fetched, options)
    finally:
        if server is not None:
            stop_server(server)
        if options.keep:
            print(f"Kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    return 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per load")
    parser.add_argument("--rounds", type=int, default=5, help="loads per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="upper bound of requests per load (Python client only)",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the var dir")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def platform_environment(var_dir: Path, port: int) -> dict[str, str]:
    """Return bin/start's environment, with a throwaway var dir and SQLite."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "DEBUG", "EMAIL_HOST"):
        env.pop(name, None)
    env.update(
        IIOE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        PORT=str(port),
        HOST=HOST,
        ACCESS_LOG=str(var_dir / "access.log"),
        PYTHONPATH=str(BASE_DIR),
    )
    return env


def prepare(env: dict[str, str]) -> None:
    steps = [
        ["collectstatic", "--noinput", "-v", "0"],
        ["migrate", "--noinput", "-v", "0"],
        ["createcachetable"],
        ["load_demo"],
    ]
    for step in steps:
        started = time.monotonic()
        print(f"manage.py {' '.join(step)} …", end=" ", flush=True)
        result = subprocess.run(  # noqa: S603
            [str(PYTHON), "manage.py", *step],
            cwd=BASE_DIR,
            env={**env, "LOG_LEVEL": "WARNING"},
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"{time.monotonic() - started:.1f} s")
        for line in result.stdout.splitlines():
            print(f"  {line}")


def start_server(env: dict[str, str], var_dir: Path) -> subprocess.Popen[bytes]:
    log = (var_dir / "gunicorn.log").open("wb")
    return subprocess.Popen(  # noqa: S603
        [
            str(GUNICORN),
            "--config",
            "iioe/config/gunicorn.py",
            "iioe.config.wsgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; see the log with --keep")
        try:
            if get(port, "/bench/bare")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes, int]:
    """GET a path; return status, headers, raw body and header size."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        header_bytes = len(f"HTTP/1.1 {response.status} {response.reason}\r\n\r\n")
        header_bytes += sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders())
        return response.status, dict(response.getheaders()), body, header_bytes
    finally:
        connection.close()


def first_course_path(port: int) -> str:
    status, _headers, body, _size = get(port, "/courses")
    if status != 200:
        raise SystemExit(f"/courses answered {status}")
    match = re.search(r'href="(/courses/[\w-]+)"', body.decode())
    if not match:
        raise SystemExit("/courses links no course page: is the demo content loaded?")
    return match.group(1)


def measure(pages: list[Load], port: int, options: argparse.Namespace) -> None:
    """Load each page in turn, round after round, so drift hits all alike."""
    client = options.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    print(
        f"Load generator: {client}, {options.connections} connections, "
        f"{options.rounds} × {options.duration} s per page"
    )
    busy = os.getloadavg()[0]
    if busy > 0.5:
        print(
            f"Note: load average {busy:.1f} on {os.cpu_count()} cores before the "
            "run; other work skews the figures (the ratios less than the rates)."
        )
    for page in pages:
        status = get(port, page.path, BROWSER_HEADERS)[0]
        if status != 200:
            print(f"{page.path} answered {status}: left out of the loads")
            page.broken = status
            continue
        run_load(client, port, page.path, 1, options)  # warm-up
    if pages[0].broken:
        raise SystemExit("the bare page does not answer: nothing to compare to")
    for _round in range(options.rounds):
        for page in (page for page in pages if not page.broken):
            rate, p50, errors = run_load(
                client, port, page.path, options.duration, options
            )
            page.requests_per_second.append(rate)
            page.latency_ms_p50.append(p50)
            page.errors += errors


def run_load(
    client: str, port: int, path: str, duration: int, options: argparse.Namespace
) -> tuple[float, float, int]:
    if client == "wrk":
        return wrk_load(port, path, duration, options.connections)
    return python_load(port, path, duration, options.connections, options.max_requests)


def wrk_load(
    port: int, path: str, duration: int, connections: int
) -> tuple[float, float, int]:
    command = ["wrk", "--threads", "2", "--connections", str(connections)]
    command += ["--duration", f"{duration}s", "--timeout", "10s", "--latency"]
    for name, value in BROWSER_HEADERS.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    output = subprocess.run(  # noqa: S603
        command, check=True, capture_output=True, text=True, timeout=duration + 30
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = wrk_milliseconds(re.search(r"50%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: (.*)", output):
        errors += sum(int(n) for n in re.findall(r"\d+", match.group(1)))
    return rate, p50, errors


def wrk_milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def python_load(
    port: int, path: str, duration: int, connections: int, max_requests: int
) -> tuple[float, float, int]:
    """Load a page from a separate process with keep-alive connections."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(
            python_client, (port, path, duration, connections, max_requests)
        )


def python_client(
    port: int, path: str, duration: int, connections: int, max_requests: int
) -> tuple[float, float, int]:
    deadline = time.monotonic() + duration
    budget = threading.Semaphore(max_requests)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def one_connection() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=BROWSER_HEADERS)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
                ok = False
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=one_connection) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, errors[0]


def first_visit(port: int, path: str) -> list[Fetched]:
    """Fetch a page as a first-time browser would: the HTML, then its CSS,
    scripts and fonts (no images), every one compressed if the server can."""
    fetched: list[Fetched] = []
    seen: set[str] = set()

    def fetch(url: str) -> bytes:
        status, headers, body, header_bytes = get(port, url, BROWSER_HEADERS)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        encoding = headers.get("Content-Encoding", "none")
        fetched.append(Fetched(url, encoding, len(body), header_bytes))
        return decoded(body, encoding)

    html = fetch(path).decode()
    queue = [urljoin(path, ref) for ref in html_assets(html)]
    while queue:
        url = queue.pop(0)
        if url in seen or urlsplit(url).netloc:
            continue
        seen.add(url)
        content = fetch(url)
        if urlsplit(url).path.endswith(".css"):
            queue += [urljoin(url, ref) for ref in css_assets(content.decode())]
    return fetched


def html_assets(html: str) -> list[str]:
    """Return the stylesheets, scripts and preloaded fonts a page references."""
    assets = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    for tag in re.findall(r"<link[^>]+>", html):
        rel = re.search(r'rel="([^"]+)"', tag)
        href = re.search(r'href="([^"]+)"', tag)
        if not (rel and href):
            continue
        kinds = set(rel.group(1).split())
        preloaded = "preload" in kinds and re.search(r'as="(script|style|font)"', tag)
        if kinds & {"stylesheet", "modulepreload"} or preloaded:
            assets.append(href.group(1))
    return assets


def css_assets(css: str) -> list[str]:
    """Return the stylesheets and fonts a stylesheet pulls in (no images)."""
    references = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css)
    references += re.findall(r"@import\s+['\"]([^'\"]+)['\"]", css)
    return [ref for ref in references if FONT_OR_STYLE.search(ref)]


def decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return bytes(brotli.decompress(body))
    return body


def report(
    pages: list[Load], fetched: list[Fetched], options: argparse.Namespace
) -> None:
    bare = pages[0]
    print()
    print(f"{'page':<20} {'path':<40} {'req/s':>8} {'p50 ms':>7} {'ratio':>6}")
    for page in pages:
        if page.broken:
            print(f"{page.page:<20} {page.path[:40]:<40} answered {page.broken}")
            continue
        p50 = statistics.median(page.latency_ms_p50)
        ratio = page.ratio_to(bare)
        print(
            f"{page.page:<20} {page.path[:40]:<40} {page.median:>8.0f} "
            f"{p50:>7.1f} {ratio:>6.2f}"
        )
    errors = sum(page.errors for page in pages)
    if errors:
        print(f"WARNING: {errors} failed or non-2xx responses during the loads")

    print()
    print(f"First visit to /courses ({BROWSER_HEADERS['Accept-Encoding']}):")
    for item in fetched:
        print(
            f"  {item.url[:60]:<60} {item.encoding:>5} {item.body_bytes:>7} B "
            f"+ {item.header_bytes} B headers"
        )
    body_total = sum(item.body_bytes for item in fetched)
    total = body_total + sum(item.header_bytes for item in fetched)
    print(f"  total {total / 1024:.1f} KB ({body_total / 1024:.1f} KB of bodies)")

    ratio = 0.0 if pages[2].broken else pages[2].ratio_to(bare)
    ratio_verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    size_verdict = "met" if total <= TARGET_FIRST_VISIT else "MISSED"
    print()
    print(f"/courses at {ratio:.2f} of the bare page (target ≥ 0.5): {ratio_verdict}")
    print(f"first visit {total / 1024:.1f} KB (target ≤ 60 KB): {size_verdict}")

    figures = {
        "pages": [
            {**asdict(page), "median": page.median, "ratio": page.ratio_to(bare)}
            for page in pages
            if not page.broken
        ],
        "first_visit": [asdict(item) for item in fetched],
        "first_visit_total_bytes": total,
        "options": {k: str(v) for k, v in vars(options).items()},
        "cpus": os.cpu_count(),
    }
    results = options.json or BASE_DIR / "bench" / "results" / "pages.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"Figures written to {results}")


if __name__ == "__main__":
    sys.exit(main())
