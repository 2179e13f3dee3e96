#!/usr/bin/env python3
"""Helper of bench/labels.sh: the synthetic labels, and the reference a user would otherwise write.

    labels_reference.py generate N LABELS.csv DEVICES.csv   # N synthetic labels (deterministic)
    labels_reference.py pdf LABELS.csv OUT.pdf              # Avery L7160 sheets with segno + reportlab
    labels_reference.py zip LABELS.csv OUT.zip [PNG_PX]     # a ZIP of segno SVG + PNG per device
    labels_reference.py record GROUP FORMAT TIME.txt [OUT.json] [FILE]  # one result line (JSON) on stdout
    labels_reference.py report RESULTS.jsonl                # the Markdown table with PASS/MISS per target

`generate` writes LABELS.csv (name,serial,site,url: what the renderer and this reference read) and
DEVICES.csv (the same devices in the header of `tagdesk devices import`). `pdf` and `zip` print one JSON
line with their timings, like the Rust example `bench_labels`. They need segno and reportlab (PyPI), which
bench/labels.sh installs into bench/.venv; `generate` needs only the standard library.

The reference is what a user who does not have Tagdesk would reasonably write: segno for the QR codes,
reportlab's canvas for the PDF (QR modules as vector rectangles in one path per code, like Tagdesk's
vector codes; DejaVu Sans Condensed embedded as a TrueType subset when installed, as Tagdesk embeds it;
the name shrunk to fit with stringWidth), zipfile for the ZIP (SVG deflated, PNG stored).
"""

import csv
import io
import json
import random
import sys
import time
import zipfile

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC = "HTTPS://DESK.EXAMPLE.COM/D/"
CTA = "Scan to report a problem"

KINDS = [
    "Coffee machine", "Espresso machine", "Laser printer", "Label printer", "Dishwasher", "Forklift charger",
    "Ticket printer", "Vending machine", "Air conditioner", "Water dispenser", "Defibrillator AED",
    "Elevator control panel", "Kühlschrank", "Drucker", "Kaffeevollautomat", "Barcode scanner",
    "Self-service kiosk", "Badge reader", "Conference room display", "Industrial microwave",
]
MODELS = ["Barista 3000", "ZT411", "HL-L2350DW", "G7 Pro", "TX-20", "Aero 5", "M-Line 12", "Quattro", "X1", ""]
PLACES = [
    "Kitchen, 2nd floor", "Lobby", "Lager Süd, Halle 3", "Warehouse bay 12", "Empfang", "East wing",
    "Building A, room 1.214", "Canteen", "Loading dock 4", "Meeting room Elbe", "Ward 7, nurses' station",
    "Produktion, Linie 2", "",
]
SITES = ["Headquarters Berlin", "Harbour Logistics Hub Hamburg", "Riverside Hospital Bristol", "Plant Munich"]

# Avery L7160 (A4, 3 × 7 labels of 63.5 × 38.1 mm), as in tagdesk-labels' built-in template.
MM = 72.0 / 25.4
PAGE_W, PAGE_H = 210.0, 297.0
COLS, ROWS = 3, 7
LABEL_W, LABEL_H = 63.5, 38.1
LEFT, TOP = 7.25, 15.15
PITCH_X, PITCH_Y = 66.0, 38.1
PAD = 2.0
FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"


def token(rng):
    return "".join(rng.choice(CROCKFORD) for _ in range(13))


def generate(n, labels_path, devices_path):
    rng = random.Random(20240613)
    seen = set()
    with open(labels_path, "w", newline="", encoding="utf-8") as labels, \
            open(devices_path, "w", newline="", encoding="utf-8") as devices:
        lw = csv.writer(labels, lineterminator="\n")
        dw = csv.writer(devices, lineterminator="\n")
        lw.writerow(["name", "serial", "site", "url"])
        dw.writerow(["name", "serial_number", "manufacturer", "model", "tags", "notes"])
        for i in range(n):
            kind, model, place = rng.choice(KINDS), rng.choice(MODELS), rng.choice(PLACES)
            name = " ".join(p for p in [kind, model] if p)
            if place:
                name += f" – {place}"
            serial = f"SN-{i:05d}-{rng.randrange(16**6):06X}"
            tok = token(rng)
            while tok in seen:
                tok = token(rng)
            seen.add(tok)
            lw.writerow([name, serial, SITES[0], PUBLIC + tok])
            dw.writerow([name, serial, "Acme", model, f"bench, floor-{i % 12}", ""])


def read_labels(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r["name"], r["serial"], r["site"], r["url"]) for r in csv.DictReader(f)]


