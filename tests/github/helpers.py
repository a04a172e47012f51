"""Shared pieces of the GitHub tests: a PyGithub repository object for the simulated API."""

from __future__ import annotations

from github import Auth, Github
from github.Repository import Repository

API = "https://api.github.com"


def make_repo() -> Repository:
    """``acme/widgets`` over ``API``, lazy (no request until used), no retries or pauses."""
    gh = Github(
        auth=Auth.Token("ghs_test_token"),
        base_url=API,
        retry=None,
        per_page=100,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )
    return gh.get_repo("acme/widgets")
