"""A small fake of the GitHub REST API on 127.0.0.1, for end-to-end tests and the benchmark.

It serves just what slo-gate's history side calls, with GitHub's rules where they matter:
filtered workflow-run listings (``branch``, ``event``, ``status``, ``created`` ranges) that stop
at 1,000 results, ``Link`` pagination, jobs per attempt, the contents API with blob-sha checks
(409 on a stale sha, 422 when a file exists and no sha was given), branches, git data (trees,
commits, refs) and commits/compare. Faults (a status, a delay) can be queued per path, and every
request is logged so tests and the benchmark count them.

Runs in a thread (``ThreadingHTTPServer``), so two writers really race.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CAP = 1000
FMT = "%Y-%m-%dT%H:%M:%SZ"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime(FMT)


def _parse(value: str) -> datetime:
    if "T" not in value:
        value += "T00:00:00Z"
    return datetime.fromisoformat(value)


def created_matches(created: str | None, query: str) -> bool:
    """GitHub's ``created`` qualifier: ``a..b``, ``>=a``, ``<=b``, ``>a``, ``<b`` or a date."""
    if created is None:
        return False
    at = _parse(created)
    if ".." in query:
        lo, hi = query.split("..", 1)
        return (lo in ("", "*") or at >= _parse(lo)) and (hi in ("", "*") or at <= _parse(hi))
    for op, test in ((">=", at.__ge__), ("<=", at.__le__), (">", at.__gt__), ("<", at.__lt__)):
        if query.startswith(op):
            return bool(test(_parse(query[len(op) :])))
    return at.date() == _parse(query).date()


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's blob hash


