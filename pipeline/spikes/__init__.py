"""Spike alerting: know within a minute when a country, an actor or a topic suddenly dominates the wire.

Pure modules (no Kafka, no Faust): `detector` (each key's window against its own baseline), `terms` (topic terms of
a story), `mentions` (what a story counts toward, window values), `alert` (the alert record), `leaderboard` and
`metrics` (bounded Prometheus export). `agent` is the Faust shell, `indexing` the `alerts` index. Parameters:
config/spikes.toml. The simulator (a wire with injected bursts, scored) and `wirestream simulate` are tooling:
tools/simulator.py and tools/simulate.py.
"""
