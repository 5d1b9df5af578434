"""The benchmark: throughput and latency of the pipeline on the real services, as ratios to raw Kafka and
Elasticsearch baselines measured in the same run (tools/benchmark/run.py), and the pure stages on one core.

Its command line, `wirestream bench`, is tools/benchmark/cli.py.
"""

# The phases of a full run, in order (run.py); `wirestream bench --skip` names them.
PHASES = ("stages", "kafka", "faust", "pipeline", "elasticsearch", "latency", "scale")