@dataclass
class Fault:
    method: str
    path_re: str
    status: int = 502
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Bad Gateway"})
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class State:
    owner: str = "o"
    repo: str = "r"
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # workflow -> runs
    jobs: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)
    attempts: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    branches: dict[str, dict[str, bytes]] = field(default_factory=dict)  # branch -> path -> data
    commits: dict[str, list[str]] = field(default_factory=dict)  # sha -> parents
    faults: deque[Fault] = field(default_factory=deque)
    log: list[Logged] = field(default_factory=list)
    write_delay_s: float = 0.0
    pending_tree: dict[str, str] = field(default_factory=dict)
    remaining: int = 5000
    limit: int = 5000  # the hourly limit stated (X-RateLimit-Limit); the Actions token has 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str | None = None, path_re: str | None = None) -> int:
        return sum(
            1
            for e in self.log
            if (method is None or e.method == method)
            and (path_re is None or re.search(path_re, e.path))
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def setup(self) -> None:
        super().setup()
        # headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- plumbing

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        st = self.server.state
        with st.lock:
            st.remaining = max(0, st.remaining - 1)
            remaining = st.remaining
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", str(st.limit))
        self.send_header("X-RateLimit-Remaining", str(remaining))
        self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parsed = json.loads(raw) if raw else {}
        return parsed if isinstance(parsed, dict) else {}

    def _route(self, method: str) -> None:
        st = self.server.state
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        prefix = f"/repos/{st.owner}/{st.repo}"
        body = self._body() if method in ("PUT", "POST", "PATCH") else {}
        fault = self._take_fault(method, path)
        if fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            st.log.append(Logged(method, path, query, fault.status))
            with contextlib.suppress(OSError):  # the client may have given up (timeout)
                self._send(fault.status, fault.body, fault.headers)
            return
        status, payload, headers = self._dispatch(method, path.removeprefix(prefix), query, body)
        st.log.append(Logged(method, path, query, status))
        self._send(status, payload, headers)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        st = self.server.state
        with st.lock:
            for fault in list(st.faults):
                if fault.method == method and re.search(fault.path_re, path):
                    st.faults.remove(fault)
                    return fault
        return None

    def do_GET(self) -> None:
        self._route("GET")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_POST(self) -> None:
        self._route("POST")

    # -- the API

    def _dispatch(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        routes = [
            ("GET", r"^/actions/workflows/(?P<wf>[^/]+)/runs$", self._list_runs),
            ("GET", r"^/actions/runs/(?P<id>\d+)/attempts/(?P<n>\d+)/jobs$", self._jobs),
            ("GET", r"^/actions/runs/(?P<id>\d+)/jobs$", self._jobs),
            ("GET", r"^/actions/runs/(?P<id>\d+)/attempts/(?P<n>\d+)$", self._attempt),
            ("GET", r"^/contents/(?P<p>.+)$", self._get_contents),
            ("PUT", r"^/contents/(?P<p>.+)$", self._put_contents),
            ("GET", r"^/branches/(?P<b>.+)$", self._get_branch),
            ("POST", r"^/git/trees$", self._post_tree),
            ("POST", r"^/git/commits$", self._post_commit),
            ("POST", r"^/git/refs$", self._post_ref),
            ("GET", r"^/commits/(?P<sha>[^/]+)$", self._get_commit),
            ("GET", r"^/commits$", self._list_commits),
            ("GET", r"^/compare/(?P<a>[^.]+)\.\.\.(?P<b>.+)$", self._compare),
        ]
        for verb, pattern, handler in routes:
            m = re.match(pattern, path)
            if verb == method and m:
                return handler(m.groupdict(), query, body)
        return 404, {"message": "Not Found"}, {}

    def _url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def _list_runs(
        self, g: dict[str, str], q: dict[str, list[str]], _: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        st = self.server.state
        runs = st.runs.get(g["wf"])
        if runs is None:
            return 404, {"message": "Not Found"}, {}

        def keep(r: dict[str, Any]) -> bool:
            for key, field_name in (("branch", "head_branch"), ("event", "event")):
                if key in q and r.get(field_name) != q[key][0]:
                    return False
            if "status" in q and r.get("status") != q["status"][0]:
                return False
            return "created" not in q or created_matches(r.get("created_at"), q["created"][0])

        matched = sorted((r for r in runs if keep(r)), key=lambda r: r["created_at"], reverse=True)
        per_page = min(100, int(q.get("per_page", ["30"])[0]))
        page = int(q.get("page", ["1"])[0])
        served = matched[:CAP]
        items = served[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(served) // per_page))
        headers = {}
        if page < last:
            base = {k: v[0] for k, v in q.items() if k != "page"}
            qs = "&".join(f"{k}={v}" for k, v in base.items())
            prefix = f"/repos/{st.owner}/{st.repo}/actions/workflows/{g['wf']}/runs"
            headers["Link"] = (
                f'<{self._url(prefix)}?{qs}&page={page + 1}>; rel="next", '
                f'<{self._url(prefix)}?{qs}&page={last}>; rel="last"'
            )
        return 200, {"total_count": len(matched), "workflow_runs": items}, headers

    def _jobs(
        self, g: dict[str, str], q: dict[str, list[str]], _: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        st = self.server.state
        run_id = int(g["id"])
        attempt = int(g["n"]) if g.get("n") else max([n for i, n in st.jobs if i == run_id] or [1])
        jobs = st.jobs.get((run_id, attempt))
        if jobs is None:
            return 404, {"message": "Not Found"}, {}
        per_page = min(100, int(q.get("per_page", ["30"])[0]))
        page = int(q.get("page", ["1"])[0])
        items = jobs[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(jobs):
            path = f"/repos/{st.owner}/{st.repo}/actions/runs/{run_id}/attempts/{attempt}/jobs"
            headers["Link"] = f'<{self._url(path)}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, {"total_count": len(jobs), "jobs": items}, headers

    def _attempt(
        self, g: dict[str, str], _q: dict[str, list[str]], _b: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        found = self.server.state.attempts.get((int(g["id"]), int(g["n"])))
        return (200, found, {}) if found else (404, {"message": "Not Found"}, {})

    def _content_json(self, path: str, data: bytes) -> dict[str, Any]:
        return {
            "type": "file",
            "encoding": "base64",
            "path": path,
            "name": path.rsplit("/", 1)[-1],
            "sha": blob_sha(data),
            "size": len(data),
            "content": base64.b64encode(data).decode(),
            "url": self._url(f"/repos/o/r/contents/{path}"),
        }

    def _get_contents(
        self, g: dict[str, str], q: dict[str, list[str]], _: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        st = self.server.state
        branch = q.get("ref", ["main"])[0]
        with st.lock:
            files = st.branches.get(branch)
            if files is None:
                return 404, {"message": f"No commit found for the ref {branch}"}, {}
            data = files.get(g["p"])
        if data is None:
            return 404, {"message": "Not Found"}, {}
        return 200, self._content_json(g["p"], data), {}

    def _put_contents(
        self, g: dict[str, str], _q: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        st = self.server.state
        branch, path = body.get("branch", "main"), g["p"]
        new = base64.b64decode(body.get("content", ""))
        if st.write_delay_s:
            time.sleep(st.write_delay_s)  # widen the race window between read and write
        with st.lock:
            files = st.branches.get(branch)
            if files is None:
                return 404, {"message": f"Branch {branch} not found"}, {}
            old = files.get(path)
            if old is not None and "sha" not in body:
                return 422, {"message": 'Invalid request.\n\n"sha" wasn\'t supplied.'}, {}
            if old is not None and body["sha"] != blob_sha(old):
                return 409, {"message": f"{path} does not match {body['sha']}"}, {}
            if old is None and "sha" in body:
                return 409, {"message": f"{path} does not match {body['sha']}"}, {}
            files[path] = new
        commit = {"sha": blob_sha(b"commit" + new), "url": self._url("/c"), "message": "m"}
        return (
            (201 if old is None else 200),
            {
                "content": self._content_json(path, new),
                "commit": commit,
            },
            {},
        )

    def _get_branch(
        self, g: dict[str, str], _q: dict[str, list[str]], _b: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        if g["b"] not in self.server.state.branches:
            return 404, {"message": "Branch not found"}, {}
        return 200, {"name": g["b"], "commit": {"sha": "0" * 40}, "protected": False}, {}

    def _post_tree(
        self, _g: dict[str, str], _q: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        self.server.state.pending_tree = {t["path"]: t.get("content", "") for t in body["tree"]}
        return 201, {"sha": "t" * 40, "url": self._url("/t"), "tree": []}, {}

    def _post_commit(
        self, _g: dict[str, str], _q: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        return 201, {"sha": "c" * 40, "url": self._url("/c"), "message": body.get("message")}, {}

    def _post_ref(
        self, _g: dict[str, str], _q: dict[str, list[str]], body: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        st = self.server.state
        name = str(body.get("ref", "")).removeprefix("refs/heads/")
        with st.lock:
            if name in st.branches:
                return 422, {"message": "Reference already exists"}, {}
            st.branches[name] = {p: c.encode() for p, c in st.pending_tree.items()}
        ref = {"ref": body.get("ref"), "url": self._url("/ref"), "object": {"sha": body.get("sha")}}
        return 201, ref, {}

    def _commit_json(self, sha: str) -> dict[str, Any]:
        parents = self.server.state.commits.get(sha, [])
        return {
            "sha": sha,
            "url": self._url(f"/repos/o/r/commits/{sha}"),
            "parents": [{"sha": p, "url": self._url(f"/repos/o/r/commits/{p}")} for p in parents],
        }

    def _get_commit(
        self, g: dict[str, str], _q: dict[str, list[str]], _b: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        if g["sha"] not in self.server.state.commits:
            return 404, {"message": "No commit found for SHA"}, {}
        return 200, self._commit_json(g["sha"]), {}

    def _list_commits(
        self, _g: dict[str, str], q: dict[str, list[str]], _b: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        """Ancestors of ``sha`` (breadth first, like a date-ordered log), one page."""
        commits = self.server.state.commits
        start = q.get("sha", [""])[0]
        per_page = min(100, int(q.get("per_page", ["30"])[0]))
        order: list[dict[str, Any]] = []
        todo, seen = deque([start]), {start}
        while todo and len(order) < per_page:
            sha = todo.popleft()
            if sha not in commits:
                continue
            order.append(self._commit_json(sha))
            for p in commits[sha]:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return 200, order, {}

    def _compare(
        self, g: dict[str, str], _q: dict[str, list[str]], _b: dict[str, Any]
    ) -> tuple[int, Any, dict[str, str]]:
        commits = self.server.state.commits
        if g["a"] not in commits or g["b"] not in commits:
            return 404, {"message": "Not Found"}, {}

        def ancestors(sha: str) -> list[str]:
            out, todo = [], [sha]
            while todo:
                s = todo.pop(0)
                if s not in out:
                    out.append(s)
                    todo.extend(commits.get(s, []))
            return out

        mine = set(ancestors(g["a"]))
        base = next((s for s in ancestors(g["b"]) if s in mine), None)
        if base is None:
            return 404, {"message": "No common ancestor"}, {}
        return (
            200,
            {
                "url": self._url(f"/repos/o/r/compare/{g['a']}...{g['b']}"),
                "status": "diverged",
                "merge_base_commit": self._commit_json(base),
                "base_commit": self._commit_json(g["a"]),
                "commits": [],
                "files": [],
            },
            {},
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def serve(state: State | None = None) -> Iterator[tuple[str, State]]:
    """Run the fake on an ephemeral port; yields (base URL for GITHUB_API_URL, state)."""
    st = state or State()
    server = _Server(st)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}", st
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ----------------------------------------------------------------------------- data builders


def make_run(
    run_id: int,
    created: datetime,
    *,
    conclusion: str | None = "success",
    status: str = "completed",
    branch: str = "main",
    event: str = "push",
    attempt: int = 1,
    name: str = "CI",
) -> dict[str, Any]:
    """A workflow run as the listing API shows it (the fields slo-gate reads)."""
    return {
        "id": run_id,
        "name": name,
        "head_branch": branch,
        "head_sha": f"{run_id:040x}",
        "event": event,
        "status": status,
        "conclusion": conclusion if status == "completed" else None,
        "run_attempt": attempt,
        "created_at": iso(created),
        "updated_at": iso(created),
        "run_started_at": iso(created),
    }


def make_job(
    name: str,
    started: datetime,
    seconds: float,
    *,
    steps: list[tuple[str, float, str]] | None = None,
    conclusion: str = "success",
) -> dict[str, Any]:
    """A job with steps (name, seconds, conclusion) laid out one after another."""
    out_steps, t = [], started
    for i, (step, secs, concl) in enumerate(steps or []):
        end = datetime.fromtimestamp(t.timestamp() + secs, UTC)
        out_steps.append(
            {
                "name": step,
                "number": i + 1,
                "status": "completed",
                "conclusion": concl,
                "started_at": iso(t),
                "completed_at": iso(end),
            }
        )
        t = end
    return {
        "name": name,
        "status": "completed",
        "conclusion": conclusion,
        "started_at": iso(started),
        "completed_at": iso(datetime.fromtimestamp(started.timestamp() + seconds, UTC)),
        "steps": out_steps,
    }
