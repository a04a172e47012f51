"""History: where past records live (a local file, or a data branch on GitHub)."""
