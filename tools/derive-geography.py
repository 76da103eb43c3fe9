#!/usr/bin/env python3
"""Derive Radix's own geography reference files from the Belgian source tables.

Usage: python3 tools/derive-geography.py SOURCE_DIR OUTPUT_DIR

SOURCE_DIR holds the Statbel-derived tables (municipalities-2019.csv,
municipalities-2025.csv, mergers-2025.csv, admin-units.csv, police-zones.csv,
police-zones-2020.csv). OUTPUT_DIR receives the files that `radix import
geography` loads (and that the binary embeds). Boundary geometry is never
copied: it is imported at run time from a file the operator provides.

Each municipality gets one row per NIS code with a validity period, so that a
query "as of a date" returns exactly the municipalities that existed that day.
Police zone membership is time-versioned per municipality.
"""
import csv
import datetime as dt
import re
import sys
from pathlib import Path

START_2019 = "2019-01-01"


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def day_before(iso):
    return (dt.date.fromisoformat(iso) - dt.timedelta(days=1)).isoformat()


def parse_change_date(text):
    """'2023-07-01' -> itself; '2024 (announced ...)' -> 2024-01-01; else None."""
    text = (text or "").strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    if m:
        return m.group(1)
    m = re.match(r"^(\d{4})\b", text)
    if m:
        return f"{m.group(1)}-01-01"
    return None


def slug(text):
    text = text.lower()
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-")


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])


