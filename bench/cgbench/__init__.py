"""The credit-gateway benchmark harness (``bench/run``): datasets, peers, floor, load, report."""
