#!/usr/bin/env python3
"""Seals a report fixture: writes `report_sha256`, the SHA-256 of the canonical
form (no whitespace, keys sorted, the digest field left out). An independent
implementation of report/src/integrity.rs for ASCII keys and integer numbers;
the tests check that both agree. Usage: scripts/seal-fixture.py FILE..."""
import hashlib, json, sys

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    doc.pop("report_sha256", None)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    doc["report_sha256"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(path, doc["report_sha256"])
