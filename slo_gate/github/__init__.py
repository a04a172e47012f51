"""The GitHub side: one PyGithub client factory (retries, rate limits, GHES), and publishers."""
