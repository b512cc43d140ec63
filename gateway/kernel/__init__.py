"""The bottom layer, which imports nothing else of the gateway: settings, errors, the clock, subject
codes, parsing, every fixed limit, working days and the lifecycle's configurable numbers."""
