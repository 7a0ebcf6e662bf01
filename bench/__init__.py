"""Benchmarks of the bot against the simulated Telegram; see bench/README.md."""
