"""A logged-in user uploads a video to the LoggedInStorage and Chromium plays it from ``/b2l/``, seeking
to the middle with Range requests; an anonymous visitor is sent to log in.

``fixtures/test-pattern.webm`` is 6 s of VP9 (160x120, 15 fps, a keyframe each second, no audio), made
once so that CI needs no ffmpeg::

    ffmpeg -f lavfi -i testsrc=duration=6:size=160x120:rate=15 -c:v libvpx-vp9 -b:v 60k -g 15 \\
        -pix_fmt yuv420p -an -fflags +bitexact -flags:v +bitexact test-pattern.webm

WebM because every Chromium build plays VP9; some distributions build it without H.264.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .test_sample_app import log_in

pytestmark = pytest.mark.e2e

VIDEO = (Path(__file__).parent / "fixtures" / "test-pattern.webm").read_bytes()
VIDEO_SECONDS = 6.0
RANGE = re.compile(r"bytes=(\d+)-(\d*)")

# Resolves once the element has seeked to the given time, with where it landed.
SEEK = """([video, time]) => new Promise((resolve) => {
    video.addEventListener("seeked", () => resolve(video.currentTime), { once: true });
    video.currentTime = time;
})"""
# Range fetch from the page, with its cookies, as a player seeking in a larger file would make it;
# past the browser's cache, which holds the whole clip by then.
FETCH_RANGE = """async ([url, range]) => {
    const response = await fetch(url, { headers: { Range: range }, cache: "no-store" });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, contentRange: response.headers.get("Content-Range"), body: Array.from(body) };
}"""


def expected_content_range(range_header: str, size: int) -> str:
    match = RANGE.fullmatch(range_header)
    assert match, f"Chromium sent a Range this test does not parse: {range_header!r}"
    start, end = int(match[1]), int(match[2]) if match[2] else size - 1
    return f"bytes {start}-{min(end, size - 1)}/{size}"


def upload_video(page: Any, name: str) -> str:
    """Uploads the clip through the LoggedInStorage's page; returns its player's ``src``."""
    page.goto("/storages/logged-in/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "video/webm", "buffer": VIDEO}])
    page.click("#upload-form button[type=submit]")
    assert "Uploaded" in page.inner_text(".messages")
    return str(page.get_attribute(f'figure.video[data-name="members/{name}"] video', "src"))


def test_a_logged_in_user_plays_and_seeks_a_video_served_from_b2l(new_page: Callable[[], Any]) -> None:
    alice = new_page()
    log_in(alice, "alice")
    responses: list[Any] = []
    # A lambda: Playwright marks its handlers with an attribute, which a builtin like list.append refuses.
    alice.on("response", lambda response: responses.append(response))
    name = f"pattern-{uuid.uuid4().hex[:8]}.webm"
    src = upload_video(alice, name)
    assert src == f"/b2l/members/{name}"
    video = alice.locator(f'figure.video[data-name="members/{name}"] video').element_handle()

    alice.wait_for_function("video => video.readyState >= 1 && video.duration > 0", arg=video)
    duration = video.evaluate("video => video.duration")
    assert duration == pytest.approx(VIDEO_SECONDS, abs=0.1)

    video.evaluate("video => { video.muted = true; return video.play(); }")
    alice.wait_for_function("video => video.currentTime > 0.3", arg=video)
    middle = duration / 2
    landed = alice.evaluate(SEEK, [video, middle])
    assert landed == pytest.approx(middle, abs=0.1)
    alice.wait_for_function(f"video => video.currentTime > {middle + 0.5} && !video.paused", arg=video)
    assert video.evaluate("video => video.error") is None

    served = [response for response in responses if urlsplit(response.url).path == src]
    assert served, "the player made no request for the video"
    assert all(response.status < 500 for response in served), [response.status for response in served]
    ranged = [
        (response, range_header)
        for response in served
        if response.request.resource_type == "media" and (range_header := response.request.all_headers().get("range"))
    ]
    assert ranged, "the player never sent a Range header"
    for response, range_header in ranged:
        assert response.status == 206, (range_header, response.status)
        assert response.header_value("content-range") == expected_content_range(range_header, len(VIDEO))

    # The clip is small enough to arrive whole with the player's first request; a seek in a longer
    # video asks for a range in the middle, which must hold exactly those bytes.
    start, end = len(VIDEO) // 2, len(VIDEO) // 2 + 999
    middle_range = alice.evaluate(FETCH_RANGE, [src, f"bytes={start}-{end}"])
    assert middle_range["status"] == 206
    assert middle_range["contentRange"] == f"bytes {start}-{end}/{len(VIDEO)}"
    assert bytes(middle_range["body"]) == VIDEO[start : end + 1]

    anonymous = new_page()
    anonymous.goto(src)
    assert urlsplit(anonymous.url).path == "/accounts/login/"
    assert parse_qs(urlsplit(anonymous.url).query)["next"] == [src]
    assert anonymous.is_visible("#login-form")
