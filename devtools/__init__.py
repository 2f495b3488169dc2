"""Developer tools shared by the benchmarks and the browser tests (not part of the app)."""
