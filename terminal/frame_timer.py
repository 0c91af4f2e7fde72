"""The screen's frame timer, without Textual 8's extra frame after a late one.

Textual draws a screen from a 60-per-second timer that runs only while something waits to be
drawn. When a frame is late (the screen was asked to redraw after its slot had passed, because
a scan took longer than a frame), Textual's `Timer` draws it at once but then skips to the
slot *after* the next one, so the next scan's result waited up to two frames (33 ms) however
quick it was. At a station that is every scan that follows a slow one; the bench measured it
as the scan latency's 99th percentile (bench/RESULTS.md).

`FrameTimer` keeps Textual's timer and its rate, and after a late frame waits only for the
next slot. `StationScreen` uses it for its frame timer (`frame_timer_for`).
"""
from __future__ import annotations

from textual import _time
from textual.timer import EventTargetGone, Timer


class FrameTimer(Timer):
    async def _run(self) -> None:
        count = 0
        interval = self._interval
        await self._active.wait()
        start = _time.get_time()
        while self._repeat is None or count <= self._repeat:
            slot = start + (count + 1) * interval
            now = _time.get_time()
            if self._skip and slot < now:
                # The slots that passed are dropped; the next one is the first still ahead
                # (Textual's own timer counts one more, so waits a frame longer).
                count = int((now - start) / interval)
                continue
            await _time.sleep(max(0.0, slot - now))
            count += 1
            await self._active.wait()
            if self._reset:
                start = _time.get_time()
                count = 0
                self._reset = False
                continue
            try:
                await self._tick(next_timer=slot, count=count)
            except EventTargetGone:
                break


def frame_timer_for(screen, interval: float, callback, name: str, pause: bool) -> Timer:
    """A started FrameTimer owned by SCREEN, as `MessagePump.set_interval` starts its timers
    (so the screen stops it when it closes)."""
    timer = FrameTimer(screen, interval, name=name, callback=callback, pause=pause)
    timer._start()
    screen._timers.add(timer)
    return timer
