"""The CRM: every contact that exists at the end of the day, with its current state."""

from __future__ import annotations

import numpy as np

from orchestration.simulator.frame import Frame
from orchestration.simulator.ids import card_as_typed
from orchestration.simulator.timeutil import DAY, US
from orchestration.simulator.world import DayContext, World


def snapshot(world: World, ctx: DayContext) -> Frame:
    pop, d = world.pop, ctx.d
    people = np.flatnonzero(pop.crm_day <= d)
    start_midnight = world.context(0).midnight_us
    created = start_midnight + pop.crm_created_us[people]
    member = pop.member_day[people] <= d
    registered = pop.registered_day[people] <= d
    # the last change: a card or web account added later, or an unsubscribe
    modified = created.copy()
    for day_col, has in (
        (pop.member_day[people], member),
        (pop.registered_day[people], registered),
    ):
        added = has & (day_col > pop.crm_day[people])
        modified = np.where(
            added, np.maximum(modified, start_midnight + day_col * DAY + 14 * 3600 * US), modified
        )
    unsub = world.unsubscribed_us[people]
    unsubscribed = (unsub > 0) & (unsub < ctx.midnight_us + DAY)
    modified = np.where(unsubscribed, np.maximum(modified, unsub), modified)
    return Frame(
        person=people,
        contact_id=pop.crm_id[people],
        email=pop.email_forms[pop.crm_email_form[people], people],
        phone=pop.phone_forms[pop.crm_phone_style[people], people],
        first_name=pop.first_name[people],
        last_name=pop.last_name[people],
        created_us=created,
        modified_us=modified,
        opted_out=pop.opted_out_email[people] | unsubscribed,
        sms_opt_in=pop.sms_opt_in[people],
        card=np.where(member, card_as_typed(pop.card[people], pop.card_spaced_in_crm[people]), ""),
        member_id=np.where(member, pop.member_id[people], ""),
        preferred_store=np.where(
            pop.habit[people] != 1, world.cat.store_id[pop.preferred_store[people]], ""
        ),
        web_account=np.where(registered, pop.web_account[people], ""),
    )
