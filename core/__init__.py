"""The floor under every other package: configuration, the consultation definition and its checker, and the
names the bot and the API share. It imports nothing of the project (tests/test_architecture.py holds it so)."""
