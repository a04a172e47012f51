"""History on a data branch: monthly JSON-lines files written through the contents API.

Why a branch: an Action has no database, but it has its repository. Records go to
``records/YYYY-MM.jsonl`` on a branch of their own (default ``slo-gate-data``), so they never
touch the code, need no extra service, and are readable with ``git`` by anyone.

Who writes: only trusted events (a push to a tracked branch, ``schedule``,
``workflow_dispatch``). Pull requests (forks included, whose token is read-only anyway) read and
never write, so a pull request cannot rewrite the baseline it is compared with.

Concurrent writers lose nothing: the contents API refuses a write whose blob ``sha`` is stale
(409, or 422 when the file was created meanwhile); the writer re-reads, merges its line into
the new content and tries again after a jittered, growing delay. A record already present is not
written twice, so a retried write that had in fact succeeded is harmless.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from github import GithubException, InputGitTreeElement
from github.ContentFile import ContentFile
from pydantic import ValidationError

from slo_gate.errors import HistoryError
from slo_gate.formatting import counted
from slo_gate.github.client import GitHubApiError, GitHubClient, OnApiError, github_error
from slo_gate.history.file_store import CLOCK_SKEW, as_utc
from slo_gate.history.run_cache import WorkflowCache, cache_file_name
from slo_gate.history.store import HistoryStore
from slo_gate.measurements import Problem
from slo_gate.records import Record

DEFAULT_BRANCH = "slo-gate-data"
TRUSTED_EVENTS = frozenset({"schedule", "workflow_dispatch"})
README = (
    "# slo-gate history\n\n"
    "Written by slo-gate on trusted events only. `records/YYYY-MM.jsonl` holds one gate run per\n"
    "line (UTC months); `cache/runs/*.json` keeps workflow-run summaries for incremental sync.\n"
)


@dataclass(frozen=True)
class EventContext:
    """The triggering event, enough to decide whether this run may write history."""

    event_name: str
    ref: str = ""
    tracked_branches: tuple[str, ...] = ("main",)

    @property
    def trusted(self) -> bool:
        if self.event_name in TRUSTED_EVENTS:
            return True
        if self.event_name != "push" or not self.ref.startswith("refs/heads/"):
            return False
        return self.ref.removeprefix("refs/heads/") in self.tracked_branches


def month_path(at: datetime) -> str:
    """``records/2026-01.jsonl``: the UTC month of a record."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return f"records/{at.astimezone(UTC):%Y-%m}.jsonl"


