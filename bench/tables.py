"""Builds the lookup tables shipped in crates/io/data/ (airport zones, country names).

Run in a virtual environment with the two packages it reads:
    python3 -m venv /tmp/pv && /tmp/pv/bin/pip install airportsdata pycountry
    cd crates/io/data && /tmp/pv/bin/python ../../../bench/tables.py
"""
import importlib.metadata as md
import unicodedata

import airportsdata
import pycountry


def fold(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().upper()
    return " ".join(s.replace(",", " ").split())


def airports():
    ver = md.version("airportsdata")
    rows = sorted((icao, a["iata"], a["tz"], a["country"])
                  for icao, a in airportsdata.load("ICAO").items() if a["tz"] and a["iata"])
    with open("airports.tsv", "w") as f:
        f.write("# IANA time zone of each airport with an IATA code, by ICAO and IATA code.\n")
        f.write(f"# Built from the airportsdata package {ver} (MIT licence, https://github.com/mborsetti/airportsdata)\n")
        f.write("# by bench/tables.py. Columns: icao, iata, tz, country (ISO 3166-1 alpha-2).\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


# Spellings found in ICE's FOIA exports, and common short names pycountry does not know.
EXTRA = {
    "IVORY COAST": "CI", "DEM REP OF THE CONGO": "CD", "DEMOCRATIC REPUBLIC OF THE CONGO": "CD",
    "CONGO": "CG", "CHINA PEOPLES REPUBLIC OF": "CN", "CHINA": "CN", "TURKEY": "TR", "TURKIYE": "TR",
    "BOSNIA-HERZEGOVINA": "BA", "BOSNIA AND HERZEGOVINA": "BA", "BURMA": "MM", "ST. LUCIA": "LC",
    "ST. VINCENT-GRENADINES": "VC", "ANTIGUA-BARBUDA": "AG", "CAPE VERDE": "CV", "ST. KITTS-NEVIS": "KN",
    "WESTERN SAMOA": "WS", "KOSOVO": "XK", "RUSSIA": "RU", "VIETNAM": "VN", "LAOS": "LA",
    "SOUTH KOREA": "KR", "NORTH KOREA": "KP", "IRAN": "IR", "SYRIA": "SY", "TAIWAN": "TW",
    "TANZANIA": "TZ", "BOLIVIA": "BO", "MOLDOVA": "MD", "MACEDONIA": "MK", "NORTH MACEDONIA": "MK",
    "CZECH REPUBLIC": "CZ", "MICRONESIA FEDERATED STATES OF": "FM", "VENEZUELA": "VE",
    "UNITED STATES OF AMERICA": "US", "USA": "US", "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB",
    "HONG KONG": "HK", "MACAU": "MO", "PALESTINE": "PS", "BAHAMAS": "BS", "GAMBIA": "GM",
    "THE GAMBIA": "GM", "SWAZILAND": "SZ", "EAST TIMOR": "TL", "VATICAN CITY": "VA", "BRUNEI": "BN",
}


def countries():
    ver = md.version("pycountry")
    names = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if v:
                names.setdefault(fold(v), c.alpha_2)
    for k, v in EXTRA.items():
        names[fold(k)] = v
    with open("countries.tsv", "w") as f:
        f.write("# Country names, folded to upper-case ASCII with commas dropped, to ISO 3166-1 alpha-2 codes.\n")
        f.write(f"# Built from the pycountry package {ver} (LGPL-2.1, ISO 3166 data of Debian's iso-codes) by\n")
        f.write("# bench/tables.py, plus the spellings of ICE's FOIA exports (IVORY COAST, BURMA, ST. LUCIA, ...).\n")
        f.write("# Former states (USSR, YUGOSLAVIA), UNKNOWN and STATELESS have no code on purpose; KOREA alone is ambiguous.\n")
        for k in sorted(names):
            f.write(f"{k}\t{names[k]}\n")


airports()
countries()
