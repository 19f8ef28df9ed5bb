"""``make bench``: the product's heavy paths measured against their floors (see docs/bench.md)."""
