"""``mode: publish``: fetch a fork PR's verdict artifact in a ``workflow_run`` workflow.

A fork's pull request runs with a read-only token, so its job only writes the verdict file and
uploads it as an artifact; a second workflow (``on: workflow_run``) runs in the base repository
with a write token, downloads that artifact through the API and publishes it.

The artifact was made by code from the pull request, so it is untrusted data:

* its zip is size-capped before and while it is downloaded, and never written to disk by name;
* only the expected flat file names are read; a member that tries a path escape (absolute,
  ``..``, backslashes, a symlink) or is encrypted or duplicated makes the whole artifact refused;
* each member is read with a byte cap, whatever its header claims (zip bombs);
* ``verdict.json`` must be present, at most ``MAX_VERDICT_BYTES``, and valid against the
  ``Verdict`` model (``read_verdict``); otherwise an ``InputError`` (exit 2) says so — its
  strings are still the fork's, and every renderer escapes them where it writes them;
* the pull request is found through the API by the run's head SHA, never from the artifact.
"""

from __future__ import annotations

import io
import lzma
import stat
import struct
import zipfile
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlparse

import requests
from github import GithubException
from github.Repository import Repository
from pydantic import ValidationError
from requests import RequestException

from slo_gate.errors import GitHubError, InputError
from slo_gate.formatting import counted
from slo_gate.github.client import github_error
from slo_gate.verdict import Verdict

# What a corrupt or hostile zip raises from the standard library: bad deflate data
# (zlib.error), an unknown or unsupported compression method (NotImplementedError), bad bzip2 /
# lzma streams (OSError, lzma.LZMAError), truncated or inconsistent headers (BadZipFile,
# EOFError, ValueError, struct.error). ``extract_files`` turns each into its ``InputError``.
_CORRUPT: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,
    OSError,
    EOFError,
    ValueError,
    struct.error,
    RuntimeError,
    IndexError,
    KeyError,
)
_CORRUPT_OR_LARGE: tuple[type[Exception], ...] = (*_CORRUPT, zipfile.LargeZipFile)
MAX_ZIP_BYTES = 16 * 1024 * 1024
MAX_MEMBER_BYTES = 8 * 1024 * 1024
DEFAULT_FILES = frozenset({"verdict.json", "report.md", "summary.md"})
VERDICT_FILE = "verdict.json"
#: a verdict is a few KB to a few MB (every failing test and file is listed)
MAX_VERDICT_BYTES = 8 * 1024 * 1024
#: validation errors named in the message (the rest are counted)
_ERRORS_SHOWN = 3


@dataclass(frozen=True)
class WorkflowRunInfo:
    """What a ``workflow_run`` event says about the run that triggered it."""

    run_id: int
    head_sha: str
    head_branch: str | None
    head_owner: str | None
    head_repository: str | None
    event: str
    conclusion: str | None
    pull_requests: tuple[tuple[int, str], ...]  # (number, head sha) — same-repo PRs only


@dataclass(frozen=True)
class ArtifactFiles:
    """The accepted files of one artifact (name → content) and the names that were skipped."""

    artifact_id: int
    name: str
    files: Mapping[str, bytes]
    ignored: tuple[str, ...] = ()