def months_back(now: datetime, count: int) -> list[str]:
    """Paths of the ``count`` UTC months ending with ``now``'s month, oldest first."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    year, month = now.astimezone(UTC).year, now.astimezone(UTC).month
    paths = []
    for _ in range(max(1, count)):
        paths.append(f"records/{year:04d}-{month:02d}.jsonl")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return paths[::-1]


def merge_lines(existing: str, new_lines: Sequence[str]) -> tuple[str, bool]:
    """Existing content plus the new lines not already in it; (content, changed)."""
    lines = [ln for ln in existing.splitlines() if ln.strip()]
    present = set(lines)
    added = [ln for ln in new_lines if ln not in present]
    if not added:
        return existing, False
    return "\n".join([*lines, *added]) + "\n", True


def _is_conflict(exc: GithubException) -> bool:
    """A stale blob sha (409), or a file created meanwhile ("sha" wasn't supplied, 422)."""
    if exc.status == 409:
        return True
    return exc.status == 422 and "sha" in str(exc.data).lower()


class GitHubBranchStore(HistoryStore):
    """``HistoryStore`` over a data branch; see the module docstring for the rules."""

    def __init__(
        self,
        client: GitHubClient,
        *,
        context: EventContext,
        now: datetime,
        branch: str = DEFAULT_BRANCH,
        months: int = 3,
        on_api_error: OnApiError = "warn",
        max_attempts: int = 8,
        base_delay_s: float = 0.5,
        max_delay_s: float = 20.0,
        sleeper: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.context = context
        self.now = now
        self.branch = branch
        self.months = months
        self.on_api_error: OnApiError = on_api_error
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.sleeper = sleeper
        self.rand = rand
        self.name = f"GitHub branch {branch}"
        self._problems: list[Problem] = []
        self.conflicts = 0
        self._branch_exists: bool | None = None

    # -- HistoryStore

    @property
    def problems(self) -> Sequence[Problem]:
        return tuple(self._problems)

    def read(self) -> Sequence[Record]:
        """Records of the last ``months`` UTC months, oldest first; failures become problems."""
        records: list[Record] = []
        try:
            found_any = False
            for path in months_back(self.now, self.months):
                text, _ = self.read_document(path)
                if text is None:
                    continue
                found_any = True
                records.extend(self._parse(path, text))
            if not found_any:
                self._no_history_yet()
        except GitHubApiError as err:
            self._problems.append(err.to_problem(self.on_api_error, path=self._where()))
            return []
        return sorted(records, key=lambda r: r.recorded_at)

    def append(self, record: Record) -> None:
        """Write one record on a trusted event; on other events note that nothing was written."""
        if not self.context.trusted:
            self._problems.append(
                Problem(
                    code="history-read-only",
                    message=f"history not written: {self.context.event_name or 'this'} events "
                    f"only read {self.name} (trusted: push to "
                    f"{', '.join(self.context.tracked_branches)}, schedule, workflow_dispatch)",
                    level="notice",
                    source="history",
                )
            )
            return
        line = record.model_dump_json()
        path = month_path(record.recorded_at)
        try:
            self.write_lines(path, [line], f"slo-gate: record {record.commit or 'run'}")
        except GitHubApiError as err:
            self._problems.append(err.to_problem(self.on_api_error, path=self._where(path)))
            if self.on_api_error == "fail":
                raise

    # -- documents

    def read_document(self, path: str) -> tuple[str | None, str | None]:
        """(text, blob sha) of a file on the branch; (None, None) when it does not exist."""
        repo = self.client.repo()
        try:
            found = repo.get_contents(path, ref=self.branch)
        except GithubException as exc:
            if exc.status == 404:
                return None, None
            raise github_error(exc, f"reading {path} on branch {self.branch}") from None
        except Exception as exc:
            raise github_error(exc, f"reading {path} on branch {self.branch}") from None
        if isinstance(found, list):
            raise GitHubApiError(
                f"{path} on branch {self.branch} is a folder, expected a file",
                code="history-bad-layout",
                fix=f"remove or rename the folder {path} on branch {self.branch}",
            )
        return self._decode(found), found.sha

    def _decode(self, content: ContentFile) -> str:
        """File text; files over 1 MB come back without content and are read as a git blob."""
        if content.encoding == "base64" and content.content is not None:
            return content.decoded_content.decode("utf-8", errors="replace")
        try:
            blob = self.client.repo().get_git_blob(content.sha)
        except Exception as exc:
            raise github_error(exc, f"reading blob of {content.path}") from None
        return base64.b64decode(blob.content).decode("utf-8", errors="replace")

    def write_lines(self, path: str, lines: Sequence[str], message: str) -> None:
        """Append lines to a file, merging with concurrent writers (409/422 → re-read, retry)."""
        self.write_document(path, lambda old: merge_lines(old or "", lines), message)

    def write_document(
        self,
        path: str,
        update: Callable[[str | None], tuple[str, bool]],
        message: str,
    ) -> None:
        """Read-modify-write one file with optimistic concurrency on its blob sha.

        ``update`` gets the current text (``None`` if the file does not exist) and returns the
        new text and whether it changed; it runs again after every conflict, so it must merge,
        never overwrite.
        """
        if not self.context.trusted:
            raise HistoryError(
                f"refusing to write {path}: {self.context.event_name} events are read-only",
                fix="write history only from push, schedule or workflow_dispatch workflows",
            )
        for attempt in range(self.max_attempts):
            text, sha = self.read_document(path)
            if text is None and not self._ensure_branch():
                continue  # the branch was just created: read again
            new_text, changed = update(text)
            if not changed:
                return
            try:
                self._put(path, new_text, sha, message)
                return
            except GithubException as exc:
                if not _is_conflict(exc):
                    raise github_error(exc, f"writing {path} on branch {self.branch}") from None
            except Exception as exc:
                raise github_error(exc, f"writing {path} on branch {self.branch}") from None
            self.conflicts += 1
            self._backoff(attempt)
        raise GitHubApiError(
            f"could not write {path} on branch {self.branch}: "
            f"{self.max_attempts} attempts met concurrent writers",
            code="history-write-conflict",
            fix="re-run the job; if it keeps happening, fewer workflows should write history",
        )

    def _put(self, path: str, text: str, sha: str | None, message: str) -> None:
        repo = self.client.repo()
        if sha is None:
            repo.create_file(path, message, text, branch=self.branch)
        else:
            repo.update_file(path, message, text, sha, branch=self.branch)

    def _backoff(self, attempt: int) -> None:
        """Growing delay with jitter, so two writers that collided do not collide again."""
        delay = min(self.max_delay_s, self.base_delay_s * 2**attempt)
        self.sleeper(delay * (0.5 + self.rand()))

    # -- the branch itself

    def branch_exists(self) -> bool:
        if self._branch_exists is None:
            try:
                self.client.repo().get_branch(self.branch)
                self._branch_exists = True
            except GithubException as exc:
                if exc.status != 404:
                    raise github_error(exc, f"looking up branch {self.branch}") from None
                self._branch_exists = False
            except Exception as exc:
                raise github_error(exc, f"looking up branch {self.branch}") from None
        return self._branch_exists

    def _ensure_branch(self) -> bool:
        """True when the branch exists; else create it (an orphan with a README) and say False."""
        if self.branch_exists():
            return True
        self.create_branch()
        return False

    def create_branch(self) -> None:
        """Create the data branch as an orphan commit (no code history on it)."""
        repo = self.client.repo()
        try:
            tree = repo.create_git_tree(
                [InputGitTreeElement("README.md", "100644", "blob", README)]
            )
            commit = repo.create_git_commit("slo-gate: start the history branch", tree, [])
            repo.create_git_ref(f"refs/heads/{self.branch}", commit.sha)
        except GithubException as exc:
            # 422 "Reference already exists": another writer created it first; that is fine.
            if not (exc.status == 422 and "exist" in str(exc.data).lower()):
                raise github_error(exc, f"creating branch {self.branch}") from None
        except Exception as exc:
            raise github_error(exc, f"creating branch {self.branch}") from None
        self._branch_exists = True

    # -- helpers

    def _no_history_yet(self) -> None:
        exists = self.branch_exists()
        what = "has no records yet" if exists else "does not exist yet"
        when = (
            "the next trusted run (push to a tracked branch, schedule, workflow_dispatch) writes "
            "the first record"
            if not self.context.trusted
            else "this run writes the first record"
        )
        self._problems.append(
            Problem(
                code="history-empty",
                message=f"no history yet: branch {self.branch} {what}; {when}",
                level="notice",
                source="history",
            )
        )

    def _where(self, path: str | None = None) -> str:
        return f"{self.branch}:{path}" if path else f"{self.branch}:records/"

    def _parse(self, path: str, text: str) -> list[Record]:
        """The records of one month file; records dated after this run (plus ``CLOCK_SKEW``)
        are ignored with a notice, as in the file store, so they never become the baseline."""
        out: list[Record] = []
        future: list[int] = []
        now = self.now if self.now.tzinfo else self.now.replace(tzinfo=UTC)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = as_utc(Record.model_validate_json(line))
                if record.recorded_at > now + CLOCK_SKEW:
                    future.append(number)
                else:
                    out.append(record)
            except (ValidationError, ValueError) as exc:
                self._problems.append(
                    Problem(
                        code="history-bad-line",
                        message=f"skipped an unreadable history record ({_first_error(exc)}); "
                        "fix: correct or delete the line on the data branch",
                        path=self._where(path),
                        line=number,
                        level="warning",
                        source="history",
                    )
                )
        if future:
            self._problems.append(
                Problem(
                    code="history-future-records",
                    message=f"{counted(len(future), 'record')} dated after this run's time "
                    f"ignored (first at line {future[0]}): the clock of the machine that wrote "
                    "them was wrong",
                    path=self._where(path),
                    line=future[0],
                    level="notice",
                    source="history",
                )
            )
        return out

    def run_cache(self) -> BranchRunCache:
        return BranchRunCache(self)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if errors:
            loc = ".".join(str(p) for p in errors[0]["loc"]) or "line"
            return f"{loc}: {errors[0]['msg']}"
    return type(exc).__name__


def merge_caches(base: WorkflowCache, mine: WorkflowCache) -> WorkflowCache:
    """Union of two writers' caches: per run the latest attempt, the wider sync range."""
    runs = dict(base.runs)
    for key, run in mine.runs.items():
        old = runs.get(key)
        if old is None or (run.run_attempt, run.updated_at or run.created_at) >= (
            old.run_attempt,
            old.updated_at or old.created_at,
        ):
            runs[key] = run
    builds = {**base.builds, **mine.builds}
    froms = [d for d in (base.synced_from, mine.synced_from) if d is not None]
    untils = [d for d in (base.synced_until, mine.synced_until) if d is not None]
    return WorkflowCache(
        key=mine.key,
        synced_from=max(froms) if froms else None,
        synced_until=min(untils) if untils else None,
        runs=runs,
        builds=builds,
    )


class BranchRunCache:
    """``RunCacheStore`` on the data branch: ``cache/runs/<workflow>.json``.

    Pull requests load it (a warm start) but never save; a trusted save merges with whatever a
    concurrent writer saved (and keeps the narrower of the two sync ranges, so nothing is
    assumed listed that was not).
    """

    def __init__(self, store: GitHubBranchStore) -> None:
        self.store = store
        self._loaded: dict[str, WorkflowCache] = {}

    @staticmethod
    def path(key: str) -> str:
        return f"cache/runs/{cache_file_name(key)}"

    def load(self, key: str) -> WorkflowCache | None:
        if key in self._loaded:
            return self._loaded[key]
        text, _ = self.store.read_document(self.path(key))
        cache = self._parse(text, key)
        if cache is not None:
            self._loaded[key] = cache
        return cache

    def save(self, cache: WorkflowCache) -> None:
        self._loaded[cache.key] = cache
        if not self.store.context.trusted:
            return

        def update(old: str | None) -> tuple[str, bool]:
            base = self._parse(old, cache.key)
            merged = cache if base is None else merge_caches(base, cache)
            text = merged.model_dump_json()
            return text, text != old

        self.store.write_document(self.path(cache.key), update, "slo-gate: workflow-run cache")

    @staticmethod
    def _parse(text: str | None, key: str) -> WorkflowCache | None:
        if not text:
            return None
        try:
            cache = WorkflowCache.model_validate_json(text)
        except (ValidationError, ValueError):
            return None
        return cache if cache.key == key else None
