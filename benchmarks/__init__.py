"""Benchmarks (`make bench`): throughput as ratios to raw ceilings measured in the same run."""
