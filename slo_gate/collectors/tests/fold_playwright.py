"""Playwright tests folded into the tally (the reader gives one test per file, title and
project; shards and merged reports are told apart by that key)."""

from __future__ import annotations

from slo_gate.collectors.playwright import PlaywrightTest
from slo_gate.collectors.tests.tally import BadOutcome, Failing, Tally, problem
from slo_gate.formatting import counted
from slo_gate.measurements import Problem
from slo_gate.text import clean_text


def playwright_key(test: PlaywrightTest) -> str:
    """Playwright's own form, ``[project] › file:line › describe › title``.

    ``npx playwright test file:line`` runs it; (project, file, titles) keep it stable across
    runs, shards and retries.
    """
    where = f"{test.file}:{test.spec_line}" if test.spec_line else test.file
    key = " › ".join((where, *test.titles))
    return f"[{test.project}] › {key}" if test.project else key


def fold_playwright(
    tally: Tally, tests: list[PlaywrightTest], display: str, root_dir: str | None,
    seen: dict[str, str], problems: list[Problem],
) -> None:  # fmt: skip
    bases = (root_dir,) if root_dir else ()
    duplicates = 0
    for test in tests:
        key = playwright_key(test)
        if key in seen:
            duplicates += 1
        else:
            seen[key] = display
        source = tally.resolver.resolve(test.file, bases) or test.file
        visual = tally.is_visual(source, test.tags, test.screenshot_compared)
        tally.add(test.outcome, test.project, visual)
        if test.outcome in ("failed", "errored", "flaky"):
            outcome: BadOutcome = "flaky" if test.outcome == "flaky" else "failed"
            title = " › ".join((test.file, *test.titles))
            tally.keep(
                Failing(
                    key=key,
                    title=f"{title} [{test.project}]" if test.project else title,
                    outcome=outcome,
                    message=clean_text(test.message),
                    file=test.location_file or test.file,
                    line=test.location_line,
                    project=test.project or None,
                    visual=visual,
                    attachments=test.attachments,
                    report=display,
                    report_line=None,
                )
            )
    if duplicates:
        problems.append(
            problem(
                "playwright-duplicate-tests",
                f"{display}: {counted(duplicates, 'test')} already appeared in another report file "
                "(same file, title and project); each is counted again. Fix: pass either the "
                "merged report or the shard reports, not both",
                display,
                level="warning",
            )
        )
