"""Every report in the shared corpus parses or yields a named problem; upstream counts match.

The corpus lives beside the repository (``../shared/corpus``; CI has it) and is described by its
``INDEX.md``. The test is skipped when the folder is absent so that the project stays
self-contained. Where slo-gate's counts differ from an upstream golden, the difference is listed
in ``DIFFERENCES`` with the reason; nothing else may differ.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from slo_gate.collectors.tests.collect import collect_tests
from slo_gate.config.policy import TestsPolicy
from slo_gate.measurements import TestReport

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not present at {CORPUS}"),
]

Counts = tuple[int, int, int, int, int, int]  # total, passed, failed, errored, skipped, flaky

ENRICO = "EnricoMi__publish-unit-test-result-action/python/test/files/"
MIKEPENZ = "mikepenz__action-junit-report/test_results/"
DAUN = "daun__playwright-report-summary/__tests__/__fixtures__/"

#: files whose upstream expectation slo-gate deliberately does not reproduce, and why
DIFFERENCES: dict[str, str] = {
    ENRICO + "junit-xml/no-cases-but-tests.xml": (
        "the suite claims tests=6 but lists none; EnricoMi falls back to the suite's attributes, "
        "slo-gate counts the 0 cases and reports junit-count-mismatch"
    ),
    ENRICO + "junit-xml/junit.multiresult.xml": (
        "EnricoMi's runs_succ is -2 (it counts every result element as a run); slo-gate gives "
        "each case one outcome (error > failure > skip), which equals EnricoMi's tests_* figures"
    ),
    ENRICO + "junit-xml/tst/disabled.xml": (
        "EnricoMi's runs count status='disabled' cases as successes (runs_skip=0) but its tests_* "
        "count them as skipped; slo-gate skips them, equal to tests_*"
    ),
    ENRICO + "junit-xml/non-junit.xml": (
        "EnricoMi raises 'Invalid format.'; slo-gate reports junit-not-a-report"
    ),
}

#: expectations quoted in INDEX.md for sources without golden files, as slo-gate counts them
#: (flaky passes are passes: daun's "22 passed, 1 flaky" is passed=23, flaky=1)
QUOTED: dict[str, tuple[Counts, str]] = {
    DAUN + "report-valid.json": (
        (14, 11, 2, 0, 1, 1),
        "daun: 10 passed, 2 failed, 1 flaky, 1 skipped",
    ),
    DAUN + "report-without-duration.json": ((14, 11, 2, 0, 1, 1), "daun: same as report-valid"),
    DAUN + "report-sharded.json": (
        (27, 23, 1, 0, 3, 1),
        "daun: 22 passed, 1 failed, 1 flaky, 3 skipped",
    ),
    DAUN + "report-nested.json": ((45, 45, 0, 0, 0, 0), "daun: 45 tests all passing"),
    "annervisser__playwright-result-pr-comment/example-result/report.json": (
        (4, 2, 2, 0, 0, 0),
        "2 tests fail on both attempts, 2 pass",
    ),
    MIKEPENZ + "junit_flaky_failure/marathon_junit_report.xml": (
        (1, 1, 0, 0, 0, 1),
        "mikepenz: 1 test, success, retries=1 (slo-gate: a flaky pass)",
    ),
    MIKEPENZ + "maven_surefire_flaky/surefire-report.xml": ((1, 1, 0, 0, 0, 1), "flakyFailure"),
    MIKEPENZ + "junit_flaky_failure/mixed_flaky_and_passed.xml": ((3, 3, 0, 0, 0, 1), "1 flaky"),
    MIKEPENZ + "mocha/mocha.xml": ((1, 1, 0, 0, 0, 0), "root claims 15515, lists 1"),
    "test-results-reporter__parser/tests/data/junit/playwright.xml": (
        (6, 6, 0, 0, 0, 0),
        "6 cases over 3 projects; the root claims 9",
    ),
    "test-results-reporter__parser/tests/data/junit/playwright-failures.xml": (
        (16, 14, 2, 0, 0, 0),
        "16 cases, 2 failures",
    ),
}

#: mikepenz's retry expectations, read with tests.junit_retries: repeated-cases
RETRIES: dict[str, tuple[Counts, str]] = {
    MIKEPENZ + "flaky_retries/flaky_with_classname_file.xml": (
        (3, 3, 0, 0, 0, 1),
        "mikepenz: 3 tests, 0 failed, retried=2",
    ),
    MIKEPENZ + "flaky_retries/flaky_all_failures.xml": (
        (1, 0, 0, 1, 0, 0),
        "mikepenz: 1 test failed, retried=2; slo-gate: errored, as the last attempt errored",
    ),
    MIKEPENZ + "flaky_retries/flaky_success_first.xml": (
        (1, 1, 0, 0, 0, 1),
        "mikepenz: PASSED; slo-gate: flaky, as attempts both passed and failed",
    ),
}

#: not well-formed files that lenient parsers accept; slo-gate's strict parser refuses them
REFUSED = {
    MIKEPENZ + "junit-web-test/expected.xml": "mikepenz expects 6 tests from a lenient parser",
    MIKEPENZ + "junit-web-test/expectedRetries.xml": "mikepenz expects 8 tests, lenient parser",
}


def index_rows() -> list[tuple[str, str, str]]:
    """(path, format, expected column) of every report file listed in INDEX.md."""
    text = (CORPUS / "INDEX.md").read_text(encoding="utf-8")
    section = text.split("## Report files", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) >= 8 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[1], cells[7]))
    return rows


def collect(rel: str, policy: TestsPolicy | None = None) -> TestReport:
    policy = policy or TestsPolicy()
    if rel.endswith(".json"):
        return collect_tests(policy, CORPUS, [], [rel])
    return collect_tests(policy, CORPUS, [rel], [])


def counts(report: TestReport) -> Counts:
    c = report.counts
    return (c.total, c.passed, c.failed, c.errored, c.skipped, c.flaky)


ROWS = index_rows() if CORPUS.is_dir() else []


def test_index_lists_the_reports() -> None:
    assert len(ROWS) >= 70
    for rel, _fmt, _exp in ROWS:
        assert (CORPUS / rel).is_file(), rel


@pytest.mark.parametrize(("rel", "fmt", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_every_report_parses_or_is_a_named_problem(rel: str, fmt: str, expected: str) -> None:
    report = collect(rel)
    assert report.files == (rel,)
    errors = [p for p in report.problems if p.level == "error"]
    if fmt == "other" or "unparsable" in expected or rel in REFUSED:
        assert errors, f"{rel} should be refused with a named problem"
    if report.counts.total == 0:
        assert report.problems, f"{rel}: no tests and no problem"
    for problem in report.problems:
        assert problem.code and problem.message
        assert problem.path in (rel, None) or problem.source == "playwright"


def _enrico_expectation(rel: str) -> tuple[Counts, Counts] | None:
    golden = CORPUS / (rel.rsplit(".", 1)[0] + ".results.json")
    if not golden.is_file():
        return None
    stats = json.loads(golden.read_text(encoding="utf-8"))["stats"]
    runs = (
        stats["runs"],
        stats["runs_succ"],
        stats["runs_fail"],
        stats["runs_error"],
        stats["runs_skip"],
        0,
    )
    tests = (
        stats["tests"],
        stats["tests_succ"],
        stats["tests_fail"],
        stats["tests_error"],
        stats["tests_skip"],
        0,
    )
    return runs, tests


ENRICO_ROWS = [r[0] for r in ROWS if r[0].startswith(ENRICO) and r[0].endswith(".xml")]


@pytest.mark.parametrize("rel", ENRICO_ROWS)
def test_enricomi_goldens(rel: str) -> None:
    expectation = _enrico_expectation(rel)
    if expectation is None:
        assert rel.endswith(("corrupt-xml.xml", "empty.xml", "non-xml.xml"))
        return
    runs, tests = expectation
    got = counts(collect(rel))
    if rel in DIFFERENCES:
        if "no-cases-but-tests" in rel:
            assert got == (0, 0, 0, 0, 0, 0)
            assert runs[0] == 6
        elif "non-junit" in rel:
            assert got == (0, 0, 0, 0, 0, 0)
        else:
            assert got != runs and got == tests, DIFFERENCES[rel]
        return
    assert got == runs, f"{rel}: slo-gate {got} vs EnricoMi runs {runs}"


DORNY = re.compile(r"tests=(\d+) passed=(\d+) failed=(\d+) skipped=(\d+)")
DORNY_ROWS = [(r[0], r[2]) for r in ROWS if r[0].startswith("dorny") and DORNY.search(r[2])]


@pytest.mark.parametrize(("rel", "expected"), DORNY_ROWS)
def test_dorny_goldens(rel: str, expected: str) -> None:
    match = DORNY.search(expected)
    assert match is not None
    tests, passed, failed, skipped = (int(g) for g in match.groups())
    total, ok, bad, err, skip, _flaky = counts(collect(rel))
    # dorny counts errors as failures
    assert (total, ok, bad + err, skip) == (tests, passed, failed, skipped)


@pytest.mark.parametrize("rel", list(QUOTED))
def test_quoted_expectations(rel: str) -> None:
    expected, why = QUOTED[rel]
    assert counts(collect(rel)) == expected, why


@pytest.mark.parametrize("rel", list(RETRIES))
def test_retry_expectations(rel: str) -> None:
    expected, why = RETRIES[rel]
    report = collect(rel, TestsPolicy(junit_retries="repeated-cases"))
    assert counts(report) == expected, why


def test_pulsar_repeated_parameterised_cases_are_separate_runs() -> None:
    rel = "dorny__test-reporter/__tests__/fixtures/external/java/pulsar-test-report.xml"
    assert counts(collect(rel)) == (808, 793, 1, 0, 14, 0)
    grouped = collect(rel, TestsPolicy(junit_retries="repeated-cases"))
    assert grouped.counts.total == 808 - 138


def test_count_mismatches_are_reported_not_copied() -> None:
    rel = ENRICO + "junit-xml/xunit/xunit.xml"
    report = collect(rel)
    assert report.counts.total == 2
    [problem] = [p for p in report.problems if p.code == "junit-count-mismatch"]
    assert "tests=173 but lists 2" in problem.message
