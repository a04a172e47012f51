"""``mode: publish``: artifact download and unpacking (real zips, real deflate), and PR lookup."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from typing import Any
from urllib.parse import urlparse

import pytest
import responses

from slo_gate.errors import GitHubError, InputError
from slo_gate.github.artifacts import (
    extract_files,
    fetch_verdict_artifact,
    find_artifact,
    find_pull_requests,
    workflow_run_info,
)
from tests.github.helpers import make_repo

WIRE = "https://api.github.com:443/repos/acme/widgets"
BLOB = "https://results-receiver.actions.example.net/artifact.zip?sig=abc"
HEAD = "c" * 40
VERDICT = b'{"schema_version": 1, "decision": "pass"}'


def make_zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def run_event(**overrides: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "id": 555,
        "event": "pull_request",
        "conclusion": "success",
        "head_sha": HEAD,
        "head_branch": "feature",
        "head_repository": {"full_name": "mallory/widgets", "owner": {"login": "mallory"}},
        "pull_requests": [],
    }
    run.update(overrides)
    return {"action": "completed", "workflow_run": run}


def paths(mock: responses.RequestsMock) -> list[str]:
    out = []
    for call in mock.calls:
        assert call.request.url is not None
        url = urlparse(call.request.url)
        query = "&".join(sorted(url.query.split("&"))) if url.query else ""
        out.append(
            f"{call.request.method} {url.hostname}{url.path}" + (f"?{query}" if query else "")
        )
    return out


def listing(mock: responses.RequestsMock, *artifacts: dict[str, Any]) -> None:
    mock.add(
        responses.GET,
        f"{WIRE}/actions/runs/555/artifacts",
        json={"total_count": len(artifacts), "artifacts": list(artifacts)},
    )


def artifact(id_: int = 9, size: int = 300, expired: bool = False) -> dict[str, Any]:
    return {"id": id_, "name": "slo-gate-verdict", "size_in_bytes": size, "expired": expired}


# ----------------------------------------------------------------------------- the event


def test_workflow_run_info() -> None:
    info = workflow_run_info(run_event(pull_requests=[{"number": 3, "head": {"sha": HEAD}}]))
    assert info.run_id == 555 and info.head_sha == HEAD
    assert (info.head_owner, info.head_branch) == ("mallory", "feature")
    assert info.head_repository == "mallory/widgets"
    assert info.pull_requests == ((3, HEAD),)
    with pytest.raises(InputError, match="workflow_run"):
        workflow_run_info({"pull_request": {}})
    with pytest.raises(InputError, match="head_sha"):
        workflow_run_info(run_event(head_sha=None))


# ----------------------------------------------------------------------------- download


def test_fetch_downloads_through_the_redirect_without_leaking_the_token(
    rsps: responses.RequestsMock,
) -> None:
    listing(rsps, artifact(8, expired=True), artifact(9))
    rsps.add(
        responses.GET,
        f"{WIRE}/actions/artifacts/9/zip",
        status=302,
        headers={"Location": BLOB},
    )
    data = make_zip({"verdict.json": VERDICT, "extra.bin": b"ignored"})
    rsps.add(responses.GET, BLOB.split("?")[0], body=data, content_type="application/zip")
    files = fetch_verdict_artifact(make_repo(), 555, "slo-gate-verdict")
    assert files.files == {"verdict.json": VERDICT}
    assert files.ignored == ("extra.bin",)
    assert files.artifact_id == 9
    assert paths(rsps) == [
        "GET api.github.com/repos/acme/widgets/actions/runs/555/artifacts"
        "?name=slo-gate-verdict&per_page=100",
        "GET api.github.com/repos/acme/widgets/actions/artifacts/9/zip",
        "GET results-receiver.actions.example.net/artifact.zip?sig=abc",
    ]
    assert "Authorization" in rsps.calls[1].request.headers
    assert "Authorization" not in rsps.calls[2].request.headers


def test_declared_size_over_the_cap_is_refused_before_download(
    rsps: responses.RequestsMock,
) -> None:
    listing(rsps, artifact(size=50 * 1024 * 1024))
    with pytest.raises(InputError, match="limit"):
        fetch_verdict_artifact(make_repo(), 555, "slo-gate-verdict")
    assert len(rsps.calls) == 1


def test_download_over_the_cap_is_refused(rsps: responses.RequestsMock) -> None:
    listing(rsps, artifact(size=10))  # the listing lies
    rsps.add(
        responses.GET, f"{WIRE}/actions/artifacts/9/zip", status=302, headers={"Location": BLOB}
    )
    rsps.add(responses.GET, BLOB.split("?")[0], body=b"z" * 300_000)
    with pytest.raises(InputError, match="larger than 100000 bytes"):
        fetch_verdict_artifact(make_repo(), 555, "slo-gate-verdict", max_zip_bytes=100_000)


def test_no_download_link_is_a_named_error(rsps: responses.RequestsMock) -> None:
    listing(rsps, artifact())
    rsps.add(responses.GET, f"{WIRE}/actions/artifacts/9/zip", body=b"PK...")
    with pytest.raises(GitHubError, match="HTTP 200 instead of a download link") as caught:
        fetch_verdict_artifact(make_repo(), 555, "slo-gate-verdict")
    assert caught.value.fix and "actions: read" in caught.value.fix


def test_plain_http_download_link_is_refused(rsps: responses.RequestsMock) -> None:
    listing(rsps, artifact())
    rsps.add(
        responses.GET,
        f"{WIRE}/actions/artifacts/9/zip",
        status=302,
        headers={"Location": "http://evil.example/a.zip"},
    )
    with pytest.raises(GitHubError, match="non-HTTPS"):
        fetch_verdict_artifact(make_repo(), 555, "slo-gate-verdict")


def test_missing_and_expired_artifacts(rsps: responses.RequestsMock) -> None:
    listing(rsps)
    with pytest.raises(InputError, match="no artifact named 'slo-gate-verdict'") as caught:
        find_artifact(make_repo(), 555, "slo-gate-verdict")
    assert caught.value.fix and "upload-artifact" in caught.value.fix
    rsps.replace(
        responses.GET,
        f"{WIRE}/actions/runs/555/artifacts",
        json={"artifacts": [artifact(expired=True)]},
    )
    with pytest.raises(InputError, match="expired"):
        find_artifact(make_repo(), 555, "slo-gate-verdict")


def test_listing_refused_is_a_github_error(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.GET,
        f"{WIRE}/actions/runs/555/artifacts",
        json={"message": "Resource not accessible by integration"},
        status=403,
    )
    with pytest.raises(GitHubError, match="artifacts of run 555"):
        find_artifact(make_repo(), 555, "slo-gate-verdict")


# ----------------------------------------------------------------------------- unpacking


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../verdict.json", "'..'"),
        ("a/../../verdict.json", "'..'"),
        ("/etc/verdict.json", "absolute"),
        ("C:/verdict.json", "absolute"),
        ("dir\\verdict.json", "backslash"),
    ],
)
def test_path_escapes_refuse_the_artifact(name: str, reason: str) -> None:
    data = make_zip({"verdict.json": VERDICT, name: b"x"})
    with pytest.raises(InputError, match=reason):
        extract_files(data)


def test_symlink_refuses_the_artifact() -> None:
    with pytest.raises(InputError, match="symbolic link"):
        extract_files(make_zip({"verdict.json": VERDICT}, symlink="report.md"))


def test_only_expected_flat_names_are_read() -> None:
    data = make_zip({"verdict.json": VERDICT, "sub/verdict.json": b"no", "run.sh": b"rm -rf /"})
    files, ignored = extract_files(data)
    assert files == {"verdict.json": VERDICT}
    assert ignored == ("sub/verdict.json", "run.sh")


def test_duplicate_member_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("verdict.json", VERDICT)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("verdict.json", b'{"decision": "pass"}')
    with pytest.raises(InputError, match="appears twice"):
        extract_files(buffer.getvalue())


def test_zip_bomb_member_is_cut_at_the_cap() -> None:
    bomb = make_zip({"verdict.json": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000  # real deflate: 20 MiB of zeros packs small
    with pytest.raises(InputError, match="larger than 1048576 bytes"):
        extract_files(bomb, max_member_bytes=1024 * 1024)


def test_header_that_lies_about_the_size_is_still_capped() -> None:
    data = bytearray(make_zip({"verdict.json": b"{" + b" " * 5000 + b"}"}))
    # rewrite the declared uncompressed size (central directory) to 10 bytes
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    with pytest.raises(InputError, match=r"verdict\.json"):
        extract_files(bytes(data), max_member_bytes=1000)


def test_not_a_zip() -> None:
    with pytest.raises(InputError, match="not a zip archive"):
        extract_files(b"<html>expired</html>")


# ----------------------------------------------------------------------------- the PR


def test_pr_from_the_event_without_requests(rsps: responses.RequestsMock) -> None:
    info = workflow_run_info(
        run_event(
            pull_requests=[
                {"number": 4, "head": {"sha": "0" * 40}},
                {"number": 3, "head": {"sha": HEAD}},
            ]
        )
    )
    assert find_pull_requests(make_repo(), info) == (3,)
    assert len(rsps.calls) == 0


def test_fork_pr_found_by_head_owner_branch_and_sha(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.GET,
        f"{WIRE}/pulls",
        json=[
            {"number": 41, "state": "open", "head": {"sha": "0" * 40}},
            {"number": 42, "state": "open", "head": {"sha": HEAD}},
        ],
    )
    assert find_pull_requests(make_repo(), workflow_run_info(run_event())) == (42,)
    assert paths(rsps) == [
        "GET api.github.com/repos/acme/widgets/pulls?head=mallory%3Afeature&per_page=100&state=open"
    ]


def test_falls_back_to_the_commit_pulls_listing(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{WIRE}/pulls", json=[])
    rsps.add(
        responses.GET,
        f"{WIRE}/commits/{HEAD}/pulls",
        json=[
            {"number": 7, "state": "closed", "head": {"sha": HEAD}},
            {"number": 8, "state": "open", "head": {"sha": HEAD}},
        ],
    )
    assert find_pull_requests(make_repo(), workflow_run_info(run_event())) == (8,)
    assert len(rsps.calls) == 2


def test_verdict_json_round_trip_from_artifact() -> None:
    files, _ = extract_files(make_zip({"verdict.json": VERDICT}))
    assert json.loads(files["verdict.json"])["decision"] == "pass"
