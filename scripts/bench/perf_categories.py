"""Groups a `perf report --no-children --sort symbol --stdio` listing (on
standard input) by what the functions do, and prints each group's share of
the samples and its five largest functions.

The groups are matched on symbol names, first match wins, so the order of
CATEGORIES matters: Snappy before the generic encoders, interning before
the RLE encoder that writes the interned keys.
"""

import re
import sys

CATEGORIES = [
    ("kernel (page faults, mapping)", r"^(exc_|unmap_|_raw_spin|clear_page|do_|handle_mm|asm_)"),
    ("Snappy compression", r"snap::"),
    ("dictionary interning (hashing values into keys)", r"Interner|DictEncoder|intern|hash_one|ahash|hashbrown|Hasher|dictionary"),
    ("RLE / bit-packing", r"Rle|rle|BitWriter|bit_pack|bit_util|put_aligned|put_value"),
    ("statistics (min/max)", r"statistic|Statistics|update_min|update_max|min_max|compare_greater"),
    ("delta and plain encoding", r"DeltaBitPack|delta|PlainEncoder|Plain"),
    ("page and chunk assembly", r"page|Page|write_mini_batch|write_batch|ColumnValueEncoder|GenericColumnWriter|thrift|Thrift|levels|Levels|ArrowColumnWriter|compute_leaves"),
    ("memory copies and allocation", r"memcpy|memmove|memset|malloc|free|realloc|alloc::|RawVec|MutableBuffer|reserve"),
    ("arrow arrays (building the batch)", r"arrow_array|arrow_buffer|arrow_data|arrow_select|arrow_cast"),
    ("generating rows (cardgen)", r"cardgen"),
    ("random numbers (drawing and seeding)", r"rand|xoshiro|Xoshiro"),
    ("libm (exp, log, round) for the row model", r"ieee754|^exp|^log|^round|^pow"),
]

LINE = re.compile(r"^\s*([0-9.]+)%\s+(?:\S+\s+)?\[[.k]\]\s+(.*)$")


def main():
    totals = {name: 0.0 for name, _ in CATEGORIES}
    totals["other"] = 0.0
    tops = {name: [] for name in totals}
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        share, symbol = float(m.group(1)), m.group(2).strip()
        group = next((name for name, pattern in CATEGORIES if re.search(pattern, symbol)), "other")
        totals[group] += share
        tops[group].append((share, symbol))
    print("| what | share of samples | largest functions |")
    print("|---|---|---|")
    for name, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        if total < 0.05:
            continue
        top = sorted(tops[name], reverse=True)[:5]
        names = "; ".join(f"{s:.1f}% {shorten(sym)}" for s, sym in top)
        print(f"| {name} | {total:.1f}% | {names} |")


def shorten(symbol):
    """The symbol without its hash, at most 90 characters, safe in a table."""
    symbol = re.sub(r"(\s+-)+\s*$", "", symbol)
    symbol = re.sub(r"\s+", " ", symbol).strip()
    symbol = re.sub(r"::h[0-9a-f]{16}$", "", symbol).replace("|", "/")
    return symbol if len(symbol) <= 90 else symbol[:87] + "..."


if __name__ == "__main__":
    main()
