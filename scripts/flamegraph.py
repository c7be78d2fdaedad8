#!/usr/bin/python3
"""Turn `perf script` output into a flame graph SVG (Debian 12 ships no flamegraph tool).

    perf record -F 999 -g -p <pid> -o perf.data -- sleep 10
    perf script -i perf.data | scripts/flamegraph.py --title "gateway, chat" > flame.svg

Stacks are folded (root first), frames narrower than --min-width per cent are dropped, and
each frame carries a <title> with its sample count and share so a browser shows it on hover.
`--folded` prints the folded stacks instead (one "a;b;c count" line each) for diffing.
"""

import argparse
import collections
import hashlib
import html
import re
import sys

FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$")


def clean(sym, dso):
    if sym == "[unknown]":
        return f"[{dso.rsplit('/', 1)[-1]}]"
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    # Template arguments and parameter lists make C++ names unreadable at flame-graph widths.
    out, depth = [], 0
    for ch in sym:
        if ch in "<(":
            if depth == 0:
                out.append("<>" if ch == "<" else "()")
            depth += 1
        elif ch in ">)" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def fold(lines):
    stacks = collections.Counter()
    comm, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None:
                stacks[";".join([comm] + frames[::-1])] += 1
            comm, frames = None, []
            continue
        m = FRAME.match(line)
        if m and comm is not None:
            frames.append(clean(m.group(1), m.group(2)))
        elif not line.startswith((" ", "\t")):
            comm = line.split()[0]
    if comm is not None:
        stacks[";".join([comm] + frames[::-1])] += 1
    return stacks


def tree(stacks):
    root = {"name": "all", "value": 0, "kids": {}}
    for stack, n in stacks.items():
        root["value"] += n
        node = root
        for name in stack.split(";"):
            node = node["kids"].setdefault(name, {"name": name, "value": 0, "kids": {}})
            node["value"] += n
    return root


def color(name):
    h = int(hashlib.md5(name.encode()).hexdigest()[:6], 16)
    return f"rgb({205 + h % 50},{(h >> 8) % 180 + 40},{(h >> 16) % 55})"


def svg(root, title, min_width, width=1200, row=16):
    total = max(root["value"], 1)
    rects = []

    def walk(node, x, depth):
        w = node["value"] / total * width
        if w < min_width / 100 * width:
            return 0
        rects.append((x, depth, w, node))
        cx = x
        for kid in sorted(node["kids"].values(), key=lambda k: k["name"]):
            walk(kid, cx, depth + 1)
            cx += kid["value"] / total * width
        return depth

    walk(root, 0.0, 0)
    depth = max(d for _, d, _, _ in rects) + 1
    height = depth * row + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="#fdfdf6"/>',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">'
           f'{html.escape(title)} ({total} samples)</text>']
    for x, d, w, node in rects:
        y = height - (d + 1) * row - 4
        share = node["value"] / total * 100
        label = html.escape(node["name"])
        out.append(f'<g><title>{label} ({node["value"]} samples, {share:.2f}%)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" '
                   f'fill="{color(node["name"])}" rx="2"/>')
        chars = int(w / 7)
        if chars >= 3:
            text = node["name"] if len(node["name"]) <= chars else node["name"][:chars - 2] + ".."
            out.append(f'<text x="{x + 3:.1f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--title", default="flame graph")
    ap.add_argument("--min-width", type=float, default=0.1, help="per cent of all samples")
    ap.add_argument("--folded", action="store_true", help="print folded stacks, not SVG")
    args = ap.parse_args()
    stacks = fold(sys.stdin)
    if args.folded:
        for stack, n in stacks.most_common():
            print(f"{stack} {n}")
        return
    sys.stdout.write(svg(tree(stacks), args.title, args.min_width))


if __name__ == "__main__":
    main()
