"""Renderers: pure functions from a Verdict to text (JSON, Markdown, terminal)."""
