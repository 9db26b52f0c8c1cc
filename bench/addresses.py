"""Address placing benchmark and tally: what placing an address written before the 07/2025 reform costs next
to one written in today's units (the baseline, same process), and how the seed documents' units convert.

Prints: the one-off cost of the lookup tables (time, RSS); µs per address for today's units (baseline),
old units with and without the district, a misspelling (the 422 with the closest names) and all 10,035 old
communes by name; then the seed planning documents' communes and districts, as written, with what each
became (exact / folded: no diacritics or another tone / alias: a former name), the ambiguous ones (a split
commune, one name in several districts) and the unknown ones with the suggestions.

Usage: ``python bench/addresses.py [--repeat 2000]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections import Counter
from collections.abc import Callable

from ocop_shared.addresses import UnitIn
from ocop_shared.admin_units import AmbiguousUnit, UnknownUnit, legacy, place_units, warm

# The units the seed documents (Bắc Kạn's 2024 OCOP plan and raw-material zones, the district table, a Bắc
# Giang and a Quảng Bình letter, 2018–2024) name, as written; the province the document is about stands in
# where a line does not say it. Not addresses (left out): "Nam Xuân Lạc" (a nature reserve), "TT HĐND".
SEED_COMMUNES = [
    ("Bắc Kạn", None, "xã Yến Dương"),
    ("Bắc Kạn", None, "xã Địa Linh"),
    ("Bắc Kạn", "huyện Ba Bể", "xã Quảng Khê"),
    ("Bắc Kạn", "huyện Bạch Thông", "xã Quang thuận"),
    ("Bắc Kạn", None, "xã Mỹ Phương"),
    ("Bắc Kạn", None, "xã Bằng Phúc"),
    ("tỉnh Bắc Kạn", "huyện Bạch Thông", "xã Vi Hương"),
    ("Bắc Kạn", None, "Kim Hỷ"),
    ("Bắc Kạn", "huyện Ba Bể", "xã Nam Mầu"),
    ("Bắc Kạn", "huyện Ba Bể", "Xã Cao Trĩ"),
    ("Bắc Kạn", "huyện Bạch Thông", "thị trấn Phủ Thông"),
    ("Bắc Kạn", "huyện Na Rì", "Kim Hỷ"),
    ("tỉnh Điện Biên", "huyện Điện Biên", "xã Nứa Ngam"),
    ("tỉnh An Giang", "huyện Tịnh Biên", "xã Văn Giáo"),
    ("tỉnh Bắc Ninh", "huyện Gia Bình", "xã Đại Bái"),
    ("Nam Định", "huyện Ý Yên", "thị trấn Lâm"),
    ("Hà Nội", "Thường Tín", "xã Hiền Giang"),
    ("Bắc Giang", "huyện Lục Ngạn", "Kiên Thành"),
]
SEED_DISTRICTS = [
    *(
        ("Bắc Kạn", d, None)
        for d in (
            "Huyện Pác Nặm",
            "Huyện Chợ Đồn",
            "Huyện Ba Bể",
            "Huyện Bạch Thông",
            "Huyện Chợ Mới",
            "Huyện Na Rì",
            "Huyện Ngân Sơn",
            "Thành phố Bắc Kạn",
            "thành phố Bắc Bạn",
        )
    ),
    ("Bắc Giang", "huyện Lục Ngạn", None),
    ("tỉnh Quảng Ninh", "thành phố Hạ Long", None),
    ("tỉnh Quảng Bình", None, None),
]


def unit(value: str | None) -> UnitIn | None:
    return None if value is None else UnitIn(name=value)


def place(written: tuple[str, str | None, str | None], **kw):
    province, district, commune = written
    return place_units(UnitIn(name=province), unit(district), unit(commune), **kw)


def per_call_us(label: str, fn: Callable[[], object], repeat: int, baseline: float | None = None) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        samples.append((time.perf_counter() - start) / repeat * 1e6)
    us = statistics.median(samples)
    ratio = f"  ({us / baseline:.1f}× today's units)" if baseline else ""
    print(f"  {label:<52} {us:8.1f} µs{ratio}")
    return us


def refused(written: tuple[str, str | None, str | None]) -> Callable[[], object]:
    def go() -> object:
        try:
            return place(written)
        except UnknownUnit as exc:
            return exc

    return go


def tally(title: str, rows: list[tuple[str, str | None, str | None]]) -> None:
    counts: Counter[str] = Counter()
    print(f"\n{title}")
    for written in rows:
        shown = ", ".join(w for w in reversed(written) if w)
        try:
            p = place(written)
        except AmbiguousUnit as exc:
            counts["ambiguous"] += 1
            names = ", ".join(c["name"] for c in exc.details[0]["candidates"])
            print(f"  AMBIGUOUS  {shown}: {names}")
            continue
        except UnknownUnit as exc:
            counts["unknown"] += 1
            print(f"  UNKNOWN    {shown}: {exc.message}")
            continue
        old = p.recorded.commune or p.recorded.district or p.recorded.province
        how = p.recorded.match if p.recorded.commune else "exact"
        how = how or "exact"
        counts[f"ok ({how})"] += 1
        today = ", ".join(u.name for u in (p.commune, p.province) if u)
        print(f"  {how:<10} {shown} → {old.name} ({old.code}) → {today} ({(p.commune or p.province).code})")
    print("  " + ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) + f" — of {len(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    warm()
    built = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"lookup tables: {built:.2f} s, +{(rss_after - rss_before) / 1024:.0f} MB RSS (once per process)")
    print(f"data: {legacy.data_version()}")

    print("\nper address (median of 5 runs):")
    n = args.repeat
    base = per_call_us(
        "today's units: Thái Nguyên, Xã Đồng Phúc (baseline)",
        lambda: place(("Thái Nguyên", None, "Xã Đồng Phúc")),
        n,
    )
    per_call_us(
        "old, with district: Bắc Kạn, Chợ Đồn, Bằng Phúc", lambda: place(("Bắc Kạn", "Chợ Đồn", "Bằng Phúc")), n, base
    )
    per_call_us("old, no district: Bắc Kạn, Bằng Phúc", lambda: place(("Bắc Kạn", None, "Bằng Phúc")), n, base)
    per_call_us("old, no diacritics: Bac Kan, Bang Phuc", lambda: place(("Bac Kan", None, "Bang Phuc")), n, base)
    per_call_us(
        "misspelled (422 with the closest): Bắc Kạn, Bang Phuk", refused(("Bắc Kạn", None, "Bang Phuk")), n // 10, base
    )

    t = legacy.tables()
    olds = [t.row_of_ward[code] for code in t.successors]
    start = time.perf_counter()
    split = 0
    for o in olds:
        assert o.ward is not None
        p = place_units(
            UnitIn(name=o.province.name), UnitIn(name=o.district.name), UnitIn(name=o.ward.name), on_split="pending"
        )
        split += p.current.pending
    sweep = time.perf_counter() - start
    print(
        f"  all {len(olds):,} old communes by name: {sweep:.2f} s, {sweep / len(olds) * 1e6:.0f} µs each"
        f" ({split} split between several today's communes, left for an official to choose)"
    )

    tally("Seed documents: communes (as written → the old unit found → today's)", SEED_COMMUNES)
    tally("Seed documents: districts and provinces", SEED_DISTRICTS)


if __name__ == "__main__":
    main()
