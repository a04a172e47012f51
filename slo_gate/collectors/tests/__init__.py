"""Test reports (JUnit XML and Playwright JSON) into one ``TestReport``, in these rooms:

- ``find``: report files from globs, never outside the workspace;
- ``resolve``: paths written into reports, as workspace paths of existing files;
- ``tally``: outcomes counted as they stream past, failures kept (bounded);
- ``fold_junit`` / ``fold_playwright``: each format folded into the tally;
- ``collect``: the entry point, ``collect_tests``.

Annotations are not built here: ``render.annotations`` builds them from the verdict.
"""