def _event_error(message: str) -> InputError:
    return InputError(
        f"workflow_run event payload: {message}",
        fix="use mode: publish only in a workflow triggered by `on: workflow_run` "
        "(see docs/workflows/fork-safe-publish.yml)",
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def workflow_run_info(payload: Mapping[str, Any]) -> WorkflowRunInfo:
    """Read the triggering run from a ``workflow_run`` event payload."""
    run = payload.get("workflow_run")
    if not isinstance(run, Mapping):
        raise _event_error("no `workflow_run` object")
    run_id = run.get("id")
    head_sha = run.get("head_sha")
    if not isinstance(run_id, int) or isinstance(run_id, bool):
        raise _event_error("`workflow_run.id` is missing")
    if not isinstance(head_sha, str) or not head_sha:
        raise _event_error("`workflow_run.head_sha` is missing")
    head_repo = _mapping(run.get("head_repository"))
    owner = _mapping(head_repo.get("owner"))
    prs: list[tuple[int, str]] = []
    for pr in run.get("pull_requests") or []:
        if not isinstance(pr, Mapping):
            continue
        number = pr.get("number")
        sha = pr.get("head", {}).get("sha") if isinstance(pr.get("head"), Mapping) else None
        if isinstance(number, int) and isinstance(sha, str):
            prs.append((number, sha))
    branch = run.get("head_branch")
    return WorkflowRunInfo(
        run_id=run_id,
        head_sha=head_sha,
        head_branch=branch if isinstance(branch, str) else None,
        head_owner=owner.get("login") if isinstance(owner.get("login"), str) else None,
        head_repository=head_repo.get("full_name")
        if isinstance(head_repo.get("full_name"), str)
        else None,
        event=str(run.get("event") or ""),
        conclusion=run.get("conclusion") if isinstance(run.get("conclusion"), str) else None,
        pull_requests=tuple(prs),
    )


# ---------------------------------------------------------------------------- artifacts


def find_artifact(repo: Repository, run_id: int, name: str) -> dict[str, Any]:
    """The artifact ``name`` of run ``run_id`` (one request, filtered by name on the server)."""
    url = f"{repo.url}/actions/runs/{run_id}/artifacts"
    try:
        _, data = repo.requester.requestJsonAndCheck(
            "GET", url, parameters={"name": name, "per_page": 100}
        )
    except GithubException as exc:
        raise github_error(exc, f"listing the artifacts of run {run_id}") from None
    artifacts = data.get("artifacts", []) if isinstance(data, dict) else []
    live = [a for a in artifacts if isinstance(a, dict) and a.get("name") == name]
    if not live:
        raise InputError(
            f"run {run_id} has no artifact named {name!r}",
            fix="upload the verdict in the collecting workflow with actions/upload-artifact "
            "using the same name as the `artifact-name` input",
        )
    fresh = [a for a in live if not a.get("expired")]
    if not fresh:
        raise InputError(
            f"artifact {name!r} of run {run_id} has expired",
            fix="re-run the collecting workflow, or keep artifacts longer (retention-days)",
        )
    return max(fresh, key=lambda a: int(a.get("id", 0)))


def download_artifact_zip(
    repo: Repository, artifact_id: int, max_bytes: int = MAX_ZIP_BYTES, timeout_s: float = 60.0
) -> bytes:
    """Download the artifact's zip, refusing more than ``max_bytes`` while streaming.

    GitHub answers with a redirect to a signed blob-storage URL on another host. PyGithub
    refuses to follow redirects outside GitHub's domains, so slo-gate follows it itself, with
    plain ``requests`` and *without* the token (the URL is signed; the token must not leave
    GitHub).
    """
    url = f"{repo.url}/actions/artifacts/{artifact_id}/zip"
    try:
        status, headers, _ = repo.requester.requestJson("GET", url)
    except GithubException as exc:
        raise github_error(exc, f"downloading artifact {artifact_id}") from None
    location = headers.get("location", "")
    if status not in (301, 302, 303, 307, 308) or not location:
        raise GitHubError(
            f"downloading artifact {artifact_id}: GitHub answered HTTP {status} instead of a "
            "download link",
            fix="give the publishing workflow `permissions: actions: read`, and check that the "
            "artifact has not expired",
        )
    api_scheme = repo.requester.scheme
    if urlparse(location).scheme != "https" and api_scheme == "https":
        raise GitHubError(
            f"downloading artifact {artifact_id}: refusing a non-HTTPS download link",
            fix="check GITHUB_API_URL; GitHub always links artifacts over HTTPS",
        )
    buffer = bytearray()
    try:
        with requests.get(location, stream=True, timeout=timeout_s) as response:
            response.raise_for_status()
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_big(artifact_id, max_bytes)
            for chunk in response.iter_content(chunk_size=64 * 1024):
                buffer.extend(chunk)
                if len(buffer) > max_bytes:
                    raise _too_big(artifact_id, max_bytes)
    except RequestException as exc:
        code = exc.response.status_code if exc.response is not None else None
        raise GitHubError(
            f"downloading artifact {artifact_id} from storage failed "
            f"({f'HTTP {code}' if code else type(exc).__name__})",
            fix="re-run the publishing workflow; the download link is valid for one minute",
        ) from None
    return bytes(buffer)


def _too_big(artifact_id: int, max_bytes: int) -> InputError:
    return InputError(
        f"artifact {artifact_id} is larger than {max_bytes} bytes",
        fix="upload only the verdict file (verdict.json) in the collecting workflow",
    )


def _unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if not name:
        return "an empty name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if "\\" in name:
        return "a backslash"
    if ".." in name.split("/"):
        return "a '..' component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link"
    if info.flag_bits & 0x1:
        return "encryption"
    return None


def extract_files(
    data: bytes,
    allowed: Collection[str] = DEFAULT_FILES,
    *,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_total_bytes: int = MAX_ZIP_BYTES,
    source: str = "artifact",
) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """Read the allowed flat members of a zip into memory: ``(files, ignored names)``.

    Nothing is written to disk, so no member name can escape anywhere; unsafe names are still
    refused, because an artifact that tries is not one slo-gate wrote. A corrupt archive or
    member (bad deflate data, an unknown compression method, truncated headers) raises
    ``InputError`` like every other refusal, never the library's own exception.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _CORRUPT_OR_LARGE:
        raise InputError(
            f"{source}: not a zip archive", fix="upload the verdict with actions/upload-artifact"
        ) from None
    files: dict[str, bytes] = {}
    ignored: list[str] = []
    total = 0
    with archive:
        for info in archive.infolist():
            reason = _unsafe_reason(info)
            if reason is not None:
                raise InputError(
                    f"{source}: member {info.filename[:200]!r} has {reason}; refusing the artifact",
                    fix="upload only the verdict file, at the artifact's top level",
                )
            if info.is_dir() or info.filename not in allowed:
                ignored.append(info.filename[:200])
                continue
            if info.filename in files:
                raise InputError(
                    f"{source}: {info.filename!r} appears twice; refusing the artifact",
                    fix="upload the verdict file once",
                )
            try:
                with archive.open(info) as member:
                    content = member.read(max_member_bytes + 1)
            except _CORRUPT as exc:
                raise InputError(
                    f"{source}: {info.filename!r} cannot be read ({type(exc).__name__}: "
                    f"{str(exc)[:200]})",
                    fix="re-run the collecting workflow to upload a fresh artifact",
                ) from None
            if len(content) > max_member_bytes:
                raise InputError(
                    f"{source}: {info.filename!r} is larger than {max_member_bytes} bytes",
                    fix="upload only the verdict file; it is far smaller",
                )
            total += len(content)
            if total > max_total_bytes:
                raise InputError(
                    f"{source}: more than {max_total_bytes} bytes once unpacked",
                    fix="upload only the verdict file",
                )
            files[info.filename] = content
    return files, tuple(ignored)


def fetch_verdict_artifact(
    repo: Repository,
    run_id: int,
    name: str,
    allowed: Collection[str] = DEFAULT_FILES,
    *,
    max_zip_bytes: int = MAX_ZIP_BYTES,
    max_member_bytes: int = MAX_MEMBER_BYTES,
) -> ArtifactFiles:
    """Find, download (size-capped) and unpack (allowed names only) a run's verdict artifact."""
    artifact = find_artifact(repo, run_id, name)
    artifact_id = int(artifact["id"])
    declared = artifact.get("size_in_bytes")
    if isinstance(declared, int) and declared > max_zip_bytes:
        raise InputError(
            f"artifact {name!r} of run {run_id} is {declared} bytes (limit {max_zip_bytes})",
            fix="upload only the verdict file (verdict.json) in the collecting workflow",
        )
    data = download_artifact_zip(repo, artifact_id, max_zip_bytes)
    files, ignored = extract_files(
        data,
        allowed,
        max_member_bytes=max_member_bytes,
        max_total_bytes=max_zip_bytes,
        source=f"artifact {name!r} of run {run_id}",
    )
    if not files:
        raise InputError(
            f"artifact {name!r} of run {run_id} holds none of {sorted(allowed)}",
            fix="upload the file written by the `json` input (e.g. verdict.json)",
        )
    return ArtifactFiles(artifact_id, name, files, ignored)


def read_verdict(files: ArtifactFiles, run_id: int) -> Verdict:
    """The artifact's ``verdict.json`` as a validated ``Verdict``.

    A missing file, one over ``MAX_VERDICT_BYTES`` or one that is not a slo-gate verdict (bad
    JSON, wrong types, unknown keys, another schema version) is an ``InputError`` naming the
    artifact and the first problems — never an exception from the parser.
    """
    where = f"artifact {files.name!r} of run {run_id}"
    fix = (
        "upload the file written by `slo-gate check --json verdict.json` (the action's `json` "
        "input) of the same slo-gate version, unchanged"
    )
    raw = files.files.get(VERDICT_FILE)
    if raw is None:
        held = ", ".join(sorted(files.files)) or "nothing slo-gate reads"
        raise InputError(f"{where} holds no {VERDICT_FILE} (it holds {held})", fix=fix)
    if len(raw) > MAX_VERDICT_BYTES:
        raise InputError(
            f"{VERDICT_FILE} in {where} is {len(raw):,} bytes (limit {MAX_VERDICT_BYTES:,})",
            fix=fix,
        )
    try:
        return Verdict.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        shown = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])[:120] or '(top level)'}: {e['msg']}"
            for e in errors[:_ERRORS_SHOWN]
        )
        more = f" and {len(errors) - _ERRORS_SHOWN} more" if len(errors) > _ERRORS_SHOWN else ""
        raise InputError(
            f"{VERDICT_FILE} in {where} is not a valid slo-gate verdict "
            f"({counted(len(errors), 'problem')}: {shown}{more})",
            fix=fix,
        ) from None
    except (ValueError, RecursionError) as exc:  # pragma: no cover - pydantic wraps these
        raise InputError(
            f"{VERDICT_FILE} in {where} cannot be read ({type(exc).__name__})", fix=fix
        ) from None