def main(src, out):
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    m19 = {r["nis"]: r for r in read(src / "municipalities-2019.csv")}
    m25 = {r["nis"]: r for r in read(src / "municipalities-2025.csv")}
    mergers = read(src / "mergers-2025.csv")

    ceased = {r["old_nis"]: r for r in mergers if r["old_code_ceased"] == "yes"}
    new_codes = {}
    for r in mergers:
        if r["new_nis"] not in m19:
            new_codes.setdefault(r["new_nis"], r["effective_date"])

    # --- municipalities -------------------------------------------------
    munis = []
    for nis in sorted(set(m19) | set(m25)):
        row = dict(m25.get(nis) or m19[nis])
        if nis in m19:
            valid_from = START_2019
        else:
            valid_from = new_codes[nis]
        valid_to = day_before(ceased[nis]["effective_date"]) if nis in ceased else ""
        munis.append({
            "nis": nis,
            "name_nl": row["name_nl"], "name_fr": row["name_fr"], "name_de": row["name_de"],
            "arrondissement_nis": row["arrondissement_nis"], "province_nis": row["province_nis"],
            "region": row["region"], "language_area": row["language_area"],
            "language_facilities": row["language_facilities"],
            "population": row["population"], "population_date": row["population_date"],
            "centroid_lat": row["centroid_lat"], "centroid_lon": row["centroid_lon"],
            "label_lat": row["label_lat"], "label_lon": row["label_lon"],
            "area_km2": row["area_km2"],
            "valid_from": valid_from, "valid_to": valid_to,
        })
    write(out / "municipalities.csv",
          ["nis", "name_nl", "name_fr", "name_de", "arrondissement_nis", "province_nis", "region",
           "language_area", "language_facilities", "population", "population_date",
           "centroid_lat", "centroid_lon", "label_lat", "label_lon", "area_km2",
           "valid_from", "valid_to"], munis)
    by_nis = {m["nis"]: m for m in munis}

    # --- mergers --------------------------------------------------------
    merger_rows = []
    for r in mergers:
        if r["old_nis"] == r["new_nis"]:
            continue  # Antwerpen kept its code: only Borsbeek is a former municipality
        merger_rows.append({"former_nis": r["old_nis"], "successor_nis": r["new_nis"],
                            "effective_date": r["effective_date"]})
    write(out / "mergers.csv", ["former_nis", "successor_nis", "effective_date"], merger_rows)

    # --- administrative units --------------------------------------------
    units = read(src / "admin-units.csv")
    write(out / "admin_units.csv",
          ["level", "code", "region", "parent_code", "name_nl", "name_fr", "name_de"], units)

    # --- police zones -----------------------------------------------------
    z20 = read(src / "police-zones-2020.csv")
    zcur = read(src / "police-zones.csv")
    zones = {}
    for z in z20:
        zones[z["zone_code"]] = {"zone_key": z["zone_code"], "zone_code": z["zone_code"],
                                  "name": z["zone_name"], "region": z["region"],
                                  "code_verified": "yes", "formed_from": ""}
    zone_of_2020 = {}
    for z in z20:
        for nis in z["member_nis"].split(";"):
            zone_of_2020[nis] = z["zone_code"]
    current_zone_of = {}
    zone_start = {}
    for z in zcur:
        key = z["zone_code"] or "x-" + slug(z["zone_name"])
        zones[key] = {"zone_key": key, "zone_code": z["zone_code"], "name": z["zone_name"],
                      "region": z["region"], "code_verified": z["code_verified"],
                      "formed_from": z["change_detail"] if z["status"] == "merged zone" else ""}
        start = parse_change_date(z["change_since"]) if z["status"] != "unchanged" else None
        zone_start[key] = start
        for nis in z["member_nis"].split(";"):
            current_zone_of[nis] = key

    members = []
    for m in munis:
        nis = m["nis"]
        m_from, m_to = m["valid_from"], m["valid_to"]
        old_zone = zone_of_2020.get(nis)
        new_zone = current_zone_of.get(nis)
        if old_zone and new_zone and old_zone != new_zone:
            switch = zone_start.get(new_zone) or "2025-01-01"
            members.append({"zone_key": old_zone, "nis": nis, "valid_from": m_from,
                            "valid_to": day_before(switch)})
            members.append({"zone_key": new_zone, "nis": nis, "valid_from": switch,
                            "valid_to": m_to})
        elif old_zone and (old_zone == new_zone or not new_zone):
            members.append({"zone_key": old_zone, "nis": nis, "valid_from": m_from,
                            "valid_to": m_to})
        elif new_zone:
            members.append({"zone_key": new_zone, "nis": nis, "valid_from": m_from,
                            "valid_to": m_to})
        else:
            raise SystemExit(f"municipality {nis} has no police zone")
    for key, z in zones.items():
        spans = [r for r in members if r["zone_key"] == key]
        z["valid_from"] = min(r["valid_from"] for r in spans)
        z["valid_to"] = "" if any(r["valid_to"] == "" for r in spans) else max(r["valid_to"] for r in spans)
    write(out / "police_zones.csv",
          ["zone_key", "zone_code", "name", "region", "code_verified", "valid_from", "valid_to",
           "formed_from"], sorted(zones.values(), key=lambda z: z["zone_key"]))
    write(out / "police_zone_members.csv", ["zone_key", "nis", "valid_from", "valid_to"],
          sorted(members, key=lambda r: (r["zone_key"], r["nis"], r["valid_from"])))

    # --- self-checks ------------------------------------------------------
    def count(day):
        return sum(1 for m in munis if m["valid_from"] <= day and (not m["valid_to"] or day <= m["valid_to"]))
    for day, expected in [("2019-01-01", 581), ("2024-12-01", 581), ("2024-12-02", 580),
                          ("2024-12-31", 580), ("2025-01-01", 565), ("2026-11-25", 565)]:
        got = count(day)
        assert got == expected, (day, got, expected)
    for day in ["2019-01-01", "2023-06-01", "2024-12-02", "2025-01-01", "2026-06-01"]:
        valid = {m["nis"] for m in munis if m["valid_from"] <= day and (not m["valid_to"] or day <= m["valid_to"])}
        covered = [r["nis"] for r in members if r["valid_from"] <= day and (not r["valid_to"] or day <= r["valid_to"])]
        assert sorted(covered) == sorted(valid), (day, len(covered), len(valid))
    print(f"{len(munis)} municipalities, {len(merger_rows)} merger links, {len(units)} admin units, "
          f"{len(zones)} police zones, {len(members)} zone memberships")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
