.PHONY: run test lint check bench

run:
	scripts/demo.sh

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check node tests bench
	.venv/bin/ruff format --check node tests bench

check: lint
	.venv/bin/mypy
	.venv/bin/lint-imports --no-cache

bench:
	.venv/bin/python -m bench