# ---------------------------------------------------------------------------- the pull request


def _open_prs_with_head(data: Any, head_sha: str) -> list[int]:
    numbers: list[int] = []
    for pr in data if isinstance(data, list) else []:
        if not isinstance(pr, dict) or pr.get("state", "open") != "open":
            continue
        head = pr.get("head")
        if isinstance(head, dict) and head.get("sha") == head_sha:
            number = pr.get("number")
            if isinstance(number, int):
                numbers.append(number)
    return numbers


def find_pull_requests(repo: Repository, run: WorkflowRunInfo) -> tuple[int, ...]:
    """The open pull requests whose head is the run's head SHA, found through the API.

    1. the event's own ``pull_requests`` (same-repository PRs only; no request);
    2. ``GET /pulls?head=owner:branch`` (what finds fork PRs), filtered by head SHA;
    3. ``GET /commits/{sha}/pulls`` as a last resort.
    """
    direct = sorted({n for n, sha in run.pull_requests if sha == run.head_sha})
    if direct:
        return tuple(direct)
    try:
        if run.head_owner and run.head_branch:
            _, data = repo.requester.requestJsonAndCheck(
                "GET",
                f"{repo.url}/pulls",
                parameters={
                    "state": "open",
                    "head": f"{run.head_owner}:{run.head_branch}",
                    "per_page": 100,
                },
            )
            found = _open_prs_with_head(data, run.head_sha)
            if found:
                return tuple(sorted(found))
        _, data = repo.requester.requestJsonAndCheck(
            "GET",
            f"{repo.url}/commits/{quote(run.head_sha, safe='')}/pulls",
            parameters={"per_page": 100},
        )
    except GithubException as exc:
        raise github_error(exc, f"finding the pull request of commit {run.head_sha[:12]}") from None
    return tuple(sorted(_open_prs_with_head(data, run.head_sha)))
