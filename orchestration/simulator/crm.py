"""The CRM: every contact that exists at the end of the day, with its current state.

A contact's row changes only when its LastModifiedDate moves (a card or web account added,
an unsubscribe), so the day's snapshot is cheap: `snapshot` lists who exists and when each
last changed; `details` builds the full rows for just the contacts asked for.
"""

from __future__ import annotations

import numpy as np

from orchestration.simulator.frame import Frame
from orchestration.simulator.ids import card_as_typed
from orchestration.simulator.timeutil import DAY, US
from orchestration.simulator.world import DayContext, World


def snapshot(world: World, ctx: DayContext) -> Frame:
    """Every contact at the end of the day: person, created and last modified."""
    pop, d = world.pop, ctx.d
    people = np.flatnonzero(pop.crm_day <= d)
    start_midnight = world.context(0).midnight_us
    created = start_midnight + pop.crm_created_us[people]
    # the last change: a card or web account added later, or an unsubscribe
    modified = created.copy()
    for day_col in (pop.member_day[people], pop.registered_day[people]):
        added = (day_col <= d) & (day_col > pop.crm_day[people])
        changed_at = start_midnight + day_col * DAY + 14 * 3600 * US
        modified = np.where(added, np.maximum(modified, changed_at), modified)
    unsub = world.unsubscribed_us[people]
    unsubscribed = (unsub > 0) & (unsub < ctx.midnight_us + DAY)
    modified = np.where(unsubscribed, np.maximum(modified, unsub), modified)
    return Frame(person=people, created_us=created, modified_us=modified)


def details(world: World, ctx: DayContext, contacts: Frame) -> Frame:
    """The full CRM rows of `contacts` (a slice of `snapshot`) as of the end of the day."""
    pop, d = world.pop, ctx.d
    people = contacts["person"]
    member = pop.member_day[people] <= d
    registered = pop.registered_day[people] <= d
    unsub = world.unsubscribed_us[people]
    unsubscribed = (unsub > 0) & (unsub < ctx.midnight_us + DAY)
    return Frame(
        person=people,
        contact_id=pop.crm_id[people],
        email=pop.email_forms[pop.crm_email_form[people], people],
        phone=pop.phone_forms[pop.crm_phone_style[people], people],
        first_name=pop.first_name[people],
        last_name=pop.last_name[people],
        created_us=contacts["created_us"],
        modified_us=contacts["modified_us"],
        opted_out=pop.opted_out_email[people] | unsubscribed,
        sms_opt_in=pop.sms_opt_in[people],
        card=np.where(member, card_as_typed(pop.card[people], pop.card_spaced_in_crm[people]), ""),
        member_id=np.where(member, pop.member_id[people], ""),
        preferred_store=np.where(
            pop.habit[people] != 1, world.cat.store_id[pop.preferred_store[people]], ""
        ),
        web_account=np.where(registered, pop.web_account[people], ""),
    )


def changed_today(ctx: DayContext, contacts: Frame) -> np.ndarray:
    """Rows created or modified today (all rows on the first day)."""
    if ctx.d == 0:
        return np.ones(len(contacts), dtype=bool)
    return (contacts["created_us"] >= ctx.midnight_us) | (
        contacts["modified_us"] >= ctx.midnight_us
    )
