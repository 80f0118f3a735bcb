"Benchmarks of videoclf against the practical limits (see BENCHMARKS.md); `python -m benchmarks.run_all`."
