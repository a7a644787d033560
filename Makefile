.PHONY: demo test lint bench clean

demo:            ## install (venv + pip) and run the main job: ggp run graphs/demo.yaml
	scripts/demo.sh

test:            ## install test dependencies (apt + pip) and run ruff, mypy and the test suite
	scripts/test.sh

lint:
	.venv/bin/ruff check ggpgfx nodes operators_gpu tests benchmarks
	.venv/bin/mypy ggpgfx
	.venv/bin/lint-imports --no-cache

bench:           ## run every side-by-side benchmark (writes benchmarks/results/*.json)
	for b in benchmarks/bench_*.py; do .venv/bin/python $$b || exit 1; done

clean:
	rm -rf build *.egg-info out .pytest_cache .mypy_cache .ruff_cache
