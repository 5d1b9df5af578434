"""Wirestream connectors: bring raw wire stories into Kafka's `stories.raw` topic."""
