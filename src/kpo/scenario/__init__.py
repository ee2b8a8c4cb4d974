"""The demo scenario: a realistic outsourcing network and a week of arrivals (pure generation)."""
