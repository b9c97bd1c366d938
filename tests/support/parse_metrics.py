#!/usr/bin/python3
# Parses a Prometheus text exposition (format 0.0.4) with the reference Python client's parser
# (Debian's python3-prometheus-client) and prints its samples as JSON, for the metrics tests:
#   [{"name": ..., "labels": {...}, "value": ...}, ...]
# Exit 1 with the parser's complaint on stderr when the text does not parse.
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
out = []
try:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            v = s.value
            out.append({"name": s.name, "labels": dict(s.labels),
                        "value": "+Inf" if math.isinf(v) else v})
except Exception as e:  # the parser raises ValueError (and others) on bad input
    print("parse error: %s" % e, file=sys.stderr)
    sys.exit(1)
json.dump(out, sys.stdout)
