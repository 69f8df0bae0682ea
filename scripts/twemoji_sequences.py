"""Write textdata/twemoji_11_sequences.txt: every string twemoji-parser's pattern matches.

Usage: scripts/twemoji_sequences.py node_modules/twemoji-parser/dist/lib/regex.js > FILE
(twemoji-parser 11.0.2, the version twitter-text 3.1.0 depends on). The pattern is finite:
groups, alternation, character classes over UTF-16 units, `?`, and `(?!\ufe0e)`; this expands
it into its strings, marking those that only match when U+FE0E does not follow.
"""

import re
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    src = f.read()
m = re.search(r"exports\.default = /(.*)/g;", src)
pat = m.group(1)


# tokenise the JS regex (no u flag: units are UTF-16 code units)
def unit(s, i):
    if s[i] == "\\":
        if s[i + 1] == "u":
            return int(s[i + 2 : i + 6], 16), i + 6
        return ord(s[i + 1]), i + 2
    return ord(s[i]), i + 1


pos = 0


def parse_alt():
    global pos
    alts = [parse_seq()]
    while pos < len(pat) and pat[pos] == "|":
        pos += 1
        alts.append(parse_seq())
    return ("alt", alts)


def parse_seq():
    global pos
    items = []
    while pos < len(pat) and pat[pos] not in "|)":
        atom = parse_atom()
        if pos < len(pat) and pat[pos] == "?":
            pos += 1
            atom = ("opt", atom)
        items.append(atom)
    return ("seq", items)


def parse_atom():
    global pos
    c = pat[pos]
    if pat.startswith("(?!\\ufe0e)", pos):
        pos += len("(?!\\ufe0e)")
        return ("set", [-1])
    if c == "(":
        pos += 1
        if pat.startswith("?:", pos):
            pos += 2
        node = parse_alt()
        assert pat[pos] == ")"
        pos += 1
        return node
    if c == "[":
        pos += 1
        units = []
        while pat[pos] != "]":
            a, pos = unit(pat, pos)
            if pat[pos] == "-" and pat[pos + 1] != "]":
                pos += 1
                b, pos = unit(pat, pos)
                units.extend(range(a, b + 1))
            else:
                units.append(a)
        pos += 1
        return ("set", units)
    if c in "*+{":
        raise SystemExit("unbounded " + pat[pos - 10 : pos + 10])
    u, pos = unit(pat, pos)
    return ("set", [u])


tree = parse_alt()
assert pos == len(pat)


def lang(n):
    k = n[0]
    if k == "set":
        return [(u,) for u in n[1]]
    if k == "opt":
        return [(), *lang(n[1])]
    if k == "alt":
        return [s for a in n[1] for s in lang(a)]
    out = [()]
    for it in n[1]:
        out = [a + b for a in out for b in lang(it)]
    return out


seqs = set()
for units in lang(tree):
    if any(u == -1 and k + 1 < len(units) and units[k + 1] == 0xFE0E for k, u in enumerate(units)):
        continue
    guard = bool(units) and units[-1] == -1
    units = [u for u in units if u != -1]
    s = "".join(map(chr, units)).encode("utf-16", "surrogatepass").decode("utf-16")
    seqs.add((s, guard))
bad = [s for s, g in seqs if any(0xD800 <= ord(c) <= 0xDFFF for c in s)]
both = {s for s, g in seqs if g} & {s for s, g in seqs if not g}
print("both guarded and not:", len(both), file=sys.stderr)
print(len(seqs), "sequences;", len(bad), "with lone surrogates", file=sys.stderr)
for s, g in sorted(seqs, key=lambda x: ([ord(c) for c in x[0]], x[1])):
    print(" ".join(f"{ord(c):04X}" for c in s) + (" !FE0E" if g else ""))
