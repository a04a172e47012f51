"""Collectors: turn files and API data into typed measurements; bad input becomes problems."""
