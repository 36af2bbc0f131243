"""Paid media: each active campaign's daily impressions, clicks and spend.

Clicks are derived from the paid sessions the analytics tool saw, plus the clicks it never
sees (consent refused, back button before the page loaded): platforms always report more
clicks than analytics has sessions.
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator import calendar
from orchestration.simulator.frame import Frame
from orchestration.simulator.world import DayContext


def daily_stats(ctx: DayContext, sessions: Frame) -> Frame:
    rng = ctx.rng(50)
    live = [c for c in calendar.CAMPAIGNS if c.active(ctx.day)]
    names = sessions["campaign"] if len(sessions) else np.zeros(0, dtype=str)
    rows = []
    for c in live:
        tracked = int((names == c.name).sum())
        unseen = rng.binomial(tracked, 0.22) + rng.poisson(0.6 * c.weight)
        clicks = tracked + unseen
        ctr = calendar.CTR[c.platform] * rng.lognormal(0, 0.12)
        impressions = round(clicks / ctr) + int(rng.poisson(50 * c.weight))
        if c.platform == "google_ads":
            spend = clicks * calendar.CPC[c.platform] * rng.lognormal(0, 0.1)
        else:
            spend = impressions / 1000 * calendar.CPM[c.platform] * rng.lognormal(0, 0.1)
        rows.append(
            (c.platform, c.campaign_id, c.name, impressions, clicks, round(spend, 2), tracked)
        )
    if not rows:
        return Frame()
    cols = list(zip(*rows, strict=True))
    return Frame(
        platform=np.array(cols[0]),
        campaign_id=np.array(cols[1]),
        campaign_name=np.array(cols[2]),
        impressions=np.array(cols[3], dtype=np.int64),
        clicks=np.array(cols[4], dtype=np.int64),
        spend=np.array(cols[5], dtype=np.float64),
        tracked_sessions=np.array(cols[6], dtype=np.int64),
    )
