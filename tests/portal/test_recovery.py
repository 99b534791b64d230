"""Nothing is lost between Get and the inbox: the Adapter has no acknowledge, so a request Get handed out to a
worker that died before storing it is gone from the queue. The worker's durable receive window and Find by
period bring it back; over HTTP against the emulator, answered exactly once."""

import datetime as dt

from plugins.portal import soap
from plugins.portal.client import AdapterClient
from plugins.portal.models import PortalApplication, PortalGetWindow, PortalInbox, PortalOutbox
from plugins.portal.worker import CycleStats
from tests.portal.test_reliability import _finals, _worker_process


def _queued(stand, client_id):
    return stand.emulator.store.by_client_id(client_id).delivered_at is None


def test_a_worker_killed_between_get_and_the_insert_recovers_the_request_with_find(stand):
    w = stand.world
    stand.apply(stand.application(w.parent, w.a1, number="N-0"))
    assert _worker_process(stand, 1).returncode == 0  # one answered before: the watermark of the next window
    client_id = stand.apply(stand.application(w.other_parent, w.a1, oid="7000002", number="N-1"))
    killed = _worker_process(stand, 1, kill_at="get.received")
    assert killed.returncode == 137, killed.stderr[-2000:]
    assert not _queued(stand, client_id)  # the Adapter handed it out: no Get will return it again
    with stand.app.app_context():
        assert not PortalInbox.select().where(PortalInbox.client_id == client_id).exists()  # and we lack it
        assert [w.worker_id for w in PortalGetWindow.select()] == ["host-1"]  # but the open window says so
    restarted = _worker_process(stand, 1)
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert "recovered request clientId=" + client_id in restarted.stderr
    assert len(_finals(stand, client_id)) == 1
    assert _worker_process(stand, 2).returncode == 0  # further cycles: nothing recovered or sent again
    assert len(stand.answers(client_id)) == 2  # the status and the answer, once each
    with stand.app.app_context():
        assert PortalApplication.select().count() == 2
        assert PortalInbox.get(PortalInbox.client_id == client_id).duplicates == 0
        assert PortalOutbox.select().where(PortalOutbox.status == "sent").count() == 4
        assert PortalGetWindow.select().count() == 0


def test_the_first_request_ever_lost_between_get_and_insert_is_recovered_too(stand):
    w = stand.world
    client_id = stand.apply(stand.application(w.parent, w.a1))
    assert _worker_process(stand, 1, kill_at="get.received").returncode == 137
    assert not _queued(stand, client_id)
    assert _worker_process(stand, 1).returncode == 0  # an empty inbox: Find asks for everything the Adapter keeps
    assert len(_finals(stand, client_id)) == 1
    assert len(stand.answers(client_id)) == 2


def test_another_worker_recovers_a_dead_workers_window_after_the_lease(stand):
    w = stand.world
    client_id = stand.apply(stand.application(w.parent, w.a1))
    dead = stand.new_worker(worker_id="dead", checkpoint=_raise_at("get.received"))
    with stand.app.app_context():
        try:
            dead.receive(CycleStats())
        except _Killed:
            pass
    assert not _queued(stand, client_id)
    live = stand.worker
    stats = live.run_cycle()  # the dead worker's window is fresh: it may still be storing; not touched
    assert stats.recovered == 0 and stand.answers(client_id) == []
    stand.clock_shift = dt.timedelta(seconds=61)  # lease_seconds = 60
    stats = live.run_cycle()
    assert stats.recovered == 1 and stats.processed == 1
    assert len(_finals(stand, client_id)) == 1
    with stand.app.app_context():
        assert PortalGetWindow.select().count() == 0


def test_a_recovered_request_still_in_the_queue_is_not_processed_twice(stand):
    w = stand.world
    stand.apply(stand.application(w.parent, w.a1, number="N-0"))
    stand.cycle()
    with stand.app.app_context():
        PortalGetWindow.create(worker_id=stand.worker.worker_id, opened_at=stand.clock(), touched_at=stand.clock(),
                               watermark=stand.clock() - dt.timedelta(minutes=1))  # a window left open
    client_id = stand.apply(stand.application(w.other_parent, w.a1, oid="7000002", number="N-1"))
    assert _queued(stand, client_id)
    stats = stand.cycle()  # Find also returns what is still queued: stored once; Get's copy is a repeat
    assert (stats.recovered, stats.received, stats.processed) == (1, 1, 1)
    assert len(_finals(stand, client_id)) == 1
    assert not _queued(stand, client_id)
    with stand.app.app_context():
        assert PortalInbox.select().count() == 2
        assert PortalApplication.select().count() == 2


def test_a_get_that_times_out_after_the_adapter_handed_the_message_out_is_recovered(make_stand):
    stand = make_stand(portal={"timeout_seconds": 0.3})
    w = stand.world
    client_id = stand.apply(stand.application(w.parent, w.a1))
    release = stand.emulator.make_trouble("hang", 1)  # the Get hangs past the client's timeout, then answers
    stats = stand.cycle()
    assert "no answer in 0.3 s" in stats.error
    release.set()
    assert stand.emulator.trouble.finished.wait(30)  # the late Get took the message from the queue
    assert not _queued(stand, client_id)
    stats = stand.cycle()
    assert stats.recovered == 1
    assert len(_finals(stand, client_id)) == 1


def test_find_answers_by_client_id_and_period_with_the_real_recipient(stand):
    w = stand.world
    client_id = stand.apply(stand.application(w.parent, w.a1))
    stand.cycle()
    eschool = AdapterClient(stand.adapter_url, "ESCHOOL")
    [request] = eschool.find(client_id, "GET_REQUEST_BY_REQUEST_CLIENTID")
    assert (request.xsi_type, request.client_id, request.sender, request.recipient) == (
        "RequestMessageType", client_id, "RPGU", "ESCHOOL")
    assert eschool.find(client_id, "GET_RESPONSE_BY_RESPONSE_CLIENTID") == []  # a request is no response
    answers = eschool.find(client_id)  # GET_RESPONSE_BY_REQUEST_CLIENTID: our status and answer, SMEV's statuses
    assert all(a.reply_to_client_id == client_id and a.recipient == "RPGU" for a in answers)
    assert len([a for a in answers if a.sender == "ESCHOOL"]) == 2
    moment = dt.datetime.now(dt.timezone(dt.timedelta(hours=3)))  # the Adapter's zone: compared as moments
    everything = eschool.find_since(moment - dt.timedelta(minutes=5))
    assert client_id in {r.client_id for r in everything}
    assert eschool.find_since(moment + dt.timedelta(minutes=5)) == []
    assert AdapterClient(stand.adapter_url, "OTHER").find(client_id, "GET_REQUEST_BY_REQUEST_CLIENTID") == []
    soap.check(soap.find_by_period("ESCHOOL", moment))


class _Killed(Exception):
    pass


def _raise_at(point):
    def checkpoint(name):
        if name == point:
            raise _Killed(name)

    return checkpoint
