# syntax=docker/dockerfile:1
# slo-gate as a Docker container action. GitHub runs it as root with the workspace as the
# working directory (so: no USER, no WORKDIR here) and passes inputs as INPUT_* variables.
#
# The base image is pinned by digest (python:3.11-slim, multi-arch index). Refresh it with
#   docker buildx imagetools inspect python:3.11-slim --format '{{.Manifest.Digest}}'
# and put the new digest in both FROM lines.
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

# ---------------------------------------------------------------------------- build stage
# Dependencies come only as wheels (--only-binary) checked against the lock's hashes, into a
# virtual environment that the final stage copies: no compiler, pip cache or lock tooling ships.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: --no-deps \
        -r /tmp/requirements.lock
COPY slo_gate /opt/slo-gate/slo_gate
RUN /opt/venv/bin/python -m compileall -q /opt/slo-gate/slo_gate

# ---------------------------------------------------------------------------- final stage
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="slo-gate" \
      org.opencontainers.image.description="Service Level Objectives as a CI release gate" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/slo-gate /opt/slo-gate
# PYTHONSAFEPATH (-P): the workspace is the working directory and may hold a folder named
# slo_gate (this very repository does); it must never shadow the installed code.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/opt/slo-gate \
    PYTHONSAFEPATH=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
ENTRYPOINT ["/opt/venv/bin/python", "-P", "-m", "slo_gate"]
