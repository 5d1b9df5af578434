"""Wirestream pipeline: pure story processing plus the Faust agents that wire it to Kafka."""
