"""Merge several of Twilio's OpenAPI descriptions into one file, so that one Prism
serves every Twilio API this add-on calls (their paths do not overlap).

    python merge_specs.py OUT SPEC [SPEC ...]
"""
import json
import sys


def merge(paths):
    merged = None
    for path in paths:
        with open(path, encoding="utf-8") as spec_file:
            spec = json.load(spec_file)
        if merged is None:
            merged = spec
            continue
        clashes = set(merged["paths"]) & set(spec["paths"])
        if clashes:
            raise SystemExit(f"{path}: paths already defined: {sorted(clashes)}")
        merged["paths"].update(spec["paths"])
        merged["tags"] = merged.get("tags", []) + spec.get("tags", [])
        for section, items in spec.get("components", {}).items():
            target = merged.setdefault("components", {}).setdefault(section, {})
            for name, item in items.items():
                if name in target and target[name] != item:
                    raise SystemExit(f"{path}: components.{section}.{name} differs between specs")
                target[name] = item
    return merged


if __name__ == "__main__":
    out, *specs = sys.argv[1:]
    with open(out, "w", encoding="utf-8") as out_file:
        json.dump(merge(specs), out_file)
