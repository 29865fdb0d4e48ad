"""The alert watcher raises sales alerts from stage changes and hand-off requests, once each."""

from __future__ import annotations

from datetime import timedelta

from nurture_engine.alert_watch import AlertWatcher
from nurture_engine.alerts import SalesAlerter
from nurture_engine.alerts_model import AlertTrigger
from nurture_engine.domain import Channel, Identity, ProfileField
from nurture_engine.service import Conversation
from nurture_engine.store.alerts_memory import MemoryAlertStore
from nurture_engine.testing import T0, memory_service

from .conftest import said

TG = Identity(channel=Channel.TELEGRAM, sender_id="900")


class Transcript:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def events(self, sender_id: str) -> list[dict[str, object]]:
        self.asked.append(sender_id)
        return [{"event": "user", "text": "can I talk to sales?", "timestamp": T0.timestamp()},
                {"event": "bot", "text": "Sure, what's your work email?", "timestamp": T0.timestamp() + 1}]


async def test_a_lead_reaching_sql_and_a_handoff_request_each_raise_one_alert() -> None:
    service, store, clock = memory_service()
    alerts = MemoryAlertStore()
    alerter = SalesAlerter(store=alerts, clock=clock, lead_actions=service)
    transcript = Transcript()
    watcher = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock, conversations=transcript)
    await alerter.start()
    conv = Conversation(channel=TG.channel, sender_id=TG.sender_id)
    await service.record_answers(conv, {ProfileField.EMAIL: "ana@globex.com", ProfileField.ROLE: "VP of Sales"})
    await service.record_demo_request(conv, "request_demo")  # demo + email: sql
    assert await watcher.run_once() == 1
    lead = await service.lookup(conv)
    assert lead is not None and lead.stage.value == "sql"
    [alert] = await alerter.alerts_for(lead.id)
    assert alert.trigger is AlertTrigger.STAGE_SQL and alert.context.channel is Channel.TELEGRAM
    assert [m.text for m in alert.context.messages] == ["can I talk to sales?", "Sure, what's your work email?"]
    assert transcript.asked == ["900"]
    assert await watcher.run_once() == 0  # positions are kept: nothing is handled twice
    other = Identity(channel=Channel.WEB, sender_id="web-visitor-0001")
    await service.ingest([said(other, "human_handoff", T0)])
    assert await watcher.run_once() == 1
    someone = await service.lookup(Conversation(channel=other.channel, sender_id=other.sender_id))
    assert someone is not None
    [handoff] = await alerter.alerts_for(someone.id)
    assert handoff.trigger is AlertTrigger.HUMAN_HANDOFF
    clock.set(T0 + timedelta(hours=1))
    await service.ingest([said(other, "contact_sales", T0 + timedelta(hours=1))])
    assert await watcher.run_once() == 1
    assert len(await alerter.alerts_for(someone.id)) == 1  # within the cooldown: not announced again
