"""Practice-task photos (issue 14): a 12-megapixel phone photo is checked and re-encoded in
under 1 s and under 200 MB of memory. Each photo is processed in a fresh child process, whose
peak resident memory is read from the kernel (Pillow's buffers are outside Python's allocator).

    .venv/bin/python -m tests.bench.bench_photos
"""

import io
import multiprocessing
import resource
import statistics
import time

from PIL import Image

from .common import write_result

# (size, JPEG quality): noise compresses like a detailed photo; phones save 3-8 MB at 12 MP.
SIZES = {
    "12 MP phone photo (4000x3000)": ((4000, 3000), 85),
    "12 MP, WhatsApp-like quality": ((4000, 3000), 60),
    "PNG screenshot (1080x2400)": ((1080, 2400), None),
}


def phone_photo(size, quality) -> bytes:
    """A JPEG with the detail of a real photo (noise compresses like one)."""
    image = Image.effect_noise(size, 60).convert("RGB")
    out = io.BytesIO()
    if quality is None:
        image.save(out, format="PNG")
    else:
        image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _measure(data: bytes, queue) -> None:
    from lms.tasks.photos import process

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    photo = process(data)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((seconds, (peak - before) / 1024, peak / 1024, photo.width, photo.height))


def measure(data: bytes):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_measure, args=(data, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    figures = {}
    for label, (size, quality) in SIZES.items():
        data = phone_photo(size, quality)
        runs = [measure(data) for _ in range(3)]
        seconds = statistics.median(r[0] for r in runs)
        extra = max(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        width, height = runs[0][3], runs[0][4]
        figures[label] = {
            "file_mb": round(len(data) / 2**20, 2),
            "seconds_median": round(seconds, 3),
            "memory_added_mb": round(extra, 1),
            "process_peak_mb": round(peak, 1),
            "result": f"{width}x{height}",
        }
        print(
            f"{label}: {len(data) / 2**20:.1f} MB file → {width}x{height} in {seconds:.3f} s, "
            f"+{extra:.0f} MB (process peak {peak:.0f} MB)"
        )
    write_result("photos", figures)


if __name__ == "__main__":
    main()