def render_pdf(labels, out):
    import segno
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    try:
        pdfmetrics.registerFont(TTFont("DejaVuCond", FONT_PATH))
        font = "DejaVuCond"
    except Exception:  # no DejaVu on this machine: a standard font (not embedded)
        font = "Helvetica"
    c = canvas.Canvas(out, pagesize=(PAGE_W * MM, PAGE_H * MM))
    per_page = COLS * ROWS

    def fit(text, width, size, minimum):
        while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
            size -= 0.5
        while text and pdfmetrics.stringWidth(text, font, size) > width:
            text = text[:-2] + "…"
        return text, size

    for i, (name, serial, site, url) in enumerate(labels):
        if i and i % per_page == 0:
            c.showPage()
        slot = i % per_page
        col, row = slot % COLS, slot // COLS
        x0 = (LEFT + col * PITCH_X) * MM
        top = PAGE_H - (TOP + row * PITCH_Y)  # mm from the bottom to the label's top edge
        y0 = (top - LABEL_H) * MM
        # QR: the largest square on the left (quiet zone inside the square).
        qr = segno.make(url, error="m", micro=False)
        matrix = qr.matrix
        n = len(matrix) + 8
        side = (LABEL_H - 2 * PAD) * MM
        module = side / n
        qx, qy = x0 + PAD * MM, y0 + PAD * MM
        path = c.beginPath()
        for r, line in enumerate(matrix):
            for k, dark in enumerate(line):
                if dark:
                    path.rect(qx + (k + 4) * module, qy + side - (r + 5) * module, module, module)
        c.drawPath(path, stroke=0, fill=1)
        # Text to the right of the code.
        tx = qx + side + PAD * MM
        width = x0 + LABEL_W * MM - PAD * MM - tx
        ty = y0 + (LABEL_H - PAD - 4) * MM
        text, size = fit(name, width, 9, 6)
        c.setFont(font, size)
        c.drawString(tx, ty, text)
        for line, size, gap in [(serial, 7, 4.0), (site, 7, 3.5), (CTA, 6, 6.0)]:
            ty -= gap * MM
            text, size = fit(line, width, size, 5)
            c.setFont(font, size)
            c.drawString(tx, ty, text)
    c.save()
    return (len(labels) + per_page - 1) // per_page


def stem(name, serial, taken):
    import re
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{name}_{serial}" if serial else name).strip("._-")[:80] or "device"
    candidate, k = base, 2
    while candidate.lower() in taken:
        candidate, k = f"{base}-{k}", k + 1
    taken.add(candidate.lower())
    return candidate


def render_zip(labels, out, png_px):
    import segno

    taken = set()
    with zipfile.ZipFile(out, "w") as z:
        for name, serial, _site, url in labels:
            qr = segno.make(url, error="m", micro=False)
            scale = max(1, png_px // (len(qr.matrix) + 8))
            svg, png = io.BytesIO(), io.BytesIO()
            qr.save(svg, kind="svg", border=4)
            qr.save(png, kind="png", scale=scale, border=4)
            s = stem(name, serial, taken)
            z.writestr(zipfile.ZipInfo(f"{s}.svg"), svg.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
            z.writestr(zipfile.ZipInfo(f"{s}.png"), png.getvalue(), compress_type=zipfile.ZIP_STORED)


def parse_time(path):
    """Wall, user and system seconds and peak RSS (KiB) from `/usr/bin/time -v`."""
    found = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().rpartition(": ")
            if key.startswith("Elapsed (wall clock) time"):
                seconds = 0.0
                for part in value.split(":"):
                    seconds = seconds * 60 + float(part)
                found["wall_s"] = seconds
            elif key == "Maximum resident set size (kbytes)":
                found["rss_kb"] = int(value)
            elif key == "User time (seconds)":
                found["user_s"] = float(value)
            elif key == "System time (seconds)":
                found["sys_s"] = float(value)
            elif key == "Exit status":
                found["exit"] = int(value)
    return found


def record(group, fmt, time_path, json_path=None, out_path=None):
    """One run: what the tool printed (JSON, when it prints that) and what /usr/bin/time measured."""
    import os
    row = {"group": group, "format": fmt}
    if json_path and os.path.getsize(json_path) > 0:
        with open(json_path, encoding="utf-8") as f:
            lines = [line for line in f if line.startswith("{")]
        if lines:
            row.update(json.loads(lines[-1]))
    row.update(parse_time(time_path))
    if out_path and os.path.exists(out_path):
        row["bytes"] = os.path.getsize(out_path)
    print(json.dumps(row))


# Targets on the 2-core reference machine (issue 8, "Benchmark").
PDF_MAX_S, PDF_MAX_MB, ZIP_MAX_S, MIN_RATIO = 1.5, 150, 2.0, 25.0
GROUPS = {
    "pure": "tagdesk-labels (example bench_labels)",
    "cli": "tagdesk labels (CLI, SQLite, 10,000 devices)",
    "reference": "reference (Python segno + reportlab)",
}


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def report(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    runs = {}
    for row in rows:
        runs.setdefault((row["group"], row["format"]), []).append(row)

    def summary(group, fmt):
        found = runs.get((group, fmt), [])
        ok = [r for r in found if r.get("exit", 0) == 0]
        if not ok:
            return None
        work = [r["render_s"] + r.get("write_s", 0.0) for r in ok if "render_s" in r]
        return {
            "runs": len(ok), "failed": len(found) - len(ok), "wall_s": median([r["wall_s"] for r in ok]),
            "wall_min_s": min(r["wall_s"] for r in ok), "wall_max_s": max(r["wall_s"] for r in ok),
            "work_s": median(work) if work else None, "cpu_s": median([r["user_s"] + r["sys_s"] for r in ok]),
            "rss_mb": median([r["rss_kb"] for r in ok]) / 1024, "rss_max_mb": max(r["rss_kb"] for r in ok) / 1024,
            "bytes": ok[-1].get("bytes", 0), "labels": ok[-1].get("labels"), "pages": ok[-1].get("pages"),
        }

    def verdict(ok):
        return "PASS" if ok else "**MISS**"

    out = []
    out.append("| run | format | runs | wall s (median, min–max) | render + write s | CPU s | peak RSS MB (median / max) | output MB |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")
    stats = {}
    for group in GROUPS:
        for fmt in ("pdf", "zip"):
            s = summary(group, fmt)
            stats[(group, fmt)] = s
            if s is None:
                out.append(f"| {GROUPS[group]} | {fmt.upper()} | 0 | – | – | – | – | – |")
                continue
            work = f"{s['work_s']:.3f}" if s["work_s"] is not None else "–"
            out.append(
                f"| {GROUPS[group]} | {fmt.upper()} | {s['runs']} | {s['wall_s']:.3f} ({s['wall_min_s']:.3f}–{s['wall_max_s']:.3f})"
                f" | {work} | {s['cpu_s']:.2f} | {s['rss_mb']:.0f} / {s['rss_max_mb']:.0f} | {s['bytes'] / 1e6:.1f} |"
            )
    out.append("")
    out.append("| target | measured | result |")
    out.append("|---|---:|---|")
    for group, what in (("pure", "rendering"), ("cli", "CLI end to end")):
        pdf, zip_ = stats[(group, "pdf")], stats[(group, "zip")]
        if pdf:
            out.append(f"| PDF {what}: wall ≤ {PDF_MAX_S} s | {pdf['wall_s']:.3f} s | {verdict(pdf['wall_s'] <= PDF_MAX_S)} |")
            out.append(f"| PDF {what}: peak RSS ≤ {PDF_MAX_MB} MB | {pdf['rss_max_mb']:.0f} MB | {verdict(pdf['rss_max_mb'] <= PDF_MAX_MB)} |")
        if zip_:
            out.append(f"| ZIP {what}: wall ≤ {ZIP_MAX_S} s | {zip_['wall_s']:.3f} s | {verdict(zip_['wall_s'] <= ZIP_MAX_S)} |")
    for fmt in ("pdf", "zip"):
        ours, ref = stats[("pure", fmt)], stats[("reference", fmt)]
        if ours and ref and ours["work_s"] and ref["work_s"]:
            ratio = ref["work_s"] / ours["work_s"]
            wall = ref["wall_s"] / ours["wall_s"]
            out.append(
                f"| {fmt.upper()}: ≥ {MIN_RATIO:.0f}× the reference (render + write; whole processes: {wall:.0f}×) "
                f"| {ratio:.0f}× ({ref['work_s']:.2f} s / {ours['work_s']:.3f} s) | {verdict(ratio >= MIN_RATIO)} |"
            )
        else:
            out.append(f"| {fmt.upper()}: ≥ {MIN_RATIO:.0f}× the reference | not measured | – |")
    print("\n".join(out))


def main(argv):
    if len(argv) >= 4 and argv[0] == "generate":
        generate(int(argv[1]), argv[2], argv[3])
        return 0
    if len(argv) >= 4 and argv[0] == "record":
        record(*argv[1:6])
        return 0
    if len(argv) == 2 and argv[0] == "report":
        report(argv[1])
        return 0
    if len(argv) < 3 or argv[0] not in ("pdf", "zip"):
        print(__doc__, file=sys.stderr)
        return 2
    fmt, src, out = argv[0], argv[1], argv[2]
    started = time.perf_counter()
    import segno  # noqa: F401  (imports count as start-up, not rendering)
    import reportlab  # noqa: F401
    labels = read_labels(src)
    read_s = time.perf_counter() - started
    rendering = time.perf_counter()
    pages = render_pdf(labels, out) if fmt == "pdf" else render_zip(labels, out, int(argv[3]) if len(argv) > 3 else 512)
    render_s = time.perf_counter() - rendering
    import os
    print(json.dumps({
        "tool": "reference", "format": fmt, "labels": len(labels), "pages": pages or 0,
        "bytes": os.path.getsize(out), "read_s": round(read_s, 4), "render_s": round(render_s, 4),
        "write_s": 0.0, "total_s": round(time.perf_counter() - started, 4),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
